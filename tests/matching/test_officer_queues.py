"""The officer's queues: producers and certificates waiting for verification, certificates
expiring soon and match candidates, scoped to the officer's provinces."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation

from matching.selectors import officer_queues
from producers.models import CertificationStatus, NationalIdView, ProducerStatus
from tests import factories
from tests.helpers import assert_constant_queries, models_compiled, read_with_plan

pytestmark = pytest.mark.django_db


def _producer(province_code: str = "50", **kwargs):
    return factories.ProducerFactory(
        province=factories.ProvinceFactory(code=province_code), **kwargs
    )


def _submitted(province_code: str = "50", days_ago: int = 1):
    return _producer(province_code, submitted_at=timezone.now() - dt.timedelta(days=days_ago))


def _expiring(province_code: str = "50", in_days: int = 30):
    return factories.CertificationFactory(
        producer=_producer(province_code, status=ProducerStatus.VERIFIED),
        status=CertificationStatus.VERIFIED,
        expires_on=timezone.localdate() + dt.timedelta(days=in_days),
    )


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def _in_site_language(message: str) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return translation.gettext(message)


# --- Queues: counts and the oldest item ---------------------------------------------------------


def test_queues_count_in_scope_and_show_the_longest_waiting(officer):
    oldest = _submitted(days_ago=9)
    _submitted(days_ago=2)
    _submitted("40", days_ago=30)  # another province
    _producer(status=ProducerStatus.VERIFIED)  # not waiting
    first_cert = factories.CertificationFactory(producer=_producer(status=ProducerStatus.VERIFIED))
    factories.CertificationFactory(producer=_producer(status=ProducerStatus.VERIFIED))
    factories.CertificationFactory(producer=_producer("40"))
    soonest = _expiring(in_days=5)
    _expiring(in_days=59)
    _expiring(in_days=61)  # outside the window
    _expiring("40", in_days=3)

    queues = officer_queues(officer)

    assert queues["producers"]["count"] == 2
    assert queues["producers"]["oldest"] == oldest
    # The expiring certificates are verified: only the two pending ones wait.
    assert queues["certificates"]["count"] == 2
    assert queues["certificates"]["oldest"] == first_cert
    assert queues["expiring"]["count"] == 2
    assert queues["expiring"]["oldest"] == soonest
    assert queues["candidates"] == {"count": 0, "oldest": None}


def test_national_officer_queues_cover_every_province(national_officer):
    _submitted("50")
    _submitted("40")
    factories.CertificationFactory(producer=_producer("40", status=ProducerStatus.VERIFIED))
    _expiring("40")
    queues = officer_queues(national_officer)
    assert queues["producers"]["count"] == 2
    assert queues["certificates"]["count"] == 1
    assert queues["expiring"]["count"] == 1


def test_officer_home_shows_the_counts_and_links(client, officer):
    from django.test.utils import CaptureQueriesContext

    producer = _submitted()
    officer.provinces.add(factories.ProvinceFactory(code="57", name_en="Chiang Rai"))
    client.force_login(officer)
    client.cookies["django_language"] = "en"
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("matching:officer_home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<li>Chiang Rai</li>" in html
    assert all(f"<li>{p.name_en}</li>" in html for p in officer.provinces.all())
    # The officer's provinces are read once: for the queues' scope and the list both.
    reads = [
        q["sql"] for q in queries.captured_queries if '"otop_portal_user_provinces"' in q["sql"]
    ]
    assert len(reads) == 1
    assert response.context["queues"]["producers"]["count"] == 1
    assert reverse("matching:officer_producer", args=[producer.pk]).encode() in response.content
    for name in ("officer_producers", "officer_certificates", "officer_expiring_certificates"):
        assert reverse(f"matching:{name}").encode() in response.content


# --- Producers ----------------------------------------------------------------------------------


def test_producer_list_shows_the_longest_waiting_first(client, officer):
    newer = _submitted(days_ago=1)
    older = _submitted(days_ago=5)
    _submitted("40")
    client.force_login(officer)
    response = client.get(reverse("matching:officer_producers"))
    assert list(response.context["page"].object_list) == [older, newer]


def test_producer_detail_shows_the_national_id_and_logs_the_view(client, officer):
    producer = _submitted()
    client.force_login(officer)
    response = client.get(reverse("matching:officer_producer", args=[producer.pk]))
    assert response.status_code == 200
    assert response.context["national_id"]
    assert NationalIdView.objects.filter(officer=officer, producer=producer).exists()


def test_officer_verifies_a_submitted_producer(client, officer):
    producer = _submitted()
    client.force_login(officer)
    url = reverse("matching:officer_producer", args=[producer.pk])
    response = client.post(url, {"action": "verify"})
    assert response.status_code == 302
    producer.refresh_from_db()
    assert producer.status == ProducerStatus.VERIFIED
    assert producer.verified_by == officer


def test_officer_returns_a_producer_with_the_reason(client, officer):
    producer = _submitted()
    client.force_login(officer)
    url = reverse("matching:officer_producer", args=[producer.pk])
    client.post(url, {"action": "return", "reason": "The phone number does not answer."})
    producer.refresh_from_db()
    assert producer.status == ProducerStatus.RETURNED
    assert producer.return_reason == "The phone number does not answer."


def test_returning_a_producer_without_a_reason_is_refused(client, officer):
    producer = _submitted()
    client.force_login(officer)
    url = reverse("matching:officer_producer", args=[producer.pk])
    response = client.post(url, {"action": "return", "reason": "  "})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    producer.refresh_from_db()
    assert producer.status == ProducerStatus.SUBMITTED


def test_verifying_a_producer_not_waiting_shows_a_message(client, officer):
    producer = _producer(status=ProducerStatus.VERIFIED)
    client.force_login(officer)
    url = reverse("matching:officer_producer", args=[producer.pk])
    response = client.post(url, {"action": "verify"})
    assert response.status_code == 200
    assert _messages(response) == [
        _in_site_language("Only a producer waiting for review can be verified.")
    ]


def test_officer_of_another_province_cannot_act_on_the_producer(client, other_officer):
    producer = _submitted("50")
    client.force_login(other_officer)
    url = reverse("matching:officer_producer", args=[producer.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "verify"}).status_code == 404
    producer.refresh_from_db()
    assert producer.status == ProducerStatus.SUBMITTED


def test_national_officer_sees_every_province(client, national_officer):
    cm, kk = _submitted("50", days_ago=2), _submitted("40", days_ago=1)
    client.force_login(national_officer)
    response = client.get(reverse("matching:officer_producers"))
    assert list(response.context["page"].object_list) == [cm, kk]
    url = reverse("matching:officer_producer", args=[kk.pk])
    assert client.get(url).status_code == 200


# --- Certificates -------------------------------------------------------------------------------


def test_certificate_detail_shows_the_document_beside_the_record(client, officer):
    cert = factories.CertificationFactory(producer=_producer())
    cert.document.save("scan.png", ContentFile(b"\x89PNG\r\n\x1a\n"), save=False)
    cert.document_content_type = "image/png"
    cert.save()
    client.force_login(officer)
    response = client.get(reverse("matching:officer_certificate", args=[cert.pk]))
    document_url = reverse("producers:certification_document", args=[cert.pk])
    assert f'<img src="{document_url}"'.encode() in response.content
    assert client.get(document_url).status_code == 200  # the officer may open it


def test_officer_verifies_a_pending_certificate(client, officer):
    cert = factories.CertificationFactory(producer=_producer())
    client.force_login(officer)
    url = reverse("matching:officer_certificate", args=[cert.pk])
    assert client.post(url, {"action": "verify"}).status_code == 302
    cert.refresh_from_db()
    assert cert.status == CertificationStatus.VERIFIED


def test_officer_rejects_a_certificate_with_the_reason(client, officer):
    cert = factories.CertificationFactory(producer=_producer())
    client.force_login(officer)
    url = reverse("matching:officer_certificate", args=[cert.pk])
    client.post(url, {"action": "reject", "reason": "The scan is unreadable."})
    cert.refresh_from_db()
    assert cert.status == CertificationStatus.REJECTED
    assert cert.reject_reason == "The scan is unreadable."


def test_rejecting_a_certificate_without_a_reason_is_refused(client, officer):
    cert = factories.CertificationFactory(producer=_producer())
    client.force_login(officer)
    url = reverse("matching:officer_certificate", args=[cert.pk])
    response = client.post(url, {"action": "reject", "reason": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    cert.refresh_from_db()
    assert cert.status == CertificationStatus.PENDING


def test_verifying_an_expired_certificate_shows_a_message(client, officer):
    cert = factories.CertificationFactory(
        producer=_producer(), expires_on=timezone.localdate() - dt.timedelta(days=1)
    )
    client.force_login(officer)
    url = reverse("matching:officer_certificate", args=[cert.pk])
    response = client.post(url, {"action": "verify"})
    assert response.status_code == 200
    assert _messages(response) == [
        _in_site_language("This certificate has expired; it cannot be verified.")
    ]
    cert.refresh_from_db()
    assert cert.status == CertificationStatus.PENDING


def test_officer_of_another_province_cannot_act_on_the_certificate(client, other_officer):
    cert = factories.CertificationFactory(producer=_producer("50"))
    client.force_login(other_officer)
    url = reverse("matching:officer_certificate", args=[cert.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "reject", "reason": "No."}).status_code == 404
    cert.refresh_from_db()
    assert cert.status == CertificationStatus.PENDING


def test_expiring_list_shows_the_soonest_first_in_scope(client, officer):
    later, sooner = _expiring(in_days=40), _expiring(in_days=10)
    _expiring("40", in_days=5)
    client.force_login(officer)
    response = client.get(reverse("matching:officer_expiring_certificates"))
    assert list(response.context["page"].object_list) == [sooner, later]


# --- What a row shows -----------------------------------------------------------------------------


def _row(html: str, testid: str) -> str:
    return html.split(f'data-testid="{testid}"', 1)[1].split("</tr>", 1)[0]


def test_the_queues_rows_show_names_types_provinces_and_buddhist_era_dates_in_thai(client, officer):
    """The rows (Jinja2, templates/jinja2/matching/) in the reader's language: the name as
    typed and escaped, the type's and the province's Thai names, the date in the Buddhist
    Era."""
    producer = _submitted(days_ago=3)
    producer.name_th, producer.producer_type = 'กลุ่ม <b>"ทอผ้า"</b> บ้านนา', "sme"
    producer.save()
    pending = factories.CertificationFactory(producer=producer, number="50-1-12345-2-0001")
    expiring = _expiring(in_days=20)
    client.force_login(officer)
    client.cookies["django_language"] = "th"

    row = _row(client.get(reverse("matching:officer_producers")).content.decode(), "producer")
    assert "กลุ่ม &lt;b&gt;&#34;ทอผ้า&#34;&lt;/b&gt; บ้านนา</a>" in row
    assert "<b>" not in row
    with translation.override("th"):
        assert translation.gettext("SME producer") in row
        assert f'data-label="{translation.gettext("Submitted on")}"' in row
    assert producer.province.name_th in row
    assert str(producer.submitted_at.astimezone().year + 543) in row.rsplit("<td", 1)[1]

    row = _row(client.get(reverse("matching:officer_certificates")).content.decode(), "certificate")
    assert f"{pending.type.name_th} 50-1-12345-2-0001</a>" in row
    assert reverse("matching:officer_certificate", args=[pending.pk]) in row
    assert str(timezone.localdate().year + 543) in row.rsplit("<td", 1)[1]  # added today

    html = client.get(reverse("matching:officer_expiring_certificates")).content.decode()
    row = _row(html, "certificate")
    assert expiring.producer.name_th in row
    with translation.override("th"):
        assert f'data-label="{translation.gettext("Expiry date")}"' in row
    assert str(expiring.expires_on.year + 543) in row.rsplit("<td", 1)[1]


def test_the_queues_rows_say_types_and_provinces_in_english(client, officer):
    """The rows are read as values (issue 13): an English reader gets the English names of
    the producer type, the province and the certificate's type."""
    producer = _submitted(days_ago=3)
    producer.producer_type = "single_owner"
    producer.save()
    pending = factories.CertificationFactory(producer=producer)
    client.force_login(officer)
    client.cookies["django_language"] = "en"

    row = _row(client.get(reverse("matching:officer_producers")).content.decode(), "producer")
    assert "Single-owner community producer" in row
    assert producer.province.name_en in row and producer.province.name_th not in row
    row = _row(client.get(reverse("matching:officer_certificates")).content.decode(), "certificate")
    assert f"{pending.type.name_en} {pending.number}</a>" in row


