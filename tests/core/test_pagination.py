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


# --- A page's rows read as values (values_rows, issue 13) ----------------------------------------


@pytest.mark.parametrize("language", ["th", "en"])
def test_rows_read_as_values_say_what_the_models_say_in_the_ids_order(language):
    """values_rows gives what rows_of_ids gives for the columns a row template reads: each
    relation under its own name, None where it is empty, the name in the reader's language
    (Thai where there is no English one), in the ids' order, an id no longer there left out."""
    from django.utils import translation

    from otop_portal.pagination import rows_of_ids, values_rows
    from producers.models import Producer

    province = factories.ProvinceFactory(code="50", name_th="เชียงใหม่", name_en="Chiang Mai")
    first = factories.ProducerFactory(province=province, name_en="Weavers of Mueang")
    second = factories.ProducerFactory(province=None, name_en="")
    columns = ("name_th", "name_en", "province__name_th", "province__name_en")
    ids = [second.pk, 999_999, first.pk]
    with translation.override(language):
        rows = values_rows(Producer.objects.all(), ids, columns)
        models = rows_of_ids(Producer.objects.select_related("province"), ids)
        assert [r.pk for r in rows] == [m.pk for m in models] == [second.pk, first.pk]
        assert [r.name for r in rows] == [m.name for m in models]
        assert rows[0].province is None
        assert rows[0].name == second.name_th
        assert rows[1].name == ("Weavers of Mueang" if language == "en" else first.name_th)
        assert rows[1].province.name == ("Chiang Mai" if language == "en" else "เชียงใหม่")


def test_a_list_paged_as_values_keeps_its_order_count_and_labels():
    """ValuesList pages a queryset as ValuesRows: the queryset's order and count, each
    relation nested, names and choice labels as the model row says them (in the language of
    the reader who reads them), and a row equal to the model row of the same record only."""
    from django.core.paginator import Paginator
    from django.utils import translation

    from otop_portal.jinja2 import choice_label
    from otop_portal.pagination import ValuesList, ValuesRow
    from producers.models import Producer

    province = factories.ProvinceFactory(code="50", name_th="เชียงใหม่", name_en="Chiang Mai")
    made = [
        factories.ProducerFactory(province=province, name_th=f"กลุ่ม {i}", producer_type=kind)
        for i, kind in enumerate(["community_group", "sme", "single_owner", "sme", "sme"])
    ]
    queryset = Producer.objects.filter(pk__in=[p.pk for p in made]).order_by("-name_th")
    columns = ("name_th", "name_en", "producer_type", "province__name_th", "province__name_en")
    paginator = Paginator(ValuesList(queryset, columns), 2)
    assert (paginator.count, paginator.num_pages) == (5, 3)
    page = paginator.page(2)
    expected = list(queryset)[2:4]
    assert [row.pk for row in page] == [p.pk for p in expected]
    assert list(page) == expected and page[0] != expected[1]
    assert ValuesList(queryset, columns)[0] == queryset.first()
    for language in ("th", "en"):
        with translation.override(language):  # read and shown in the reader's language
            page = paginator.page(2)
            assert [choice_label(row, "producer_type") for row in page] == [
                p.get_producer_type_display() for p in expected
            ]
            assert page[0].province.name == province.name
    assert page[0] != ValuesRow({"pk": page[0].pk}, province._meta)  # another model's row
    # What was read is all a row holds (its kept renderings are keyed by it): it cannot change.
    for row, name in ((page[0], "name_th"), (page[0].province, "name"), (page[0], "extra")):
        with pytest.raises(AttributeError, match="holds what was read"):
            setattr(row, name, "ชื่ออื่น")
    assert page[0].name_th == expected[0].name_th
