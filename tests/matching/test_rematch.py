"""Stored results and keeping them fresh."""

import datetime as dt
import itertools

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from matching.engine import Criterion
from matching.models import MatchResult
from matching.services import rematch_all, rematch_expired, rematch_products, stale_product_ids
from partners.services import requirement_save
from producers.models import CertificationScope, CertificationStatus
from tests import factories
from tests.matching.results import stored

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what waits for the commit (tests run inside a transaction that never commits)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def fda_type():
    return factories.CertificationTypeFactory(code="fda")


@pytest.fixture
def shop(fda_type):
    """A nationwide channel for food that needs an FDA number and 3 stars at most 500 baht."""
    food = factories.CategoryFactory(code="food")
    return factories.ChannelFactory(
        code="shop-food",
        requirement={"min_star_level": None, "price_max": 500},
        certificate_rules=[
            {"mode": "all", "certification_types": [fda_type], "categories": [food]}
        ],
    )


@pytest.fixture
def chilli(shop, committed):
    with committed():
        return factories.ProductFactory(category=factories.CategoryFactory(code="food"), price=120)


def _result(product, channel) -> MatchResult:
    return MatchResult.objects.get(product=product, channel=channel)


def test_a_new_product_is_scored_against_every_channel_straight_away(shop, committed):
    with committed():
        product = factories.ProductFactory(category=factories.CategoryFactory(code="food"))
    result = _result(product, shop)
    assert not result.eligible
    assert result.failed == 1 << Criterion.CERTIFICATE_RULE


def test_a_verified_certificate_makes_the_product_eligible_at_once(
    chilli, shop, fda_type, committed
):
    with committed():
        factories.CertificationFactory(
            producer=chilli.producer, type=fda_type, status=CertificationStatus.VERIFIED
        )
    assert _result(chilli, shop).eligible


def test_a_rolled_back_change_rescores_nothing(chilli, shop, committed):
    before = _result(chilli, shop).computed_at
    with committed(), pytest.raises(RuntimeError), transaction.atomic():
        chilli.price = 9999
        chilli.save()
        raise RuntimeError
    assert _result(chilli, shop).computed_at == before


def test_many_saves_in_one_transaction_rescore_once(chilli, shop, committed):
    with committed() as callbacks, transaction.atomic():
        for price in (100, 200, 900):
            chilli.price = price
            chilli.save()
    assert len(callbacks) == 1
    assert _result(chilli, shop).failed & 1 << Criterion.PRICE


def test_a_price_above_the_band_fails_the_price_gate(chilli, shop, committed):
    with committed():
        chilli.price = 900
        chilli.save()
    assert _result(chilli, shop).failed & 1 << Criterion.PRICE


@pytest.mark.django_db(transaction=True)
def test_editing_a_requirement_marks_results_stale_and_the_worker_refreshes_them(settings):
    # Real commits here: the worker closes its database connection between tasks, which a test
    # wrapped in a transaction would not survive on PostgreSQL.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    fda_type = factories.CertificationTypeFactory(code="fda")
    food = factories.CategoryFactory(code="food")
    shop = factories.ChannelFactory(
        code="shop-food",
        requirement={"price_max": 500},
        certificate_rules=[
            {"mode": "all", "certification_types": [fda_type], "categories": [food]}
        ],
    )
    chilli = factories.ProductFactory(category=food, price=120)  # scored on commit
    requirement_save(channel=shop, by=None, requirement_data={"price_max": 100})
    assert _result(chilli, shop).requirement_version == 1  # the task is only queued
    assert stale_product_ids() == [chilli.pk]

    call_command("db_worker", "--batch", verbosity=0)

    result = _result(chilli, shop)
    assert result.requirement_version == 2
    assert result.failed & 1 << Criterion.PRICE
    assert stale_product_ids() == []


