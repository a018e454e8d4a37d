"""The officers' dashboard: four charts of their provinces, the numbers behind each one, and a
CSV of those numbers."""

from __future__ import annotations

import csv
import datetime as dt
import io
import time
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from matching.models import ReferralEvent, ReferralState
from matching.officer import dashboard
from matching.services import referral_propose, referral_transition, rematch_all
from producers.models import CertificationScope, CertificationStatus, ProducerStatus
from tests import factories
from tests.helpers import assert_constant_queries

pytestmark = pytest.mark.django_db
S = ReferralState
URL = reverse("matching:dashboard")


@pytest.fixture(autouse=True)
def _fresh_figures(request, settings):
    """Figures worked out on every visit, except in the tests of the cache itself."""
    if "cached" not in request.node.name:
        settings.DASHBOARD_CACHE_SECONDS = 0


@pytest.fixture
def client(client):
    client.cookies["django_language"] = "en"
    return client


def _products(n: int, province_code: str = "50", **product) -> list:
    """n products on sale of verified producers in the province."""
    province = factories.ProvinceFactory(code=province_code)
    return [
        factories.ProductFactory(
            producer=factories.ProducerFactory(province=province, status=ProducerStatus.VERIFIED),
            **product,
        )
        for _ in range(n)
    ]


@pytest.fixture
def three_referrals(officer, partner_org, other_partner_org):
    """In Chiang Mai: two referrals to Central (one approved), one to Shopee (proposed)."""
    central = factories.ChannelFactory(partner=partner_org)
    shopee = factories.ChannelFactory(partner=other_partner_org)
    a, b, c = _products(3)
    rematch_all()
    first = referral_propose(product=a, channel=central, by=officer)
    referral_propose(product=b, channel=central, by=officer)
    referral_propose(product=c, channel=shopee, by=officer)
    referral_transition(referral_id=first.pk, to_state=S.APPROVED, by=officer)
    return central, shopee


def _chart(response, name: str) -> dict:
    return next(c for c in response.context["charts"] if c["name"] == name)


def _table_rows(chart: dict) -> dict[str, list[int]]:
    rows = dict(chart["table"]["body"])
    total_label, totals = chart["table"]["footer"]
    rows[total_label] = totals
    return rows


