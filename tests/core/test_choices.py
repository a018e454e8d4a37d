"""The selects of the list pages' filter forms read their choices in one plain query
(otop_portal/choices.py): no server-side cursor, and the same choices as Django's fields."""

from __future__ import annotations

import pytest
from django import forms
from django.db import connection
from django.urls import reverse

from otop_portal.choices import FilterModelChoiceField, ModelChoiceField, ModelMultipleChoiceField
from otop_portal.models import Province
from tests import factories

pytestmark = pytest.mark.django_db


def _named_cursors_while(action) -> list[str]:
    """The server-side (named) cursors the queries of `action` ran on."""
    names = []

    def record(execute, sql, params, many, context):
        name = getattr(context["cursor"].cursor, "name", None)
        if name:
            names.append(name)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        action()
    return names


@pytest.mark.skipif(connection.vendor != "postgresql", reason="server-side cursors: PostgreSQL")
@pytest.mark.parametrize(
    ("who", "url"),
    [
        ("partner", reverse("partners:home")),
        ("officer", reverse("matching:officer_candidates")),
        ("officer", reverse("matching:referrals")),
        ("officer", reverse("matching:officer_certificates")),
    ],
)
def test_a_list_pages_filter_selects_open_no_server_side_cursor(client, user_for, who, url):
    factories.SubCategoryFactory()
    client.force_login(user_for(who))
    response = None

    def visit():
        nonlocal response
        response = client.get(url)

    assert _named_cursors_while(visit) == []
    assert response.status_code == 200
    assert b"<option" in response.content


def test_the_choices_are_djangos_own_empty_choice_first_then_the_rows_in_order():
    for code, name in (("10", "กรุงเทพมหานคร"), ("50", "เชียงใหม่")):
        Province.objects.get_or_create(code=code, defaults={"name_th": name, "name_en": name})
    queryset = Province.objects.order_by("code")
    for ours, djangos in (
        (
            ModelChoiceField(queryset, empty_label="ทุกจังหวัด"),
            forms.ModelChoiceField(queryset, empty_label="ทุกจังหวัด"),
        ),
        (ModelMultipleChoiceField(queryset), forms.ModelMultipleChoiceField(queryset)),
    ):
        assert [(str(v), label) for v, label in ours.choices] == [
            (str(v), label) for v, label in djangos.choices
        ]
        assert (
            len(ours.choices)
            == len(djangos.choices)
            == queryset.count() + (ours.empty_label is not None)
        )


def test_a_filters_none_choice_comes_after_the_empty_one():
    queryset = Province.objects.order_by("code")
    field = FilterModelChoiceField(queryset, empty_label="ใดก็ได้", null_label="ไม่ระบุ")
    choices = list(field.choices)
    assert choices[:2] == [("", "ใดก็ได้"), ("null", "ไม่ระบุ")]
    assert len(field.choices) == queryset.count() + 2


# --- Reference selects kept rendered (ReferenceSelect) ------------------------------------------


def _category_select(html: str) -> str:
    start = html.index('<select name="category"')
    return html[start : html.index("</select>", start)]


def _reads_of(table: str, client, url: str, **params) -> tuple[str, int]:
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        html = client.get(url, params).content.decode()
    return html, sum(f'FROM "{table}"' in q["sql"] for q in ctx.captured_queries)


def test_a_reference_select_is_read_once_then_kept_until_one_of_its_rows_changes(
    client, national_officer
):
    food = factories.CategoryFactory(code="food", name_en="Food", name_th="อาหาร")
    client.force_login(national_officer)
    client.cookies["django_language"] = "en"
    url = reverse("matching:officer_candidates")
    first, reads = _reads_of("producers_category", client, url)
    assert reads == 1 and ">Food</option>" in _category_select(first)
    again, reads = _reads_of("producers_category", client, url)
    assert reads == 0 and _category_select(again) == _category_select(first)

    food.name_en = "Food and snacks"
    food.save()
    factories.CategoryFactory(code="herb", name_en="Herbal products", name_th="สมุนไพร")
    renamed, reads = _reads_of("producers_category", client, url)
    assert reads == 1
    assert ">Food and snacks</option>" in _category_select(renamed)
    assert ">Herbal products</option>" in _category_select(renamed)