def test_the_daily_job_catches_a_certificate_that_expired(chilli, shop, fda_type, committed):
    today = timezone.localdate()
    with committed():
        factories.CertificationFactory(
            producer=chilli.producer,
            type=fda_type,
            status=CertificationStatus.VERIFIED,
            expires_on=today,
        )
    assert _result(chilli, shop).eligible
    tomorrow = today + dt.timedelta(days=1)
    assert stale_product_ids(as_of=tomorrow) == [chilli.pk]
    summary = rematch_expired(as_of=tomorrow)
    assert summary.products == 1
    assert not _result(chilli, shop).eligible


def test_a_discontinued_product_loses_its_results(chilli, shop, committed):
    with committed():
        chilli.status = "discontinued"
        chilli.save()
    assert not MatchResult.objects.filter(product=chilli).exists()


def test_a_deactivated_channel_loses_its_results_on_the_next_full_run(chilli, shop):
    shop.is_active = False
    shop.save()
    summary = rematch_all()
    assert summary.removed == 1
    assert not MatchResult.objects.filter(channel=shop).exists()


def _no_longer_matched(way: str, product, channel) -> None:
    """Take the pair out of matching behind the receivers' back (a queryset update sends no
    signal), so that only a full run's cleanup can notice."""
    from partners.models import Channel, Partner, PartnerStatus
    from producers.models import Producer, Product

    if way == "product off sale":
        Product.objects.filter(pk=product.pk).update(status="discontinued")
    elif way == "producer erased":
        Producer.objects.filter(pk=product.producer_id).update(erased_at=timezone.now())
    elif way == "channel inactive":
        Channel.objects.filter(pk=channel.pk).update(is_active=False)
    else:
        Partner.objects.filter(pk=channel.partner_id).update(status=PartnerStatus.LEFT)


@pytest.mark.parametrize(
    "way", ["product off sale", "producer erased", "channel inactive", "partner left"]
)
def test_a_full_run_removes_exactly_the_pairs_no_longer_matched(shop, committed, way):
    other = factories.ChannelFactory(code="shop-any")
    with committed():
        gone, kept = factories.ProductFactory.create_batch(
            2, category=factories.CategoryFactory(code="food")
        )
    pairs = {(p.pk, c.pk) for p in (gone, kept) for c in (shop, other)}
    assert _pairs() == pairs
    _no_longer_matched(way, gone, shop)
    summary = rematch_all()
    if way.startswith(("product", "producer")):
        left = {(pid, cid) for pid, cid in pairs if pid != gone.pk}
    else:
        left = {(pid, cid) for pid, cid in pairs if cid != shop.pk}
    assert summary.removed == 2
    assert _pairs() == left


def _pairs() -> set[tuple[int, int]]:
    return set(MatchResult.objects.values_list("product_id", "channel_id"))


def test_a_run_for_some_channels_removes_stale_results_of_those_channels_only(shop, committed):
    from producers.models import Product

    other = factories.ChannelFactory(code="shop-any")
    with committed():
        product = factories.ProductFactory(category=factories.CategoryFactory(code="food"))
    Product.objects.filter(pk=product.pk).update(status="discontinued")
    summary = rematch_all(channel_ids={other.pk})
    assert summary.removed == 1
    assert list(MatchResult.objects.values_list("channel_id", flat=True)) == [shop.pk]


def test_full_rematch_scores_every_pair_in_chunks(shop):
    factories.ProductFactory.create_batch(5, category=factories.CategoryFactory(code="food"))
    other = factories.ChannelFactory(code="shop-any")
    MatchResult.objects.all().delete()
    summary = rematch_all(chunk=2)
    assert (summary.products, summary.pairs) == (5, 10)
    assert MatchResult.objects.filter(channel=other, eligible=True).count() == 5


def test_one_product_against_all_channels_is_a_bounded_number_of_queries(
    chilli, shop, django_assert_max_num_queries
):
    factories.ChannelFactory.create_batch(5)
    with django_assert_max_num_queries(10):
        rematch_products([chilli.pk])


