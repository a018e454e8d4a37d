"""Issue 17's matching judgements end to end: reference data → facts → stored results → words."""

import datetime as dt

import pytest
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone, translation

from matching import hooks
from matching.models import MatchResult
from matching.selectors import product_channel_ranking, product_facts
from matching.services import rematch_products
from matching.words import describe_step, ranking_in_words
from partners.sentences import NameBook, describe_requirement
from producers.models import CertificationStatus
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def keeps_90_days(db):
    """A nationwide channel of every category that wants 90 days of shelf life and prefers
    Organic Thailand."""
    organic = factories.CertificationTypeFactory(code="organic", name_en="Organic Thailand")
    organic.categories.set(
        [factories.CategoryFactory(code=c, name_th=c, name_en=c) for c in ("food", "herbal")]
    )
    return factories.ChannelFactory(
        code="keeps-90",
        requirement={"min_shelf_life_days": 90},
        preferred=[{"kind": "certificate", "weight": 10, "certification_type": organic}],
    )


def _textile():
    return factories.CategoryFactory(code="textile", name_th="ผ้า", name_en="Textiles")


def test_the_category_says_whether_a_product_perishes(keeps_90_days):
    scarf = factories.ProductFactory(category=_textile())
    paste = factories.ProductFactory(category=factories.CategoryFactory(code="food"))
    facts = {f.product_id: f for f in product_facts([scarf.pk, paste.pk], timezone.localdate())}
    assert facts[scarf.pk].perishable is False
    assert facts[paste.pk].perishable is True


def test_a_scarf_without_shelf_life_is_eligible_and_not_scored_on_organic(keeps_90_days):
    scarf = factories.ProductFactory(category=_textile(), shelf_life_days=None)
    rematch_products([scarf.pk])
    result = MatchResult.objects.get(product=scarf, channel=keeps_90_days)
    assert result.eligible
    assert result.score == 100  # Organic does not apply to cloth: nothing else is preferred


def test_a_food_with_a_blank_shelf_life_is_asked_to_enter_it(keeps_90_days):
    paste = factories.ProductFactory(category=factories.CategoryFactory(code="food"))
    ranking = product_channel_ranking(paste.pk)
    [miss] = ranking["misses"]
    assert [s.action for s in miss["steps"]] == ["enter_shelf_life"]
    with translation.override("th"):
        text = ranking_in_words(ranking)["misses"][0]["steps_text"][0]
    assert "90" in text and "ระบุอายุการเก็บรักษา" in text


def test_marking_a_category_perishable_rescores_its_products(
    keeps_90_days, django_capture_on_commit_callbacks
):
    textile = _textile()
    scarf = factories.ProductFactory(category=textile)
    rematch_products([scarf.pk])
    assert MatchResult.objects.get(product=scarf, channel=keeps_90_days).eligible
    with django_capture_on_commit_callbacks(execute=True):
        textile.perishable = True
        textile.save()
    assert not MatchResult.objects.get(product=scarf, channel=keeps_90_days).eligible


def test_a_stale_star_rating_is_told_to_renew(db):
    stars = factories.StarsTypeFactory()
    channel = factories.ChannelFactory(code="three-stars", requirement={"min_star_level": 3})
    product = factories.ProductFactory(category=_textile())
    factories.CertificationFactory(
        producer=product.producer,
        type=stars,
        number="OPC-1",
        star_level=4,
        award_year=timezone.localdate().year - 4,
        status=CertificationStatus.VERIFIED,
    )
    [miss] = product_channel_ranking(product.pk)["misses"]
    assert miss["channel"] == channel
    assert [(s.action, s.detail) for s in miss["steps"]] == [
        ("renew_stars", {"stars": 3, "previous": 4})
    ]
    with translation.override("th"):
        assert "ต่ออายุ" in describe_step(miss["steps"][0], NameBook())


def test_the_channel_sentence_says_whom_the_shelf_life_minimum_is_for(keeps_90_days):
    snapshot = keeps_90_days.versions.get(number=1).snapshot
    with translation.override("en"):
        sentences = describe_requirement(snapshot)
    [shelf] = [s for s in sentences if "shelf life" in s]
    assert "food" in shelf and "herbal" in shelf and "textile" not in shelf
    assert "other products have no shelf-life minimum" in shelf


def test_results_marked_stale_by_the_migration_are_rescored_after_migrate(keeps_90_days):
    scarf = factories.ProductFactory(category=_textile())
    rematch_products([scarf.pk])
    MatchResult.objects.update(fingerprint=0, score=0, eligible=False)  # what the migration left
    migration = MigrationLoader(None, ignore_no_migrations=True).get_migration(
        *hooks.RESCORE_MIGRATION
    )
    hooks._rescore_after_migrate(sender=None, plan=[(migration, False)], verbosity=0)
    result = MatchResult.objects.get(product=scarf, channel=keeps_90_days)
    assert result.eligible and result.score == 100 and result.fingerprint != 0


def test_an_unrelated_migrate_does_not_rescore(keeps_90_days):
    scarf = factories.ProductFactory(category=_textile())
    rematch_products([scarf.pk])
    MatchResult.objects.update(score=0)
    hooks._rescore_after_migrate(sender=None, plan=[], verbosity=0)
    assert MatchResult.objects.get(product=scarf).score == 0


def test_star_rating_after_two_rounds_is_not_current(db):
    # The rule the renew step leans on (producers.selectors.star_rating_is_stale).
    from producers.selectors import star_rating_is_stale

    assert star_rating_is_stale(2020, dt.date(2026, 1, 1))
    assert not star_rating_is_stale(2025, dt.date(2026, 1, 1))