def _csv(response) -> list[list[str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = response.content
    assert body.startswith("\ufeff".encode())  # the BOM: spreadsheets then read UTF-8
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


# --- Referrals by partner and state -----------------------------------------------------------


def test_referrals_are_counted_by_partner_and_state_in_the_table(client, officer, three_referrals):
    client.force_login(officer)
    chart = _chart(client.get(URL), "referrals")
    assert chart["table"]["header"] == ["Partner", "Proposed", "Approved", "Total"]
    assert _table_rows(chart) == {
        "Central Group": [1, 1, 2],
        "Shopee (Thailand)": [1, 0, 1],
        "Total": [2, 1, 3],
    }


def test_the_csv_has_the_same_numbers_as_the_table(client, officer, three_referrals):
    client.force_login(officer)
    response = client.get(URL, {"chart": "referrals", "format": "csv"})
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert _csv(response) == [
        ["Partner", "Proposed", "Approved", "Total"],
        ["Central Group", "1", "1", "2"],
        ["Shopee (Thailand)", "1", "0", "1"],
        ["Total", "2", "1", "3"],
    ]


def test_the_csv_keeps_thai_names_and_words(client, officer, three_referrals):
    client.cookies["django_language"] = "th"
    client.force_login(officer)
    rows = _csv(client.get(URL, {"chart": "referrals", "format": "csv"}))
    names = [row[0] for row in rows[1:-1]]
    assert "เซ็นทรัล กรุ๊ป" in names
    assert "ช้อปปี้" in names
    with translation.override("th"):
        assert rows[0][0] == translation.gettext("Partner")


def test_another_provinces_referrals_are_not_counted(
    client, officer, other_officer, three_referrals
):
    central, _shopee = three_referrals
    (kk,) = _products(1, "40")
    rematch_all()
    referral_propose(product=kk, channel=central, by=other_officer)
    client.force_login(officer)
    chart = _chart(client.get(URL), "referrals")
    assert _table_rows(chart)["Total"] == [2, 1, 3]
    client.force_login(other_officer)
    chart = _chart(client.get(URL), "referrals")
    assert _table_rows(chart) == {"Central Group": [1, 1], "Total": [1, 1]}


def test_a_national_officer_picks_one_province(client, national_officer, three_referrals):
    central, _shopee = three_referrals
    (kk,) = _products(1, "40")
    rematch_all()
    referral_propose(product=kk, channel=central, by=national_officer)
    client.force_login(national_officer)
    assert _table_rows(_chart(client.get(URL), "referrals"))["Total"] == [3, 1, 4]
    chart = _chart(client.get(URL, {"province": "40"}), "referrals")
    assert _table_rows(chart)["Total"] == [1, 1]


def test_a_province_outside_the_officers_own_is_refused_and_not_counted(
    client, officer, other_officer, three_referrals
):
    central, _shopee = three_referrals
    (kk,) = _products(1, "40")
    rematch_all()
    referral_propose(product=kk, channel=central, by=other_officer)
    client.force_login(officer)
    response = client.get(URL, {"province": "40"})
    assert "province" in response.context["form"].errors
    # The choice is left out: the officer still sees their own provinces, not Khon Kaen.
    assert _table_rows(_chart(response, "referrals"))["Total"] == [2, 1, 3]


# --- Products by category and star level --------------------------------------------------------


def test_products_are_counted_by_category_and_star_level(officer):
    this_year = timezone.localdate().year
    food = factories.CategoryFactory()
    textiles = factories.CategoryFactory(code="textiles", name_en="Textiles", name_th="ผ้า")
    starred = _products(2, category=food)
    _products(1, category=food)
    _products(1, category=textiles)
    for product in starred:
        factories.CertificationFactory(
            producer=product.producer,
            type=factories.StarsTypeFactory(),
            status=CertificationStatus.VERIFIED,
            scope=CertificationScope.PRODUCTS,
            products=[product],
            star_level=4,
            award_year=this_year,
        )
    # Not counted: a draft product, a producer not verified yet, a stale rating counts as none.
    _products(1, category=food, status="draft")
    factories.ProductFactory(category=food)  # ProducerFactory is "submitted"
    (old,) = _products(1, category=textiles)
    factories.CertificationFactory(
        producer=old.producer,
        type=factories.StarsTypeFactory(),
        status=CertificationStatus.VERIFIED,
        star_level=5,
        award_year=this_year - 5,
    )
    factories.ChannelFactory()  # the star level is read from the stored results
    rematch_all()

    figures = dashboard.products_by_category_and_stars(officer)

    assert [label for _key, label in figures.rows] == ["Food", "Textiles"]
    assert figures.values["food"] == {"4": 2, "0": 1}
    assert figures.values["textiles"] == {"0": 2}
    assert figures.series[0].label == "No stars"


# --- Eligible but not referred, by province ---------------------------------------------------


def test_eligible_pairs_not_yet_referred_are_counted_by_province(national_officer):
    channels = [factories.ChannelFactory(), factories.ChannelFactory()]
    cm = _products(2, "50")
    _products(1, "40")
    rematch_all()
    referral_propose(product=cm[0], channel=channels[0], by=national_officer)

    figures = dashboard.eligible_not_referred_by_province(national_officer)

    # Chiang Mai: 2 products × 2 channels, one pair referred; Khon Kaen: 1 × 2.
    assert figures.rows == [("50", "Chiang Mai"), ("40", "Khon Kaen")]
    assert figures.values["50"] == {"pairs": 3, "products": 2}
    assert figures.values["40"] == {"pairs": 2, "products": 1}


def test_provinces_beyond_the_top_ones_are_one_bar(national_officer, monkeypatch):
    monkeypatch.setattr(dashboard, "TOP_PROVINCES", 1)
    factories.ChannelFactory()
    _products(3, "50")
    _products(1, "40")
    _products(1, "10")
    rematch_all()

    figures = dashboard.eligible_not_referred_by_province(national_officer)

    assert figures.rows == [("50", "Chiang Mai"), ("others", "2 other provinces")]
    assert figures.values["others"] == {"pairs": 2, "products": 2}


# --- Referrals over time --------------------------------------------------------------------------


def test_each_month_counts_referrals_created_and_the_steps_they_reached(officer):
    channel = factories.ChannelFactory()
    a, b = _products(2)
    rematch_all()
    first = referral_propose(product=a, channel=channel, by=officer)
    referral_propose(product=b, channel=channel, by=officer)
    referral_transition(referral_id=first.pk, to_state=S.APPROVED, by=officer)
    referral_transition(referral_id=first.pk, to_state=S.SENT, by=officer)
    # The first referral was created three months ago.
    today = timezone.localdate()
    ReferralEvent.objects.filter(referral=first, to_state=S.PROPOSED).update(
        created_at=timezone.now() - dt.timedelta(days=93)
    )

    figures = dashboard.referrals_over_time(officer, today=today)

    assert len(figures.rows) == 12
    this_month = today.replace(day=1).isoformat()
    assert figures.values[this_month] == {"proposed": 1, "approved": 1, "sent": 1}
    assert figures.series_total("proposed") == 2
    assert [s.label for s in figures.series] == [
        "Created",
        "Approved",
        "Sent to the partner",
        "Listed",
    ]


def test_months_are_named_in_thai_with_the_buddhist_era_year(officer):
    today = dt.date(2025, 3, 15)
    with translation.override("th"):
        figures = dashboard.referrals_over_time(officer, months=6, today=today)
    assert figures.rows[-1] == ("2025-03-01", "มีนาคม 2568")
    assert figures.rows[0] == ("2024-10-01", "ตุลาคม 2567")
    with translation.override("en"):
        figures = dashboard.referrals_over_time(officer, months=6, today=today)
    assert figures.rows[-1][1] == "March 2025"


def test_the_period_of_the_time_chart_can_be_chosen(client, officer):
    client.force_login(officer)
    assert len(_chart(client.get(URL), "timeline")["figures"].rows) == 12
    assert len(_chart(client.get(URL, {"months": "24"}), "timeline")["figures"].rows) == 24


# --- The page -----------------------------------------------------------------------------------


class _ExternalReferences(HTMLParser):
    """src/href of script, link and img tags that point outside the site."""

    def __init__(self):
        super().__init__()
        self.external: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "link", "img"):
            for name, value in attrs:
                if name in ("src", "href") and value and "//" in value:
                    self.external.append(value)


def test_the_page_draws_each_chart_as_inline_svg_with_nothing_from_elsewhere(
    client, officer, three_referrals
):
    client.force_login(officer)
    response = client.get(URL)
    html = response.content.decode()
    assert html.count('role="img"') >= 1
    assert "<svg" in html and "<script" not in html
    assert "<title>Central Group – Proposed: 1</title>" in html
    assert "Show the numbers" in html
    parser = _ExternalReferences()
    parser.feed(html)
    assert parser.external == []


def test_each_chart_has_a_csv_link_keeping_the_filters(client, national_officer, three_referrals):
    client.force_login(national_officer)
    html = client.get(URL, {"province": "50", "months": "6"}).content.decode()
    assert "?province=50&amp;months=6&amp;chart=referrals&amp;format=csv" in html


def test_an_unknown_chart_has_no_csv(client, officer):
    client.force_login(officer)
    assert client.get(URL, {"chart": "nope", "format": "csv"}).status_code == 404


def test_charts_without_data_say_so(client, officer):
    client.force_login(officer)
    response = client.get(URL)
    assert response.content.decode().count('data-testid="chart-empty"') == 4


def test_the_page_costs_the_same_queries_for_more_data(client, officer, partner_org):
    channel = factories.ChannelFactory(partner=partner_org)
    client.force_login(officer)

    def add(n: int) -> None:
        products = _products(n) + _products(n, category=factories.CategoryFactory(code=f"c{n}"))
        rematch_all()
        for product in products[:n]:
            referral = referral_propose(product=product, channel=channel, by=officer)
            referral_transition(referral_id=referral.pk, to_state=S.APPROVED, by=officer)
        _products(n, "40")

    assert_constant_queries(client, URL, add)


# --- The figures are kept a few minutes per scope -----------------------------------------------


def test_cached_figures_are_shared_until_they_expire_and_the_page_says_how_old(
    client, officer, three_referrals, settings
):
    settings.DASHBOARD_CACHE_SECONDS = 300
    client.force_login(officer)
    first = client.get(URL)
    assert _chart(first, "referrals")["figures"].total == 3
    assert "Figures as of" in first.content.decode()
    assert "every 5 minutes" in first.content.decode()

    central, _shopee = three_referrals
    (product,) = _products(1)
    rematch_all()
    referral_propose(product=product, channel=central, by=officer)
    with CaptureQueriesContext(connection) as ctx:
        second = client.get(URL)
    assert _chart(second, "referrals")["figures"].total == 3  # as of the first visit
    assert not any("matching_referral" in q["sql"] for q in ctx.captured_queries)
    csv_body = client.get(URL, {"chart": "referrals", "format": "csv"}).content.decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(csv_body)))[-1][-1] == "3"  # the CSV matches the chart

    settings.DASHBOARD_CACHE_SECONDS = 0  # as if they had expired
    assert _chart(client.get(URL), "referrals")["figures"].total == 4


