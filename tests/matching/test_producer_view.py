"""What a producer sees: channels ranked with reasons, and next steps across products."""

import datetime as dt

import pytest
from django.utils import translation

from matching.engine import CertificateFact, Check, Step
from matching.selectors import producer_next_steps, product_channel_ranking
from matching.services import rematch_all
from matching.words import describe_check, describe_step
from partners.sentences import NameBook
from producers.models import CertificationStatus
from tests import factories
from tests.helpers import assert_constant_queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def profile(producer, province):
    return factories.ProducerFactory(user=producer, province=province)


@pytest.fixture
def fda_type():
    return factories.CertificationTypeFactory(
        code="fda", name_en="Thai FDA food serial number (อย.)", name_th="เลขสารบบอาหาร (อย.)"
    )


@pytest.fixture
def food():
    return factories.CategoryFactory(code="food")


@pytest.fixture
def channels(fda_type, food):
    """Three channels: one any product fits, one needing FDA, one for textiles only."""
    textile = factories.CategoryFactory(code="textile", name_th="ผ้า", name_en="Textiles")
    return {
        "open": factories.ChannelFactory(code="open", name_en="Open market"),
        "fda": factories.ChannelFactory(
            code="fda-shop",
            name_en="FDA shop",
            certificate_rules=[
                {"mode": "all", "certification_types": [fda_type], "categories": []}
            ],
        ),
        "textile": factories.ChannelFactory(
            code="cloth", name_en="Cloth hall", requirement={"categories": [textile]}
        ),
    }


@pytest.fixture
def chilli(profile, food, channels):
    product = factories.ProductFactory(producer=profile, category=food, price=50)
    rematch_all()
    return product


def test_ranking_lists_eligible_channels_then_the_nearest_misses(chilli, channels):
    ranking = product_channel_ranking(chilli.pk)
    assert [e["channel"].code for e in ranking["eligible"]] == ["open"]
    assert [e["channel"].code for e in ranking["misses"]] == ["fda-shop"]
    assert ranking["impossible"] == 1
    assert [s.action for s in ranking["misses"][0]["steps"]] == ["get_certificate"]
    assert ranking["misses"][0]["step_opens"] == [1]  # getting it opens that one channel


def test_product_page_explains_the_gap_in_english(client, profile, chilli):
    client.force_login(profile.user)
    client.cookies["django_language"] = "en"
    html = client.get(f"/producer/products/{chilli.pk}/").content.decode()
    assert "Open market" in html
    assert "Get Thai FDA food serial number (อย.)." in html
    assert "opens 1 channel" in html
    assert "1 channel does not take this kind of product." in html


def test_product_page_ranks_from_the_rows_it_shows_as_the_matching_reads_them(
    client, profile, chilli, fda_type
):
    """The page explains from the product and certificates it read to show them
    (facts_of_product): the ranking product_channel_ranking reads for itself, as a certificate
    is added, verified, rejected, and the product taken off sale."""
    from producers.models import Product

    client.force_login(profile.user)
    client.cookies["django_language"] = "en"
    url = f"/producer/products/{chilli.pk}/"

    def summary(ranking) -> tuple:
        return (
            [(e["channel"].code, e["result"].score) for e in ranking["eligible"]],
            [(e["channel"].code, e["step_opens"]) for e in ranking["misses"]],
            ranking["impossible"],
            ranking["matched"],
        )

    def shown() -> tuple:
        return summary(client.get(url).context["ranking"])

    def read() -> tuple:
        return summary(product_channel_ranking(chilli.pk))

    assert shown() == read() == ([("open", 100)], [("fda-shop", [1])], 1, True)
    certificate = factories.CertificationFactory(
        producer=profile, type=fda_type, status=CertificationStatus.PENDING
    )
    assert shown() == read()
    certificate.status = CertificationStatus.VERIFIED
    certificate.save()
    assert shown() == read()
    assert {code for code, _score in shown()[0]} == {"open", "fda-shop"}
    certificate.status = CertificationStatus.REJECTED
    certificate.save()
    assert shown() == read() == ([("open", 100)], [("fda-shop", [1])], 1, True)
    Product.objects.filter(pk=chilli.pk).update(status="draft")
    assert shown() == read() == ([], [], 0, False)


def test_product_page_explains_the_gap_in_thai(client, profile, chilli):
    client.force_login(profile.user)
    html = client.get(f"/producer/products/{chilli.pk}/").content.decode()
    assert "เลขสารบบอาหาร (อย.)" in html
    assert 'data-testid="channel-ranking"' in html


def test_home_orders_next_steps_by_how_many_channels_they_open(profile, chilli, channels, food):
    factories.ProductFactory(producer=profile, category=food, price=80)
    steps = producer_next_steps(profile.pk)
    assert steps[0]["step"].action == "get_certificate"
    assert steps[0]["opens"] == 2  # the FDA shop, for both products
    assert len(steps[0]["product_ids"]) == 2


def test_a_verified_certificate_clears_the_step(profile, chilli, fda_type):
    factories.CertificationFactory(
        producer=profile, type=fda_type, status=CertificationStatus.VERIFIED
    )
    assert producer_next_steps(profile.pk) == []
    ranking = product_channel_ranking(chilli.pk)
    assert {e["channel"].code for e in ranking["eligible"]} == {"open", "fda-shop"}


