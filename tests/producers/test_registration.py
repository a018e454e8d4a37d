"""The step-by-step registration, the verification states and the national ID under PDPA."""

import pytest
from django.core.exceptions import ValidationError

from producers import selectors, services
from producers.models import NationalIdView, Producer, ProducerEvent, ProducerStatus
from tests import factories
from tests.producers.factories import valid_national_id

pytestmark = pytest.mark.django_db

GOOD_ID = valid_national_id(777)


def identity(**overrides):
    return {
        "producer_type": "single_owner",
        "name_th": "ร้านผ้าทอป้าแดง",
        "name_en": "",
        "national_id": GOOD_ID,
        "juristic_id": "",
        "community_enterprise_code": "",
        **overrides,
    }


def post_step(client, step, data):
    return client.post(f"/producer/register/{step}/", data)


def test_identity_step_saves_the_draft_and_moves_on(client, producer):
    client.force_login(producer)
    response = post_step(client, "identity", identity())
    assert response.status_code == 302
    assert response["Location"] == "/producer/register/address/"
    saved = Producer.objects.get(user=producer)
    assert saved.name_th == "ร้านผ้าทอป้าแดง"
    assert saved.national_id == GOOD_ID
    assert saved.national_id_hash == services.national_id_hash(GOOD_ID)
    assert saved.registration_step == 1
    assert saved.status == ProducerStatus.DRAFT


def test_national_id_is_stored_encrypted(client, producer):
    from django.db import connection

    client.force_login(producer)
    post_step(client, "identity", identity())
    with connection.cursor() as cursor:
        cursor.execute("SELECT national_id FROM producers_producer")
        (stored,) = cursor.fetchone()
    assert GOOD_ID not in stored


def test_a_bad_national_id_keeps_what_was_typed_and_says_what_is_wrong(client, producer):
    client.force_login(producer)
    bad = GOOD_ID[:12] + str((int(GOOD_ID[12]) + 1) % 10)
    response = post_step(client, "identity", identity(national_id=bad))
    assert response.status_code == 200
    html = response.content.decode()
    assert "does not match the others" in html
    assert "ร้านผ้าทอป้าแดง" in html  # the name typed is still there
    assert not Producer.objects.filter(user=producer, name_th="ร้านผ้าทอป้าแดง").exists()


def test_sme_without_a_juristic_number_is_told_to_give_it(client, producer):
    client.force_login(producer)
    response = post_step(client, "identity", identity(producer_type="sme"))
    assert "An SME producer gives its juristic-person number." in response.content.decode()


def test_one_person_cannot_register_twice_as_a_single_owner(client, producer, other_producer):
    client.force_login(other_producer)
    post_step(client, "identity", identity())
    client.force_login(producer)
    response = post_step(client, "identity", identity())
    assert "already registered to another single-owner producer" in response.content.decode()


def test_the_same_representative_may_chair_a_group_and_own_a_shop(client, producer, other_producer):
    client.force_login(other_producer)
    post_step(client, "identity", identity(producer_type="community_group"))
    client.force_login(producer)
    assert post_step(client, "identity", identity()).status_code == 302


def test_get_shows_the_saved_values(client, producer):
    client.force_login(producer)
    post_step(client, "identity", identity())
    html = client.get("/producer/register/identity/").content.decode()
    assert 'value="ร้านผ้าทอป้าแดง"' in html
    assert GOOD_ID in html  # the owner sees their own ID


