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