# --- Query counts -------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["th", "en"])
def test_producer_list_costs_constant_queries(client, officer, language):
    """In both languages: a row reads only the columns it shows (selectors.queue_rows), and a
    name of the other language left out would cost a query per row."""
    client.force_login(officer)
    client.cookies["django_language"] = language
    assert_constant_queries(
        client,
        reverse("matching:officer_producers"),
        lambda n: [_submitted() for _ in range(n)],
    )


@pytest.mark.parametrize("language", ["th", "en"])
def test_pending_certificate_list_costs_constant_queries(client, officer, language):
    """The same for the certificates."""
    client.force_login(officer)
    client.cookies["django_language"] = language
    assert_constant_queries(
        client,
        reverse("matching:officer_certificates"),
        lambda n: [factories.CertificationFactory(producer=_producer()) for _ in range(n)],
    )


@pytest.mark.parametrize("language", ["th", "en"])
def test_expiring_certificate_list_costs_constant_queries(client, officer, language):
    client.force_login(officer)
    client.cookies["django_language"] = language
    assert_constant_queries(
        client,
        reverse("matching:officer_expiring_certificates"),
        lambda n: [_expiring() for _ in range(n)],
    )


def test_officer_home_costs_constant_queries(client, officer):
    client.force_login(officer)
    assert_constant_queries(
        client, reverse("matching:officer_home"), lambda n: [_submitted() for _ in range(n)]
    )


