"""Permission rows for the officers' referral pages and the producer's referral buttons.

Officers of the product's province and administrators read and act; an officer of another
province gets 404 for one referral (as if it did not exist) and an empty list; producers and
partner members cannot act as officers. A producer acts only on their own product.
"""

from tests.matrix import Row, only, roles


def _referral_in_chiang_mai(request, *, state: str = "proposed") -> dict:
    """A referral of `producer`'s product (made in Chiang Mai, the `officer`'s province) to a
    channel of `partner`'s organisation, proposed by the officer."""
    from matching.services import referral_propose, rematch_all
    from producers.models import ProducerStatus
    from tests import factories

    profile = factories.ProducerFactory(
        user=request.getfixturevalue("producer"),
        province=factories.ProvinceFactory(code="50"),
        status=ProducerStatus.VERIFIED,
    )
    product = factories.ProductFactory(producer=profile)
    channel = factories.ChannelFactory(partner=request.getfixturevalue("partner_org"))
    rematch_all()
    referral = referral_propose(
        product=product, channel=channel, by=request.getfixturevalue("officer")
    )
    return {"pk": referral.pk, "product": product, "channel": channel}


def _referral_page(request) -> dict:
    return {"pk": _referral_in_chiang_mai(request)["pk"]}


def _bulk_data(request) -> dict:
    return {"ids": [_referral_in_chiang_mai(request)["pk"]], "to_state": "approved"}


def _candidate_data(request) -> dict:
    from matching.models import MatchResult
    from matching.services import rematch_all
    from producers.models import ProducerStatus
    from tests import factories

    profile = factories.ProducerFactory(
        user=request.getfixturevalue("producer"),
        province=factories.ProvinceFactory(code="50"),
        status=ProducerStatus.VERIFIED,
    )
    product = factories.ProductFactory(producer=profile)
    factories.ChannelFactory(partner=request.getfixturevalue("partner_org"))
    rematch_all()
    return {"ids": [MatchResult.objects.get(product=product).pk], "to_state": "proposed"}


def _own_product(request) -> dict:
    made = _referral_in_chiang_mai(request)
    return {"pk": made["product"].pk, "referral_pk": made["pk"]}


def _own_eligible_product(request) -> dict:
    from matching.services import rematch_all
    from producers.models import ProducerStatus
    from tests import factories

    profile = factories.ProducerFactory(
        user=request.getfixturevalue("producer"),
        province=factories.ProvinceFactory(code="50"),
        status=ProducerStatus.VERIFIED,
    )
    product = factories.ProductFactory(producer=profile)
    factories.ChannelFactory(code="matrix-ask", partner=request.getfixturevalue("partner_org"))
    rematch_all()
    return {"pk": product.pk}


OFFICERS_AND_ADMINS = only("officer", "other_officer", "admin")
OFFICER_READS = roles(403, anonymous=302, officer=200, other_officer=404, admin=200)
OFFICER_ACTS = roles(403, anonymous=302, officer=302, other_officer=404, admin=302)
# Bulk forms redirect back with a message for every officer: what is out of their scope is
# reported as "does not exist", not acted on (tested in test_referral_pages.py).
OFFICER_BULK = roles(403, anonymous=302, officer=302, other_officer=302, admin=302)
OWNER_ACTS = roles(403, anonymous=302, producer=302, other_producer=404)

ROWS = [
    Row("matching:referrals", OFFICERS_AND_ADMINS),
    Row("matching:referral", OFFICER_READS, setup=_referral_page),
    Row(
        "matching:referral",
        OFFICER_ACTS,
        method="post",
        setup=_referral_page,
        data={"to_state": "approved", "note": "ok"},
    ),
    Row("matching:referral_bulk", OFFICER_BULK, method="post", data=_bulk_data),
    Row("matching:candidates_refer", OFFICER_BULK, method="post", data=_candidate_data),
    Row(
        "producers:referral_request",
        OWNER_ACTS,
        method="post",
        setup=_own_eligible_product,
        data={"channel": "matrix-ask"},
    ),
    Row("producers:referral_withdraw", OWNER_ACTS, method="post", setup=_own_product),
    Row(
        "producers:referral_withdraw",
        roles(403, anonymous=302, producer=200, other_producer=404),
        setup=_own_product,
    ),
]
