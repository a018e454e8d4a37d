"""Versions in the cache read together, once per request (otop_portal/versions.py, issue 13)."""

import pytest
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import transaction

from otop_portal import counts, versions
from otop_portal.choices import reference_changed, reference_version

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def version_reads(monkeypatch) -> list:
    """Each read of the cache by otop_portal.versions (a query of the database cache in
    production), with the keys it asked for."""
    reads = []

    class Counted:
        def __getattr__(self, name):
            return getattr(cache, name)

        def get_many(self, keys):
            reads.append(list(keys))
            return cache.get_many(keys)

    monkeypatch.setattr(versions, "cache", Counted())
    return reads


@pytest.fixture
def in_a_request():
    request_started.send(sender=None)
    yield
    request_finished.send(sender=None)


def test_a_request_reads_the_reference_and_the_counts_versions_in_one_query(
    settings, in_a_request, version_reads
):
    settings.COUNTS_CACHE_SECONDS = 60
    first = reference_version()
    assert counts.cached_count((counts.QUEUES, counts.REFERRALS), "x", lambda: 1) == 1
    assert counts.cached_count(counts.REFERRALS, "y", lambda: 2) == 2
    assert reference_version() == first
    assert len(version_reads) == 1
    assert {"reference:version", "counts:queues:version"} <= set(version_reads[0])


def test_a_version_renewed_in_the_request_is_read_again(settings, in_a_request):
    """A count dropped, or a reference row changed, during the request is worked out (or
    rendered) afresh by the request's next read, not from the versions it read first."""
    settings.COUNTS_CACHE_SECONDS = 60
    before = reference_version()
    assert counts.cached_count(counts.REFERRALS, "x", lambda: 1) == 1
    with transaction.atomic():
        counts.counts_changed(counts.REFERRALS)
    assert counts.cached_count(counts.REFERRALS, "x", lambda: 2) == 2
    reference_changed()
    assert reference_version() > before


def test_outside_a_request_each_read_asks_the_cache(version_reads):
    """A worker's task or a command runs for long: it never keeps a version."""
    (first,) = versions.read("counts:queues:version")
    versions.renew("counts:queues:version")
    (again,) = versions.read("counts:queues:version")
    versions.read("counts:queues:version")
    assert again > first and len(version_reads) == 3
