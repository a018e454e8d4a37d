"""A referred product's page for the partner, and the partner's decisions: accept, decline with
a reason, mark listed, ask a question, and the same for many at once. Contact details only
once accepted, and every view of them recorded."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from matching.models import DeclineReason, Referral, ReferralEvent, ReferralMessage
from matching.selectors import can_view_certification_document
from matching.services import referral_transition
from otop_portal.models import Notification
from partners.models import ContactView
from producers.models import CertificationStatus
from tests import factories
from tests.partners.matrix_rows_portal import sent_referrals

pytestmark = pytest.mark.django_db


@pytest.fixture
def central_channel(partner_org):
    return factories.ChannelFactory(
        partner=partner_org, code="central-shelf", name_th="ชั้นวางเซ็นทรัล", name_en="Central shelf"
    )


@pytest.fixture
def referral(officer, central_channel):
    (made,) = sent_referrals(
        1,
        channel=central_channel,
        officer=officer,
        name_th="น้ำพริกเผาแม่มาลี",
        name_en="Mae Malee chilli paste",
        gtin="8850123456786",
        weight_grams=260,
        shelf_life_days=365,
        pack_size="200 g",
    )
    producer = made.product.producer
    producer.name_th, producer.line_id = "วิสาหกิจชุมชนแม่มาลี", "maemalee"
    producer.save()
    return made


def _page(client, referral):
    return client.get(reverse("partners:referral", args=[referral.pk]))


def _decide(client, referral, **data):
    return client.post(reverse("partners:referral_decide", args=[referral.pk]), data)


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# --- The page ---------------------------------------------------------------------------------


def test_the_page_shows_the_product_its_producer_and_why_it_fits(
    client, partner, officer, partner_org, fda
):
    barcode_channel = factories.ChannelFactory(
        partner=partner_org, code="central-barcode", requirement={"gtin_required": True}
    )
    (referral,) = sent_referrals(
        1,
        channel=barcode_channel,
        officer=officer,
        name_th="น้ำพริกเผาแม่มาลี",
        gtin="8850123456786",
        pack_size="200 g",
    )
    referral.product.producer.name_th = "วิสาหกิจชุมชนแม่มาลี"
    referral.product.producer.save()
    factories.ProductPhotoFactory(product=referral.product)
    factories.CertificationFactory(
        producer=referral.product.producer,
        type=fda,
        number="5012345000001",
        status=CertificationStatus.VERIFIED,
    )
    factories.CertificationFactory(
        producer=referral.product.producer,
        type=factories.CertificationTypeFactory(code="halal", name_en="Halal"),
        number="HALAL-WAITING",
        status=CertificationStatus.PENDING,
    )
    factories.CertificationFactory(
        producer=referral.product.producer,
        type=fda,
        number="FDA-EXPIRED",
        status=CertificationStatus.VERIFIED,
        expires_on=timezone.localdate() - dt.timedelta(days=1),
    )
    factories.CertificationFactory(
        producer=referral.product.producer,
        type=fda,
        number="FDA-REJECTED",
        status=CertificationStatus.REJECTED,
    )
    client.force_login(partner)
    response = _page(client, referral)
    html = response.content.decode()
    assert response.status_code == 200
    assert "น้ำพริกเผาแม่มาลี" in html and "วิสาหกิจชุมชนแม่มาลี" in html
    assert "8850123456786" in html and "200 g" in html
    assert response.context["producer"].province.code == "50"
    assert html.count('data-testid="certificate"') == 1
    assert "5012345000001" in html and "HALAL-WAITING" not in html
    assert "FDA-EXPIRED" not in html and "FDA-REJECTED" not in html
    assert 'class="thumb-large"' in html
    explanation = response.context["explanation"]
    assert explanation["result"].eligible
    assert "Needs a barcode; this product has one." in [text for _o, text in explanation["checks"]]
    assert response.context["may_accept"] and response.context["may_decline"]
    assert not response.context["may_list"]


def test_the_page_explains_against_the_channels_current_requirement_and_not_once_closed(
    client, partner, officer, partner_org
):
    """The explanation reads the channel's requirement as the matching does now: a new
    requirement version shows at once, and a closed channel has nothing to compare."""
    from partners.models import RequirementVersion

    channel = factories.ChannelFactory(
        partner=partner_org, code="central-barcode", requirement={"gtin_required": True}
    )
    (referral,) = sent_referrals(1, channel=channel, officer=officer, gtin="8850123456786")
    client.force_login(partner)
    checks = [text for _o, text in _page(client, referral).context["explanation"]["checks"]]
    assert "Needs a barcode; this product has one." in checks

    requirement = channel.requirement
    current = RequirementVersion.objects.get(channel=channel, number=requirement.version)
    requirement.version += 1
    RequirementVersion.objects.create(
        channel=channel,
        number=requirement.version,
        snapshot={**current.snapshot, "gtin_required": False},
    )
    requirement.save()
    checks = [text for _o, text in _page(client, referral).context["explanation"]["checks"]]
    assert "Needs a barcode; this product has one." not in checks

    channel.is_active = False
    channel.save()
    response = _page(client, referral)
    assert response.context["explanation"] is None
    assert "the channel is closed" in response.content.decode()


def test_contact_details_are_hidden_until_accepted_and_nothing_is_recorded(
    client, partner, referral
):
    client.force_login(partner)
    html = _page(client, referral).content.decode()
    producer = referral.product.producer
    assert producer.phone not in html and "maemalee" not in html
    assert producer.user.email not in html
    assert 'data-testid="contact-hidden"' in html
    assert not ContactView.objects.exists()


def test_once_accepted_contact_details_show_and_every_view_is_recorded(client, partner, referral):
    referral_transition(referral_id=referral.pk, to_state="accepted", by=partner)
    client.force_login(partner)
    html = _page(client, referral).content.decode()
    _page(client, referral)
    producer = referral.product.producer
    assert producer.phone in html and "maemalee" in html and producer.user.email in html
    views = ContactView.objects.filter(referral=referral, viewer=partner, via="page")
    assert views.count() == 2


def test_declined_referrals_hide_contact_details_again(client, partner, referral):
    referral_transition(
        referral_id=referral.pk, to_state="declined", by=partner, reason_code="price"
    )
    client.force_login(partner)
    html = _page(client, referral).content.decode()
    assert referral.product.producer.phone not in html
    assert not ContactView.objects.exists()


def test_another_partners_member_gets_404_for_the_page_and_the_decision(
    client, other_partner, referral
):
    client.force_login(other_partner)
    assert _page(client, referral).status_code == 404
    assert _decide(client, referral, decision="accepted").status_code == 404
    referral.refresh_from_db()
    assert referral.state == "sent"


def test_the_history_names_people_without_their_email(client, partner, referral, officer):
    officer.full_name = ""
    officer.save()
    client.force_login(partner)
    html = _page(client, referral).content.decode()
    assert officer.email not in html


# --- Decisions --------------------------------------------------------------------------------


def test_accepting_moves_the_referral_and_records_who(client, partner, referral):
    client.force_login(partner)
    response = _decide(client, referral, decision="accepted")
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.state == "accepted"
    event = ReferralEvent.objects.filter(referral=referral).last()
    assert (event.from_state, event.to_state, event.actor) == ("sent", "accepted", partner)
    follow = client.get(response.url)
    assert any("Accepted by the partner" in m for m in _messages(follow))
    assert follow.context["may_list"] and not follow.context["may_accept"]


def test_declining_needs_a_reason_and_keeps_what_was_typed(client, partner, referral):
    client.force_login(partner)
    response = _decide(client, referral, decision="declined", reason="")
    assert response.status_code == 200
    assert response.context["decision_form"].errors["reason_code"]
    response = _decide(client, referral, decision="declined", reason_code="other", reason="")
    assert response.context["decision_form"].errors["reason"]
    referral.refresh_from_db()
    assert referral.state == "sent"


def test_declining_with_a_common_reason_and_words(client, partner, referral, officer):
    client.force_login(partner)
    response = _decide(
        client, referral, decision="declined", reason_code="price", reason="ราคาสูงไปสำหรับสาขา"
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert (referral.state, referral.decline_code) == ("declined", DeclineReason.PRICE)
    assert referral.decline_reason == "ราคาสูงไปสำหรับสาขา"
    # The officer reads the common reason in their language and the partner's words.
    client.force_login(officer)
    client.cookies["django_language"] = "en"
    html = client.get(reverse("matching:referral", args=[referral.pk])).content.decode()
    assert "The price does not fit the channel" in html and "ราคาสูงไปสำหรับสาขา" in html


def test_the_producer_reads_the_decline_reason(client, partner, referral):
    referral_transition(
        referral_id=referral.pk,
        to_state="declined",
        by=partner,
        reason_code="capacity",
        reason="ต้องการ 5,000 ชิ้นต่อเดือน",
    )
    client.force_login(referral.product.producer.user)
    client.cookies["django_language"] = "en"
    html = client.get(
        reverse("producers:product_detail", args=[referral.product.pk])
    ).content.decode()
    assert "The production capacity is too small for the channel" in html
    assert "ต้องการ 5,000 ชิ้นต่อเดือน" in html


def test_marking_listed_needs_the_link_and_date(client, partner, referral):
    referral_transition(referral_id=referral.pk, to_state="accepted", by=partner)
    client.force_login(partner)
    response = _decide(client, referral, decision="listed", listing_url="")
    assert response.context["decision_form"].errors["listing_url"]
    response = _decide(
        client,
        referral,
        decision="listed",
        listing_url="https://www.central.co.th/p/nam-prik",
        listed_on="2026-03-10",
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.state == "listed"
    assert referral.listed_on == dt.date(2026, 3, 10)


def test_a_decision_someone_else_made_first_is_shown_not_a_500(client, partner, referral):
    colleague = factories.PartnerMemberFactory(partner=partner.partner, full_name="Khun Nok")
    referral_transition(referral_id=referral.pk, to_state="declined", by=colleague, reason="no")
    client.force_login(partner)
    response = _decide(client, referral, decision="accepted")
    assert response.status_code == 200
    text = " ".join(_messages(response))
    assert "Khun Nok" in text and "Declined by the partner" in text
    referral.refresh_from_db()
    assert referral.state == "declined"
    assert not response.context["may_accept"]


def test_listing_is_refused_before_accepting(client, partner, referral):
    client.force_login(partner)
    response = _decide(
        client,
        referral,
        decision="listed",
        listing_url="https://example.org/p",
        listed_on="2026-03-10",
    )
    assert response.status_code == 200
    assert _messages(response)
    referral.refresh_from_db()
    assert referral.state == "sent"


# --- Questions --------------------------------------------------------------------------------


def test_asking_the_officers_a_question_notifies_them(client, partner, referral, officer):
    client.force_login(partner)
    response = client.post(
        reverse("partners:referral_ask", args=[referral.pk]), {"text": "ส่งได้เดือนละกี่กระปุก"}
    )
    assert response.status_code == 302
    message = ReferralMessage.objects.get(referral=referral)
    assert (message.author, message.text) == (partner, "ส่งได้เดือนละกี่กระปุก")
    assert Notification.objects.filter(recipient=officer, referral=referral).exists()
    assert "ส่งได้เดือนละกี่กระปุก" in _page(client, referral).content.decode()


def test_an_empty_question_is_refused_on_the_page(client, partner, referral):
    client.force_login(partner)
    response = client.post(reverse("partners:referral_ask", args=[referral.pk]), {"text": " "})
    assert response.status_code == 200
    assert response.context["ask_form"].errors["text"]
    assert not ReferralMessage.objects.exists()


def test_no_questions_on_a_declined_referral(client, partner, referral):
    referral_transition(referral_id=referral.pk, to_state="declined", by=partner, reason="no")
    client.force_login(partner)
    assert not _page(client, referral).context["may_ask"]
    response = client.post(
        reverse("partners:referral_ask", args=[referral.pk]), {"text": "still there?"}
    )
    assert response.context["ask_form"].errors["text"]
    assert not ReferralMessage.objects.exists()


# --- Many at once -----------------------------------------------------------------------------


def test_bulk_accept_reports_what_changed_and_what_could_not(
    client, partner, officer, central_channel, shopee_channel, referral
):
    second, decided = sent_referrals(2, channel=central_channel, officer=officer)
    referral_transition(referral_id=decided.pk, to_state="declined", by=partner, reason="no")
    (theirs,) = sent_referrals(1, channel=shopee_channel, officer=officer)
    client.force_login(partner)
    response = client.post(
        reverse("partners:referral_bulk"),
        {"ids": [referral.pk, second.pk, decided.pk, theirs.pk], "decision": "accepted"},
        follow=True,
    )
    texts = _messages(response)
    assert "2 referrals changed." in texts
    assert any(decided.product.name_th in t and "already" in t for t in texts)
    assert any(f"#{theirs.pk}" in t and "does not exist" in t for t in texts)
    states = dict(Referral.objects.values_list("pk", "state"))
    assert states[referral.pk] == states[second.pk] == "accepted"
    assert states[theirs.pk] == "sent"


def test_bulk_decline_needs_a_reason_and_stores_its_code(
    client, partner, officer, central_channel, referral
):
    (second,) = sent_referrals(1, channel=central_channel, officer=officer)
    client.force_login(partner)
    url = reverse("partners:referral_bulk")
    ids = [referral.pk, second.pk]
    response = client.post(url, {"ids": ids, "decision": "declined"}, follow=True)
    assert any("Say why" in t for t in _messages(response))
    assert set(Referral.objects.values_list("state", flat=True)) == {"sent"}
    client.post(url, {"ids": ids, "decision": "declined", "reason_code": "assortment"})
    assert set(Referral.objects.values_list("state", "decline_code")) == {
        ("declined", "assortment")
    }


def test_bulk_with_nothing_ticked_says_so(client, partner):
    client.force_login(partner)
    response = client.post(reverse("partners:referral_bulk"), {"decision": "accepted"}, follow=True)
    assert any("Tick at least one" in t for t in _messages(response))


# --- Certificates' documents --------------------------------------------------------------------


def test_a_partner_member_may_download_a_verified_certificate_of_a_referred_producer(
    partner, other_partner, referral, fda
):
    producer = referral.product.producer
    verified = factories.CertificationFactory(
        producer=producer, type=fda, status=CertificationStatus.VERIFIED
    )
    waiting = factories.CertificationFactory(
        producer=producer, type=fda, status=CertificationStatus.PENDING
    )
    unrelated = factories.CertificationFactory(type=fda, status=CertificationStatus.VERIFIED)
    assert can_view_certification_document(partner, verified)
    assert not can_view_certification_document(partner, waiting)
    assert not can_view_certification_document(partner, unrelated)
    assert not can_view_certification_document(other_partner, verified)


def test_the_page_costs_the_same_queries_with_more_photos_certificates_and_messages(
    client, partner, referral, fda
):
    from matching.services import referral_message
    from tests.helpers import assert_constant_queries

    referral_transition(referral_id=referral.pk, to_state="accepted", by=partner)
    client.force_login(partner)

    def add(n):
        for i in range(n):
            factories.ProductPhotoFactory(product=referral.product, position=i)
            factories.CertificationFactory(
                producer=referral.product.producer, type=fda, status=CertificationStatus.VERIFIED
            )
            referral_message(referral_id=referral.pk, by=partner, text=f"question {i}")

    assert_constant_queries(client, reverse("partners:referral", args=[referral.pk]), add)
