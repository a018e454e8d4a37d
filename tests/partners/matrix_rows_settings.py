"""Permission rows for the partner settings pages, the API keys (pages and API) and the
referral API's `ask` action.

Any partner member reads the settings hub; only the partner's administrators (the `partner`
fixture; `other_partner` is a plain member of another partner) change members and manage keys.
A member or key of another partner is 404 (tests/partners/test_partner_settings.py,
test_api_tokens.py); here the plain member is refused before that (403).
"""

from tests.matching.matrix_rows import _api_sent
from tests.matrix import API_ANON, Row, only, roles

ADMINS_OF_THE_PARTNER = only("partner")
ADMINS_ACT = only("partner", ok=302)
API_ADMINS = only("partner", anonymous=API_ANON)


def _colleague(request) -> dict:
    """A plain member of `partner`'s organisation."""
    from tests import factories

    member = factories.PartnerMemberFactory(partner=request.getfixturevalue("partner_org"))
    return {"pk": member.pk}


def _key(request) -> dict:
    """A working API key of `partner`'s organisation, made by `partner`."""
    from partners.services import api_token_create

    partner = request.getfixturevalue("partner")
    token, _key = api_token_create(partner=partner.partner, name="matrix", by=partner)
    return {"pk": token.pk}


ROWS = [
    Row("partners:settings", only("partner", "other_partner")),
    Row("partners:api_keys", ADMINS_OF_THE_PARTNER),
    # The answer to a good POST is the page that shows the new key once (200).
    Row("partners:api_keys", ADMINS_OF_THE_PARTNER, method="post", data={"name": "matrix"}),
    Row("partners:api_key_revoke", ADMINS_ACT, method="post", setup=_key),
    Row(
        "partners:member_admin", ADMINS_ACT, method="post", setup=_colleague, data={"is_admin": "1"}
    ),
    Row("partners:member_deactivate", ADMINS_ACT, method="post", setup=_colleague),
    Row("api:partner-key-list", API_ADMINS),
    Row(
        "api:partner-key-list",
        only("partner", ok=201, anonymous=API_ANON),
        method="post",
        data={"name": "matrix"},
        json=True,
    ),
    Row("api:partner-key-revoke", API_ADMINS, method="post", setup=_key, json=True),
    # The partner asks, the officers of the province (and administrators) answer; the producer
    # reads the referral but does not write about it; others do not see it.
    Row(
        "api:referral-ask",
        roles(404, anonymous=API_ANON, producer=403, officer=201, admin=201, partner=201),
        method="post",
        setup=_api_sent,
        data={"text": "Can the producer deliver 500 pieces a month?"},
        json=True,
    ),
]
