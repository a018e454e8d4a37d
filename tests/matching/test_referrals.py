"""The referral pipeline's state machine: every move, every refusal, and the race."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections

from matching.models import Referral, ReferralEvent, ReferralState
from matching.selectors import officer_candidates
from matching.services import ReferralError, referral_propose, referral_transition, rematch_all
from producers.models import ProducerStatus
from tests import factories
from tests.helpers import someone_waits_on_a_lock

S = ReferralState


def _pair(producer_user, partner_org, province):
    profile = factories.ProducerFactory(
        user=producer_user, province=province, status=ProducerStatus.VERIFIED
    )
    product = factories.ProductFactory(producer=profile)
    channel = factories.ChannelFactory(partner=partner_org)
    rematch_all()
    return product, channel


@pytest.fixture
def pair(producer, partner_org, province):
    return _pair(producer, partner_org, province)


@pytest.fixture
def referral(pair, officer):
    product, channel = pair
    return referral_propose(product=product, channel=channel, by=officer)


def _move(referral, to, by, **kw):
    return referral_transition(referral_id=referral.pk, to_state=to, by=by, **kw)


@pytest.mark.django_db
def test_the_whole_pipeline_with_an_audit_entry_per_move(referral, officer, partner):
    _move(referral, S.APPROVED, officer, note="good fit")
    _move(referral, S.SENT, officer)
    _move(referral, S.ACCEPTED, partner)
    done = _move(
        referral,
        S.LISTED,
        partner,
        listing_url="https://shop.example/p/1",
        listed_on=dt.date(2026, 11, 20),
    )
    assert done.state == S.LISTED
    trail = list(
        ReferralEvent.objects.filter(referral=referral).values_list(
            "from_state", "to_state", "actor"
        )
    )
    assert trail == [
        ("", S.PROPOSED, officer.pk),
        (S.PROPOSED, S.APPROVED, officer.pk),
        (S.APPROVED, S.SENT, officer.pk),
        (S.SENT, S.ACCEPTED, partner.pk),
        (S.ACCEPTED, S.LISTED, partner.pk),
    ]


@pytest.mark.django_db
def test_a_producer_may_ask_for_an_eligible_pair_and_withdraw_it(pair, producer):
    product, channel = pair
    referral = referral_propose(product=product, channel=channel, by=producer)
    assert _move(referral, S.WITHDRAWN, producer).state == S.WITHDRAWN


@pytest.mark.django_db
@pytest.mark.parametrize("actor", ["other_producer", "other_officer", "partner", "other_partner"])
def test_outsiders_cannot_propose(pair, request, actor):
    product, channel = pair
    with pytest.raises(ReferralError, match="cannot propose"):
        referral_propose(product=product, channel=channel, by=request.getfixturevalue(actor))


@pytest.mark.django_db
def test_a_pair_that_is_not_eligible_cannot_be_proposed(pair, officer):
    product, channel = pair
    from matching.models import MatchResult

    MatchResult.objects.filter(product=product).update(eligible=False)
    with pytest.raises(ReferralError, match="does not meet"):
        referral_propose(product=product, channel=channel, by=officer)


@pytest.mark.django_db
def test_one_open_referral_per_pair(referral, officer):
    with pytest.raises(ReferralError, match="already has an open referral"):
        referral_propose(product=referral.product, channel=referral.channel, by=officer)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("actor", "to"),
    [
        ("other_officer", S.APPROVED),  # another province
        ("producer", S.APPROVED),  # producers do not approve
        ("partner", S.APPROVED),  # nor do partners
    ],
)
def test_refused_moves_say_so_and_change_nothing(referral, request, actor, to):
    with pytest.raises(ReferralError, match="cannot make this change"):
        _move(referral, to, request.getfixturevalue(actor))
    referral.refresh_from_db()
    assert referral.state == S.PROPOSED
    assert referral.events.count() == 1


@pytest.mark.django_db
def test_only_the_channels_partner_decides_and_a_decline_needs_a_reason(
    referral, officer, partner, other_partner
):
    _move(referral, S.APPROVED, officer)
    _move(referral, S.SENT, officer)
    with pytest.raises(ReferralError, match="cannot make this change"):
        _move(referral, S.ACCEPTED, other_partner)
    with pytest.raises(ReferralError, match="Say why"):
        _move(referral, S.DECLINED, partner)
    declined = _move(referral, S.DECLINED, partner, reason="Shelf life too short for our stores")
    assert declined.decline_reason == "Shelf life too short for our stores"


@pytest.mark.django_db
def test_listing_needs_the_link_and_date(referral, officer, partner):
    for to in (S.APPROVED, S.SENT):
        _move(referral, to, officer)
    _move(referral, S.ACCEPTED, partner)
    with pytest.raises(ReferralError, match="listing link"):
        _move(referral, S.LISTED, partner)


@pytest.mark.django_db
def test_a_listed_referral_can_no_longer_be_withdrawn(referral, officer, partner):
    for to in (S.APPROVED, S.SENT):
        _move(referral, to, officer)
    _move(referral, S.ACCEPTED, partner)
    _move(
        referral,
        S.LISTED,
        partner,
        listing_url="https://shop.example/1",
        listed_on=dt.date(2026, 1, 1),
    )
    with pytest.raises(ReferralError, match="already"):
        _move(referral, S.WITHDRAWN, officer)


@pytest.mark.django_db
def test_only_the_system_marks_a_referral_lapsed(referral, officer):
    with pytest.raises(ReferralError, match="cannot make this change"):
        _move(referral, S.LAPSED, officer)
    assert _move(referral, S.LAPSED, None, note="FDA number expired").state == S.LAPSED


@pytest.mark.django_db
def test_a_referred_pair_leaves_the_candidate_list_until_it_is_closed(referral, officer):
    assert not officer_candidates(officer).filter(product=referral.product).exists()
    _move(referral, S.REJECTED, officer, note="not now")
    assert officer_candidates(officer).filter(product=referral.product).exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_officers_approving_at_once_exactly_one_wins(producer, partner_org, province, officer):
    """Two real connections: the first locks the row and holds it while the second waits on
    the lock; when the first commits, the second finds the referral approved and is told so."""
    product, channel = _pair(producer, partner_org, province)
    colleague = factories.OfficerFactory(email="colleague@example.org", provinces=[province])
    referral = referral_propose(product=product, channel=channel, by=officer)
    outcomes: dict[str, object] = {}
    first_has_lock, release = threading.Event(), threading.Event()

    def first():
        from django.db import transaction

        try:
            with transaction.atomic():
                outcomes["first"] = _move(referral, S.APPROVED, officer).state
                first_has_lock.set()
                release.wait(5)  # keep the row locked while the second one tries
        finally:
            connections.close_all()

    def second():
        from django.utils import translation

        translation.activate("en")  # a new thread starts in the default language, Thai
        first_has_lock.wait(5)
        try:
            outcomes["second"] = _move(referral, S.APPROVED, colleague).state
        except ReferralError as exc:
            outcomes["second"] = exc.messages[0]
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    first_has_lock.wait(5)
    outcomes["second_waited_on_the_lock"] = someone_waits_on_a_lock()
    release.set()
    for t in threads:
        t.join(10)
    assert outcomes["second_waited_on_the_lock"]
    assert outcomes["first"] == S.APPROVED
    assert "already" in outcomes["second"] and str(officer) in outcomes["second"]
    assert Referral.objects.get(pk=referral.pk).events.filter(to_state=S.APPROVED).count() == 1


@pytest.mark.django_db
def test_bulk_approval_changes_what_it_can_and_says_why_not_for_the_rest(
    producer, partner_org, province, officer, other_producer
):
    from matching.services import referrals_bulk_transition

    product, channel = _pair(producer, partner_org, province)
    other_product, _ = _pair(other_producer, partner_org, province)
    first = referral_propose(product=product, channel=channel, by=officer)
    second = referral_propose(product=other_product, channel=channel, by=officer)
    _move(second, S.REJECTED, officer, note="not this season")
    outcome = referrals_bulk_transition(
        referral_ids=[first.pk, second.pk, 999_999], to_state=S.APPROVED, by=officer, note="batch"
    )
    assert outcome.changed == [first.pk]
    reasons = dict(outcome.refused)
    assert "already" in reasons[second.pk]
    assert "does not exist" in reasons[999_999]
    first.refresh_from_db()
    assert first.state == S.APPROVED
    assert first.events.last().note == "batch"


@pytest.mark.django_db
def test_a_pair_that_stops_being_eligible_lapses_with_the_reason_kept(referral, officer):
    from matching.models import MatchResult
    from matching.services import referrals_lapse

    _move(referral, S.APPROVED, officer)
    MatchResult.objects.filter(product=referral.product).update(eligible=False)
    assert referrals_lapse(product_ids=[referral.product_id]) == 1
    referral.refresh_from_db()
    assert referral.state == S.LAPSED
    last = referral.events.last()
    assert (last.actor, last.from_state) == (None, S.APPROVED)
    assert "no longer meets" in last.note


@pytest.mark.django_db
def test_rescoring_a_product_lapses_its_referrals_when_it_no_longer_fits(referral, officer):
    product = referral.product
    product.status = "discontinued"
    product.save()
    from matching.services import rematch_products

    summary = rematch_products([product.pk])
    assert summary.lapsed == 1
    assert Referral.objects.get(pk=referral.pk).state == S.LAPSED


@pytest.mark.django_db
def test_the_admin_shows_a_referral_with_its_trail_and_cannot_change_it(client, admin, referral):
    client.force_login(admin)
    page = client.get(f"/admin/matching/referral/{referral.pk}/change/")
    assert page.status_code == 200
    assert "proposed" in page.content.decode().lower()
    assert client.get("/admin/matching/referral/add/").status_code == 403


@pytest.mark.django_db
def test_a_rejection_needs_the_reason_the_producer_reads(referral, officer):
    with pytest.raises(ReferralError, match="Say why it is rejected"):
        _move(referral, S.REJECTED, officer, note="  ")
    referral.refresh_from_db()
    assert referral.state == S.PROPOSED


@pytest.mark.django_db
def test_a_producer_not_yet_verified_cannot_be_put_forward(pair, officer):
    product, channel = pair
    product.producer.status = ProducerStatus.SUBMITTED
    product.producer.save()
    with pytest.raises(ReferralError, match="must be verified"):
        referral_propose(product=product, channel=channel, by=officer)


@pytest.mark.django_db
def test_the_first_movers_email_is_never_shown_to_the_second(referral, officer, province):
    nameless = factories.OfficerFactory(
        email="nameless@example.org", full_name="", provinces=[province]
    )
    _move(referral, S.APPROVED, nameless)
    with pytest.raises(ReferralError) as refused:
        _move(referral, S.APPROVED, officer)
    assert "nameless@example.org" not in str(refused.value)
    assert "(by Officer)" in str(refused.value)