def test_cached_figures_are_not_shared_across_provinces_and_are_read_once_for_both_languages(
    client, officer, other_officer, three_referrals, settings
):
    """Each scope has its own figures. A Thai and an English visit of the same scope share
    the database's answer (a national refresh reads millions of rows, issue 13), and each
    reader sees the chart in their own language."""
    settings.DASHBOARD_CACHE_SECONDS = 300
    client.force_login(officer)
    assert _chart(client.get(URL), "referrals")["figures"].total == 3
    client.force_login(other_officer)  # Khon Kaen: nothing of Chiang Mai's
    assert _chart(client.get(URL), "referrals")["figures"].is_empty

    from django.core.cache import cache

    cache.clear()  # none kept yet, in either language
    client.force_login(officer)
    client.cookies["django_language"] = "th"
    thai = _chart(client.get(URL), "referrals")["figures"]
    with translation.override("th"):
        assert thai.title == str(dashboard.referrals_by_partner_and_state(officer).title)
    client.cookies["django_language"] = "en"
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(URL)
    english = _chart(page, "referrals")["figures"]
    assert english.title == "Referrals by partner and state" != thai.title
    assert english.total == 3
    assert [label for _key, label in english.rows] == ["Central Group", "Shopee (Thailand)"]
    with translation.override("en"):
        assert english.rows == dashboard.referrals_by_partner_and_state(officer).rows
    assert not any("matching_referral" in q["sql"] for q in ctx.captured_queries)


