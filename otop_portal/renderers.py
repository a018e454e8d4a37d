"""Form widgets rendered with Jinja2 (issue 13).

Django's widget templates cost an include per select option and per attribute list; the same
templates in Jinja2 (Django ships both) render faster: the partner's shortlist searched for a
Thai word took 47.6 ms instead of 52.5-58.0, one request at a time (docs/performance.md). Django's
own Jinja2 renderer finds only the templates that have a Jinja2 version, which the admin's and
auth's widgets do not; they are rendered by Django templates, as before.
"""

from __future__ import annotations

from django.forms.renderers import BaseRenderer, DjangoTemplates, Jinja2
from django.template import TemplateDoesNotExist


class JinjaFirstRenderer(BaseRenderer):
    """Jinja2 where a widget or form template has a Jinja2 version, Django templates otherwise."""

    def __init__(self) -> None:
        self._jinja = Jinja2()
        self._django = DjangoTemplates()
        self._django_only: set[str] = set()  # names Jinja2 lacks: looked up once, not per render

    def get_template(self, template_name: str):
        if template_name not in self._django_only:
            try:
                return self._jinja.get_template(template_name)
            except TemplateDoesNotExist:
                self._django_only.add(template_name)
        return self._django.get_template(template_name)