def test_address_without_javascript_shows_the_districts_of_the_chosen_province(client, producer):
    factories.ProvinceFactory(code="50")
    client.force_login(producer)
    client.cookies["django_language"] = "th"
    response = post_step(client, "address", {"province": "50", "refresh": "1"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="5001"' in html and "เมืองเชียงใหม่" in html
    assert not Producer.objects.filter(user=producer, province__isnull=False).exists()


def test_a_typed_postal_code_narrows_the_subdistricts(client, producer):
    factories.ProvinceFactory(code="50")
    client.force_login(producer)
    html = post_step(
        client,
        "address",
        {"province": "50", "district_code": "5001", "postal_code": "50200", "refresh": "1"},
    ).content.decode()
    assert 'value="500101"' in html  # Si Phum, 50200
    assert 'value="500105"' not in html  # Chang Khlan, 50100


def test_address_step_saves_a_coherent_address(client, producer):
    factories.ProvinceFactory(code="50")
    client.force_login(producer)
    response = post_step(
        client,
        "address",
        {
            "province": "50",
            "district_code": "5001",
            "subdistrict_code": "500101",
            "postal_code": "50200",
            "house_no": "12/3",
        },
    )
    assert response.status_code == 302
    saved = Producer.objects.get(user=producer)
    assert (saved.province.code, saved.subdistrict_code, saved.postal_code) == (
        "50",
        "500101",
        "50200",
    )


def test_address_with_the_wrong_postal_code_says_which_is_right(client, producer):
    factories.ProvinceFactory(code="50")
    client.force_login(producer)
    response = post_step(
        client,
        "address",
        {
            "province": "50",
            "district_code": "5001",
            "subdistrict_code": "500101",
            "postal_code": "50100",
            "house_no": "1",
        },
    )
    assert "is 50200, not 50100" in response.content.decode()


def test_address_json_endpoints_feed_the_script(client):
    assert (
        client.get("/producer/address/districts/", {"province": "50"}).json()["results"][0]["code"]
        == "5001"
    )
    subs = client.get(
        "/producer/address/subdistricts/", {"district": "5001", "postal_code": "50200"}
    ).json()
    assert {s["code"] for s in subs["results"]} >= {"500101"}
    found = client.get("/producer/address/postal-code/", {"code": "84280"}).json()["results"]
    assert len(found) == 2


def test_contact_step_checks_the_phone(client, producer):
    client.force_login(producer)
    response = post_step(
        client,
        "contact",
        {"phone": "08123", "member_count": "5", "community_roles": ["production"]},
    )
    assert "mobile number has 10 digits" in response.content.decode()


def test_submit_needs_consent(client, profile):
    profile.status = ProducerStatus.DRAFT
    profile.privacy_consented_at = None
    profile.save()
    client.force_login(profile.user)
    response = post_step(client, "confirm", {})
    assert "Tick the box to agree to the privacy notice" in response.content.decode()
    profile.refresh_from_db()
    assert profile.status == ProducerStatus.DRAFT


def test_submit_records_the_consent_version_and_time(client, profile, settings):
    profile.status = ProducerStatus.DRAFT
    profile.privacy_consented_at = None
    profile.save()
    client.force_login(profile.user)
    assert post_step(client, "confirm", {"consent": "on"}).status_code == 302
    profile.refresh_from_db()
    assert profile.status == ProducerStatus.SUBMITTED
    assert profile.privacy_consent_version == settings.PRIVACY_NOTICE_VERSION
    assert profile.privacy_consented_at is not None
    assert profile.events.filter(action="submitted").exists()


def test_an_incomplete_draft_cannot_be_submitted(producer):
    draft = services.producer_get_or_create_draft(user=producer)
    with pytest.raises(ValidationError, match="not complete"):
        services.producer_submit(producer=draft, by=producer, consent=True)


# --- States -------------------------------------------------------------------------------------


def test_officer_verifies_a_submitted_producer(profile, officer):
    services.producer_verify(producer=profile, by=officer)
    profile.refresh_from_db()
    assert profile.status == ProducerStatus.VERIFIED
    assert profile.verified_by == officer
    assert ProducerEvent.objects.filter(producer=profile, action="verified", actor=officer).exists()


def test_officer_returns_a_producer_with_a_reason_it_sees(client, profile, officer):
    services.producer_return(producer=profile, by=officer, reason="แนบสำเนาบัตรประชาชน")
    client.force_login(profile.user)
    assert "แนบสำเนาบัตรประชาชน" in client.get("/producer/").content.decode()


def test_returning_needs_a_reason(profile, officer):
    with pytest.raises(ValidationError):
        services.producer_return(producer=profile, by=officer, reason=" ")


@pytest.mark.parametrize("status", ["draft", "verified", "returned"])
def test_only_a_submitted_producer_can_be_verified(profile, officer, status):
    profile.status = status
    profile.save()
    with pytest.raises(ValidationError):
        services.producer_verify(producer=profile, by=officer)


def test_changing_a_verified_producers_legal_identity_sends_it_back_for_review(
    client, profile, officer
):
    services.producer_verify(producer=profile, by=officer)
    client.force_login(profile.user)
    post_step(
        client,
        "identity",
        identity(
            producer_type=profile.producer_type, national_id=profile.national_id, name_th="ชื่อใหม่"
        ),
    )
    profile.refresh_from_db()
    assert profile.status == ProducerStatus.SUBMITTED
    event = profile.events.get(action="identity_changed")
    assert event.data == {"fields": ["name_th", "name_en"]}


def test_changing_a_verified_producers_phone_keeps_it_verified(client, profile, officer):
    services.producer_verify(producer=profile, by=officer)
    client.force_login(profile.user)
    post_step(
        client,
        "contact",
        {"phone": "0899999999", "member_count": "3", "community_roles": ["benefit"]},
    )
    profile.refresh_from_db()
    assert profile.status == ProducerStatus.VERIFIED


def test_every_change_is_kept_in_the_history(profile, officer):
    services.producer_verify(producer=profile, by=officer)
    services.producer_save_step(
        producer=profile, step="contact", data={"phone": "0899999999"}, by=profile.user
    )
    phones = [h.phone for h in profile.history.order_by("history_date")]
    assert phones[-2:] == ["0812345678", "0899999999"]
    assert not hasattr(profile.history.first(), "national_id")  # never copied into history


# --- National ID: masked except for the owner and the province's officers ----------------------


def test_owner_sees_the_national_id_in_full(profile):
    shown = selectors.producer_national_id_for(profile.user, profile)
    assert shown.replace("-", "") == profile.national_id
    assert not NationalIdView.objects.exists()


def test_officer_of_the_province_sees_it_in_full_and_the_view_is_recorded(profile, officer):
    shown = selectors.producer_national_id_for(officer, profile)
    assert shown.replace("-", "") == profile.national_id
    assert NationalIdView.objects.filter(officer=officer, producer=profile).count() == 1


def test_national_officer_sees_it_in_full(profile):
    national = factories.OfficerFactory(provinces=[], is_national_officer=True)
    assert "x" not in selectors.producer_national_id_for(national, profile)


@pytest.mark.parametrize("role", ["other_officer", "other_producer", "partner", "admin"])
def test_everyone_else_sees_it_masked(profile, role, user_for):
    shown = selectors.producer_national_id_for(user_for(role), profile)
    assert shown == f"x-xxxx-xxxxx-{profile.national_id[10:12]}-{profile.national_id[12]}"
    assert not NationalIdView.objects.exists()