def test_rematch_command_prints_a_summary(chilli, shop, capsys):
    call_command("rematch", "--all", "--no-progress")
    assert "1 pairs scored (1 products), 0 written (new or changed), 0 eligible" in (
        capsys.readouterr().out
    )
    call_command("rematch", "--channel", "shop-food", "--no-progress")
    call_command("rematch", "--product", str(chilli.pk))
    with pytest.raises(Exception, match="No channel"):
        call_command("rematch", "--channel", "nope")


def test_large_batches_take_the_bulk_path_with_the_same_results(shop, monkeypatch):
    """On PostgreSQL batches from COPY_FROM rows go through COPY; the rows must not differ."""
    from matching import services

    factories.ProductFactory.create_batch(3, category=factories.CategoryFactory(code="food"))
    rematch_all()
    before = sorted(MatchResult.objects.values_list("product_id", "channel_id", "failed", "score"))
    MatchResult.objects.update(score=0, failed=0)
    monkeypatch.setattr(services, "COPY_FROM", 1)
    assert rematch_all().pairs == 3
    after = sorted(MatchResult.objects.values_list("product_id", "channel_id", "failed", "score"))
    assert after == before


def test_two_bulk_batches_in_one_transaction_do_not_collide(shop, monkeypatch):
    """The COPY staging table empties at commit; two batches inside one outer transaction
    (a test, a task run inside atomic) must still upsert cleanly."""
    from matching import services

    factories.ProductFactory.create_batch(3, category=factories.CategoryFactory(code="food"))
    monkeypatch.setattr(services, "COPY_FROM", 1)
    with transaction.atomic():
        first = rematch_all(chunk=2)
        second = rematch_all(chunk=2)
    assert first.pairs == second.pairs == 3
    assert MatchResult.objects.count() == 3


def test_a_pair_that_stays_eligible_keeps_the_date_it_became_eligible(
    chilli, shop, fda_type, committed
):
    """The officer's "waiting since" for a candidate: a re-score must not move it, and losing
    eligibility clears it."""
    assert _result(chilli, shop).eligible_since is None
    with committed():
        factories.CertificationFactory(
            producer=chilli.producer, type=fda_type, status=CertificationStatus.VERIFIED
        )
    since = _result(chilli, shop).eligible_since
    assert since is not None
    for _ in range(2):  # both write paths: one product, and the whole table
        rematch_products([chilli.pk])
        rematch_all()
    assert _result(chilli, shop).eligible_since == since
    with committed():
        chilli.price = 900
        chilli.save()
    assert _result(chilli, shop).eligible_since is None


@pytest.mark.parametrize("bulk", [False, True], ids=["small", "bulk"])
def test_both_write_paths_stamp_when_a_result_changed_and_since_when_it_is_eligible(
    chilli, shop, fda_type, monkeypatch, bulk
):
    """On PostgreSQL both paths send only the columns that differ between rows and add the
    dates in SQL (a small batch as arrays, a bulk one by COPY, then MERGE or the upsert); on
    SQLite both are VALUES. Either way the dates must come out the same."""
    from matching import services

    if bulk:
        monkeypatch.setattr(services, "COPY_FROM", 1)
    factories.CertificationFactory(  # outside committed(): not re-scored until rematch_all
        producer=chilli.producer, type=fda_type, status=CertificationStatus.VERIFIED
    )
    rematch_all()
    became = _result(chilli, shop)
    assert became.eligible and became.as_of == timezone.localdate()
    assert became.eligible_since == became.computed_at
    MatchResult.objects.filter(pk=became.pk).update(requirement_version=0)
    rematch_all()  # written again, still eligible: waiting since the same moment
    again = _result(chilli, shop)
    assert (again.requirement_version, again.eligible_since) == (
        became.requirement_version,
        became.eligible_since,
    )
    assert again.computed_at > became.computed_at
    type(chilli).objects.filter(pk=chilli.pk).update(price=900)
    rematch_all()
    lost = _result(chilli, shop)
    assert not lost.eligible and lost.eligible_since is None


