"""Versions kept in the cache (the reference data's, each kind of count's), read together.

A version is a number in the cache that changes when what it stands for changes: what was
kept under the old one is no longer read (otop_portal.choices, otop_portal.counts). A page
asked for them one at a time, each a query of the database cache in production: the
reference data's, then the counts' (issue 13, seventeenth pass). In a request, the first
read now reads every registered version in one query, and the request keeps them; a version
renewed during the request is read again on its next use. Outside a request every read asks
the cache.
"""

from __future__ import annotations

import time
from contextvars import ContextVar

from django.core.cache import cache
from django.core.signals import request_finished, request_started

_registered: set[str] = set()
# The versions read in this request; None outside a request.
_read: ContextVar[dict[str, int] | None] = ContextVar("versions_read", default=None)


def register(*keys: str) -> None:
    """These keys are versions: read with any other in a request's first read."""
    _registered.update(keys)


def read(*keys: str) -> list[int]:
    """Each key's version, in order; one made now for a key the cache does not hold."""
    kept = _read.get()
    if kept is None:
        found = _fetch(list(keys))
    else:
        if any(key not in kept for key in keys):
            kept.update(_fetch(sorted((_registered | set(keys)) - kept.keys())))
        found = kept
    return [found[key] for key in keys]


def renew(*keys: str) -> None:
    """New versions of these keys, now: what was kept under the old ones is not read again,
    in this request either."""
    cache.set_many({key: time.time_ns() for key in keys}, None)
    kept = _read.get()
    if kept is not None:
        for key in keys:
            kept.pop(key, None)


def _fetch(keys: list[str]) -> dict[str, int]:
    found = cache.get_many(keys)
    for key in keys:
        if key not in found:
            version = time.time_ns()
            if not cache.add(key, version, None):  # another process made it first
                version = cache.get(key, version)
            found[key] = version
    return found


def _request_started(**kwargs) -> None:
    _read.set({})


def _request_finished(**kwargs) -> None:
    _read.set(None)


request_started.connect(_request_started, dispatch_uid="versions-request-started")
request_finished.connect(_request_finished, dispatch_uid="versions-request-finished")
