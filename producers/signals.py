"""What producers tells the apps above it, without knowing them (layering: producers never
imports matching; matching listens, see matching/hooks.py).

- `bulk_changes()`: inside it, per-save listeners should stand back (a register import saves
  hundreds of thousands of rows; re-scoring each one as it is saved would be most of the time).
- `products_changed_in_bulk`: sent once when such a bulk change is committed, with the ids of
  every product it created or changed, so listeners do their work once.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager

from django.dispatch import Signal

# Sent with product_ids: set[int] (and source: str, what made the change).
products_changed_in_bulk = Signal()

_in_bulk = contextvars.ContextVar("producers_in_bulk_changes", default=False)


@contextmanager
def bulk_changes() -> Iterator[None]:
    token = _in_bulk.set(True)
    try:
        yield
    finally:
        _in_bulk.reset(token)


def in_bulk_changes() -> bool:
    return _in_bulk.get()