# --- Writing only what changed (issue 14) -------------------------------------------------------


def test_a_rescore_with_unchanged_inputs_writes_nothing(chilli, shop):
    factories.ProductFactory.create_batch(3, category=factories.CategoryFactory(code="food"))
    rematch_all()
    stamps = dict(MatchResult.objects.values_list("pk", "computed_at"))
    summary = rematch_all()
    assert (summary.pairs, summary.written) == (4, 0)
    assert dict(MatchResult.objects.values_list("pk", "computed_at")) == stamps
    assert rematch_products([chilli.pk]).written == 0


def test_only_the_pairs_whose_result_changed_are_written(chilli, shop, monkeypatch):
    """Through both write paths: VALUES batches, and on PostgreSQL COPY plus one upsert."""
    from matching import services

    other = factories.ChannelFactory(code="shop-any")
    rematch_all()
    for copy_from in (services.COPY_FROM, 1):
        monkeypatch.setattr(services, "COPY_FROM", copy_from)
        # Behind the hooks' back: the price leaves shop's band; the other channel has none.
        type(chilli).objects.filter(pk=chilli.pk).update(price=900)
        summary = rematch_all()
        assert summary.pairs == 2
        # shop: the price gate fails; the other channel: only the fingerprint changes.
        assert summary.written == 2
        assert _result(chilli, shop).failed & 1 << Criterion.PRICE
        assert rematch_all().written == 0
        type(chilli).objects.filter(pk=chilli.pk).update(price=120)
        assert rematch_all().written == 2
    assert _result(chilli, other).eligible


def test_a_new_requirement_version_rewrites_that_channels_results(chilli, shop):
    other = factories.ChannelFactory(code="shop-any")
    assert rematch_all().written == 1  # the new channel's pair
    requirement_save(channel=shop, by=None, requirement_data={"price_max": 400})
    summary = rematch_all()
    assert summary.written == 1
    assert _result(chilli, shop).requirement_version == 2
    assert _result(chilli, other).requirement_version == 1


def _scored_now(channels=None) -> list[tuple]:
    """What a re-score of every product would store now, as services' row tuples."""
    from matching.selectors import active_channels, product_facts
    from matching.services import _rows_for
    from producers.models import Product

    today, now = timezone.localdate(), timezone.now()
    channels = channels if channels is not None else active_channels()
    facts = product_facts(set(Product.objects.values_list("pk", flat=True)), today)
    return [row for f in facts for row in _rows_for(f, channels, today, now)]


def test_what_is_stored_is_recognised_as_unchanged_and_one_difference_is_found(shop, fda_type):
    """The comparison the re-score makes before writing (on PostgreSQL a digest per product
    worked out by the database, elsewhere the rows read back) agrees with what was stored:
    stars set and unset, eligible and not, a failed mask; and it finds one changed score."""
    from matching.services import _changed, _upsert

    food = factories.CategoryFactory(code="food")
    factories.ChannelFactory(code="shop-any")
    starred = factories.ProductFactory(category=food, price=120)
    factories.CertificationFactory(
        producer=starred.producer,
        type=factories.StarsTypeFactory(),
        status=CertificationStatus.VERIFIED,
        scope=CertificationScope.PRODUCTS,
        products=[starred],
        star_level=4,
        award_year=timezone.localdate().year,
    )
    factories.ProductFactory.create_batch(3, category=food, price=900)
    rematch_all()
    rows = _scored_now()
    assert {r[2] for r in rows} == {True, False} and {r[6] for r in rows} >= {None, 4}
    assert _changed(rows) == []

    MatchResult.objects.filter(product=starred, channel=shop).update(score=1)
    changed = _changed(rows)
    assert {r[0] for r in changed} == {starred.pk}  # that product's rows, or only the one
    assert (starred.pk, shop.pk) in {(r[0], r[1]) for r in changed}
    with transaction.atomic():
        assert _upsert(rows) == 1  # the database writes only the row that differs
    assert _changed(rows) == []


