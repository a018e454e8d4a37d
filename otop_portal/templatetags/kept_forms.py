"""`{% kept_fields filter.form "matching/_filter_fields.html" %}`: a form's fields rendered by
that template, kept rendered per process for what decides them (otop_portal.choices.
rendered_fields: a list page's filter form cost 2.6-3.2 ms of CPU on every page, issue 13)."""

from __future__ import annotations

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from otop_portal.choices import rendered_fields

register = template.Library()


@register.simple_tag
def kept_fields(form, template_name: str) -> str:
    html = rendered_fields(form, lambda: render_to_string(template_name, {"form": form}))
    return mark_safe(html)  # noqa: S308 - rendered by a template, which escaped what it printed
