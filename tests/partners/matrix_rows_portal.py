"""Permission rows for the partner portal's shortlist, product page, decisions and questions,
its read-only API, and the officers' answer to a question.

A partner member reads and decides on their own partner's referrals; a member of another partner
gets 404 for one of them (as if it did not exist) and an empty shortlist; officers, producers and
administrators get 403 on partner pages, anonymous visitors the login page (the API: 401).

The helpers here also set up the tests in test_portal_*.py.
"""

from __future__ import annotations

from tests.matrix import API_ANON, Row, only, roles


def sent_referrals(n: int, *, channel, officer, province_code: str = "50", **product_kwargs):
    """n products of verified producers in the province, referred to `channel` and sent to its
    partner by `officer` (who must cover the province). Returns the referrals."""
    from matching.services import referral_propose, referral_transition, rematch_products
    from producers.models import ProducerStatus
    from tests import factories

    province = factories.ProvinceFactory(code=province_code)
    products = [
        factories.ProductFactory(
            producer=factories.ProducerFactory(province=province, status=ProducerStatus.VERIFIED),
            **product_kwargs,
        )
        for _ in range(n)
    ]
    rematch_products([p.pk for p in products])
    referrals = []
    for product in products:
        referral = referral_propose(product=product, channel=channel, by=officer)
        referral_transition(referral_id=referral.pk, to_state="approved", by=officer)
        referrals.append(referral_transition(referral_id=referral.pk, to_state="sent", by=officer))
    return referrals


def _central_referral(request) -> dict:
    """A referral sent to a channel of "central" (the `partner` fixture's partner)."""
    from tests import factories

    channel = factories.ChannelFactory(partner=request.getfixturevalue("partner_org"))
    (referral,) = sent_referrals(1, channel=channel, officer=request.getfixturevalue("officer"))
    request.getfixturevalue("other_partner")  # so that "shopee" exists for the other member
    return {"pk": referral.pk}


def _bulk_data(request) -> dict:
    return {"ids": [_central_referral(request)["pk"]], "decision": "accepted"}


PARTNER_MEMBERS = only("partner", "other_partner")
# Their own partner's referral: the member reads it; the other partner's member gets 404.
OWN_READS = roles(403, anonymous=302, partner=200, other_partner=404)
OWN_ACTS = roles(403, anonymous=302, partner=302, other_partner=404)
# A bulk form answers every member with a redirect: another partner's ids are reported as
# "does not exist", not acted on (tested in test_portal_referral.py).
MEMBER_BULK = roles(403, anonymous=302, partner=302, other_partner=302)
OFFICER_ANSWERS = roles(403, anonymous=302, officer=302, other_officer=404, admin=302)
API_MEMBERS = roles(403, anonymous=API_ANON, partner=200, other_partner=200)
API_OWN = roles(403, anonymous=API_ANON, partner=200, other_partner=404)

ROWS = [
    # "partners:home" (the shortlist) keeps its row in tests/test_permissions.py.
    Row("partners:referral", OWN_READS, setup=_central_referral),
    Row(
        "partners:referral_decide",
        OWN_ACTS,
        method="post",
        setup=_central_referral,
        data={"decision": "accepted"},
    ),
    Row(
        "partners:referral_ask",
        OWN_ACTS,
        method="post",
        setup=_central_referral,
        data={"text": "How many can you make before Songkran?"},
    ),
    Row("partners:referral_bulk", MEMBER_BULK, method="post", data=_bulk_data),
    Row(
        "matching:referral_message",
        OFFICER_ANSWERS,
        method="post",
        setup=_central_referral,
        data={"text": "Up to 3,000 jars a month."},
    ),
    Row("api:shortlist-list", API_MEMBERS),
    Row("api:shortlist-detail", API_OWN, setup=_central_referral),
]
