"""The capped paginator: a count that stops early on very long lists."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from otop_portal.models import Province
from otop_portal.pagination import CappedPaginator
from tests import factories

pytestmark = pytest.mark.django_db


def _provinces(n: int) -> None:
    for i in range(n):
        factories.ProvinceFactory(code=f"{10 + i}")


def test_below_the_cap_the_count_is_exact():
    _provinces(7)
    paginator = CappedPaginator(Province.objects.order_by("code"), 3, cap=10)
    assert (paginator.count, paginator.count_is_capped, paginator.num_pages) == (7, False, 3)


def test_above_the_cap_the_count_stops_and_says_so():
    _provinces(12)
    paginator = CappedPaginator(Province.objects.order_by("code"), 3, cap=10)
    assert (paginator.count, paginator.count_is_capped, paginator.num_pages) == (10, True, 4)
    assert [p.code for p in paginator.page(4)] == ["19"]


def test_the_count_query_neither_sorts_nor_reads_past_the_cap():
    _provinces(3)
    paginator = CappedPaginator(Province.objects.order_by("name_th"), 3, cap=10)
    with CaptureQueriesContext(connection) as ctx:
        assert paginator.count == 3
    (sql,) = [q["sql"].upper() for q in ctx.captured_queries]
    assert "LIMIT 11" in sql and "ORDER BY" not in sql
