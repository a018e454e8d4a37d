"""The Jinja2 environment of the templates that render many rows or nodes (issue 13).

The pages are Django templates. The partner's shortlist's 50 rows, each with a dozen
translated labels, a link, a date, a price and a score, took 30-39 ms to render in Django's
template language once read; in Jinja2, with each label translated once per table, 10.8-14.2 ms
(docs/performance.md, issue 13). Such row templates live in templates/jinja2/ and are
included from Django templates with `{% jinja_include %}` (otop_portal/templatetags/jinja.py).
They name strings as `{{ _("...") }}`, or `{% set … = _("...") %}` for one with a
placeholder, which is where `makemessages` finds them in any .html file
(tests/core/test_jinja_rows.py), so the Thai catalogue keeps them; the filters are the Django
templates' own; a count's plural is said in Python (days, stars), where makemessages finds
it. A row template says its row as a macro and prints each row through
`kept_row("<its path>", row, …)`, which keeps the rendered row by everything it shows. The
home pages' notifications and a referral's product sections are Jinja2 templates too.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.signals import setting_changed
from django.db.models import Model
from django.dispatch import receiver
from django.template.defaultfilters import floatformat, linebreaksbr
from django.urls import reverse
from django.utils.translation import get_language, gettext, ngettext, npgettext, pgettext
from jinja2 import Environment
from markupsafe import Markup

from otop_portal.choices import kept_rendered
from otop_portal.i18n import choice_labels
from otop_portal.notifications import describe
from otop_portal.pagination import ValuesRow, values_key
from otop_portal.templatetags.thai_dates import local_date, local_datetime


def choice_label(obj: Model | ValuesRow, field_name: str) -> str:
    """What obj.get_<field>_display() says, from the labels translated once per language and
    process (otop_portal.i18n.choice_labels); for a model row or one read as values."""
    value = getattr(obj, obj._meta.get_field(field_name).attname)
    return choice_labels(obj._meta.model, field_name).get(value, value)


_SLOT = 2_147_483_647  # the largest id a row may have: stands for the id in the reversed URL


def row_url(name: str, **fixed) -> Callable[[object], str]:
    """`url(name, id)` for each row of a table, reversed once for the table: reverse() cost
    20-30 us for each of a page's 50 rows (issue 13). For a URL whose one argument is an
    <int:pk>: `{% set link = row_url("matching:referral") %}` then `{{ link(referral.pk) }}`;
    with the URL's other arguments named, `row_url("producers:product_photo", size="thumbnail")`
    (its id then named `pk`)."""
    address = reverse(name, kwargs={"pk": _SLOT, **fixed}) if fixed else reverse(name, args=[_SLOT])
    head, tail = address.split(str(_SLOT))
    return lambda pk: f"{head}{int(pk)}{tail}"


def days(count: int) -> str:
    """ "N days" in the reader's language. A count's plural forms are said here, in Python,
    because makemessages finds no plural in a Jinja2 template; the words are those of the
    Django templates' `{% blocktranslate count days=… %}`, so their Thai is shared."""
    return ngettext("%(days)s day", "%(days)s days", count) % {"days": count}


def expires_in(count: int) -> str:
    """ "Expires in N days" (a certificate's badge) in the reader's language; as days()."""
    return ngettext("Expires in %(days)s day", "Expires in %(days)s days", count) % {"days": count}


def stars(count: int) -> str:
    """ "N stars" (an OTOP star level) in the reader's language; as days()."""
    return ngettext("%(stars)s star", "%(stars)s stars", count) % {"stars": count}


# Rows kept rendered by the process (kept_row), all dropped when this many are kept: a row is
# about 1 kB of HTML.
KEPT_ROWS = 10_000
_kept_rows: dict[tuple, Markup] = {}


def kept_row(template: str, render: Callable[..., Markup], row, *context) -> Markup:
    """`render(row)`, one row of a row template (its macro), kept by the process under the
    template's name, the language, every value the row holds and `context` (whatever else
    the macro reads that its table decides). A list's rows come back from one visit to the
    next (a shortlist's first page, the queues), and rendering a page's 50 was a third of
    such a page's CPU (issue 13); a row whose values changed is another key, so what is
    shown is what was read. Only a ValuesRow is kept (its values are all it holds); any
    other row is rendered every time."""
    values = values_key(row)
    if values is None:
        return render(row)
    key = (template, get_language(), values, context)
    return kept_rendered(_kept_rows, key, lambda: render(row), KEPT_ROWS)


@receiver(setting_changed)
def _forget_kept_rows(**kwargs) -> None:
    _kept_rows.clear()  # what a row says may have changed (formats, time zone, URLs ...)


def environment(**options) -> Environment:
    env = Environment(extensions=["jinja2.ext.i18n"], **options)  # noqa: S701 - autoescape: Django's backend sets it
    # Plain gettext: a string with a placeholder is said once, `{% set s = _("%(price)s baht") %}`
    # (where makemessages finds it), and filled in with `s|format(price=…)`.
    env.install_gettext_callables(gettext, ngettext, pgettext=pgettext, npgettext=npgettext)
    env.globals.update(
        url=lambda name, *args: reverse(name, args=args),
        row_url=row_url,
        choice_label=choice_label,
        kept_row=kept_row,
        days=days,
        stars=stars,
        expires_in=expires_in,
        notification_words=describe,
    )
    env.filters.update(
        floatformat=floatformat,
        linebreaksbr=linebreaksbr,
        local_date=local_date,
        local_datetime=local_datetime,
    )
    return env
