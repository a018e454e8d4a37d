"""The audit view: the full history of a producer and of a certificate, for the officers of
its province, national officers and administrators."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from producers.models import (
    CertificateReminder,
    CertificationStatus,
    NationalIdView,
    ProducerEvent,
)
from producers.services import certification_reject
from tests import factories
from tests.helpers import assert_constant_queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(client):
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def profile(producer, province):
    """`producer`'s profile in Chiang Mai, waiting for verification, 12 members."""
    return factories.ProducerFactory(user=producer, province=province, member_count=12)


def _entries(response) -> list:
    return list(response.context["page"].object_list)


def _history(client, profile):
    return client.get(reverse("matching:producer_history", args=[profile.pk]))


def _contact(client, **changes):
    data = {
        "phone": "0812345678",
        "line_id": "",
        "member_count": "12",
        "community_roles": ["production"],
        **changes,
    }
    response = client.post(reverse("producers:register_step", args=["contact"]), data)
    assert response.status_code == 302, response.context["form"].errors


# --- A producer -------------------------------------------------------------------------------


def test_a_producer_verified_then_edited_shows_both_with_who_and_what_changed(
    client, profile, officer, producer
):
    officer.full_name, producer.full_name = "Officer Somchai", "Weaver Malee"
    officer.save()
    producer.save()
    client.force_login(officer)
    client.post(reverse("matching:officer_producer", args=[profile.pk]), {"action": "verify"})
    client.force_login(producer)
    _contact(client, member_count="20")

    client.force_login(officer)
    response = _history(client, profile)
    edited, verified, *_older = _entries(response)

    assert (edited.what, edited.who) == ("Record changed", producer)
    assert [(c.label, c.old, c.new) for c in edited.changes] == [("Number of members", "12", "20")]
    assert (verified.what, verified.who) == ("Verified", officer)
    # The service saved the producer as it wrote the event: one entry, with what changed.
    assert ("Status", "Waiting for review", "Verified") in [
        (c.label, c.old, c.new) for c in verified.changes
    ]
    html = response.content.decode()
    assert "Weaver Malee" in html and "Officer Somchai" in html
    assert "Number of members" in html


def test_personal_data_changes_are_listed_without_their_values(client, profile, officer, producer):
    client.force_login(producer)
    _contact(client, phone="0899999999")
    client.force_login(officer)
    response = _history(client, profile)
    (change,) = _entries(response)[0].changes
    assert (change.label, change.shown) == ("Phone", False)
    assert "0899999999" not in response.content.decode()
    assert "0812345678" not in response.content.decode()


def test_a_return_shows_the_reason(client, profile, officer):
    client.force_login(officer)
    client.post(
        reverse("matching:officer_producer", args=[profile.pk]),
        {"action": "return", "reason": "The photo of the ID card is missing"},
    )
    (returned, *_rest) = _entries(_history(client, profile))
    assert returned.what == "Returned for changes"
    assert returned.detail == "Reason: The photo of the ID card is missing"


def test_who_saw_the_national_id_is_on_the_timeline(client, profile, officer):
    client.force_login(officer)
    client.get(reverse("matching:officer_producer", args=[profile.pk]))  # shows the full ID
    (seen, *_rest) = _entries(_history(client, profile))
    assert (seen.what, seen.who, seen.kind) == ("Saw the national ID in full", officer, "id_view")


def test_an_officer_of_another_province_gets_404(client, profile, other_officer):
    client.force_login(other_officer)
    assert _history(client, profile).status_code == 404


def _shown_time(html: str, iso_prefix: str) -> str:
    """The text of the <time> element whose datetime attribute starts with iso_prefix."""
    found = re.findall(rf'<time datetime="{re.escape(iso_prefix)}[^"]*">([^<]*)</time>', html)
    assert len(found) == 1, found
    return found[0]