def test_a_kept_select_still_shows_what_was_chosen_in_the_readers_language(
    client, national_officer
):
    factories.CategoryFactory(code="food", name_en="Food", name_th="อาหาร")
    client.force_login(national_officer)
    url = reverse("matching:officer_candidates")
    client.cookies["django_language"] = "en"
    assert 'value="food" selected' not in _category_select(client.get(url).content.decode())
    chosen = _category_select(client.get(url, {"category": "food"}).content.decode())
    assert '<option value="food" selected>Food</option>' in chosen
    assert 'value="food" selected' not in _category_select(client.get(url).content.decode())
    client.cookies["django_language"] = "th"
    thai = _category_select(client.get(url, {"category": "food"}).content.decode())
    assert '<option value="food" selected>อาหาร</option>' in thai


def test_an_officers_province_select_follows_a_change_of_their_provinces(
    client, officer, other_province
):
    client.force_login(officer)
    url = reverse("matching:officer_candidates")

    def provinces_offered() -> list[str]:
        html = client.get(url).content.decode()
        start = html.index('<select name="province"')
        select = html[start : html.index("</select>", start)]
        return [code for code in ("50", "40") if f'value="{code}"' in select]

    assert provinces_offered() == ["50"]
    officer.provinces.add(other_province)
    assert sorted(provinces_offered()) == ["40", "50"]


def test_a_select_of_anything_else_is_rendered_every_time():
    from otop_portal.choices import ReferenceSelect

    class NotReference(forms.Form):
        who = ModelChoiceField(queryset=factories.UserFactory._meta.model.objects.all())

    factories.UserFactory(email="first@example.org", full_name="First Person")
    assert isinstance(NotReference().fields["who"].widget, ReferenceSelect)
    assert "First Person" in str(NotReference()["who"])
    factories.UserFactory(email="second@example.org", full_name="Second Person")  # no new version
    assert "Second Person" in str(NotReference()["who"])


def _province_select(html: str) -> str:
    start = html.index('<select name="province"')
    return html[start : html.index("</select>", start)]


def test_two_officers_of_different_provinces_each_get_their_own_provinces_select(
    client, officer, other_officer
):
    """The kept select is told apart by the rows its query reads, not by its compiled SQL:
    the same form for another officer's provinces is another select."""
    url = reverse("matching:officer_candidates")
    offered = {}
    for _ in range(2):  # the second round is served from the kept selects
        for person in (officer, other_officer):
            client.force_login(person)
            select = _province_select(client.get(url).content.decode())
            offered[person.email] = [code for code in ("50", "40") if f'value="{code}"' in select]
    assert offered == {officer.email: ["50"], other_officer.email: ["40"]}


def test_a_kept_select_is_served_without_compiling_its_query(monkeypatch):
    """Compiling each select's SQL to tell it apart cost 1.5-1.9 ms of a list page (issue 13)."""
    from django.db.models.sql.compiler import SQLCompiler

    factories.CategoryFactory(code="food", name_en="Food", name_th="อาหาร")
    queryset = factories.CategoryFactory._meta.model.objects.order_by("code")

    class Filters(forms.Form):
        category = ModelChoiceField(queryset, to_field_name="code", required=False)

    first = str(Filters()["category"])
    compiled = []
    original = SQLCompiler.as_sql

    def counted(self, *args, **kwargs):
        compiled.append(self.query.model)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", counted)
    assert str(Filters()["category"]) == first
    assert compiled == []
    assert '<option value="food">' in first


def test_rows_key_tells_apart_what_decides_the_rows_and_gives_up_on_the_rest():
    from django.db.models import Count, Exists, OuterRef

    from otop_portal.choices import rows_key
    from otop_portal.models import User

    ordered = Province.objects.order_by("name_th")
    assert rows_key(ordered.all().query) == rows_key(Province.objects.order_by("name_th").query)
    different = [
        ordered,
        Province.objects.order_by("code"),
        ordered.filter(code="50"),
        ordered.filter(code="40"),
        ordered.filter(code__in=["40", "50"]),
        ordered.exclude(code="50"),
        ordered.filter(officers__email="a@example.org"),
        ordered.filter(officers__email="b@example.org"),
        ordered[:5],
        ordered.distinct(),
    ]
    keys = [rows_key(queryset.query) for queryset in different]
    assert None not in keys
    assert len(set(keys)) == len(different)
    for unread in (
        ordered.none(),
        ordered.annotate(n=Count("officers")),
        ordered.filter(Exists(User.objects.filter(provinces=OuterRef("pk")))),
        ordered.filter(code__in=User.objects.values("email")),
        ordered.extra(where=["1 = 1"]),
    ):
        assert rows_key(unread.query) is None


