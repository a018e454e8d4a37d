"""Form widgets are rendered with Jinja2 where Django ships a Jinja2 version of their template
(otop_portal/renderers.py): the HTML must be what Django's own templates give (the same
elements, attributes and text; whitespace between tags and how an entity is spelt may differ),
and the widgets that have no Jinja2 version (the admin's, auth's) must still render."""

from __future__ import annotations

import datetime as dt

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.test.html import parse_html

from otop_portal.renderers import JinjaFirstRenderer

WIDGETS = [
    (forms.TextInput(attrs={"placeholder": "ชื่อสินค้า", "required": True}), "name", "ผ้า <ไหม>"),
    (forms.NumberInput(attrs={"min": 0, "step": "0.01"}), "price", 12.5),
    (forms.DateInput(attrs={"type": "date"}), "expires", dt.date(2026, 12, 6)),
    (forms.Textarea(), "note", 'a "quoted" & <b>bold</b> note'),
    (forms.Select(choices=[("", "---"), ("1", "หนึ่ง"), ("2", "two")]), "stars", "2"),
    (
        forms.Select(choices=[("Food", [("f1", "ข้าว"), ("f2", "tea")]), ("x", "other")]),
        "subcategory",
        "f2",
    ),
    (forms.SelectMultiple(choices=[("a", "A"), ("b", "B"), ("c", "C")]), "state", ["a", "c"]),
    (forms.CheckboxSelectMultiple(choices=[("a", "A"), ("b", "B")]), "types", ["b"]),
    (forms.RadioSelect(choices=[("y", "ใช่"), ("n", "ไม่")]), "answer", "n"),
    (forms.CheckboxInput(), "agree", True),
    (forms.ClearableFileInput(attrs={"accept": "image/*"}), "photo", None),
    (forms.HiddenInput(), "next", "/partner/?q=ผ้า&page=2"),
]


@pytest.mark.parametrize(("widget", "name", "value"), WIDGETS, ids=[w[1] for w in WIDGETS])
def test_a_widget_renders_the_same_html_as_with_django_templates(widget, name, value):
    attrs = {"id": f"id_{name}"}
    expected = parse_html(widget.render(name, value, attrs, renderer=DjangoTemplates()))
    assert parse_html(widget.render(name, value, attrs, renderer=JinjaFirstRenderer())) == expected


def test_a_whole_form_with_its_errors_renders_the_same_html():
    class ProductForm(forms.Form):
        name = forms.CharField(label="ชื่อ", help_text="ภาษาไทยได้")
        stars = forms.ChoiceField(choices=[("3", "3"), ("4", "4")])
        expires = forms.DateField(required=False)

    def rendered(renderer):
        form = ProductForm({"name": "", "stars": "9"}, renderer=renderer)
        form.is_valid()
        return parse_html(str(form))

    assert rendered(JinjaFirstRenderer()) == rendered(DjangoTemplates())
    assert 'class="errorlist"' in str(rendered(JinjaFirstRenderer()))


def test_the_portal_renders_its_forms_with_the_jinja_first_renderer():
    assert isinstance(get_default_renderer(), JinjaFirstRenderer)


@pytest.mark.django_db
def test_the_admins_widgets_without_a_jinja2_version_still_render(client, admin):
    client.force_login(admin)
    # The user's page has auth's read-only password widget, which only Django templates have.
    response = client.get(f"/admin/otop_portal/user/{admin.pk}/change/")
    assert response.status_code == 200
    assert b'id="id_password"' in response.content
