"""Keyset (cursor) pagination of the match results: a page costs the same at row 9,000,000 as
at row 1."""

from __future__ import annotations

import base64
import binascii

from django.db.models import Q, QuerySet
from rest_framework.exceptions import NotFound
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from matching.filters import DEFAULT_ORDERING, ORDERINGS
from otop_portal.pagination import ValuesList


class KeysetPagination(BasePagination):
    """Keyset ("seek") pagination in the order the filter set gave: the next page starts after
    the last row's (score, product id, id), so page 10,000 costs what page 1 costs, with no
    COUNT over millions of results.

    Why not DRF's CursorPagination: it keeps its position on the first ordering field only and
    walks past equal values with an OFFSET; score has at most 101 values over ten million rows,
    so that OFFSET would run to the tens of thousands. And it re-orders the queryset by its own
    fixed `ordering`, which would silently undo the `ordering` filter. This class follows the
    queryset's order (matching.filters.ORDERINGS: score either way, then product id, then id,
    a total order) and compares all three keys. Forward only: `next`, no count.
    """

    page_size = 50
    cursor_query_param = "cursor"

    def paginate_queryset(self, queryset: QuerySet, request, view=None):
        self.request = request
        ordering = tuple(queryset.query.order_by) or ORDERINGS[DEFAULT_ORDERING]
        if ordering not in ORDERINGS.values():
            raise ValueError(
                f"KeysetPagination needs one of matching.filters.ORDERINGS, not {ordering}"
            )
        self.ordering = ordering
        after = self._decode_cursor(request)
        if after is not None:
            queryset = queryset.filter(_after(ordering, after))
        ordered = queryset.order_by(*ordering)
        # A view that names its rows' columns (`values_columns`, the ordering's among them)
        # gets them as values (ValuesRow), which its serializer reads as it reads models.
        columns = getattr(view, "values_columns", None)
        page = ValuesList(ordered, columns) if columns else ordered
        rows = list(page[: self.page_size + 1])
        self.has_next = len(rows) > self.page_size
        self.page = rows[: self.page_size]
        return self.page

    def _decode_cursor(self, request) -> tuple[int, ...] | None:
        encoded = request.query_params.get(self.cursor_query_param)
        if not encoded:
            return None
        try:
            raw = base64.urlsafe_b64decode(encoded.encode("ascii")).decode("ascii")
            values = tuple(int(part) for part in raw.split("."))
        except (ValueError, UnicodeError, binascii.Error):
            raise NotFound("Invalid cursor.") from None
        if len(values) != len(self.ordering):
            raise NotFound("Invalid cursor.")
        return values

    def _encode_cursor(self, row) -> str:
        raw = ".".join(str(getattr(row, field.lstrip("-"))) for field in self.ordering)
        return base64.urlsafe_b64encode(raw.encode("ascii")).decode("ascii")

    def get_next_link(self) -> str | None:
        if not self.has_next:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, self._encode_cursor(self.page[-1]))

    def get_paginated_response(self, data):
        return Response({"next": self.get_next_link(), "results": data})

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "next": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "description": "The next page; null on the last.",
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Where the page starts: take it from `next`, do not build it.",
                "schema": {"type": "string"},
            }
        ]


def _after(ordering: tuple[str, ...], values: tuple[int, ...]) -> Q:
    """Rows that come after `values` in `ordering` (fields may be descending, "-score"):
    a > x, or a = x and (b > y, or b = y and ...)."""
    condition = None
    for field, value in reversed(list(zip(ordering, values, strict=True))):
        name = field.lstrip("-")
        beyond = Q(**{f"{name}__{'lt' if field.startswith('-') else 'gt'}": value})
        condition = beyond if condition is None else beyond | (Q(**{name: value}) & condition)
    return condition