# --- Reference rows kept per process (kept_reference, issue 13) ---------------------------------


def _reads(queries, table: str) -> int:
    return sum(1 for q in queries if f'FROM "{table}"' in q["sql"])


@pytest.mark.django_db(transaction=True)
def test_names_are_read_once_then_kept_until_a_row_changes():
    """The producer's and the referral pages name categories through NameBook on every
    request: kept by the process, read again when one is renamed, in both languages."""
    from django.test.utils import CaptureQueriesContext
    from django.utils import translation

    from partners.sentences import NameBook

    category = factories.CategoryFactory(code="food", name_th="อาหาร", name_en="Food")
    with translation.override("en"):
        assert NameBook().name("category", "food") == "Food"
    with CaptureQueriesContext(connection) as again, translation.override("th"):
        assert NameBook().name("category", "food") == "อาหาร"
    assert _reads(again.captured_queries, "producers_category") == 0

    category.name_en = "Food and drink"
    category.save()
    with CaptureQueriesContext(connection) as renamed, translation.override("en"):
        assert NameBook().name("category", "food") == "Food and drink"
    assert _reads(renamed.captured_queries, "producers_category") == 1


@pytest.mark.django_db(transaction=True)
def test_a_certificate_types_categories_are_kept_until_they_change():
    """What the engine reads of the certificate types (certificate_type_categories): kept,
    and read again when a type's categories change, as an administrator changes them."""
    from django.test.utils import CaptureQueriesContext

    from producers.selectors import certificate_type_categories

    fda = factories.CertificationTypeFactory(code="fda")
    food = factories.CategoryFactory(code="food")
    textile = factories.CategoryFactory(code="textile", name_th="ผ้า", name_en="Textiles")
    fda.categories.set([food])
    assert certificate_type_categories() == {"fda": ["food"]}
    with CaptureQueriesContext(connection) as again:
        certificate_type_categories()["fda"].append("changed by a caller")
        assert certificate_type_categories() == {"fda": ["food"]}  # a copy each time
    assert _reads(again.captured_queries, "producers_certificationtype_categories") == 0

    fda.categories.add(textile)
    assert sorted(certificate_type_categories()["fda"]) == ["food", "textile"]


@pytest.mark.django_db(transaction=True)
def test_names_read_inside_a_transaction_that_rolls_back_are_not_kept():
    from django.db import transaction
    from django.utils import translation

    from partners.sentences import NameBook

    category = factories.CategoryFactory(code="food", name_en="Food")
    with translation.override("en"):
        with pytest.raises(RuntimeError), transaction.atomic():
            category.name_en = "Not saved"
            category.save()
            assert NameBook().name("category", "food") == "Not saved"  # this transaction's
            raise RuntimeError
        assert NameBook().name("category", "food") == "Food"


@pytest.mark.django_db(transaction=True)
def test_the_channels_requirements_are_kept_for_the_pages_until_one_changes():
    """What the producer's pages explain their products against (matching.selectors.
    _active_channel_rows): kept by the process, read again when a requirement is saved, a
    channel closed or a partner leaves."""
    from django.test.utils import CaptureQueriesContext

    from matching.selectors import _active_channel_rows
    from partners.models import PartnerStatus
    from partners.services import partner_set_status, requirement_save

    def matched() -> dict[int, object]:
        return {cid: snapshot.get("price_max") for cid, _n, snapshot in _active_channel_rows()}

    shop = factories.ChannelFactory(requirement={"price_max": 500})
    other = factories.ChannelFactory()
    assert set(matched()) == {shop.pk, other.pk}
    with CaptureQueriesContext(connection) as again:
        assert set(matched()) == {shop.pk, other.pk}
    assert _reads(again.captured_queries, "partners_requirementversion") == 0

    requirement_save(channel=shop, by=None, requirement_data={"price_max": 100})
    assert matched()[shop.pk] == "100.00"
    other.is_active = False
    other.save()
    assert set(matched()) == {shop.pk}
    partner_set_status(partner=shop.partner, status=PartnerStatus.LEFT, by=factories.AdminFactory())
    assert matched() == {}


