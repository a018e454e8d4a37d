"""Permission rows for recording that a partner left the MOU: officers and administrators only,
on the confirmation page or with the API's leave action (a partner's own administrator may
not)."""

from tests.matrix import API_ANON, Row, only


def _central(request) -> dict:
    request.getfixturevalue("partner_org")
    return {"code": "central"}


OFFICERS_AND_ADMINS = only("officer", "other_officer", "admin")

ROWS = [
    Row("matching:partner_leave", OFFICERS_AND_ADMINS, setup=_central),
    Row(
        "matching:partner_leave",
        only("officer", "other_officer", "admin", ok=302),
        method="post",
        setup=_central,
        data={"confirm": "on"},
    ),
    Row(
        "api:partner-leave",
        only("officer", "other_officer", "admin", anonymous=API_ANON),
        method="post",
        setup=_central,
        data={"confirm": True},
        json=True,
    ),
]