_QUEUE_TABLES = ("producers_producer", "producers_certification", "matching_matchresult")


def _reads_a_queue(sql: str) -> bool:
    """A query that reads a queue's rows or counts them (not the session, the user, the
    notifications or the cache)."""
    return any(f'FROM "{table}"' in sql for table in (*_QUEUE_TABLES, "matching_referral"))


@pytest.mark.parametrize("language", ["th", "en"])
def test_the_officer_home_names_each_queues_oldest_item_and_keeps_it_with_the_count(
    client, officer, language
):
    """Every queue with an item waiting: the home page names each one waiting longest in the
    reader's language, with its date. The item is read with its queue's count, with only what
    the page shows (matching.selectors.QUEUE_OLDEST_COLUMNS: a shown column left out would
    fail here), and kept with it: the next visit reads no queue at all, and a reader of the
    other language gets their own words from what was kept."""
    from django.core.cache import cache
    from django.test.utils import CaptureQueriesContext

    from matching.models import MatchResult, Referral
    from matching.services import referral_propose, referral_transition, rematch_all

    client.force_login(officer)
    client.cookies["django_language"] = language
    url = reverse("matching:officer_home")
    client.get(url)  # per-process caches out of the count
    cache.clear()
    with CaptureQueriesContext(connection) as empty:
        client.get(url)

    waiting = _submitted(days_ago=3)
    waiting.name_th, waiting.name_en = "กลุ่มทอผ้า <บ้านไร่>", "Ban Rai <weavers>"
    waiting.save()
    pending = factories.CertificationFactory(
        producer=_producer(status=ProducerStatus.VERIFIED, name_th="กลุ่มจักสาน", name_en="Weavers")
    )
    expiring = _expiring(in_days=5)
    makers = [_producer(status=ProducerStatus.VERIFIED) for _ in range(3)]
    proposed, approved, candidate = (
        factories.ProductFactory(producer=maker, name_th=name)
        for maker, name in zip(makers, ("น้ำพริกเผา", "ผ้าไหมมัดหมี่", "ข้าวหอมมะลิ"), strict=True)
    )
    channel = factories.ChannelFactory(name_th="ร้านค้าออนไลน์", name_en="Online shop")
    rematch_all()
    referral_propose(product=proposed, channel=channel, by=officer)
    to_send = referral_propose(product=approved, channel=channel, by=officer)
    referral_transition(referral_id=to_send.pk, to_state="approved", by=officer)

    cache.clear()
    with CaptureQueriesContext(connection) as full:
        response = client.get(url)
    # Each item comes with its queue's count: not one query more than for empty queues.
    assert len(full.captured_queries) == len(empty.captured_queries)

    th = language == "th"
    shown_channel = "ร้านค้าออนไลน์" if th else "Online shop"

    def says_every_item(response, th: bool) -> None:
        page = response.content.decode()
        queues = response.context["queues"]
        assert [queues[name]["oldest"] for name in ("producers", "certificates", "expiring")] == [
            waiting,
            pending,
            expiring,
        ]
        assert queues["candidates"]["oldest"] == MatchResult.objects.get(
            product=candidate, channel=channel
        )
        assert queues["proposals"]["oldest"] == Referral.objects.get(product=proposed)
        assert queues["to_send"]["oldest"] == to_send
        assert ("กลุ่มทอผ้า &lt;บ้านไร่&gt;" if th else "Ban Rai &lt;weavers&gt;") in page
        assert ("กลุ่มจักสาน" if th else "Weavers") in page and pending.number in page
        assert expiring.number in page
        assert page.count(pending.type.name_th if th else pending.type.name_en) >= 2
        channel_name = "ร้านค้าออนไลน์" if th else "Online shop"
        for product in (proposed, approved, candidate):
            assert f'<span lang="th">{product.name_th}</span> → {channel_name}' in page
        year = timezone.localdate().year
        assert str(year + 543 if th else year) in page  # the Buddhist Era in Thai

    says_every_item(response, th)
    assert shown_channel in response.content.decode()

    with CaptureQueriesContext(connection) as again:
        kept = client.get(url)
    assert [q["sql"] for q in again.captured_queries if _reads_a_queue(q["sql"])] == []
    says_every_item(kept, th)

    client.cookies["django_language"] = "en" if th else "th"
    with CaptureQueriesContext(connection) as other:
        other_language = client.get(url)
    assert [q["sql"] for q in other.captured_queries if _reads_a_queue(q["sql"])] == []
    says_every_item(other_language, not th)


