"""Stored results and keeping them fresh."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from matching.engine import Criterion
from matching.models import MatchResult
from matching.services import rematch_all, rematch_expired, rematch_products, stale_product_ids
from partners.services import requirement_save
from producers.models import CertificationStatus
from tests import factories

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
    assert "1 pairs scored (1 products), 0 eligible" in capsys.readouterr().out
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
