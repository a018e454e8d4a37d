"""Permission rows for the officers' queues, the candidate page and the match-results API.

(matching:officer_home is in tests/test_permissions.py.) The API answers every logged-in role:
what each sees is its own scope (producers their products, officers their provinces, partner
members nothing yet), tested in tests/matching/test_results_api.py.
"""

from tests.matrix import API_ANON, Row, logged_in, only, roles


def _result_of_producer_in_chiang_mai(request) -> dict:
    """A result of `producer`'s product, made in Chiang Mai (the `officer`'s province)."""
    from matching.models import MatchResult
    from matching.services import rematch_products
    from producers.models import ProducerStatus
    from tests import factories

    profile = factories.ProducerFactory(
        user=request.getfixturevalue("producer"),
        province=factories.ProvinceFactory(code="50"),
        status=ProducerStatus.VERIFIED,
    )
    product = factories.ProductFactory(producer=profile)
    factories.ChannelFactory(code="matrix-shop")
    rematch_products([product.pk])
    return {"pk": MatchResult.objects.get(product=product).pk}


def _submitted_producer_in_chiang_mai(request) -> dict:
    """`producer`'s profile, waiting for verification in Chiang Mai (the `officer`'s province)."""
    from tests import factories

    profile = factories.ProducerFactory(
        user=request.getfixturevalue("producer"), province=factories.ProvinceFactory(code="50")
    )
    return {"pk": profile.pk}


def _pending_certificate_in_chiang_mai(request) -> dict:
    """A certificate waiting for verification, of `producer`'s profile in Chiang Mai."""
    from tests import factories

    profile = factories.ProducerFactory(
        user=request.getfixturevalue("producer"), province=factories.ProvinceFactory(code="50")
    )
    return {"pk": factories.CertificationFactory(producer=profile).pk}


# Officers of the province and administrators act (and are sent back to the queue); an officer
# of another province gets 404, as if the record did not exist.
OFFICER_ACTS = roles(403, anonymous=302, officer=302, other_officer=404, admin=302)
OFFICER_READS = roles(403, anonymous=302, officer=200, other_officer=404, admin=200)
OFFICERS_AND_ADMINS = only("officer", "other_officer", "admin")

ROWS = [
    Row("matching:officer_producers", OFFICERS_AND_ADMINS),
    Row("matching:officer_producer", OFFICER_READS, setup=_submitted_producer_in_chiang_mai),
    Row(
        "matching:officer_producer",
        OFFICER_ACTS,
        method="post",
        setup=_submitted_producer_in_chiang_mai,
        data={"action": "verify"},
    ),
    Row("matching:officer_certificates", OFFICERS_AND_ADMINS),
    Row("matching:officer_expiring_certificates", OFFICERS_AND_ADMINS),
    Row("matching:officer_certificate", OFFICER_READS, setup=_pending_certificate_in_chiang_mai),
    Row(
        "matching:officer_certificate",
        OFFICER_ACTS,
        method="post",
        setup=_pending_certificate_in_chiang_mai,
        data={"action": "verify"},
    ),
    Row("matching:officer_candidates", only("officer", "other_officer", "admin")),
    Row("api:match-result-list", logged_in(200, anonymous=API_ANON)),
    Row(
        "api:match-result-detail",
        roles(404, anonymous=API_ANON, producer=200, officer=200, admin=200),
        setup=_result_of_producer_in_chiang_mai,
    ),
]
