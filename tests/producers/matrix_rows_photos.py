"""Permission rows for product photos: private files, shown to those who may see the product
(its producer, officers of its province, administrators, members of the partner it was sent
to); anyone else gets 404 as if it did not exist, an anonymous visitor the login page."""

from tests.matrix import LOGIN, Row


def photo_sent_to_central(request) -> dict:
    """A photo of the `producer` fixture's product (Chiang Mai, verified), sent to Central
    (the `partner` fixture's partner). Returns the URL kwargs of its full-size photo."""
    from matching.services import referral_propose, referral_transition, rematch_products
    from producers.models import ProducerStatus
    from tests import factories

    request.getfixturevalue("other_partner")  # so that Shopee exists for its member
    profile = factories.ProducerFactory(
        user=request.getfixturevalue("producer"),
        province=request.getfixturevalue("province"),
        status=ProducerStatus.VERIFIED,
    )
    photo = factories.ProductPhotoFactory(product=factories.ProductFactory(producer=profile))
    channel = factories.ChannelFactory(partner=request.getfixturevalue("partner_org"))
    rematch_products([photo.product_id])
    officer = request.getfixturevalue("officer")
    referral = referral_propose(product=photo.product, channel=channel, by=officer)
    for state in ("approved", "sent"):
        referral_transition(referral_id=referral.pk, to_state=state, by=officer)
    return {"pk": photo.pk, "size": "full"}


def _thumbnail(request) -> dict:
    return {**photo_sent_to_central(request), "size": "thumbnail"}


SEES = {
    "anonymous": LOGIN,
    "producer": 200,
    "other_producer": 404,
    "officer": 200,
    "other_officer": 404,
    "partner": 200,
    "other_partner": 404,
    "admin": 200,
}

ROWS = [
    Row("producers:product_photo", SEES, setup=photo_sent_to_central),
    Row("producers:product_photo", SEES, setup=_thumbnail),
]