def test_the_page_shows_thai_dates_in_the_buddhist_era(client, profile, officer):
    event = ProducerEvent.objects.create(
        producer=profile, actor=officer, action=ProducerEvent.Action.EXPORTED
    )
    when = dt.datetime(2024, 3, 3, 10, 0, tzinfo=timezone.get_current_timezone())
    ProducerEvent.objects.filter(pk=event.pk).update(created_at=when)
    client.force_login(officer)

    client.cookies["django_language"] = "th"
    thai = _shown_time(_history(client, profile).content.decode(), "2024-03-03T10:00")
    client.cookies["django_language"] = "en"
    english = _shown_time(_history(client, profile).content.decode(), "2024-03-03T10:00")

    # That entry's own date: 2567 in the Buddhist era for a Thai reader, 2024 in English.
    assert "2567" in thai and "2024" not in thai
    assert "2024" in english and "2567" not in english


def test_the_producer_history_costs_the_same_queries_for_more_entries(client, profile, officer):
    client.force_login(officer)
    admin = factories.AdminFactory()

    def add(n: int) -> None:
        for i in range(n):
            ProducerEvent.objects.create(
                producer=profile, actor=admin, action=ProducerEvent.Action.EXPORTED
            )
            NationalIdView.objects.create(officer=officer, producer=profile)
            profile.member_count = (profile.member_count or 0) + 1
            profile.verified_by = officer if i % 2 else admin
            profile.save()

    assert_constant_queries(client, reverse("matching:producer_history", args=[profile.pk]), add)


# --- A certificate ------------------------------------------------------------------------------


@pytest.fixture
def certificate(profile):
    return factories.CertificationFactory(producer=profile)


def _cert_history(client, certificate):
    return client.get(reverse("matching:certificate_history", args=[certificate.pk]))


def test_a_rejected_certificate_shows_who_rejected_it_and_why(client, certificate, officer):
    client.force_login(officer)
    client.post(
        reverse("matching:officer_certificate", args=[certificate.pk]),
        {"action": "reject", "reason": "The scan is too blurred to read"},
    )
    response = _cert_history(client, certificate)
    rejected, added = _entries(response)
    assert (rejected.what, rejected.who) == ("Status: Rejected", officer)
    assert rejected.detail == "Reason: The scan is too blurred to read"
    assert added.what == "Certificate added"
    assert "The scan is too blurred to read" in response.content.decode()


def test_reminders_sent_are_on_the_certificate_timeline(client, certificate, officer):
    CertificateReminder.objects.create(certification=certificate, days_before=30)
    client.force_login(officer)
    reminder, _added = _entries(_cert_history(client, certificate))
    assert reminder.what == "Expiry reminder emailed to the producer"
    assert reminder.detail == "30 days before the expiry date"
    assert reminder.who is None
    assert "the portal" in _cert_history(client, certificate).content.decode()


def test_an_officer_of_another_province_gets_404_for_a_certificate(
    client, certificate, other_officer
):
    client.force_login(other_officer)
    assert _cert_history(client, certificate).status_code == 404


def test_the_certificate_history_costs_the_same_queries_for_more_entries(
    client, certificate, officer
):
    client.force_login(officer)
    types = [factories.CertificationTypeFactory(code=f"t{i}") for i in range(3)]

    def add(n: int) -> None:
        for i in range(n):
            CertificateReminder.objects.create(
                certification=certificate, days_before=CertificateReminder.objects.count() + 1
            )
            certificate.type = types[i % 3]
            certificate.expires_on = dt.date(2030, 1, 1) + dt.timedelta(days=i + n)
            certificate.save()
        certification_reject(certification=certificate, by=officer, reason="unreadable")
        certificate.status = CertificationStatus.PENDING
        certificate.save()

    assert_constant_queries(
        client, reverse("matching:certificate_history", args=[certificate.pk]), add
    )


def test_the_producer_and_certificate_pages_link_to_their_history(
    client, certificate, officer, profile
):
    client.force_login(officer)
    page = client.get(reverse("matching:officer_producer", args=[profile.pk])).content.decode()
    assert reverse("matching:producer_history", args=[profile.pk]) in page
    page = client.get(reverse("matching:officer_certificate", args=[certificate.pk]))
    assert reverse("matching:certificate_history", args=[certificate.pk]) in page.content.decode()