def test_a_new_period_reads_the_time_chart_again_and_nothing_else(
    client, officer, three_referrals, settings
):
    """Only the time chart depends on the period: choosing another one does not read the
    products and the eligible pairs again."""
    settings.DASHBOARD_CACHE_SECONDS = 300
    client.force_login(officer)
    client.get(URL)
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(URL, {"months": 24})
    assert len(_chart(page, "timeline")["figures"].rows) == 24
    sql = [q["sql"] for q in ctx.captured_queries]
    assert any("matching_referralevent" in q for q in sql)  # the time chart, read again
    assert not any("producers_product" in q or "matching_matchresult" in q for q in sql)


def test_cached_figures_are_worked_out_by_one_visit_while_the_others_show_the_previous(
    settings, monkeypatch
):
    """Stampede protection: with a refresh under way (its lock taken), a visit shows the
    expired figures instead of working them out too; with none to show, it waits for them."""
    from django.core.cache import cache

    settings.DASHBOARD_CACHE_SECONDS = 300
    made = []

    def compute():
        made.append(1)
        return f"figures {len(made)}"

    figures, _at = dashboard._fresh_or_stale("k", 300, compute)
    assert figures == "figures 1" and dashboard._fresh_or_stale("k", 300, compute)[0] == figures
    cache.add("k:refreshing", 1, 30)  # another visit is refreshing them
    assert dashboard._fresh_or_stale("k", 0, compute)[0] == "figures 1"  # expired: shown
    assert made == [1]
    cache.delete("k:refreshing")
    assert dashboard._fresh_or_stale("k", 0, compute)[0] == "figures 2"  # this one refreshes

    cache.add("none:refreshing", 1, 30)
    monkeypatch.setattr(dashboard, "REFRESH_LOCK_SECONDS", 0.2)
    assert dashboard._fresh_or_stale("none", 300, compute)[0] == "figures 3"  # waited, then
    assert made == [1, 1, 1]


def test_a_visit_during_a_refresh_reads_the_cache_once_and_does_not_retry_the_lock(settings):
    """While one visit refreshes the figures, each other visit reads the figures and the lock in
    one statement and shows the previous figures; it does not try to take the lock again
    (with the database's cache a failed `add` is five statements, issue 13)."""
    from django.core.cache import cache
    from django.core.management import call_command

    # Production's default cache, the database's table (the tests otherwise keep it in memory).
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "test_dashboard_cache",
        }
    }
    call_command("createcachetable", verbosity=0)
    made = []

    def compute():
        made.append(1)
        return f"figures {len(made)}"

    dashboard._fresh_or_stale("k", 300, compute)
    cache.add("k:refreshing", 1, 30)  # another visit is refreshing them
    with CaptureQueriesContext(connection) as queries:
        assert dashboard._fresh_or_stale("k", 0, compute)[0] == "figures 1"  # expired: shown
    assert made == [1]
    assert len(queries) == 1 and "test_dashboard_cache" in queries[0]["sql"]