@pytest.mark.django_db(transaction=True)
def test_a_rescore_reads_the_channels_afresh_even_after_a_change_behind_the_receivers_back():
    """A re-score (active_channels) must see a channel closed by a queryset update, which
    sends no signal and so leaves the pages' kept copy as it was until the next change."""
    from matching.selectors import _active_channel_rows, active_channels
    from partners.models import Channel

    shop = factories.ChannelFactory()
    other = factories.ChannelFactory()
    assert {cid for cid, _n, _s in _active_channel_rows()} == {shop.pk, other.pk}  # kept
    Channel.objects.filter(pk=other.pk).update(is_active=False)
    assert [cid for cid, _c in active_channels()] == [shop.pk]


# --- A filter form's fields kept rendered (rendered_fields) -------------------------------------


def _filter_fields(html: str) -> str:
    start = html.index('<div class="grid three">')
    return html[start : html.index('<div class="actions">', start)]


def test_a_filter_forms_fields_are_kept_per_query_string_and_say_what_a_fresh_render_says(
    client, national_officer, monkeypatch
):
    """The fields of the same query string in the same language are rendered once, then kept;
    what is kept is what a fresh render says: the values asked for, an error for a value not
    understood, the labels in the reader's language."""
    from django.forms.boundfield import BoundField

    from otop_portal import choices

    factories.CategoryFactory(code="food", name_en="Food", name_th="อาหาร")
    client.force_login(national_officer)
    url = reverse("matching:officer_candidates")
    asked = [
        ("en", {}),
        ("en", {"category": "food", "min_score": "50", "page": "2"}),
        ("en", {"min_score": "fifty"}),
        ("th", {"category": "food"}),
    ]
    rendered = []
    original = BoundField.as_widget
    monkeypatch.setattr(
        BoundField, "as_widget", lambda self, *a, **k: rendered.append(1) or original(self, *a, **k)
    )
    kept = {}
    for language, params in asked:
        client.cookies["django_language"] = language
        kept[language, tuple(params)] = _filter_fields(client.get(url, params).content.decode())
    assert rendered  # the first request of each rendered its fields
    rendered.clear()
    for language, params in asked:
        client.cookies["django_language"] = language
        again = _filter_fields(client.get(url, params).content.decode())
        assert again == kept[language, tuple(params)]
    assert rendered == []  # all kept
    choices._rendered_fields.clear()
    choices._rendered.clear()
    for language, params in asked:
        client.cookies["django_language"] = language
        fresh = _filter_fields(client.get(url, params).content.decode())
        assert fresh == kept[language, tuple(params)]
    assert rendered

    english = kept["en", ("category", "min_score", "page")]
    assert '<option value="food" selected>Food</option>' in english
    assert 'name="min_score" value="50"' in english
    assert "Enter a whole number." in kept["en", ("min_score",)]
    assert "Enter a whole number." not in english
    assert '<option value="food" selected>อาหาร</option>' in kept["th", ("category",)]


def test_a_filter_forms_kept_fields_follow_a_new_reference_row(client, national_officer):
    factories.CategoryFactory(code="food", name_en="Food", name_th="อาหาร")
    client.force_login(national_officer)
    client.cookies["django_language"] = "en"
    url = reverse("matching:officer_candidates")
    assert "Herbal products" not in _filter_fields(client.get(url).content.decode())
    factories.CategoryFactory(code="herb", name_en="Herbal products", name_th="สมุนไพร")
    assert ">Herbal products</option>" in _filter_fields(client.get(url).content.decode())


def test_a_form_with_choices_of_other_rows_or_initial_values_is_rendered_every_time():
    from otop_portal.choices import form_fields_key

    class Categories(forms.Form):
        category = ModelChoiceField(
            queryset=factories.CategoryFactory._meta.model.objects.all(), required=False
        )
        q = forms.CharField(required=False)

    class People(forms.Form):
        who = ModelChoiceField(queryset=factories.UserFactory._meta.model.objects.all())

    class Prefilled(forms.Form):
        q = forms.CharField(initial="ผ้าไหม")

    assert form_fields_key(Categories({"q": "x"})) is not None
    assert form_fields_key(Categories({"q": "x"})) == form_fields_key(Categories({"q": "x"}))
    assert form_fields_key(Categories({"q": "x"})) != form_fields_key(Categories({"q": "y"}))
    assert form_fields_key(People()) is None
    assert form_fields_key(Prefilled()) is None
    assert form_fields_key(Categories(initial={"q": "x"})) is None