def test_a_rescore_of_one_channel_compares_only_that_channels_results(chilli, shop):
    from matching.selectors import active_channels
    from matching.services import _changed

    other = factories.ChannelFactory(code="shop-any")
    rematch_all()
    only_shop = [(cid, ch) for cid, ch in active_channels() if cid == shop.pk]
    MatchResult.objects.filter(channel=other).update(score=1)  # not the channel re-scored
    assert _changed(_scored_now(only_shop)) == []
    assert rematch_all(channel_ids={shop.pk}).written == 0


@pytest.mark.django_db(transaction=True)
def test_a_rescore_outside_a_transaction_reads_on_a_second_connection_and_closes_it(shop):
    """On PostgreSQL a command's or a worker's re-score reads the stored digests on a second
    connection while it scores (services.rematch_range); it finds the same changes, and leaves
    no session open behind it."""
    from django.db import connection

    def sessions() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            )
            return cursor.fetchone()[0]

    food = factories.CategoryFactory(code="food")
    products = factories.ProductFactory.create_batch(5, category=food, price=120)
    rematch_all(chunk=2)  # (each product was scored when it was saved, too)
    assert MatchResult.objects.count() == 5
    postgres = connection.vendor == "postgresql"
    before = sessions() if postgres else 0
    assert rematch_all(chunk=2).written == 0
    type(products[0]).objects.filter(pk=products[3].pk).update(price=900)
    assert rematch_all(chunk=2).written == 1
    assert _result(products[3], shop).failed & 1 << Criterion.PRICE
    if postgres:
        assert sessions() == before


@pytest.mark.django_db(transaction=True)
def test_a_rescore_that_changes_every_row_stops_reading_digests_and_writes_exactly_what_differs(
    shop, monkeypatch
):
    """When nearly every product changed (a requirement version on every channel), the
    re-score stops reading the stored digests and sends whole chunks to the upsert, which
    still writes only the rows that differ; once a chunk shows few changes it compares first
    again. The stored results and the count of rows written are exact either way."""
    from django.db import connection

    from matching import services

    food = factories.CategoryFactory(code="food")
    factories.ChannelFactory(code="shop-any")
    products = factories.ProductFactory.create_batch(12, category=food, price=120)
    rematch_all(chunk=2)
    expected = stored()
    assert len(expected) == 24

    reads = []
    real = services._stored_digests
    monkeypatch.setattr(services, "_stored_digests", lambda *args: reads.append(1) or real(*args))
    # Behind the hooks' back, every stored row now differs from what a re-score gives.
    MatchResult.objects.update(requirement_version=0)
    summary = rematch_all(chunk=2)
    assert (summary.pairs, summary.written) == (24, 24)
    assert stored() == expected
    if connection.vendor == "postgresql":  # the chunks after the first went whole
        assert 0 < len(reads) < 6

    # The first four products changed (both channels), then nothing, then one row of the last.
    reads.clear()
    first_four = sorted(p.pk for p in products)[:4]
    MatchResult.objects.filter(product_id__in=first_four).update(requirement_version=0)
    MatchResult.objects.filter(product_id=max(p.pk for p in products), channel=shop).update(
        requirement_version=0
    )
    assert rematch_all(chunk=2).written == 4 * 2 + 1
    assert stored() == expected
    if connection.vendor == "postgresql":  # compared first again once the changes stopped
        assert 0 < len(reads) < 6
    assert rematch_all(chunk=2).written == 0


# --- Runs split into ranges (matching.runs) ----------------------------------------------------


@pytest.fixture
def catalogue(shop):
    food = factories.CategoryFactory(code="food")
    factories.ChannelFactory(code="shop-any")
    products = factories.ProductFactory.create_batch(7, category=food)
    rematch_all()
    return products


