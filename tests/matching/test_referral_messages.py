"""The officers' side of a partner's questions: the thread on the referral's page, and the
answer, which reaches the partner's members."""

from __future__ import annotations

import pytest
from django.urls import reverse

from matching.models import ReferralMessage
from matching.services import referral_message
from otop_portal.models import Notification
from tests import factories
from tests.partners.matrix_rows_portal import sent_referrals

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(client):
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def referral(officer, partner_org):
    channel = factories.ChannelFactory(partner=partner_org, code="central-shelf")
    (made,) = sent_referrals(1, channel=channel, officer=officer)
    return made


def _answer(client, referral, text):
    return client.post(reverse("matching:referral_message", args=[referral.pk]), {"text": text})


def test_the_officer_reads_the_partners_question_on_the_referral(
    client, officer, partner, referral
):
    referral_message(referral_id=referral.pk, by=partner, text="มีสินค้าพร้อมส่งกี่ชิ้น")
    client.force_login(officer)
    response = client.get(reverse("matching:referral", args=[referral.pk]))
    html = response.content.decode()
    assert "มีสินค้าพร้อมส่งกี่ชิ้น" in html
    assert 'data-testid="answer-form"' in html


def test_the_officers_answer_reaches_the_partners_members(client, officer, partner, referral):
    colleague = factories.PartnerMemberFactory(partner=partner.partner)
    outsider = factories.PartnerMemberFactory()
    client.force_login(officer)
    response = _answer(client, referral, "ประมาณ 3,000 กระปุกต่อเดือน")
    assert response.status_code == 302
    message = ReferralMessage.objects.get(referral=referral)
    assert (message.author, message.text) == (officer, "ประมาณ 3,000 กระปุกต่อเดือน")
    told = set(Notification.objects.filter(referral=referral).values_list("recipient", flat=True))
    assert {partner.pk, colleague.pk} <= told and outsider.pk not in told
    follow = client.get(response.url)
    assert "ประมาณ 3,000 กระปุกต่อเดือน" in follow.content.decode()
    # And the partner reads it on their page.
    client.force_login(partner)
    page = client.get(reverse("partners:referral", args=[referral.pk]))
    assert "ประมาณ 3,000 กระปุกต่อเดือน" in page.content.decode()


def test_an_empty_answer_is_refused_on_the_page(client, officer, referral):
    client.force_login(officer)
    response = _answer(client, referral, "   ")
    assert response.status_code == 200
    assert response.context["message_form"].errors["text"]
    assert not ReferralMessage.objects.exists()


def test_an_officer_of_another_province_cannot_answer(client, other_officer, referral):
    client.force_login(other_officer)
    assert _answer(client, referral, "hello").status_code == 404
    assert not ReferralMessage.objects.exists()


def test_partners_and_producers_cannot_post_as_officers(client, partner, referral):
    client.force_login(partner)
    assert _answer(client, referral, "hello").status_code == 403
    client.force_login(referral.product.producer.user)
    assert _answer(client, referral, "hello").status_code == 403
    assert not ReferralMessage.objects.exists()


def test_the_officer_page_costs_the_same_queries_with_a_longer_thread(
    client, officer, partner, referral
):
    from tests.helpers import assert_constant_queries

    client.force_login(officer)
    assert_constant_queries(
        client,
        reverse("matching:referral", args=[referral.pk]),
        lambda n: [
            referral_message(referral_id=referral.pk, by=partner, text=f"question {i}")
            for i in range(n)
        ],
    )
