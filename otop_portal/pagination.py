"""Pagination for lists that can run to hundreds of thousands of rows.

Django's Paginator counts every row to number the pages. On the officer's candidate list that
COUNT(*) over five joined tables took 280 of the page's 360 ms in the biggest province
(docs/performance.md, finding 6), and it grows with the province. Nobody pages to the
thousandth candidate: officers narrow the list with the filters. So the count stops at
`cap`; past it the page says "more than 1,000" and offers the pages up to the cap.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Model, QuerySet
from django.utils.functional import cached_property
from django.utils.translation import get_language

from otop_portal.i18n import localized


class CappedPaginator(Paginator):
    cap = 1000

    def __init__(self, object_list, per_page, *, cap: int | None = None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        if cap is not None:
            self.cap = cap

    @cached_property
    def _capped_count(self) -> int:
        rows = self.object_list
        if hasattr(rows, "order_by"):
            # No ORDER BY: counting needs no sort, and LIMIT lets the database stop early.
            return rows.order_by()[: self.cap + 1].count()
        return min(len(rows), self.cap + 1)

    @property
    def capped_count(self) -> int:
        """The rows counted up to cap + 1 (more than `cap` means "more than cap")."""
        return self._capped_count

    def know_capped_count(self, value: int) -> None:
        """Take the capped count from elsewhere (a cache) instead of counting."""
        self.__dict__["_capped_count"] = value

    @cached_property
    def count(self) -> int:
        return min(self._capped_count, self.cap)

    @property
    def count_is_capped(self) -> bool:
        """True when there are more rows than `count` says (and than the pages reach)."""
        return self._capped_count > self.cap


class KnownCountPaginator(Paginator):
    """A Paginator told its count (kept per scope in otop_portal/counts.py) instead of running
    COUNT(*) over the list on every page; `count=None` counts as Paginator does."""

    def __init__(self, object_list, per_page, *, count: int | None = None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        if count is not None:
            self.__dict__["count"] = count  # what the cached_property would have stored


def filtered_by_state_alone(filterset) -> bool:
    """Whether `filterset` narrows its list by state alone, or not at all (and orders it):
    the filters understood, as cleaned_data has them (the others are not applied)."""
    filterset.is_valid()
    data = filterset.form.cleaned_data
    return not any(
        data.get(name) for name in filterset.filters if name not in ("state", "ordering")
    )


def count_from_states(filterset, counts: dict[str, int], groups=None) -> int | None:
    """The list's length when it is filtered by state alone (or not at all): the sum of those
    states' counts. None (count the rows) when any other filter narrows it. `groups` maps a
    state choice to the states it stands for (the partners' "ended")."""
    if not filtered_by_state_alone(filterset):
        return None
    chosen = filterset.form.cleaned_data.get("state") or []
    chosen = [chosen] if isinstance(chosen, str) else list(chosen)
    if not chosen:
        return sum(counts.values())
    groups = groups or {}
    return sum(counts.get(state, 0) for c in chosen for state in groups.get(c, (c,)))


def page_of_kept_ids(
    rows,
    ids: list[int] | QuerySet,
    per_page: int,
    number,
    paginator_class=Paginator,
    read=None,
    **kwargs,
) -> Page:
    """One page of a list whose ids, in its order, were kept (otop_portal/counts.py) instead of
    working the whole list out on every page: the page's rows are read by id from `rows` (the
    list's queryset, so what a page shows is current and still matches the filters; a row
    that no longer does is left out) and put in the kept order. `ids` may also be the list's
    ids as a query (`rows.values_list("pk", flat=True)`): a deep page then skips ids alone,
    not the joined rows. `read(rows, ids)` reads the page's rows when they are not the
    queryset's own (rows_of_ids)."""
    page = paginator_class(ids, per_page, **kwargs).get_page(number)
    page.object_list = (read or rows_of_ids)(rows, page.object_list)
    return page


def rows_of_ids(rows: QuerySet, ids) -> list:
    """The rows of `rows` with these ids, in the ids' order; an id `rows` no longer holds (its
    row changed, or no longer matches the filters) is left out."""
    found = {row.pk: row for row in rows.filter(pk__in=list(ids))}
    return [found[pk] for pk in ids if pk in found]


class ValuesRow:
    """A row of a list read as values (values_rows, ValuesList): each column an attribute, a
    relation's columns under an attribute of its own (None where the relation is empty), and
    `name` in the reader's language (as the models say it, when the rows were read) where the
    row has `name_th`. Its `_meta` is its model's, so choice_label reads its choices' labels
    as a model row's; like a model row, it equals a row of the same model and pk (a model
    instance included). It holds what was read and nothing else: it cannot be changed, so a
    row read from the database keeps, as `_key`, the values it was read from (values_key)."""

    def __init__(self, values: dict, meta, key: tuple | None = None) -> None:
        values["_meta"] = meta
        if key is not None:
            values["_key"] = key
        object.__setattr__(self, "__dict__", values)

    def __setattr__(self, name: str, value) -> None:
        raise AttributeError(f"a ValuesRow holds what was read: {name} cannot be set")

    __delattr__ = __setattr__

    def __eq__(self, other) -> bool:
        if not isinstance(other, ValuesRow | Model):
            return NotImplemented
        return other._meta.concrete_model is self._meta.concrete_model and other.pk == self.pk

    def __hash__(self) -> int:
        return hash(self.pk)

    def __repr__(self) -> str:
        return f"<ValuesRow {self._meta.label} {self.pk}>"


def values_key(row) -> tuple | None:
    """Every value a ValuesRow holds, its relations' nested, as a tuple: all that a row
    template or a serializer can read of it, so what it renders to can be kept under it.
    None for any other row, or one holding a value that cannot be a key."""
    if not isinstance(row, ValuesRow):
        return None
    # A row read from the database: the values it was read from (the reader's language, which
    # decides its `name`, is part of every key it is used in).
    key = row.__dict__.get("_key") or _values_key(row)
    try:
        hash(key)
    except TypeError:  # a list or a dict among the values
        return None
    return key


def _values_key(value):
    if isinstance(value, ValuesRow):
        return tuple(
            (name, _values_key(held))
            for name, held in value.__dict__.items()
            if name not in ("_meta", "_key")
        )
    return value


@dataclass(frozen=True)
class _Shape:
    """A row's (or one of its relations') attributes: each column's name for values(), each
    relation's own _Shape, and whether it is named (has name_th, so gets `name`)."""

    meta: object  # the model's Options
    columns: tuple[tuple[str, str], ...]
    relations: tuple[tuple[str, _Shape], ...]
    named: bool


@functools.cache
def _shape(model, columns: tuple[str, ...]) -> _Shape:
    """("pk", "state", "product__name_th") of Referral: the Referral shape with pk, state and
    a Product shape holding name_th. Worked out once per model and columns."""
    tree: dict = {}
    for column in ("pk", *columns):
        *path, leaf = column.split("__")
        node = tree
        for part in path:
            node = node.setdefault(part, {})
        node[leaf] = column

    def shape(meta, node: dict) -> _Shape:
        return _Shape(
            meta,
            tuple((name, part) for name, part in node.items() if not isinstance(part, dict)),
            tuple(
                (name, shape(meta.get_field(name).related_model._meta, part))
                for name, part in node.items()
                if isinstance(part, dict)
            ),
            "name_th" in node,
        )

    return shape(model._meta, tree)


def _row(shape: _Shape, values: dict, language: str | None, top: bool = True) -> ValuesRow | None:
    fields = {name: values[column] for name, column in shape.columns}
    for name, part in shape.relations:
        fields[name] = _row(part, values, language, False)
    if not top and all(value is None for value in fields.values()):
        return None  # an empty relation (a producer with no province)
    if shape.named:
        fields["name"] = localized(fields["name_th"], fields.get("name_en", ""), language)
    return ValuesRow(fields, shape.meta, tuple(values.items()) if top else None)


def values_of(rows: QuerySet, columns: tuple[str, ...]) -> QuerySet:
    """`rows` as values of `columns` and pk, in their order: what values_row makes rows of."""
    return rows.select_related(None).prefetch_related(None).values("pk", *columns)


def values_rows(rows: QuerySet, ids, columns: tuple[str, ...]) -> list[ValuesRow]:
    """The rows of `rows` with these ids, in the ids' order, as values of `columns` (and pk)
    nested by relation: what rows_of_ids gives, for a row template that reads only those
    columns, at half the CPU of model rows (50 match results with six related models each:
    issue 13). An id `rows` no longer holds is left out."""
    ids = list(ids)
    return values_in_order(
        rows.model, columns, values_of(rows.order_by().filter(pk__in=ids), columns), ids
    )


def values_in_order(model, columns: tuple[str, ...], values, ids) -> list[ValuesRow]:
    """`values`, dicts of `columns` (and pk) of `model` as values_of reads them, as values_rows
    gives them: in the ids' order, nested by relation, an id they do not hold left out. For
    rows read otherwise than from a queryset (through a Statement)."""
    shape, language = _shape(model, tuple(columns)), get_language()
    found = {row["pk"]: row for row in values}
    return [_row(shape, found[pk], language) for pk in ids if pk in found]


def first_values(rows: QuerySet, columns: tuple[str, ...]) -> dict | None:
    """The first row of `rows`, in their order, as plain values of `columns` (and pk), or None:
    what a cache can keep and values_row makes a row of later, in the reader's language then."""
    return values_of(rows, tuple(columns)).first()


def values_row(model, columns: tuple[str, ...], values: dict | None) -> ValuesRow | None:
    """The ValuesRow of `model` that values_rows would give for `values` (first_values), with
    `name` in the reader's language."""
    if values is None:
        return None
    return _row(_shape(model, tuple(columns)), values, get_language())


class ValuesList:
    """A list's rows (a queryset, in its order) as values of `columns` nested by relation
    (ValuesRow), read a slice at a time: what a Paginator pages instead of the queryset when
    the row template reads only those columns: the officer's referral list and queues took
    0.6-1.6 ms less CPU per page than with their rows as models (issue 13, twelfth pass).
    `__getitem__` and `count()` are what Paginator asks of its list."""

    def __init__(self, rows: QuerySet, columns: tuple[str, ...]) -> None:
        self.rows = rows
        self.columns = tuple(columns)

    @property
    def ordered(self) -> bool:  # Paginator warns about an unordered list
        return self.rows.ordered

    def count(self) -> int:
        return self.rows.count()

    def __getitem__(self, index):
        shape, language = _shape(self.rows.model, self.columns), get_language()
        values = values_of(self.rows, self.columns)[index]
        if isinstance(index, slice):
            return [_row(shape, row, language) for row in values]
        return _row(shape, values, language)


def only_shown(rows: QuerySet, columns: tuple[str, ...]) -> QuerySet:
    """A list's rows with only the `columns` its row template shows ("state",
    "product__producer__name_th"), joined through the relations those columns name and no
    others: a page's 50 rows read in full were most of its CPU at national size (issue 13).
    A column the template shows but `columns` leaves out costs a query per row."""
    return rows.select_related(None).select_related(*relations_of(columns)).only(*columns)


def relations_of(columns) -> tuple[str, ...]:
    """The relations (select_related paths) that columns such as "product__producer__name_th"
    are read through, sorted: ("product__producer",)."""
    return tuple(sorted({column.rsplit("__", 1)[0] for column in columns if "__" in column}))


@functools.cache
def serializer_columns(serializer_class, model) -> tuple[str, ...]:
    """The columns of `model` a read-only serializer's fields read, as only_shown wants them:
    each field's dotted source followed through the model's relations ("product.producer.
    name_th" is "product__producer__name_th"), a nested serializer's fields under its own
    relation, `get_<field>_display` as <field>. A source that is no column (an annotation, a
    property, a method field) reads nothing here: give what it reads to only_shown yourself.
    So an API list reads what its serializer says it shows, and no second list can drift.
    Worked out once per serializer and model."""
    return _fields_columns(serializer_class(), model, "")


def _fields_columns(serializer, model, prefix: str) -> tuple[str, ...]:
    from django.core.exceptions import FieldDoesNotExist
    from rest_framework.serializers import BaseSerializer

    columns: list[str] = []
    for field in serializer.fields.values():
        if field.source == "*":
            continue
        meta, path = model._meta, []
        for part in field.source.split("."):
            if part.startswith("get_") and part.endswith("_display"):
                part = part[4:-8]
            try:
                found = meta.get_field(part)
            except FieldDoesNotExist:
                path = []
                break
            path.append(found.name)
            if found.is_relation and found.related_model is not None:
                meta = found.related_model._meta
        if not path:
            continue
        column = prefix + "__".join(path)
        if isinstance(field, BaseSerializer) and not getattr(field, "many", False):
            columns += _fields_columns(field, meta.model, column + "__")
        elif not found.many_to_many and not found.one_to_many:
            columns.append(column)
    return tuple(dict.fromkeys(columns))