def test_what_the_engine_said_is_kept_until_a_fact_it_read_changes(
    profile, chilli, fda_type, monkeypatch
):
    """The explanations are cached under the facts, the channels' versions and the date: a
    second look costs no engine call, and a new certificate is seen at once."""
    import matching.engine

    assert producer_next_steps(profile.pk) and product_channel_ranking(chilli.pk)["misses"]
    calls = []
    real = matching.engine.explain
    monkeypatch.setattr(matching.engine, "explain", lambda *a: calls.append(1) or real(*a))
    assert producer_next_steps(profile.pk)[0]["step"].action == "get_certificate"
    assert product_channel_ranking(chilli.pk)["misses"]
    assert calls == []  # both from the cache

    factories.CertificationFactory(
        producer=profile, type=fda_type, status=CertificationStatus.VERIFIED
    )
    assert producer_next_steps(profile.pk) == []
    assert {e["channel"].code for e in product_channel_ranking(chilli.pk)["eligible"]} == {
        "open",
        "fda-shop",
    }
    assert calls  # worked out afresh


def test_home_shows_next_steps(client, profile, chilli):
    client.force_login(profile.user)
    client.cookies["django_language"] = "en"
    html = client.get("/producer/").content.decode()
    assert 'data-testid="next-steps"' in html
    assert "opens 1 channel" in html


def test_home_names_each_steps_products_whether_listed_on_it_or_not(
    client, profile, chilli, food, monkeypatch
):
    """A step names every product it would open a channel for, by the names the home lists,
    and by reading them when the home lists only the first few products."""
    from producers.workspace import views

    chilli.name_en = "Chilli paste"
    chilli.save()
    mango = factories.ProductFactory(
        producer=profile, category=food, price=80, name_th="มะม่วงกวน", name_en="Mango paste"
    )
    client.force_login(profile.user)
    client.cookies["django_language"] = "en"

    def step_products(html: str) -> str:
        steps = html.split('data-testid="next-steps"', 1)[1].split("</section>", 1)[0]
        return steps.split('<span class="muted">', 1)[1].split("</span>", 1)[0]

    assert step_products(client.get("/producer/").content.decode()) == "Chilli paste, Mango paste"
    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    html = client.get("/producer/").content.decode()
    listed = html.split('data-testid="home-products"', 1)[1].split("</ul>", 1)[0]
    assert listed.count("<li>") == 1  # the home lists one product
    assert step_products(html) == "Chilli paste, Mango paste"
    assert mango.name_en not in listed or chilli.name_en not in listed


def test_product_page_keeps_a_constant_number_of_queries_whatever_the_channels(
    client, profile, chilli
):
    client.force_login(profile.user)
    codes = iter(range(1000))
    assert_constant_queries(
        client,
        f"/producer/products/{chilli.pk}/",
        lambda n: [factories.ChannelFactory(code=f"extra-{next(codes)}") for _ in range(n)],
        sizes=(1, 6),
    )


def test_home_keeps_a_constant_number_of_queries_whatever_the_products(
    client, profile, chilli, food
):
    client.force_login(profile.user)
    assert_constant_queries(
        client,
        "/producer/",
        lambda n: factories.ProductFactory.create_batch(n, producer=profile, category=food),
    )


def test_steps_read_well_in_both_languages(fda_type):
    names = NameBook()
    renew = Step(
        "renew_certificate",
        ("renew_certificate", "fda"),
        {"type": "fda", "expired_on": dt.date(2025, 3, 3)},
    )
    with translation.override("en"):
        assert describe_step(renew, names) == (
            "Renew Thai FDA food serial number (อย.), which expired on March 3, 2025."
        )
    with translation.override("th"):
        text = describe_step(renew, NameBook())
        assert "เลขสารบบอาหาร (อย.)" in text and "3 มีนาคม 2568" in text


def test_checks_state_the_facts_behind_them():
    with translation.override("en"):
        assert describe_check(Check("stars", "failed", 4, 3), NameBook()) == (
            "Needs 4 OTOP stars; this product has 3."
        )
        assert "no current star rating" in describe_check(
            Check("stars", "failed", 4, None), NameBook()
        )


def test_certificate_fact_counts_only_when_verified_and_current():
    fact = CertificateFact("fda", True, dt.date(2026, 1, 1))
    assert fact.counts_on(dt.date(2026, 1, 1))
    assert not fact.counts_on(dt.date(2026, 1, 2))


@pytest.mark.django_db(transaction=True)
def test_product_page_names_its_channels_from_the_kept_ones_and_a_rename_at_once(
    client, profile, chilli, channels
):
    """The ranked channels are named from the channels the process keeps
    (partners.selectors.kept_channels): a second visit reads no channel row, and a renamed
    channel shows under its new name on the next visit."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(profile.user)
    client.cookies["django_language"] = "en"
    url = f"/producer/products/{chilli.pk}/"
    assert "Open market" in client.get(url).content.decode()
    with CaptureQueriesContext(connection) as again:
        assert "Open market" in client.get(url).content.decode()
    assert not [q for q in again.captured_queries if 'FROM "partners_channel"' in q["sql"]]

    channels["open"].name_en = "Open street market"
    channels["open"].save()
    html = client.get(url).content.decode()
    assert "Open street market" in html