def test_the_kept_oldest_items_show_a_change_made_through_the_portal_at_once(
    client, officer, django_capture_on_commit_callbacks
):
    """What the home keeps of the items waiting longest is dropped with the counts, and when
    reference rows change: a certificate's number corrected by its producer, a certificate
    type renamed by an administrator, a channel renamed by its partner's and a proposal
    approved show on the next visit."""
    from matching.services import referral_propose, referral_transition, rematch_all
    from producers import services

    client.force_login(officer)
    client.cookies["django_language"] = "en"
    url = reverse("matching:officer_home")
    pending = factories.CertificationFactory(producer=_producer(status=ProducerStatus.VERIFIED))
    product = factories.ProductFactory(producer=_producer(status=ProducerStatus.VERIFIED))
    channel = factories.ChannelFactory(name_th="ร้านค้า", name_en="Shop")
    rematch_all()
    with django_capture_on_commit_callbacks(execute=True):
        proposal = referral_propose(product=product, channel=channel, by=officer)
    page = client.get(url)
    assert page.context["queues"]["certificates"]["oldest"].number == pending.number
    assert page.context["queues"]["proposals"]["oldest"] == proposal
    assert f"{product.name_th}</span> → Shop" in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        services.certification_update(certification=pending, data={"number": "10-1-54321-5-0009"})
    pending.refresh_from_db()
    assert pending.number == "1015432150009"  # as the portal stores it
    page = client.get(url)
    assert page.context["queues"]["certificates"]["oldest"].number == pending.number
    assert f"{pending.type.name_en} {pending.number}</a>" in page.content.decode()

    pending.type.name_en = "Food licence"
    with django_capture_on_commit_callbacks(execute=True):
        pending.type.save()
    channel.name_en = "Marketplace"
    with django_capture_on_commit_callbacks(execute=True):
        channel.save()
    page = client.get(url)
    assert page.context["queues"]["certificates"]["oldest"].type.name == "Food licence"
    assert f"Food licence {pending.number}</a>" in page.content.decode()
    assert f"{product.name_th}</span> → Marketplace" in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        referral_transition(referral_id=proposal.pk, to_state="approved", by=officer)
    queues = client.get(url).context["queues"]
    assert queues["proposals"] == {"count": 0, "oldest": None}
    assert queues["to_send"]["oldest"] == proposal


