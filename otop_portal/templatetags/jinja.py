"""`{% jinja_include "partners/_shortlist_rows.html" rows=rows %}`: a template of
templates/jinja2/ rendered in place, with only the values given (otop_portal/jinja2.py)."""

from __future__ import annotations

from django import template
from django.template import engines
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag
def jinja_include(template_name: str, **values) -> str:
    # Jinja2 escaped what it printed (autoescape is on): the result is HTML.
    return mark_safe(engines["jinja2"].get_template(template_name).render(values))  # noqa: S308
