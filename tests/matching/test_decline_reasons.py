"""A partner declines with one of the common reasons, with words of its own, or both: the
officer and the producer read the common reason in their own language."""

import pytest
from django.core import mail
from django.utils import translation

from matching.models import DeclineReason, ReferralEvent, ReferralState
from matching.services import ReferralError, referral_propose, referral_transition, rematch_all
from otop_portal.models import Notification, NotificationKind
from otop_portal.notifications import describe
from producers.models import ProducerStatus
from tests import factories

pytestmark = pytest.mark.django_db
S = ReferralState


@pytest.fixture
def sent(producer, partner_org, province, officer):
    profile = factories.ProducerFactory(
        user=producer, province=province, status=ProducerStatus.VERIFIED
    )
    product = factories.ProductFactory(producer=profile)
    channel = factories.ChannelFactory(partner=partner_org)
    rematch_all()
    referral = referral_propose(product=product, channel=channel, by=officer)
    for to in (S.APPROVED, S.SENT):
        referral_transition(referral_id=referral.pk, to_state=to, by=officer)
    return referral


def _decline(referral, by, **kw):
    return referral_transition(referral_id=referral.pk, to_state=S.DECLINED, by=by, **kw)


def test_a_common_reason_alone_is_enough(sent, partner):
    with translation.override("en"):
        declined = _decline(sent, partner, reason_code=DeclineReason.PRICE)
    assert (declined.decline_code, declined.decline_reason) == ("price", "")
    event = ReferralEvent.objects.get(referral=sent, to_state=S.DECLINED)
    assert event.note == "The price does not fit the channel"


def test_other_needs_words_and_an_unknown_code_is_refused(sent, partner):
    with pytest.raises(ReferralError, match="Say why"):
        _decline(sent, partner, reason_code=DeclineReason.OTHER)
    with pytest.raises(ReferralError, match="Choose one of the reasons"):
        _decline(sent, partner, reason_code="too-cheap", reason="words")
    sent.refresh_from_db()
    assert sent.state == S.SENT  # nothing changed by the refusals


def test_the_audit_entry_keeps_the_reason_and_the_words(sent, partner):
    with translation.override("en"):
        _decline(sent, partner, reason_code=DeclineReason.SHELF_LIFE, reason="Six months minimum")
    event = ReferralEvent.objects.get(referral=sent, to_state=S.DECLINED)
    assert event.note == (
        "The shelf life or the delivery does not fit the channel — Six months minimum"
    )


def test_the_producer_reads_the_common_reason_in_thai_and_the_words_as_written(
    sent, partner, producer, django_capture_on_commit_callbacks
):
    producer.language = "th"
    producer.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True), translation.override("en"):
        _decline(sent, partner, reason_code=DeclineReason.CAPACITY, reason="Need 5,000 a month")

    notification = Notification.objects.get(
        recipient=producer, kind=NotificationKind.REFERRAL_DECLINED
    )
    assert notification.note == "Need 5,000 a month"  # the partner's own words only
    with translation.override("th"):
        thai_reason = str(DeclineReason.CAPACITY.label)
        sentence = describe(notification).sentence
    with translation.override("en"):
        assert thai_reason != str(DeclineReason.CAPACITY.label)  # the catalogue has it
        english = describe(notification).sentence
    assert thai_reason in sentence
    assert "The production capacity is too small for the channel" in english
    body = [m for m in mail.outbox if m.to == [producer.email]][-1].body
    assert thai_reason in body and "Need 5,000 a month" in body
