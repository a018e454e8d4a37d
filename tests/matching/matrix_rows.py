"""Permission rows for the officers' candidate page and the match-results API.

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


ROWS = [
    Row("matching:officer_candidates", only("officer", "other_officer", "admin")),
    Row("api:match-result-list", logged_in(200, anonymous=API_ANON)),
    Row(
        "api:match-result-detail",
        roles(404, anonymous=API_ANON, producer=200, officer=200, admin=200),
        setup=_result_of_producer_in_chiang_mai,
    ),
]