def test_a_visit_does_not_wait_for_cached_figures_another_visit_is_working_out(
    client, officer, three_referrals, settings
):
    """The first figures of the day being worked out by another visit: the page answers at
    once, says so for that chart (with a link to look again) and draws the others; the figures then
    show."""
    from django.core.cache import cache

    settings.DASHBOARD_CACHE_SECONDS = 300
    client.force_login(officer)
    keys = []
    for language, _name in settings.LANGUAGES:  # whichever the page is shown in
        with translation.override(language):
            keys.append(dashboard.figures_key("referrals", officer, None, dashboard.DEFAULT_PERIOD))
    for key in keys:
        cache.add(f"{key}:refreshing", 1, 30)  # another visit is working them out
    started = time.monotonic()
    page = client.get(URL)
    assert time.monotonic() - started < dashboard.REFRESH_LOCK_SECONDS / 2  # did not wait
    html = page.content.decode()
    pending = [c["name"] for c in page.context["charts"] if c.get("pending")]
    assert pending == ["referrals"]
    assert 'data-testid="chart-pending"' in html
    assert _chart(page, "products")["figures"] is not None  # the others are drawn

    cache.delete_many([f"{key}:refreshing" for key in keys])  # that visit gave up
    again = client.get(URL)
    assert _chart(again, "referrals")["figures"].total == 3
    assert 'data-testid="chart-pending"' not in again.content.decode()


# --- Re-scoring runs (issue 14) -----------------------------------------------------------------


def test_the_dashboard_shows_how_far_the_latest_rescoring_run_is(client, officer):
    from matching.runs import rematch_run, rematch_run_start

    client.force_login(officer)
    assert 'data-testid="rescoring"' not in client.get(URL).content.decode()
    _products(3)
    rematch_run(range_size=2)
    page = client.get(URL).content.decode()
    assert 'data-testid="rescoring"' in page and '<progress max="2" value="2"' in page
    rematch_run_start(range_size=2)
    page = client.get(URL).content.decode()
    assert '<progress max="2" value="0"' in page


@pytest.mark.django_db(transaction=True)
def test_cached_figures_missing_or_old_are_worked_out_beside_the_request(
    client, officer, three_referrals, settings
):
    """Outside a transaction (as in production) no visit works the figures out itself: a
    thread does, while the visit shows the previous figures, or says they are being worked
    out; the next visit shows them."""
    import threading

    def wait_for_the_threads():
        for thread in threading.enumerate():
            if thread.name.startswith("dashboard-figures"):
                thread.join(30)

    settings.DASHBOARD_CACHE_SECONDS = 300
    client.force_login(officer)
    first = client.get(URL)
    assert [c["name"] for c in first.context["charts"] if c.get("pending")] == list(
        dashboard.CHARTS
    )
    wait_for_the_threads()
    second = client.get(URL)
    assert not any(c.get("pending") for c in second.context["charts"])
    assert _chart(second, "referrals")["figures"].total == 3

    central, _shopee = three_referrals
    (product,) = _products(1)
    rematch_all()
    referral_propose(product=product, channel=central, by=officer)
    from django.core.cache import cache

    for language, _name in settings.LANGUAGES:  # made 10 minutes ago: expired
        with translation.override(language):
            key = dashboard.figures_key("referrals", officer, None, dashboard.DEFAULT_PERIOD)
        if (kept := cache.get(key)) is not None:
            cache.set(key, (kept[0], kept[1] - dt.timedelta(minutes=10)), 600)
    third = client.get(URL)
    assert _chart(third, "referrals")["figures"].total == 3  # the previous ones, at once
    wait_for_the_threads()
    assert _chart(client.get(URL), "referrals")["figures"].total == 4  # the thread's


def _refresh_thread(key: str, compute):
    return dashboard._refresh_in_background(key, 300, compute, f"{key}:refreshing")


