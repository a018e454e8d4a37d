"""Over the API a partner declines with one of the common reasons (`decline_code`), words of
its own (`reason`) or both, and asks the officers a question about a referral (`ask`); the
thread shows in the referral to the partner and the officers, not to the producer. Refusals
come in the reader's language."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from matching.models import ReferralEvent, ReferralState
from matching.services import referral_propose, referral_transition, rematch_all
from otop_portal.models import Notification, NotificationKind
from producers.models import ProducerStatus
from tests import factories
from tests.helpers import assert_constant_queries

pytestmark = pytest.mark.django_db
S = ReferralState
NEEDS_REASON_EN = "Say why the product is declined: the officer and the producer read it."
NEEDS_REASON_TH = "กรุณาระบุเหตุผลที่ไม่รับผลิตภัณฑ์ เจ้าหน้าที่และผู้ผลิตจะได้เห็นเหตุผลนี้"


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def sent(producer, officer, partner_org):
    """`producer`'s product in Chiang Mai (the officer's province), sent to a channel of
    `partner`'s organisation."""
    profile = factories.ProducerFactory(
        user=producer,
        province=factories.ProvinceFactory(code="50"),
        status=ProducerStatus.VERIFIED,
    )
    product = factories.ProductFactory(producer=profile)
    channel = factories.ChannelFactory(partner=partner_org)
    rematch_all()
    referral = referral_propose(product=product, channel=channel, by=officer)
    for state in (S.APPROVED, S.SENT):
        referral_transition(referral_id=referral.pk, to_state=state, by=officer)
    return referral


def _post(client, user, referral, action: str, body: dict, **headers):
    client.force_login(user)
    return client.post(
        reverse(f"api:referral-{action}", args=[referral.pk]),
        body,
        content_type="application/json",
        **headers,
    )


def _thai(message: str) -> str:
    with translation.override("th"):
        return gettext(message)


# --- Declining with a common reason ---------------------------------------------------------


def test_a_common_reason_alone_declines_and_is_kept_as_a_code(client, partner, sent):
    response = _post(client, partner, sent, "decline", {"decline_code": "price"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["state"], body["decline_code"], body["decline_reason"]) == (
        "declined",
        "price",
        "",
    )
    sent.refresh_from_db()
    assert (sent.state, sent.decline_code) == (S.DECLINED, "price")
    event = ReferralEvent.objects.filter(referral=sent).latest("pk")
    assert event.note == "The price does not fit the channel"


def test_a_common_reason_and_words_are_both_kept(client, partner, sent):
    response = _post(
        client,
        partner,
        sent,
        "decline",
        {"decline_code": "shelf_life", "reason": "Six months minimum"},
    )
    assert response.status_code == 200
    assert (response.json()["decline_code"], response.json()["decline_reason"]) == (
        "shelf_life",
        "Six months minimum",
    )


def test_words_alone_still_decline(client, partner, sent):
    response = _post(client, partner, sent, "decline", {"reason": "No room this season"})
    assert response.status_code == 200
    assert (response.json()["decline_code"], response.json()["decline_reason"]) == (
        "",
        "No room this season",
    )


@pytest.mark.parametrize(
    ("language", "message"), [("en", NEEDS_REASON_EN), ("th", NEEDS_REASON_TH)]
)
@pytest.mark.parametrize(
    "body", [{}, {"decline_code": "", "reason": "  "}, {"decline_code": "other"}]
)
def test_no_reason_or_other_without_words_is_refused_in_the_readers_language(
    client, partner, sent, body, language, message
):
    response = _post(client, partner, sent, "decline", body, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400
    assert response.json() == {"reason": [message]}
    sent.refresh_from_db()
    assert sent.state == S.SENT


@pytest.mark.parametrize("language", ["en", "th"])
def test_an_unknown_reason_code_is_refused(client, partner, sent, language):
    response = _post(
        client,
        partner,
        sent,
        "decline",
        {"decline_code": "too-cheap", "reason": "words"},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 400
    expected = "Choose one of the reasons in the list."
    assert response.json() == {"decline_code": [expected if language == "en" else _thai(expected)]}
    sent.refresh_from_db()
    assert sent.state == S.SENT


# --- Asking the officers ----------------------------------------------------------------------


def test_a_partner_asks_and_the_officer_is_told(client, partner, officer, sent):
    response = _post(client, partner, sent, "ask", {"text": "  Can you deliver 500 a month?  "})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["text"] == "Can you deliver 500 a month?"
    assert body["author"] == partner.full_name
    assert set(body) == {"id", "author", "text", "created_at"}
    assert Notification.objects.filter(
        recipient=officer, referral=sent, kind=NotificationKind.REFERRAL_QUESTION
    ).exists()


def test_the_thread_shows_in_the_referral_to_the_partner_and_officer_not_the_producer(
    client, partner, officer, producer, sent
):
    _post(client, partner, sent, "ask", {"text": "Can you deliver 500 a month?"})
    answer = _post(client, officer, sent, "ask", {"text": "Yes, from June."})
    assert answer.status_code == 201
    detail = reverse("api:referral-detail", args=[sent.pk])
    for reader in (partner, officer):
        client.force_login(reader)
        thread = client.get(detail).json()["messages"]
        assert [m["text"] for m in thread] == ["Can you deliver 500 a month?", "Yes, from June."]
    client.force_login(producer)
    assert client.get(detail).json()["messages"] == []


@pytest.mark.parametrize("language", ["en", "th"])
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("   ", "Write your question or answer first."),
        ("x" * 2001, "Keep the message under 2,000 characters."),
    ],
)
def test_an_empty_or_overlong_question_is_refused(client, partner, sent, text, message, language):
    response = _post(client, partner, sent, "ask", {"text": text}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400
    assert response.json() == {"text": [message if language == "en" else _thai(message)]}
    assert not sent.messages.exists()


@pytest.mark.parametrize("language", ["en", "th"])
def test_a_producer_cannot_write_about_a_referral(client, producer, sent, language):
    response = _post(
        client, producer, sent, "ask", {"text": "Any news?"}, HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 403
    expected = "You cannot write about this referral."
    assert response.json() == {"detail": expected if language == "en" else _thai(expected)}


def test_a_partner_cannot_ask_once_the_referral_ended(client, partner, sent):
    _post(client, partner, sent, "decline", {"decline_code": "capacity"})
    response = _post(client, partner, sent, "ask", {"text": "Maybe later?"})
    assert response.status_code == 403
    assert not sent.messages.exists()


def test_another_partner_cannot_see_or_ask(client, other_partner, sent):
    assert _post(client, other_partner, sent, "ask", {"text": "Hello?"}).status_code == 404
    assert not sent.messages.exists()


def test_the_schema_has_examples_for_the_partners_moves(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    for action in ("accept", "decline", "list", "ask"):
        operation = schema["paths"][f"/api/v1/referrals/{{id}}/{action}/"]["post"]
        assert operation["requestBody"]["content"]["application/json"]["examples"], action
    listing = schema["paths"]["/api/v1/referrals/"]["get"]["responses"]["200"]
    assert listing["content"]["application/json"]["examples"]


def test_the_thread_costs_the_same_queries_whatever_its_length(client, partner, officer, sent):
    from matching.services import referral_message

    client.force_login(partner)

    def add(n):
        for i in range(n):
            author = partner if i % 2 else officer
            referral_message(referral_id=sent.pk, by=author, text=f"message {i}")

    assert_constant_queries(client, reverse("api:referral-detail", args=[sent.pk]), add)
