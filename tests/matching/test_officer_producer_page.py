"""The officer's one screen for a producer (issue 17): products, certificates checked in place,
certificate numbers recorded by another producer flagged."""

from __future__ import annotations

import pytest
from django.urls import reverse

from producers.models import CertificationStatus
from tests import factories
from tests.helpers import assert_constant_queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(client):
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def producer_in_chiang_mai(db):
    return factories.ProducerFactory(province=factories.ProvinceFactory(code="50"))


def test_the_page_shows_the_producers_products_and_certificates(
    client, officer, producer_in_chiang_mai
):
    factories.ProductFactory(producer=producer_in_chiang_mai, name_th="ผ้าไหมมัดหมี่")
    factories.CertificationFactory(producer=producer_in_chiang_mai, number="1555/2563")
    client.force_login(officer)
    page = client.get(reverse("matching:officer_producer", args=[producer_in_chiang_mai.pk]))
    html = page.content.decode()
    assert "ผ้าไหมมัดหมี่" in html
    assert "1555/2563" in html
    assert 'data-testid="verify-certificate"' in html  # pending: checked here, in place


def test_a_certificate_verified_in_place_comes_back_to_the_producer(
    client, officer, producer_in_chiang_mai
):
    cert = factories.CertificationFactory(producer=producer_in_chiang_mai)
    page = reverse("matching:officer_producer", args=[producer_in_chiang_mai.pk])
    client.force_login(officer)
    response = client.post(
        reverse("matching:officer_certificate", args=[cert.pk]),
        {"action": "verify", "next": page},
    )
    assert response["Location"] == page
    cert.refresh_from_db()
    assert cert.status == CertificationStatus.VERIFIED


def test_a_certificate_rejected_in_place_needs_its_reason(client, officer, producer_in_chiang_mai):
    cert = factories.CertificationFactory(producer=producer_in_chiang_mai)
    page = reverse("matching:officer_producer", args=[producer_in_chiang_mai.pk])
    client.force_login(officer)
    response = client.post(
        reverse("matching:officer_certificate", args=[cert.pk]),
        {"action": "reject", "reason": "The scan is unreadable.", "next": page},
    )
    assert response["Location"] == page
    cert.refresh_from_db()
    assert (cert.status, cert.reject_reason) == (
        CertificationStatus.REJECTED,
        "The scan is unreadable.",
    )


def test_next_never_leaves_the_site(client, officer, producer_in_chiang_mai):
    cert = factories.CertificationFactory(producer=producer_in_chiang_mai)
    client.force_login(officer)
    response = client.post(
        reverse("matching:officer_certificate", args=[cert.pk]),
        {"action": "verify", "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("matching:officer_certificates")


def test_the_same_certificate_number_on_two_producers_is_flagged(
    client, officer, producer_in_chiang_mai
):
    fda = factories.CertificationTypeFactory(code="fda")
    mine = factories.CertificationFactory(
        producer=producer_in_chiang_mai, type=fda, number="5011234520001"
    )
    factories.CertificationFactory(type=fda, number="5011234520001")  # another producer
    factories.CertificationFactory(  # rejected: not a claim any more
        type=fda, number="5011234520001", status=CertificationStatus.REJECTED
    )
    client.force_login(officer)
    for url in (
        reverse("matching:officer_producer", args=[producer_in_chiang_mai.pk]),
        reverse("matching:officer_certificate", args=[mine.pk]),
    ):
        html = client.get(url).content.decode()
        assert "The same number is recorded for 1 other producer" in html


def test_a_number_only_this_producer_holds_is_not_flagged(client, officer, producer_in_chiang_mai):
    factories.CertificationFactory(producer=producer_in_chiang_mai, number="A-1")
    factories.CertificationFactory(producer=producer_in_chiang_mai, number="A-1", scope="producer")
    client.force_login(officer)
    html = client.get(
        reverse("matching:officer_producer", args=[producer_in_chiang_mai.pk])
    ).content.decode()
    assert 'data-testid="duplicate-number"' not in html


def test_the_page_keeps_a_constant_number_of_queries(client, officer, producer_in_chiang_mai):
    client.force_login(officer)
    url = reverse("matching:officer_producer", args=[producer_in_chiang_mai.pk])

    def add(n: int):
        for _ in range(n):
            factories.ProductFactory(producer=producer_in_chiang_mai)
            factories.CertificationFactory(producer=producer_in_chiang_mai)

    assert_constant_queries(client, url, add)
