"""A producer claims their register record with a claim code; officers issue codes and link
accounts by hand."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from producers import claims
from producers.models import ClaimAttempt, ClaimCode, Producer, ProducerEvent
from tests import factories

pytestmark = pytest.mark.django_db

NO_MATCH = "do not match a record"


@pytest.fixture
def record(province):
    return factories.RegisterRecordFactory(province=province, national_id="1101700230708")


def _issue(record, officer) -> str:
    [(_producer, code)] = claims.claim_codes_issue(producers=[record], by=officer)
    return code


def _claim(user, id_number, code, ip="10.0.0.1"):
    return claims.claim_record(user=user, id_number=id_number, code=code, ip_address=ip)


def test_a_producer_claims_their_record_with_id_and_code(record, officer, producer):
    code = _issue(record, officer)
    claimed = _claim(producer, "1-1017-00230-70-8", code.lower())
    assert claimed.pk == record.pk
    record.refresh_from_db()
    assert record.user == producer
    assert ClaimAttempt.objects.get().succeeded
    event = record.events.get(action=ProducerEvent.Action.CLAIMED)
    assert event.actor == producer
    assert ClaimCode.objects.get().used_by == producer


def test_an_sme_claims_with_its_juristic_number(province, officer, producer):
    record = factories.RegisterRecordFactory(
        province=province, producer_type="sme", juristic_id="0105558012345"
    )
    code = _issue(record, officer)
    assert _claim(producer, "0105558012345", code).pk == record.pk


def test_codes_are_stored_hashed(record, officer):
    code = _issue(record, officer)
    stored = ClaimCode.objects.get()
    assert stored.code_hash == claims.code_hash(code)
    assert code not in stored.code_hash and code.replace("-", "") not in stored.code_hash


def test_a_wrong_code_is_refused_and_logged(record, officer, producer):
    _issue(record, officer)
    with pytest.raises(claims.ClaimRefused, match=NO_MATCH):
        _claim(producer, "1101700230708", "AAAAA-BBBBB")
    attempt = ClaimAttempt.objects.get()
    assert (attempt.succeeded, attempt.outcome) == (False, "no_code")
    assert Producer.objects.get(pk=record.pk).user is None


def test_the_answer_never_tells_whether_an_id_exists(record, officer, producer):
    code = _issue(record, officer)
    answers = []
    for id_number, typed in [
        ("1101700230708", "AAAAA-BBBBB"),  # the ID exists, the code does not
        ("3100600123451", "AAAAA-BBBBB"),  # neither exists
        ("3100600123451", code),  # a real code with another ID
    ]:
        with pytest.raises(claims.ClaimRefused) as refused:
            _claim(producer, id_number, typed)
        answers.append(refused.value.messages)
    assert answers[0] == answers[1] == answers[2]
    assert NO_MATCH in answers[0][0]


def test_an_expired_code_is_refused(record, officer, producer):
    code = _issue(record, officer)
    ClaimCode.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    with pytest.raises(claims.ClaimRefused, match="no longer valid"):
        _claim(producer, "1101700230708", code)
    assert ClaimAttempt.objects.get().outcome == "expired"


def test_a_code_works_once(record, officer, producer, other_producer):
    code = _issue(record, officer)
    _claim(producer, "1101700230708", code)
    with pytest.raises(claims.ClaimRefused, match="already been claimed"):
        _claim(other_producer, "1101700230708", code)
    assert Producer.objects.get(pk=record.pk).user == producer


def test_a_new_code_replaces_the_earlier_one(record, officer, producer):
    first = _issue(record, officer)
    second = _issue(record, officer)
    with pytest.raises(claims.ClaimRefused, match="no longer valid"):
        _claim(producer, "1101700230708", first)
    assert _claim(producer, "1101700230708", second).pk == record.pk


def test_wrong_tries_are_rate_limited_even_with_the_right_code_after(
    record, officer, producer, settings
):
    settings.CLAIM_FAILURES_PER_ACCOUNT = 3
    code = _issue(record, officer)
    for _i in range(3):
        with pytest.raises(claims.ClaimRefused, match=NO_MATCH):
            _claim(producer, "1101700230708", "AAAAA-BBBBB")
    with pytest.raises(claims.ClaimRefused, match="Too many wrong tries"):
        _claim(producer, "1101700230708", code)
    assert ClaimAttempt.objects.filter(outcome="limited").count() == 1
    assert Producer.objects.get(pk=record.pk).user is None


def test_wrong_tries_from_one_address_are_limited_across_accounts(
    record, officer, producer, other_producer, settings
):
    settings.CLAIM_FAILURES_PER_ADDRESS = 2
    for user in (producer, other_producer):
        with pytest.raises(claims.ClaimRefused, match=NO_MATCH):
            _claim(user, "1101700230708", "AAAAA-BBBBB", ip="10.9.9.9")
    with pytest.raises(claims.ClaimRefused, match="Too many"):
        _claim(producer, "1101700230708", "AAAAA-BBBBB", ip="10.9.9.9")


def test_an_empty_draft_profile_is_replaced_by_the_claimed_record(record, officer, producer):
    Producer.objects.create(user=producer)  # made on the first visit to the producer home
    code = _issue(record, officer)
    assert _claim(producer, "1101700230708", code).pk == record.pk
    assert Producer.objects.filter(user=producer).get().pk == record.pk


def test_an_account_with_its_own_profile_cannot_claim(record, officer, producer):
    factories.ProducerFactory(user=producer)
    code = _issue(record, officer)
    with pytest.raises(claims.ClaimRefused, match="already has a producer profile"):
        _claim(producer, "1101700230708", code)


def test_codes_are_issued_only_by_officers_of_the_province(record, other_officer):
    with pytest.raises(PermissionDenied):
        claims.claim_codes_issue(producers=[record], by=other_officer)
    assert not ClaimCode.objects.exists()


def test_issuing_is_rate_limited(province, officer, settings):
    settings.CLAIM_CODES_PER_HOUR = 2
    records = [factories.RegisterRecordFactory(province=province) for _i in range(3)]
    claims.claim_codes_issue(producers=records[:2], by=officer)
    with pytest.raises(ValidationError, match="at most 2 claim codes an hour"):
        claims.claim_codes_issue(producers=records[2:], by=officer)


def test_an_officer_links_an_account_by_hand_with_audit(record, officer, producer):
    claims.producer_link_account(producer=record, email="Producer@example.org", by=officer)
    record.refresh_from_db()
    assert record.user == producer
    event = record.events.get(action=ProducerEvent.Action.LINKED)
    assert event.actor == officer and event.data["email"] == "producer@example.org"


def test_an_officer_of_another_province_cannot_link(record, other_officer, producer):
    with pytest.raises(PermissionDenied):
        claims.producer_link_account(producer=record, email=producer.email, by=other_officer)


def test_only_producer_accounts_can_be_linked(record, officer, partner):
    with pytest.raises(ValidationError, match="No active producer account"):
        claims.producer_link_account(producer=record, email=partner.email, by=officer)


# --- Pages --------------------------------------------------------------------------------------


def test_the_officer_prints_claim_letters_as_pdf(client, record, officer):
    client.force_login(officer)
    response = client.post(
        reverse("producers:register_records"), {"producer": [record.pk], "format": "pdf"}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert b"FontFile2" in response.content  # the Thai TrueType font is embedded
    assert ClaimCode.objects.filter(producer=record).count() == 1


def test_the_officer_downloads_claim_codes_as_csv(client, record, officer):
    client.force_login(officer)
    response = client.post(
        reverse("producers:register_records"), {"producer": [record.pk], "format": "csv"}
    )
    text = response.content.decode("utf-8-sig")
    header, row = text.strip().splitlines()
    assert "Claim code" in header or "รหัส" in header
    code = row.split(",")[4]
    assert ClaimCode.objects.get().code_hash == claims.code_hash(code)
    assert "1101700230708" not in text  # the ID is masked in the list


def test_the_producer_claims_on_the_page(client, record, officer, producer):
    code = _issue(record, officer)
    client.force_login(producer)
    response = client.post(reverse("producers:claim"), {"id_number": "1101700230708", "code": code})
    assert response.status_code == 302
    assert response["Location"] == reverse("producers:home")
    assert Producer.objects.get(pk=record.pk).user == producer


def test_a_wrong_claim_on_the_page_says_so_without_telling_more(client, record, producer):
    client.force_login(producer)
    response = client.post(
        reverse("producers:claim"), {"id_number": "1101700230708", "code": "AAAAA-BBBBB"}
    )
    assert response.status_code == 200
    assert NO_MATCH in response.content.decode()


def test_a_claimed_record_asks_its_owner_only_to_accept_the_privacy_notice(
    client, record, officer, producer
):
    code = _issue(record, officer)
    _claim(producer, "1101700230708", code)
    client.force_login(producer)
    page = client.get(reverse("producers:register_step", args=["confirm"])).content.decode()
    assert 'name="consent"' in page
    response = client.post(reverse("producers:register_step", args=["confirm"]), {"consent": "on"})
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.privacy_consented_at is not None
    assert record.status == "verified"  # not sent back for review