def test_a_split_run_stores_what_one_process_stores(catalogue):
    from matching.models import RematchRun, RunStatus
    from matching.runs import rematch_run

    MatchResult.objects.all().delete()
    rematch_all()
    expected = stored()
    MatchResult.objects.all().delete()
    run, created = rematch_run(range_size=2)
    assert created and run.status == RunStatus.DONE
    assert (run.ranges_total, run.ranges_done) == (4, 4)
    assert (run.products, run.pairs, run.written) == (7, 14, 14)
    assert stored() == expected
    assert RematchRun.objects.count() == 1


def test_an_unchanged_split_run_writes_nothing(catalogue):
    from matching.runs import rematch_run

    run, _created = rematch_run(range_size=3)
    assert (run.pairs, run.written) == (14, 0)


def test_ranges_cover_every_product_id_new_ones_included(catalogue):
    from matching.runs import rematch_run_start

    run, _created = rematch_run_start(range_size=3)
    bounds = list(run.ranges.values_list("first_id", "last_id"))
    assert bounds[0][0] == 0 and bounds[-1][1] is None
    assert all(prev[1] + 1 == nxt[0] for prev, nxt in itertools.pairwise(bounds))


def test_a_second_full_run_joins_the_unfinished_one(catalogue):
    from matching.runs import RunAlreadyRunning, rematch_run_start

    first, created = rematch_run_start(range_size=3)
    again, created_again = rematch_run_start(range_size=3)
    assert created and not created_again and again.pk == first.pk
    with pytest.raises(RunAlreadyRunning):
        rematch_run_start(join=False)


def test_a_range_whose_worker_died_is_taken_over_and_nothing_is_lost(catalogue):
    from matching.models import RangeStatus, RunStatus
    from matching.runs import _claim, rematch_run_start, rematch_run_work

    MatchResult.objects.all().delete()
    run, _created = rematch_run_start(range_size=3, lease_seconds=60)
    dead = _claim(run, "host:1")  # claimed, then the worker was killed
    assert rematch_run_work(run_id=run.pk)[0] == 2  # the lease is still running: left alone
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING
    dead.range.refresh_from_db()
    dead.range.lease_until = timezone.now() - dt.timedelta(seconds=1)
    dead.range.save()

    assert rematch_run_work(run_id=run.pk, worker="host:2")[0] == 1
    run.refresh_from_db()
    dead.range.refresh_from_db()
    assert run.status == RunStatus.DONE and run.ranges_done == 3
    assert (dead.range.status, dead.range.attempts, dead.range.worker) == (
        RangeStatus.DONE,
        2,
        "host:2",
    )
    assert MatchResult.objects.count() == 14


def test_a_worker_whose_range_was_taken_over_stops_and_counts_nothing(catalogue):
    from matching.runs import LostClaim, _claim, _complete, _renew, rematch_run_start
    from matching.services import RematchSummary

    run, _created = rematch_run_start(range_size=10, lease_seconds=60)
    slow = _claim(run, "host:1")
    type(slow.range).objects.filter(pk=slow.range.pk).update(
        lease_until=timezone.now() - dt.timedelta(seconds=1)
    )
    taken = _claim(run, "host:2")
    assert taken.range.pk == slow.range.pk and taken.token == 2
    with pytest.raises(LostClaim):
        _renew(run, slow)
    assert not _complete(run.pk, slow, RematchSummary(pairs=99))
    run.refresh_from_db()
    assert (run.ranges_done, run.pairs) == (0, 0)


