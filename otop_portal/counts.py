"""Counts that busy pages show, kept in the cache per scope and dropped when they change.

At national size a queue's count is a COUNT(*) over a join of hundreds of thousands of rows
(docs/performance.md, issue 13); under a few dozen officers and buyers at once it was most of
the pages' time. The counts change only when someone acts (a referral moves, a producer or a
certificate is verified), and the services that make those changes call `counts_changed`:
every count of that kind is then worked out afresh on its next read, so what a page shows is
exact. `COUNTS_CACHE_SECONDS` bounds the rest: what changes without a service (a re-score
making pairs eligible) shows within that time.

Each kind has a version in the cache; a count's key carries the version it was made under, so
dropping every count of a kind is one cache write and a count made while a change commits is
never taken for a fresh one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from otop_portal import versions

T = TypeVar("T")

# The kinds of counts, each dropped on its own.
REFERRALS = "referrals"  # referral lists and their state tabs, the referral queues
QUEUES = "queues"  # the officer's home: producers, certificates and candidates waiting


def _version_key(kind: str) -> str:
    return f"counts:{kind}:version"


versions.register(*(_version_key(kind) for kind in (REFERRALS, QUEUES)))


def _versions(kinds: tuple[str, ...]) -> str:
    # Read with the other versions once per request (otop_portal.versions).
    return ".".join(str(v) for v in versions.read(*(_version_key(kind) for kind in kinds)))


def counts_changed(*kinds: str) -> None:
    """Every count of these kinds is stale: worked out afresh on its next read. Takes effect
    when the current transaction commits (a rolled-back change leaves the counts as they are)."""

    def drop() -> None:
        versions.renew(*(_version_key(kind) for kind in kinds))

    transaction.on_commit(drop)


def cached_count(kinds: str | tuple[str, ...], scope: str, compute: Callable[[], T]) -> T:
    """`compute()` (a count, or a small dict of counts) for this scope, from the cache while
    nothing of these `kinds` has changed; `scope` says whose count it is (e.g. the
    provinces)."""
    seconds = getattr(settings, "COUNTS_CACHE_SECONDS", 60)
    if not seconds:
        return compute()
    kinds = (kinds,) if isinstance(kinds, str) else kinds
    # A scope may carry a search typed in Thai: hashed, so the key fits any cache backend.
    scope = hashlib.blake2b(scope.encode(), digest_size=12).hexdigest()
    key = f"counts:{'+'.join(kinds)}:{_versions(kinds)}:{scope}"
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, seconds)
    return found
