"""Statements: querysets of a fixed shape, compiled to SQL once per connection (issue 13).

Django turns a queryset into SQL each time it is evaluated: it builds the query (filters,
joins, select_related) and compiles it. For the statements every request of a page runs
again with other values, that is most of their cost in the worker: the partner's referral,
joined to ten tables, took 2.7 ms to build, compile and read, of which 1 ms was reading it
(docs/performance.md, fifteenth pass). A `Statement` builds its queryset once per database
connection, from stand-in values of its arguments, keeps the SQL and the compiler that made
it, and on each call runs that SQL with the call's values: the rows become models (with
their select_related relations and prefetch_related lookups) or values exactly as the
queryset would make them, through Django's own iterables.

    referral_of_partner = Statement(
        lambda partner_id, pk: Referral.objects.filter(channel__partner_id=partner_id, pk=pk)
    )
    referral_of_partner.first(user.partner_id, 42)     # a Referral, or None
    referral_of_partner.all(user.partner_id, 42)       # the list

What a builder may do, so that the SQL kept is the SQL Django would write for every call:
- Its positional arguments are the only values that vary. Each is an int or a str, used as
  is as a value of the query (a filter's right-hand side), not transformed (no
  `__icontains`), or a list of them (kind `list[int]` or `list[str]`) used as the values of an
  `__in`: a list's length is part of the shape (each length is compiled once), and an empty
  list is refused, since `pk__in=[]` is no SQL at all. A stand-in that does not reach the
  SQL's parameters unchanged is refused when the statement is first built, with the
  builder's name.
- Its keyword arguments are part of the shape (a slice's size, a choice of columns): each
  set of them is built and kept on its own.
- It reads nothing else that changes: no clock, no language, no setting that a test
  overrides. Those are arguments.

A call passes the values as the database holds them (an id, not a model): a value of
another type than the stand-in's is refused. The SQL is kept per connection object (per
thread, per database alias), so threads never share a compiler.

Two parts of Django used here are not its public API: a query's `get_compiler`, which the
iterables ask for the compiler, and the compiler's `as_sql`, which `execute_sql` calls. Django
is pinned to 5.2 LTS (pyproject.toml); tests/core/test_statements.py pins what a statement
gives, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet

# Stand-ins: values no real argument has, that survive a field's get_prep_value unchanged.
_INT_STAND_IN = -7_331_000_000_000
_STR_STAND_IN = "\u2063statement-argument-{}\u2063"
# Compiled statements a connection keeps, all dropped when this many are kept: a shape per
# list length and per page of a list adds up.
KEPT_PER_CONNECTION = 1_000
# Each kind an argument may have, with its items' kind when it is a list.
_KINDS = {int: None, str: None, list[int]: int, list[str]: str}


def _stand_in(kind: type, index: int, item: int | None):
    """The stand-in of argument `index` (of its item `item` in a list)."""
    if kind is int:
        return (
            _INT_STAND_IN - index
            if item is None
            else _INT_STAND_IN - 1_000_000 * (index + 1) - item
        )
    return _STR_STAND_IN.format(index if item is None else f"{index}-{item}")


class Statement:
    """A queryset of a fixed shape, compiled once per connection; see the module's text."""

    def __init__(
        self,
        build: Callable[..., QuerySet],
        *,
        kinds: tuple | None = None,
        using: str = DEFAULT_DB_ALIAS,
    ):
        """`build` makes the queryset from its positional arguments; `kinds` says each one's
        kind (int, str, list[int] or list[str]), int for every one when not given."""
        self.build = build
        self.using = using
        positional = [
            p
            for p in inspect.signature(build).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
        self.kinds = kinds or (int,) * len(positional)
        if len(self.kinds) != len(positional) or not all(k in _KINDS for k in self.kinds):
            raise TypeError(
                f"{self.name}: one kind, int, str, list[int] or list[str], for each positional "
                "argument"
            )

    @property
    def name(self) -> str:
        build = getattr(self.build, "func", self.build)  # a functools.partial's function
        return getattr(build, "__qualname__", repr(build))

    def _stand_ins(self, lengths: tuple) -> list:
        stand_ins = []
        for i, (kind, length) in enumerate(zip(self.kinds, lengths, strict=True)):
            if length is None:
                stand_ins.append(_stand_in(kind, i, None))
            else:
                stand_ins.append([_stand_in(_KINDS[kind], i, j) for j in range(length)])
        return stand_ins

    def _compiled(self, lengths: tuple, shape: dict[str, Any]):
        kept = connections[self.using].__dict__.setdefault("_otop_statements", {})
        key = (self, lengths, tuple(sorted(shape.items())))
        if key not in kept:
            if len(kept) >= KEPT_PER_CONNECTION:
                kept.clear()  # shapes seen rarely (a list's deep pages): compiled again
            kept[key] = self._compile(lengths, shape)
        return kept[key]

    def _compile(self, lengths: tuple, shape: dict[str, Any]):
        stand_ins = self._stand_ins(lengths)
        queryset = self.build(*stand_ins, **shape).using(self.using)
        compiler = queryset.query.get_compiler(using=self.using)
        sql, params = compiler.as_sql()
        wanted = [
            (index, item, value)
            for index, stand_in in enumerate(stand_ins)
            for item, value in (
                enumerate(stand_in) if isinstance(stand_in, list) else [(None, stand_in)]
            )
        ]
        slots = tuple(
            (position, index, item)
            for position, param in enumerate(params)
            for index, item, value in wanted
            if type(param) is type(value) and param == value
        )
        found = {(index, item) for _position, index, item in slots}
        missing = sorted({index for index, item, _value in wanted if (index, item) not in found})
        if missing:
            raise TypeError(
                f"{self.name}: argument {missing[0] + 1} does not reach the SQL unchanged; "
                "a statement's arguments are plain values of its filters"
            )
        return queryset, compiler, sql, tuple(params), slots

    def _queryset(self, args: tuple, shape: dict[str, Any]) -> QuerySet:
        if len(args) != len(self.kinds):
            raise TypeError(f"{self.name}: {len(self.kinds)} arguments, {len(args)} given")
        lengths = []
        for value, kind in zip(args, self.kinds, strict=True):
            item_kind = _KINDS[kind]
            if item_kind is None:
                if type(value) is not kind:
                    raise TypeError(f"{self.name}: {value!r} is not {kind.__name__}")
                lengths.append(None)
                continue
            if not isinstance(value, list | tuple) or not value:
                raise TypeError(f"{self.name}: {value!r} is not a list of one or more values")
            for item in value:
                if type(item) is not item_kind:
                    raise TypeError(f"{self.name}: {item!r} is not {item_kind.__name__}")
            lengths.append(len(value))
        queryset, compiler, sql, params, slots = self._compiled(tuple(lengths), shape)
        values = list(params)
        for position, index, item in slots:
            values[position] = args[index] if item is None else args[index][item]
        run = copy.copy(compiler)  # what the kept compiler worked out, with this call's SQL
        run.as_sql = lambda *_args, **_kwargs: (sql, values)
        runner = queryset.all()
        # Django's iterables ask the query for its compiler: this one runs the kept SQL.
        runner.query.get_compiler = lambda *_args, **_kwargs: run
        return runner

    def all(self, *args, **shape) -> list:
        """The rows, as the queryset would give them (models, dicts or tuples)."""
        return list(self._queryset(args, shape))

    def pages(self, *args, read: Callable[[list], list] | None = None, **shape) -> Pages:
        """The rows of a statement whose builder slices its list as `[bottom:top]` (two
        keyword arguments of its shape), read a page at a time, as a Paginator slices its
        list: each page's bounds are a shape of their own. `read` turns a page's rows into
        what the page shows."""
        return Pages(self, args, shape, read)

    def first(self, *args, **shape):
        """The first row, or None (the builder orders and slices as it needs)."""
        rows = self.all(*args, **shape)
        return rows[0] if rows else None


class Pages:
    """A list a Paginator slices, read through a statement (Statement.pages); the Paginator
    is told the list's length (KnownCountPaginator)."""

    def __init__(self, statement: Statement, args: tuple, shape: dict, read) -> None:
        self.statement, self.args, self.shape, self.read = statement, args, shape, read

    def __getitem__(self, index: slice) -> list:
        bottom, top = index.start or 0, index.stop
        if top <= bottom:
            return []  # an empty list's only page: no query, as Django's empty slice
        rows = self.statement.all(*self.args, bottom=bottom, top=top, **self.shape)
        return self.read(rows) if self.read else rows
