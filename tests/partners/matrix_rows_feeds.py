"""Permission rows for the listing feed: the page and the download are for partner members
(each gets their own partner's feed), the API likewise; the signed image link needs no login
and works for anyone holding it, and a tampered one for no one."""

from tests.matrix import API_ANON, Row, everyone, only

PARTNER_MEMBERS = only("partner", "other_partner")


def _signed_image(request) -> dict:
    from partners.portal.feeds import image_token
    from tests import factories

    return {"token": image_token(factories.ProductPhotoFactory().pk)}


ROWS = [
    Row("partners:feed", PARTNER_MEMBERS),
    Row("partners:feed_download", PARTNER_MEMBERS, data={"format": "csv"}),
    Row("partners:feed_image", everyone(200), setup=_signed_image),
    Row("partners:feed_image", everyone(404), kwargs={"token": "1:1vQk2a:tampered"}),
    Row("api:partner-feed", only("partner", "other_partner", anonymous=API_ANON)),
]