@pytest.mark.django_db(transaction=True)
def test_figures_are_worked_out_one_chart_at_a_time(settings):
    """A national chart reads millions of rows: two worked out at once would take both cores
    of a small server from the pages for seconds (issue 13). The second waits for the first."""
    import threading

    from django.core.cache import cache

    first_started, first_may_end, order = threading.Event(), threading.Event(), []

    def first():
        first_started.set()
        first_may_end.wait(10)
        order.append("first")
        return "figures 1"

    def second():
        order.append("second")
        return "figures 2"

    one = _refresh_thread("one", first)
    assert first_started.wait(10)
    two = _refresh_thread("two", second)
    two.join(0.3)
    assert two.is_alive() and order == []  # waiting for the first
    first_may_end.set()
    one.join(10)
    two.join(10)
    assert order == ["first", "second"]
    assert cache.get("one")[0] == "figures 1" and cache.get("two")[0] == "figures 2"
    assert cache.get("one:refreshing") is None and cache.get("two:refreshing") is None


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="server settings of PostgreSQL")
def test_figures_are_worked_out_on_one_core_after_other_processes_refreshes(settings):
    """On PostgreSQL a refresh also waits for another server process's (an advisory lock)
    and reads without parallel workers; a failed one lets its lock go and sets nothing."""
    import psycopg
    from django.core.cache import cache

    seen = {}

    def compute():
        with connection.cursor() as cursor:
            cursor.execute("SHOW max_parallel_workers_per_gather")
            seen["parallel workers"] = cursor.fetchone()[0]
        return "figures"

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("prepare_threshold", None)
    with psycopg.connect(**params, autocommit=False) as other:  # another gunicorn worker's
        other.execute("SELECT pg_advisory_xact_lock(%s)", [dashboard.REFRESH_ADVISORY_LOCK])
        thread = _refresh_thread("national", compute)
        thread.join(0.5)
        assert thread.is_alive() and not seen  # waits for the other process's refresh
        other.rollback()
    thread.join(10)
    assert seen == {"parallel workers": "0"} and cache.get("national")[0] == "figures"
    with connection.cursor() as cursor:  # the setting was the refresh's alone
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone()[0] != "0"

    def fails():
        raise RuntimeError("the database went away")

    _refresh_thread("broken", fails).join(10)
    assert cache.get("broken") is None and cache.get("broken:refreshing") is None


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="server settings of PostgreSQL")
def test_a_refresh_that_takes_too_long_gives_up_and_lets_the_next_one_run(monkeypatch):
    """A stuck refresh would hold every later one of its process: each statement of a
    refresh has a time limit, after which it gives up, sets nothing and lets its lock go."""
    from django.core.cache import cache

    monkeypatch.setattr(dashboard, "REFRESH_STATEMENT_TIMEOUT_MS", 300)

    def stuck():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(5)")
        return "never"

    started = time.monotonic()
    _refresh_thread("stuck", stuck).join(10)
    assert time.monotonic() - started < 3
    assert cache.get("stuck") is None and cache.get("stuck:refreshing") is None
    _refresh_thread("next", lambda: "figures").join(10)
    assert cache.get("next")[0] == "figures"


def test_cached_charts_are_drawn_once_per_language_and_query_string_then_kept(
    client, national_officer, three_referrals, settings
):
    """A visit of cached figures serves each chart's card as it was drawn (its SVG and table
    rendered in Django's templates were most of such a visit's CPU, issue 13): the same
    chart, in the reader's language, with the spreadsheet link of the reader's query."""
    settings.DASHBOARD_CACHE_SECONDS = 300
    client.force_login(national_officer)
    asked = {"province": "50", "months": "6"}
    first = client.get(URL, asked)
    assert "matching/_chart_card.html" in [t.name for t in first.templates]
    again = client.get(URL, asked)
    assert "matching/_chart_card.html" not in [t.name for t in again.templates]
    body = again.content.decode()
    assert body.count('data-testid="chart-svg"') == first.content.decode().count(
        'data-testid="chart-svg"'
    )
    assert "<title>Central Group – Proposed: 1</title>" in body
    assert "?province=50&amp;months=6&amp;chart=referrals&amp;format=csv" in body

    other_query = client.get(URL, {"province": "50", "months": "12"}).content.decode()
    assert "?province=50&amp;months=12&amp;chart=referrals&amp;format=csv" in other_query
    client.cookies["django_language"] = "th"
    thai = client.get(URL, asked).content.decode()
    with translation.override("th"):
        title = str(dashboard.referrals_by_partner_and_state(national_officer).title)
    assert title in thai and "Referrals by partner and state" not in thai