def test_the_queues_rows_are_kept_rendered_and_say_what_a_fresh_render_says(client, officer):
    """Each queue's row on the home is rendered once per language, count and item, then kept
    (issue 13, seventeenth pass): what is kept is what a fresh render says."""
    from otop_portal import jinja2

    oldest = _submitted(days_ago=3)
    _submitted(days_ago=1)
    factories.CertificationFactory(producer=_producer(status=ProducerStatus.VERIFIED))
    client.force_login(officer)
    url = reverse("matching:officer_home")

    def queues_section(language: str) -> str:
        client.cookies["django_language"] = language
        html = client.get(url).content.decode()
        start = html.index('data-testid="queues"')
        return html[start : html.index("</section>", start)]

    jinja2._kept_rows.clear()
    first = {language: queues_section(language) for language in ("th", "en")}
    kept = [key for key in jinja2._kept_rows if key[0] == "matching/_queues.html"]
    assert len(kept) == 4  # the two queues with an item, in two languages
    assert {language: queues_section(language) for language in ("th", "en")} == first
    jinja2._kept_rows.clear()
    assert {language: queues_section(language) for language in ("th", "en")} == first
    assert f'<a href="{reverse("matching:officer_producer", args=[oldest.pk])}">' in first["en"]
    assert '<td data-label="Items" data-testid="count">2</td>' in first["en"]
    assert oldest.name_th in first["th"]