def test_the_run_ends_once_with_the_cleanup_and_the_lapse(catalogue, shop):
    from matching.models import ReferralEvent, ReferralState, RematchRun
    from matching.runs import _end_if_complete, rematch_run

    shop.is_active = False
    shop.save()
    run, _created = rematch_run(range_size=2)
    assert run.removed == 7  # shop's results, removed at the end, once
    assert not MatchResult.objects.filter(channel=shop).exists()
    locked = RematchRun.objects.get(pk=run.pk)
    assert not _end_if_complete(locked)  # a second end does nothing
    assert not ReferralEvent.objects.filter(to_state=ReferralState.LAPSED).exists()


def test_a_range_that_raises_goes_back_to_waiting(catalogue, monkeypatch):
    from matching import runs
    from matching.models import RangeStatus

    run, _created = runs.rematch_run_start(range_size=10)

    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(runs, "score_range", broken)
    with pytest.raises(RuntimeError):
        runs.rematch_run_work(run_id=run.pk)
    only = run.ranges.get()
    assert (only.status, only.attempts) == (RangeStatus.PENDING, 1)
    assert "boom" in only.error
    monkeypatch.undo()
    runs.rematch_run_work(run_id=run.pk)
    only.refresh_from_db()
    assert (only.status, only.attempts) == (RangeStatus.DONE, 2)


def test_a_requirement_change_replaces_the_unfinished_run_of_that_channel(catalogue, shop):
    from matching.models import RangeStatus, RunStatus
    from matching.runs import rematch_run_start

    old, _created = rematch_run_start(channel_ids={shop.pk}, range_size=3)
    new, created = rematch_run_start(channel_ids={shop.pk}, range_size=3, supersede=True)
    old.refresh_from_db()
    assert created and new.pk != old.pk
    assert old.status == RunStatus.SUPERSEDED
    assert set(old.ranges.values_list("status", flat=True)) == {RangeStatus.FAILED}


def test_rematch_command_shows_the_runs_status(catalogue, capsys):
    from matching.runs import rematch_run_start

    call_command("rematch", "--all", "--no-progress", "--range-size", "3")
    out = capsys.readouterr().out
    assert "Run #" in out and "(all) done: 14 pairs scored (7 products), 0 written" in out
    rematch_run_start(range_size=3)
    call_command("rematch", "--status")
    out = capsys.readouterr().out
    assert "(all) running" in out and "0/3 ranges done, 0 being scored, 0 stalled" in out
    assert "(all) done" in out and "3/3 ranges done" in out


@pytest.mark.django_db(transaction=True)
def test_the_daily_job_gives_a_task_to_a_run_that_no_worker_is_on(settings):
    """Every worker stopped while a run was out: the daily job queues a task for it, and a
    worker finishes it."""
    from matching.models import RunStatus
    from matching.runs import _claim, rematch_run_start
    from matching.tasks import rematch_daily

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    factories.ProductFactory.create_batch(3)
    run, _created = rematch_run_start(range_size=2, lease_seconds=60)
    dead = _claim(run, "host:1")
    type(dead.range).objects.filter(pk=dead.range.pk).update(
        lease_until=timezone.now() - dt.timedelta(seconds=1)
    )
    rematch_daily.enqueue()
    call_command("db_worker", "--batch", "--no-reload", verbosity=0)
    run.refresh_from_db()
    assert run.status == RunStatus.DONE and run.ranges_done == 2


def test_finished_runs_are_kept_ninety_days(catalogue):
    from matching.models import RematchRun
    from matching.runs import rematch_run, rematch_run_start

    old, _created = rematch_run(range_size=3)
    RematchRun.objects.filter(pk=old.pk).update(finished_at=timezone.now() - dt.timedelta(days=91))
    rematch_run_start(range_size=3)
    assert not RematchRun.objects.filter(pk=old.pk).exists()


def test_the_result_table_leaves_room_for_updates_in_place():
    """PostgreSQL: a re-score that changes only columns no index covers updates each row on its
    own page (migration matching/0014; docs/performance.md, issue 14)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL storage parameter (SQLite has none)")
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'matching_matchresult'")
        assert "fillfactor=50" in (cursor.fetchone()[0] or [])
