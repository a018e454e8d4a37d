"""Permission rows for the partner directory, channel editing and the partners API.

"partner" is the administrator of Central (the partner these rows use); "other_partner" is a plain
member of Shopee: they read like everyone else and edit nothing of Central's.
"""

from tests.matrix import API_ANON, LOGIN, Row, everyone, roles

EDITORS = ("officer", "other_officer", "partner", "admin")


def editors(ok: int, *, anonymous: int = LOGIN) -> dict[str, int]:
    return roles(403, anonymous=anonymous, **dict.fromkeys(EDITORS, ok))


# The partner's own members, officers and administrators see who changed what.
HISTORY_READERS = roles(
    403, anonymous=LOGIN, officer=200, other_officer=200, partner=200, admin=200
)


def _central(request) -> dict:
    request.getfixturevalue("partner_org")
    return {"partner": "central"}


def _central_channel(request) -> dict:
    from tests import factories

    org = request.getfixturevalue("partner_org")
    factories.ChannelFactory(partner=org, code="central-shelf", requirement={"min_star_level": 3})
    return {"partner": "central", "channel": "central-shelf"}


def _central_only(request) -> dict:
    request.getfixturevalue("partner_org")
    return {}


def _api_partner(request) -> dict:
    request.getfixturevalue("partner_org")
    return {"code": "central"}


def _api_channel(request) -> dict:
    _central_channel(request)
    return {"code": "central-shelf"}


def _api_requirement(request) -> dict:
    _central_channel(request)
    return {"channel": "central-shelf"}


# (status is on the form for officers and administrators only; others' forms ignore it)
PARTNER_FORM = {"name_th": "เซ็นทรัล", "name_en": "Central Group", "status": "active"}
NEW_CHANNEL_FORM = {
    "channel-code": "central-new",
    "channel-kind": "online_marketplace",
    "channel-name_th": "ใหม่",
    "channel-name_en": "New",
    "channel-nationwide": "on",
    "channel-is_active": "on",
}
REQUIREMENT_FORM = {
    "channel-kind": "modern_trade",
    "channel-name_th": "ชั้นวาง",
    "channel-name_en": "Shelf",
    "channel-nationwide": "on",
    "channel-is_active": "on",
    "min_star_level": "4",
    "rules-TOTAL_FORMS": "0",
    "rules-INITIAL_FORMS": "0",
    "preferred-TOTAL_FORMS": "0",
    "preferred-INITIAL_FORMS": "0",
}
API_NEW_CHANNEL = {
    "code": "central-api",
    "partner": "central",
    "kind": "online_marketplace",
    "name_th": "ออนไลน์",
    "name_en": "Online",
}

ROWS = [
    # pages
    Row("partners:partner_detail", everyone(200), setup=_central),
    Row("partners:partner_edit", editors(200), setup=_central),
    Row("partners:partner_edit", editors(302), method="post", setup=_central, data=PARTNER_FORM),
    Row("partners:channel_new", editors(200), setup=_central),
    Row(
        "partners:channel_new",
        editors(302),
        method="post",
        setup=_central,
        data=NEW_CHANNEL_FORM,
    ),
    Row("partners:channel_detail", everyone(200), setup=_central_channel),
    Row("partners:channel_edit", editors(200), setup=_central_channel),
    Row(
        "partners:channel_edit",
        editors(302),
        method="post",
        setup=_central_channel,
        data=REQUIREMENT_FORM,
    ),
    Row("partners:channel_history", HISTORY_READERS, setup=_central_channel),
    # API: anyone reads, editors write
    Row("api:partner-list", everyone(200)),
    Row("api:partner-detail", everyone(200), setup=_api_partner),
    Row(
        "api:partner-detail",
        editors(200, anonymous=API_ANON),
        method="patch",
        setup=_api_partner,
        data={"contact_name": "Buyer desk"},
        json=True,
    ),
    Row("api:channel-list", everyone(200)),
    Row(
        "api:channel-list",
        editors(201, anonymous=API_ANON),
        method="post",
        setup=_central_only,
        data=API_NEW_CHANNEL,
        json=True,
    ),
    Row("api:channel-detail", everyone(200), setup=_api_channel),
    Row(
        "api:channel-detail",
        editors(200, anonymous=API_ANON),
        method="patch",
        setup=_api_channel,
        data={"name_en": "Central shelf"},
        json=True,
    ),
    Row("api:requirement-list", everyone(200)),
    Row("api:requirement-detail", everyone(200), setup=_api_requirement),
    Row(
        "api:requirement-detail",
        editors(200, anonymous=API_ANON),
        method="patch",
        setup=_api_requirement,
        data={"min_stars": 4},
        json=True,
    ),
    Row(
        "api:requirement-detail",
        editors(200, anonymous=API_ANON),
        method="put",
        setup=_api_requirement,
        data={"min_stars": 5, "gtin_required": True},
        json=True,
    ),
    Row(
        "api:requirement-versions",
        {**HISTORY_READERS, "anonymous": API_ANON},
        setup=_api_requirement,
    ),
]