# --- Queue lengths are kept until a service changes a queue (issue 13) ---------------------------


def _counts_of_certificates(queries) -> int:
    return sum(
        1 for q in queries if "COUNT(" in q["sql"] and '"producers_certification"' in q["sql"]
    )


def test_a_queue_keeps_its_length_until_an_officer_changes_it(
    client, officer, django_capture_on_commit_callbacks
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    certs = [factories.CertificationFactory(producer=_producer()) for _ in range(3)]
    client.force_login(officer)
    url = reverse("matching:officer_certificates")
    assert client.get(url).context["page"].paginator.count == 3
    with CaptureQueriesContext(connection) as again:
        assert client.get(url).context["page"].paginator.count == 3
    assert _counts_of_certificates(again.captured_queries) == 0  # kept, not counted again

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("matching:officer_certificate", args=[certs[0].pk]), {"action": "verify"}
        )
    page = client.get(url).context["page"]
    assert page.paginator.count == 2  # the verified one has left the queue, and its count
    assert list(page.object_list) == certs[1:]
    # A search is counted on its own, and the date is part of the key (the expiring queue).
    searched = client.get(url, {"q": certs[1].number}).context["page"]
    assert searched.paginator.count == 1


def test_a_new_certificate_and_a_changed_identity_join_the_queues_at_once(
    client, officer, django_capture_on_commit_callbacks
):
    from producers import services

    producer = _producer(status=ProducerStatus.VERIFIED)
    client.force_login(officer)
    certificates = reverse("matching:officer_certificates")
    producers_queue = reverse("matching:officer_producers")
    assert client.get(certificates).context["page"].paginator.count == 0
    assert client.get(producers_queue).context["page"].paginator.count == 0

    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        services.certification_create(
            producer=producer,
            data={
                "type": factories.CertificationTypeFactory(),
                "number": "50-1-12345-2-0001",
                "scope": "producer",
                "issuer": "สมอ.",
                "issued_on": timezone.localdate() - dt.timedelta(days=10),
                "expires_on": timezone.localdate() + dt.timedelta(days=300),
            },
        )
    assert client.get(certificates).context["page"].paginator.count == 1
    assert client.get(producers_queue).context["page"].paginator.count == 0

    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        services.producer_save_step(
            producer=producer, step="identity", data={"name_th": "กลุ่มใหม่"}, by=producer.user
        )
    assert client.get(producers_queue).context["page"].paginator.count == 1  # back for review


@pytest.mark.skipif(connection.vendor != "postgresql", reason="query plans of PostgreSQL")
def test_the_certificate_queue_reads_its_page_in_order_without_sorting_every_pending_one(
    national_officer,
):
    """The queue shows the 50 longest waiting of what may be thousands (9,791 at national
    size): the query walks an index of pending certificates oldest first and stops."""
    from matching.selectors import officer_pending_certifications

    producer = _producer(status=ProducerStatus.VERIFIED)
    factories.CertificationFactory.create_batch(120, producer=producer)
    factories.CertificationFactory.create_batch(
        120, producer=producer, status=CertificationStatus.VERIFIED
    )
    page, plan = read_with_plan(
        lambda: list(officer_pending_certifications(national_officer)[:50]),
        "producers_certification, producers_producer",
    )
    assert len(page) == 50 and {c.status for c in page} == {CertificationStatus.PENDING}
    assert [c.created_at for c in page] == sorted(c.created_at for c in page)
    assert "certification_pending_oldest" in plan
    assert "Sort" not in plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="query plans of PostgreSQL")
