"""Counts kept per scope until a service changes them (otop_portal/counts.py, issue 13)."""

import pytest
from django.db import transaction

from otop_portal import counts

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_count_is_worked_out_once_until_its_kind_changes(settings):
    settings.COUNTS_CACHE_SECONDS = 60
    made = []

    def compute():
        made.append(1)
        return len(made)

    assert counts.cached_count(counts.REFERRALS, "p1", compute) == 1
    assert counts.cached_count(counts.REFERRALS, "p1", compute) == 1  # from the cache
    assert counts.cached_count(counts.REFERRALS, "p2", compute) == 2  # another scope
    with transaction.atomic():
        counts.counts_changed(counts.QUEUES)  # another kind: no effect
    assert counts.cached_count(counts.REFERRALS, "p1", compute) == 1
    with transaction.atomic():
        counts.counts_changed(counts.REFERRALS)
    assert counts.cached_count(counts.REFERRALS, "p1", compute) == 3  # afresh


def test_a_change_rolled_back_leaves_the_counts(settings):
    settings.COUNTS_CACHE_SECONDS = 60
    assert counts.cached_count((counts.QUEUES, counts.REFERRALS), "x", lambda: 1) == 1
    with pytest.raises(RuntimeError), transaction.atomic():
        counts.counts_changed(counts.QUEUES)
        raise RuntimeError
    assert counts.cached_count((counts.QUEUES, counts.REFERRALS), "x", lambda: 2) == 1


def test_no_cache_when_turned_off(settings):
    settings.COUNTS_CACHE_SECONDS = 0
    assert counts.cached_count(counts.QUEUES, "x", lambda: 1) == 1
    assert counts.cached_count(counts.QUEUES, "x", lambda: 2) == 2
    # A scope with a Thai search in it still makes a key every backend takes.
    assert counts.cached_count(counts.QUEUES, "ค้นหา" * 100, lambda: 3) == 3
