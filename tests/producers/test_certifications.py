"""Certification records: number formats, dates, coverage, review states, expiry reminders."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from producers import services
from producers.models import CertificateReminder, Certification
from producers.tasks import send_certificate_expiry_reminders
from tests import factories
from tests.helpers import assert_constant_queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in_producer(client, profile):
    client.force_login(profile.user)
    return client


@pytest.fixture
def tcps_type(db):
    return factories.CertificationTypeFactory(
        code="tcps", name_th="มผช.", name_en="Community product standard"
    )


def form(cert_type, **extra):
    return {
        "type": cert_type.pk,
        "number": "50-1-12345-2-0001",
        "issuer": "สสจ. เชียงใหม่",
        "issued_on": "2024-03-01",
        "scope": "producer",
        **extra,
    }


def post(client, data):
    return client.post("/producer/certificates/new/", data)


def test_fda_number_is_saved_as_13_digits(logged_in_producer, fda_type):
    assert post(logged_in_producer, form(fda_type)).status_code == 302
    cert = Certification.objects.get()
    assert (cert.number, cert.status) == ("5011234520001", "pending")


def test_a_short_fda_number_says_how_many_digits(logged_in_producer, fda_type):
    response = post(logged_in_producer, form(fda_type, number="50-1-1234-2-0001"))
    assert "An FDA (อย.) number has 13 digits; you typed 12." in response.content.decode()
    assert 'value="สสจ. เชียงใหม่"' in response.content.decode()


def test_a_tcps_number_with_a_gregorian_year_says_to_use_the_buddhist_year(
    logged_in_producer, tcps_type
):
    response = post(logged_in_producer, form(tcps_type, number="1555/2020"))
    assert "2020 is a Christian-era year. Use the Buddhist year: 2563." in response.content.decode()


def test_expiry_before_issue_is_refused(logged_in_producer, fda_type):
    response = post(logged_in_producer, form(fda_type, expires_on="2024-02-01"))
    assert "The expiry date must be after the issue date." in response.content.decode()


def test_an_issue_date_in_the_future_is_refused(logged_in_producer, fda_type):
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    response = post(logged_in_producer, form(fda_type, issued_on=future))
    assert "The issue date cannot be in the future." in response.content.decode()


def test_product_scope_needs_products(logged_in_producer, fda_type):
    response = post(logged_in_producer, form(fda_type, scope="products"))
    assert "Choose the products this certificate covers." in response.content.decode()


def test_another_producers_product_cannot_be_covered(logged_in_producer, fda_type, other_profile):
    theirs = factories.ProductFactory(producer=other_profile)
    response = post(logged_in_producer, form(fda_type, scope="products", products=[theirs.pk]))
    assert response.status_code == 200
    assert not Certification.objects.exists()


def test_the_service_refuses_another_producers_products_too(profile, other_profile, fda_type):
    theirs = factories.ProductFactory(producer=other_profile)
    with pytest.raises(ValidationError) as caught:
        services.certification_create(
            producer=profile,
            data={
                "type": fda_type,
                "number": "5011234520001",
                "issued_on": dt.date(2024, 1, 1),
                "scope": "products",
            },
            products=[theirs],
        )
    assert "Choose only your own products." in caught.value.message_dict["products"]


def test_otop_stars_need_a_level_and_a_year(logged_in_producer, stars_type):
    response = post(logged_in_producer, form(stars_type, number="OPC-1"))
    html = response.content.decode()
    assert "Choose the number of stars (1 to 5)." in html
    assert "Type the year the stars were awarded." in html


def test_otop_stars_year_is_typed_in_the_buddhist_era_and_stored_in_the_christian_era(
    logged_in_producer, stars_type
):
    response = post(
        logged_in_producer, form(stars_type, number="OPC-1", star_level="4", award_year="2567")
    )
    assert response.status_code == 302
    cert = Certification.objects.get()
    assert (cert.star_level, cert.award_year) == (4, 2024)


def test_otop_stars_before_the_programme_began_are_refused(logged_in_producer, stars_type):
    response = post(
        logged_in_producer, form(stars_type, number="OPC-1", star_level="4", award_year="2540")
    )
    assert "awarded since 2546" in response.content.decode()


def test_editing_a_verified_certificate_sends_it_back_for_review(
    logged_in_producer, profile, fda_type, officer
):
    cert = factories.CertificationFactory(producer=profile, type=fda_type, number="5011234520001")
    services.certification_verify(certification=cert, by=officer)
    response = logged_in_producer.post(
        f"/producer/certificates/{cert.pk}/edit/", form(fda_type, issuer="ใหม่")
    )
    assert response.status_code == 302
    cert.refresh_from_db()
    assert (cert.status, cert.issuer) == ("pending", "ใหม่")


def test_reject_needs_a_reason_and_shows_it(logged_in_producer, profile, fda_type, officer):
    cert = factories.CertificationFactory(producer=profile, type=fda_type)
    with pytest.raises(ValidationError):
        services.certification_reject(certification=cert, by=officer, reason="")
    services.certification_reject(certification=cert, by=officer, reason="เอกสารไม่ชัด")
    assert "เอกสารไม่ชัด" in logged_in_producer.get("/producer/certificates/").content.decode()


def test_an_expired_certificate_cannot_be_verified(profile, fda_type, officer):
    cert = factories.CertificationFactory(
        producer=profile,
        type=fda_type,
        issued_on=dt.date(2020, 1, 1),
        expires_on=dt.date(2021, 1, 1),
    )
    with pytest.raises(ValidationError, match="expired"):
        services.certification_verify(certification=cert, by=officer)


def test_another_producers_certificate_and_document_do_not_exist_for_me(
    client, profile, other_profile, fda_type
):
    theirs = factories.CertificationFactory(producer=other_profile, type=fda_type)
    client.force_login(profile.user)
    assert client.get(f"/producer/certificates/{theirs.pk}/edit/").status_code == 404
    assert client.get(f"/producer/certificates/{theirs.pk}/document/").status_code == 404


def test_expiry_badges_on_the_home_page(logged_in_producer, profile, fda_type):
    today = timezone.localdate()
    factories.CertificationFactory(
        producer=profile,
        type=fda_type,
        issued_on=today - dt.timedelta(days=400),
        expires_on=today + dt.timedelta(days=20),
    )
    factories.CertificationFactory(
        producer=profile,
        type=fda_type,
        issued_on=today - dt.timedelta(days=400),
        expires_on=today - dt.timedelta(days=1),
    )
    factories.CertificationFactory(
        producer=profile,
        type=fda_type,
        issued_on=today - dt.timedelta(days=400),
        expires_on=today + dt.timedelta(days=200),
    )
    html = logged_in_producer.get("/producer/").content.decode()
    assert html.count('data-testid="badge-expiring"') == 1
    assert html.count('data-testid="badge-expired"') == 1


def test_thai_dates_on_the_certificate_list_are_in_the_buddhist_era(
    logged_in_producer, profile, fda_type
):
    factories.CertificationFactory(producer=profile, type=fda_type, issued_on=dt.date(2024, 3, 1))
    logged_in_producer.cookies["django_language"] = "th"
    assert "2567" in logged_in_producer.get("/producer/certificates/").content.decode()


def test_certificate_list_keeps_a_constant_number_of_queries(logged_in_producer, profile, fda_type):
    def add(n):
        for _ in range(n):
            product = factories.ProductFactory(producer=profile)
            factories.CertificationFactory(
                producer=profile, type=fda_type, scope="products", products=[product]
            )

    assert_constant_queries(logged_in_producer, "/producer/certificates/", add)


# --- Expiry sweep and reminders -----------------------------------------------------------------


def expiring(profile, fda_type, days, **kwargs):
    today = timezone.localdate()
    return factories.CertificationFactory(
        producer=profile,
        type=fda_type,
        issued_on=today - dt.timedelta(days=300),
        expires_on=today + dt.timedelta(days=days),
        **kwargs,
    )


@pytest.mark.parametrize("days", [60, 30, 7])
def test_a_reminder_is_emailed_at_60_30_and_7_days(profile, fda_type, days):
    cert = expiring(profile, fda_type, days)
    assert services.certificate_reminders_send() == 1
    assert mail.outbox[0].to == [profile.user.email]
    assert cert.number in mail.outbox[0].body
    assert CertificateReminder.objects.get().days_before == days


def test_running_the_reminders_twice_sends_nothing_twice(profile, fda_type):
    expiring(profile, fda_type, 30)
    send_certificate_expiry_reminders.enqueue()
    call_command("send_expiry_reminders", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert len(mail.outbox) == 1


def test_the_next_threshold_sends_the_next_reminder(profile, fda_type):
    cert = expiring(profile, fda_type, 60)
    services.certificate_reminders_send()
    services.certificate_reminders_send(today=timezone.localdate() + dt.timedelta(days=30))
    assert sorted(cert.reminders.values_list("days_before", flat=True)) == [30, 60]
    assert len(mail.outbox) == 2


def test_no_reminder_far_from_expiry_or_for_rejected_certificates(profile, fda_type):
    expiring(profile, fda_type, 61)
    expiring(profile, fda_type, 10, status="rejected")
    assert services.certificate_reminders_send() == 0


def test_the_reminder_is_in_the_producers_language(profile, fda_type):
    profile.user.language = "en"
    profile.user.save()
    expiring(profile, fda_type, 7)
    services.certificate_reminders_send()
    assert "expires in 7 days" in mail.outbox[0].subject


def test_the_sweep_marks_past_certificates_expired(profile, fda_type):
    cert = expiring(profile, fda_type, -1, status="verified")
    assert services.certifications_expire() == 1
    cert.refresh_from_db()
    assert cert.status == "expired"


# --- Dates as printed: the Buddhist Era, and believable spans (issue 17) ----------------------


def test_a_date_typed_as_printed_with_a_buddhist_year_is_understood(logged_in_producer, fda_type):
    response = post(logged_in_producer, form(fda_type, issued_on="01/03/2567"))
    assert response.status_code == 302
    assert Certification.objects.get().issued_on == dt.date(2024, 3, 1)


def test_thai_digits_in_a_date_and_a_number_are_understood(logged_in_producer, fda_type):
    data = form(fda_type, issued_on="๑/๓/๒๕๖๗", number="๕๐-๑-๑๒๓๔๕-๒-๐๐๐๑")
    assert post(logged_in_producer, data).status_code == 302
    cert = Certification.objects.get()
    assert (cert.issued_on, cert.number) == (dt.date(2024, 3, 1), "5011234520001")


def test_an_expiry_beyond_the_types_longest_validity_is_refused(logged_in_producer, fda_type):
    # 9999-12-31 or a Buddhist year typed into a Christian-era box: never expires otherwise.
    response = post(
        logged_in_producer, form(fda_type, issued_on="01/03/2567", expires_on="31/12/9999")
    )
    assert "Check the year" in response.content.decode() or "year" in response.content.decode()
    response = post(
        logged_in_producer, form(fda_type, issued_on="2024-03-01", expires_on="2070-03-02")
    )
    assert "is valid for at most 20 years" in response.content.decode()
    assert not Certification.objects.exists()


def test_the_longest_validity_is_set_per_certificate_type(logged_in_producer, fda_type):
    halal = factories.CertificationTypeFactory(code="halal", name_en="Halal", max_validity_years=2)
    data = form(halal, number="H-1", issued_on="01/03/2567", expires_on="01/03/2570")
    assert "is valid for at most 2 years" in post(logged_in_producer, data).content.decode()
    data["expires_on"] = "28/02/2569"
    assert post(logged_in_producer, data).status_code == 302


def test_a_buddhist_year_issue_date_in_the_future_is_refused(logged_in_producer, fda_type):
    next_year = timezone.localdate().year + 1 + 543
    response = post(logged_in_producer, form(fda_type, issued_on=f"01/01/{next_year}"))
    assert "cannot be in the future" in response.content.decode()


def test_the_form_shows_the_date_back_in_the_buddhist_era_and_says_how_years_are_read(
    client, profile, fda_type
):
    cert = factories.CertificationFactory(
        producer=profile, type=fda_type, issued_on=dt.date(2024, 3, 1)
    )
    client.force_login(profile.user)
    client.cookies["django_language"] = "th"
    page = client.get(f"/producer/certificates/{cert.pk}/edit/").content.decode()
    assert 'value="01/03/2567"' in page
    assert "พ.ศ." in page and "2400" in page