def test_a_provinces_referral_list_reads_its_page_in_order_without_walking_other_provinces(
    officer,
):
    """The list shows the province's 50 latest changes of every referral in the country: an
    index on the referral's province and latest change serves them in order, where the join
    to the producer walked every province's referrals until it had found 50 of its own."""
    from matching.models import Referral, ReferralState
    from matching.selectors import referrals_visible_to

    channel = factories.ChannelFactory()
    by = factories.OfficerFactory(is_national_officer=True, provinces=[])
    for code in ("50", "40"):
        producer = _producer(code, status=ProducerStatus.VERIFIED)
        product = factories.ProductFactory(producer=producer)
        # Closed referrals (withdrawn) may repeat a pair: thousands without thousands of
        # products, enough that the planner would rather not sort them all.
        Referral.objects.bulk_create(
            Referral(
                product=product,
                channel=channel,
                proposed_by=by,
                state=ReferralState.WITHDRAWN,
                province=producer.province,
            )
            for _ in range(1500)
        )
    latest = referrals_visible_to(officer).order_by("-updated_at", "-id")  # as the list orders
    page, plan = read_with_plan(
        lambda: list(latest[:50]), "matching_referral, producers_product, producers_producer"
    )
    assert len(page) == 50
    assert {r.product.producer.province.code for r in page} == {"50"}
    assert "referral_province_latest" in plan
    assert "Sort" not in plan


@pytest.mark.parametrize("who", ["officer", "national_officer", "admin"])
@pytest.mark.parametrize(
    "url_name, order",
    [
        ("officer_producers", "submitted_at"),
        ("officer_certificates", "created_at"),
        ("officer_expiring_certificates", "expires_on"),
    ],
)
def test_a_queue_not_narrowed_is_compiled_once_and_read_as_it_is_now(
    client, request, who, url_name, order
):
    """Not narrowed by a filter, a queue's page is read through a statement compiled on the
    first visit (issue 13, seventeenth pass): what it lists, in which order, and what a row
    shows are read on every visit; another province's are not listed."""
    from producers.models import Certification, Producer

    viewer = request.getfixturevalue(who)
    if url_name == "officer_producers":
        items = [_submitted(days_ago=9), _submitted(days_ago=5), _submitted("40", days_ago=30)]
    elif url_name == "officer_certificates":
        items = [factories.CertificationFactory(producer=_producer(p)) for p in ("50", "50", "40")]
    else:
        items = [_expiring(in_days=10), _expiring(in_days=20), _expiring("40", in_days=5)]
    model = type(items[0])
    visible = items if who != "officer" else items[:2]

    def expected() -> list[int]:
        rows = model.objects.filter(pk__in=[i.pk for i in visible]).order_by(order, "pk")
        return list(rows.values_list("pk", flat=True))

    url = reverse(f"matching:{url_name}")
    client.force_login(viewer)
    assert [row.pk for row in client.get(url).context["page"].object_list] == expected()

    # The province's last comes first now, under a new name.
    moved = {
        "submitted_at": timezone.now() - dt.timedelta(days=60),
        "created_at": timezone.now() - dt.timedelta(days=60),
        "expires_on": timezone.localdate() + dt.timedelta(days=1),
    }[order]
    model.objects.filter(pk=items[1].pk).update(**{order: moved})
    producer_id = items[1].pk if model is Producer else items[1].producer_id
    Producer.objects.filter(pk=producer_id).update(name_th="ชื่อใหม่ของกลุ่ม")
    with models_compiled() as compiled:
        response = client.get(url)
    shown = [row.pk for row in response.context["page"].object_list]
    assert shown == expected() and shown[0] == items[1].pk
    assert "ชื่อใหม่ของกลุ่ม" in response.content.decode()
    assert model not in compiled and Certification not in compiled  # the kept statement
