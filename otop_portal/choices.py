"""Select choices read from a model in one plain query, and selects of reference data rendered
once per version (issue 13).

Django reads a ModelChoiceField's choices with QuerySet.iterator(), which on PostgreSQL opens a
server-side cursor WITH HOLD: DECLARE, FETCH and CLOSE, the result kept past the commit, for
the five to eighty rows of a reference table. The officers' and partners' list pages carry
four or five such selects: 4-5 ms of a filter form's 17 (docs/performance.md). The fields here
read their choices as an ordinary query; their choices are otherwise Django's and
django-filter's (the empty and "none" choices, labels, values). Their select, when its rows
are reference data, is kept rendered (ReferenceSelect, below).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import TypeVar

import django_filters
from django import forms
from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import Lookup, Model
from django.db.models.expressions import Col
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.db.models.sql.datastructures import BaseTable, Join
from django.db.models.sql.where import WhereNode
from django.forms.models import ModelChoiceIterator
from django.utils.translation import get_language

from otop_portal import versions


class ListedChoiceIterator(ModelChoiceIterator):
    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        null_label = getattr(self.field, "null_label", None)  # django-filter's "none" choice
        if null_label is not None:
            yield (self.field.null_value, null_label)
        for obj in self.queryset.all():  # evaluated as a list: no server-side cursor
            yield self.choice(obj)

    def __len__(self):
        return super().__len__() + (getattr(self.field, "null_label", None) is not None)


# --- Selects of reference data, rendered once per language and version ------------------------
#
# The list pages' filter forms carry selects of the reference data: 77 provinces, the
# categories, sub-types, certificate types, partners and channels. Each was read and rendered
# for every request (the shortlist's filter form: 17-23 ms of a 90-150 ms page on the bench
# machine, docs/performance.md, issue 13), though the data changes a few times a year. A select
# of a registered reference model is rendered once per process for its query, language,
# selected value and attributes, under the reference data's version: every save or delete of
# a reference row (and a change of an officer's provinces) makes a new version, so the next
# page renders it afresh, in every process.

T = TypeVar("T")

VERSION_KEY = "reference:version"
versions.register(VERSION_KEY)
RENDERED_KEPT = 2000  # selects kept per process; all dropped when full (a new version drops them)

_reference_models: set[str] = set()
_rendered: dict[tuple, str] = {}


def register_reference_models(*models, m2m=()) -> None:
    """Rows of these models are choices of selects; `m2m` are through models whose rows
    decide such choices (an officer's provinces). Called by each app's ready()."""
    for model in models:
        _reference_models.add(model._meta.label)
        for signal in (post_save, post_delete):
            signal.connect(
                reference_changed, sender=model, dispatch_uid=f"reference-{model._meta.label}"
            )
    for through in m2m:
        m2m_changed.connect(
            reference_changed, sender=through, dispatch_uid=f"reference-{through._meta.label}"
        )


def _bump() -> None:
    versions.renew(VERSION_KEY)


def reference_changed(**kwargs) -> None:
    """A reference row changed: a new version now (a change in this request is shown by its
    next render) and again when the transaction commits (what other processes rendered in
    between, from the rows before the commit, is not kept)."""
    _bump()
    transaction.on_commit(_bump)


def reference_version() -> int:
    """The reference data's version: read once per request, with the other versions
    (otop_portal.versions; every select of a page shares it), on every call outside a
    request."""
    (version,) = versions.read(VERSION_KEY)
    return version


_kept: dict[str, tuple[int, object]] = {}


def kept_reference(name: str, read: Callable[[], T]) -> T:
    """`read()` (rows of registered reference models, or what is made of them), kept by this
    process under `name` for the reference data's current version: read again once any of
    those rows changed, in any process. Not kept when read inside a transaction, which may see
    rows that are then rolled back. The value is shared: callers do not change it."""
    version = reference_version()
    found = _kept.get(name)
    if found is not None and found[0] == version:
        return found[1]  # type: ignore[return-value]
    value = read()
    if not connection.in_atomic_block:
        _kept[name] = (version, value)
    return value


_PLAIN = (str, int, float, bool, Decimal, dt.date, type(None))


def _value_key(value):
    if isinstance(value, _PLAIN):
        return (type(value).__name__, value)
    if isinstance(value, list | tuple | set | frozenset):
        items = tuple(_value_key(item) for item in value)
        if None in items:
            return None
        return (
            type(value).__name__,
            tuple(sorted(items)) if isinstance(value, set | frozenset) else items,
        )
    if isinstance(value, Model) and value.pk is not None:
        return ("row", value._meta.label, value.pk)
    return None


def _where_key(node):
    """A filter's rows, told apart without compiling it: its connector, negation and
    conditions, each a lookup of a column (table alias, column) against plain values; None for
    anything else (a subquery, an expression, raw SQL, an empty result)."""
    if isinstance(node, WhereNode):
        children = tuple(_where_key(child) for child in node.children)
        if None in children:
            return None
        return ("where", node.connector, node.negated, children)
    if isinstance(node, Lookup) and isinstance(node.lhs, Col):
        rhs = _value_key(node.rhs)
        if rhs is None:
            return None
        return (type(node), node.lhs.alias, node.lhs.target.column, rhs)
    return None


def rows_key(query) -> tuple | None:
    """What decides the rows (and their order) a plain query of a model returns, read from the
    query instead of compiling its SQL: compiling each of a filter form's four or five selects
    cost 1.5-1.9 ms of a list page's CPU (issue 13). The model, the tables joined and how,
    the filter, the order, the slice and DISTINCT. None for a query with anything more
    (annotations, extra SQL, unions, grouping, a filtered relation, values, an ordering by an
    expression): its SQL is the key then."""
    if (
        query.annotations
        or query.extra
        or query.extra_tables
        or query.extra_order_by
        or query.combinator
        or query.values_select
        or query.distinct_fields
        or query.group_by is not None
        or query.select
        or query._filtered_relations
        or query.subquery
    ):
        return None
    if not all(isinstance(o, str) for o in query.order_by):
        return None
    where = _where_key(query.where)
    if where is None:
        return None
    tables = []
    for alias, table in query.alias_map.items():
        if isinstance(table, Join) and table.filtered_relation is None:
            tables.append(
                (alias, table.table_name, table.parent_alias, table.join_type, table.join_cols)
            )
        elif type(table) is BaseTable:
            tables.append((alias, table.table_name))
        else:
            return None
    return (
        query.model._meta.label,
        tuple(tables),
        where,
        query.order_by,
        query.default_ordering,
        query.standard_ordering,
        query.low_mark,
        query.high_mark,
        query.distinct,
    )


class ReferenceSelect(forms.Select):
    """A select whose choices are rows of a registered reference model, rendered once per
    language, version, query, selected value and attributes. Any other select renders as
    Django's."""

    def render(self, name, value, attrs=None, renderer=None):
        key, render = self._rendered_key(name, value, attrs, renderer), super().render
        return kept_rendered(_rendered, key, lambda: render(name, value, attrs, renderer))

    def _rendered_key(self, name, value, attrs, renderer) -> tuple | None:
        choices = self.choices
        if not isinstance(choices, ModelChoiceIterator):
            return None
        rows = model_choices_key(choices.field)
        if rows is None:
            return None
        return (
            reference_version(),
            get_language(),
            type(renderer),
            self.template_name,
            name,
            tuple(self.format_value(value)),
            tuple(sorted((k, str(v)) for k, v in {**self.attrs, **(attrs or {})}.items())),
            rows,
        )


def model_choices_key(field: forms.ModelChoiceField) -> tuple | None:
    """What decides a model choice field's choices when they are rows of a registered reference
    model (which rows, and how each is labelled): None when they are not."""
    queryset = field.queryset
    if queryset is None or queryset.model._meta.label not in _reference_models:
        return None
    query = rows_key(queryset.query)
    if query is None:  # a query rows_key does not read: its SQL says which rows
        try:
            query = str(queryset.query)  # its parameters included: whose provinces, say
        except EmptyResultSet:
            query = ""
    label = field.label_from_instance
    return (
        query,
        field.to_field_name,
        str(field.empty_label),
        str(getattr(field, "null_label", None)),
        getattr(label, "__func__", label),
    )


# --- A filter form's fields, rendered once per language, version, choices and query string ---
#
# The list pages' filter form (templates/matching/_filter_form.html: the candidates, the
# referrals, the queues, the shortlist) rendered its six to twelve fields, labels, hints and
# errors on every page: 2.6-3.2 ms of CPU (issue 13, twelfth pass), for a form that is the same
# for everyone who asks the same query string of the same choices. Its fields are rendered
# once per process for what decides them (form_fields_key) and kept like the selects above.

_rendered_fields: dict[tuple, str] = {}


def form_fields_key(form: forms.Form) -> tuple | None:
    """What decides how a form's fields render: the form's kind, prefix and the data it was
    given (the page number aside), and for each field its kind, label, hint, attributes and
    choices, under the reference data's version and the reader's language. None when a field
    has choices of other rows than reference data's, initial values, or widgets of widgets."""
    fields = []
    for name, field in form.fields.items():
        widget = field.widget
        if field.initial is not None or isinstance(widget, forms.MultiWidget):
            return None
        if isinstance(field, forms.ModelChoiceField):
            choices = model_choices_key(field)
            if choices is None:
                return None
        elif isinstance(field, forms.ChoiceField):
            choices = tuple((str(value), str(label)) for value, label in field.choices)
        else:
            choices = None
        fields.append(
            (
                name,
                type(field),
                type(widget),
                str(field.label),
                str(field.help_text),
                field.required,
                field.disabled,
                field.localize,
                tuple(sorted((k, str(v)) for k, v in widget.attrs.items())),
                choices,
            )
        )
    if form.initial:
        return None
    data = form.data
    lists = data.lists() if hasattr(data, "lists") else ((k, [v]) for k, v in data.items())
    return (
        # django-filter makes a new form class for each filter set: its name and bases.
        type(form).__qualname__,
        type(form).__mro__[1:],
        form.prefix,
        form.auto_id,
        form.label_suffix,
        form.is_bound,
        tuple(sorted((k, tuple(v)) for k, v in lists if k != "page")),
        tuple(fields),
        reference_version(),
        get_language(),
        type(form.renderer),
    )


def rendered_fields(form: forms.Form, render: Callable[[], str]) -> str:
    """`render()` (the form's fields as HTML), kept by this process for form_fields_key(form);
    rendered every time when that is None."""
    return kept_rendered(_rendered_fields, form_fields_key(form), render)


def kept_rendered(
    kept: dict[tuple, T], key: tuple | None, render: Callable[[], T], limit: int = RENDERED_KEPT
) -> T:
    """render() kept by the process in `kept` under `key` (all dropped when `limit` are kept);
    rendered every time when key is None. The key says everything the result depends on."""
    if key is None:
        return render()
    found = kept.get(key)
    if found is None:
        found = render()
        if len(kept) >= limit:
            kept.clear()
        kept[key] = found
    return found


# --- The fields ------------------------------------------------------------------------------


class ModelChoiceField(forms.ModelChoiceField):
    iterator = ListedChoiceIterator
    widget = ReferenceSelect


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    iterator = ListedChoiceIterator


class FilterModelChoiceField(django_filters.fields.ModelChoiceField):
    iterator = ListedChoiceIterator
    widget = ReferenceSelect


class ModelChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = FilterModelChoiceField
