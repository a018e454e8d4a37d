"""Notifications of the referral pipeline and of finished exports: who is told, by email in
their language and on their home page; partners' immediate emails or daily digest; marking
read; the settings page."""

from __future__ import annotations

import datetime as dt
import re
import threading

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.urls import reverse
from django.utils import timezone, translation

from matching.models import ExportJob, ExportStatus, Referral, ReferralState
from matching.notifications import notify_referral_change, send_referral_digests
from matching.officer.exports import notify_export_ready
from matching.services import (
    referral_propose,
    referral_transition,
    referrals_bulk_transition,
    rematch_all,
)
from otop_portal.models import Notification, NotificationKind
from producers.models import ProducerStatus
from tests import factories
from tests.helpers import assert_constant_queries, read_with_plan

pytestmark = pytest.mark.django_db
S = ReferralState
K = NotificationKind
SITE = "https://otop.example.go.th"


@pytest.fixture(autouse=True)
def _portal_url(settings):
    settings.PORTAL_URL = SITE


@pytest.fixture
def client(client):
    """These tests read the pages in English (Thai is the default)."""
    client.cookies["django_language"] = "en"
    return client


def _eligible_product(producer_user, channel, province, **names):
    profile = factories.ProducerFactory(
        user=producer_user, province=province, status=ProducerStatus.VERIFIED
    )
    product = factories.ProductFactory(producer=profile, **names)
    rematch_all()
    return product


@pytest.fixture
def channel(partner_org):
    return factories.ChannelFactory(partner=partner_org, name_en="Central Online")


@pytest.fixture
def product(producer, channel, province):
    return _eligible_product(
        producer, channel, province, name_th="ผ้าไหมแพรวา", name_en="Praewa silk"
    )


@pytest.fixture
def referral(product, channel, officer):
    return referral_propose(product=product, channel=channel, by=officer)


# The moves that take a proposed referral to each state the producer hears about.
PATHS = {
    S.APPROVED: [(S.APPROVED, "officer", {})],
    S.REJECTED: [(S.REJECTED, "officer", {"note": "The label lacks the FDA number."})],
    S.ACCEPTED: [(S.APPROVED, "officer", {}), (S.SENT, "officer", {}), (S.ACCEPTED, "partner", {})],
    S.DECLINED: [
        (S.APPROVED, "officer", {}),
        (S.SENT, "officer", {}),
        (S.DECLINED, "partner", {"reason": "Not our season."}),
    ],
    S.LISTED: [
        (S.APPROVED, "officer", {}),
        (S.SENT, "officer", {}),
        (S.ACCEPTED, "partner", {}),
        (
            S.LISTED,
            "partner",
            {"listing_url": "https://shop.example/p/1", "listed_on": dt.date(2026, 11, 20)},
        ),
    ],
}


def _move(referral, to_state, by, capture, **kwargs):
    with capture(execute=True):
        return referral_transition(referral_id=referral.pk, to_state=to_state, by=by, **kwargs)


def _drive(referral, state, request, capture):
    for to_state, actor, kwargs in PATHS[state]:
        _move(referral, to_state, request.getfixturevalue(actor), capture, **kwargs)


def _mails_to(user):
    return [m for m in mail.outbox if m.to == [user.email]]


# --- Who is told, in which language ------------------------------------------------------------


@pytest.mark.parametrize("state", list(PATHS))
def test_each_move_the_producer_cares_about_emails_them_in_english(
    state, referral, producer, request, django_capture_on_commit_callbacks
):
    producer.language = "en"
    producer.save(update_fields=["language"])
    _drive(referral, state, request, django_capture_on_commit_callbacks)

    mails = _mails_to(producer)
    assert len(mails) == len([s for s, _a, _k in PATHS[state] if s != S.SENT])
    last = mails[-1]
    kind = {
        S.APPROVED: "Referral approved",
        S.REJECTED: "Referral rejected",
        S.ACCEPTED: "Referral accepted",
        S.DECLINED: "Referral declined",
        S.LISTED: "Product listed",
    }[state]
    assert kind in last.subject
    assert "Praewa silk" in last.subject
    assert "ผ้าไหมแพรวา / Praewa silk" in last.body  # both names
    assert "Central Online (Central Group)" in last.body  # channel and partner
    with translation.override("en"):
        assert f"New state: {S(state).label}" in last.body
    product_url = SITE + reverse("producers:product_detail", args=[referral.product_id])
    assert product_url in last.body
    notification = Notification.objects.get(recipient=producer, kind=f"referral_{state}")
    assert notification.emailed_at is not None
    assert notification.read_at is None


@pytest.mark.parametrize("state", [S.APPROVED, S.REJECTED, S.LISTED])
def test_a_thai_producer_gets_the_email_in_thai(
    state, referral, producer, request, django_capture_on_commit_callbacks
):
    producer.language = "th"
    producer.save(update_fields=["language"])
    _drive(referral, state, request, django_capture_on_commit_callbacks)

    last = _mails_to(producer)[-1]
    with translation.override("th"):
        thai_state = str(S(state).label)
    with translation.override("en"):
        assert thai_state != str(S(state).label)  # the catalogue really has it in Thai
    assert "ผ้าไหมแพรวา" in last.subject  # the Thai name for a Thai reader
    assert "ผลิตภัณฑ์: ผ้าไหมแพรวา / Praewa silk" in last.body
    assert thai_state in last.body


def test_the_reason_of_a_refusal_reaches_the_producer(
    referral, producer, request, django_capture_on_commit_callbacks
):
    producer.language = "en"
    producer.save(update_fields=["language"])
    _drive(referral, S.DECLINED, request, django_capture_on_commit_callbacks)

    assert "Reason: Not our season." in _mails_to(producer)[-1].body
    notification = Notification.objects.get(recipient=producer, kind=K.REFERRAL_DECLINED)
    assert notification.note == "Not our season."


def test_an_inactive_producer_is_not_told(
    referral, producer, officer, django_capture_on_commit_callbacks
):
    producer.is_active = False
    producer.save(update_fields=["is_active"])
    _move(referral, S.APPROVED, officer, django_capture_on_commit_callbacks)

    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_withdrawn_and_lapsed_tell_nobody(referral):
    assert notify_referral_change(referral_id=referral.pk, to_state=S.WITHDRAWN) == []
    assert notify_referral_change(referral_id=referral.pk, to_state=S.LAPSED) == []
    assert not Notification.objects.exists()


def test_a_rolled_back_move_tells_nobody(referral, officer, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        referral_transition(referral_id=referral.pk, to_state=S.APPROVED, by=officer)
        raise RuntimeError("something failed after the move")

    assert callbacks == []
    assert Referral.objects.get(pk=referral.pk).state == S.PROPOSED
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_a_bulk_approval_tells_each_producer_once(
    referral, channel, officer, other_producer, province, django_capture_on_commit_callbacks
):
    other_product = _eligible_product(other_producer, channel, province)
    other = referral_propose(product=other_product, channel=channel, by=officer)
    with django_capture_on_commit_callbacks(execute=True):
        outcome = referrals_bulk_transition(
            referral_ids=[referral.pk, other.pk], to_state=S.APPROVED, by=officer, note="Good"
        )

    assert sorted(outcome.changed) == sorted([referral.pk, other.pk])
    assert sorted(Notification.objects.values_list("recipient__email", flat=True)) == [
        "other-producer@example.org",
        "producer@example.org",
    ]
    assert len(mail.outbox) == 2


# --- Partners: immediate or daily digest --------------------------------------------------------


@pytest.fixture
def daily_colleague(partner_org):
    return factories.PartnerMemberFactory(
        email="daily@example.org", partner=partner_org, referral_emails="daily", language="en"
    )


def _send(referral, officer, capture):
    _move(referral, S.APPROVED, officer, capture)
    _move(referral, S.SENT, officer, capture, note="Bestseller at the provincial fair.")


def test_a_sent_referral_emails_immediate_members_at_once_and_keeps_daily_ones_for_the_digest(
    referral,
    officer,
    partner,
    other_partner,
    daily_colleague,
    partner_org,
    django_capture_on_commit_callbacks,
):
    partner.language = "en"
    partner.save(update_fields=["language"])
    factories.PartnerMemberFactory(partner=partner_org, is_active=False)
    mail.outbox.clear()

    _send(referral, officer, django_capture_on_commit_callbacks)

    sent = Notification.objects.filter(kind=K.REFERRAL_SENT)
    assert sorted(sent.values_list("recipient__email", flat=True)) == [
        "daily@example.org",
        "partner@example.org",
    ]  # not the inactive colleague, not another partner's member
    partner_mails = _mails_to(partner)
    assert len(partner_mails) == 1
    assert "New referral" in partner_mails[0].subject
    assert "Bestseller at the provincial fair." in partner_mails[0].body
    assert SITE + reverse("partners:home") in partner_mails[0].body
    assert _mails_to(daily_colleague) == []
    assert _mails_to(other_partner) == []
    assert sent.get(recipient=daily_colleague).emailed_at is None


def test_the_daily_digest_is_one_email_with_every_new_referral_and_a_second_run_sends_none(
    referral,
    channel,
    officer,
    other_producer,
    province,
    daily_colleague,
    django_capture_on_commit_callbacks,
):
    other_product = _eligible_product(
        other_producer, channel, province, name_th="น้ำพริกเผา", name_en="Chilli paste"
    )
    other = referral_propose(product=other_product, channel=channel, by=officer)
    _send(referral, officer, django_capture_on_commit_callbacks)
    _send(other, officer, django_capture_on_commit_callbacks)
    mail.outbox.clear()

    assert send_referral_digests() == 1

    assert len(mail.outbox) == 1
    digest = mail.outbox[0]
    assert digest.to == ["daily@example.org"]
    assert "2 new products referred to you" in digest.subject
    assert "ผ้าไหมแพรวา / Praewa silk" in digest.body
    assert "น้ำพริกเผา / Chilli paste" in digest.body
    assert "Central Online (Central Group)" in digest.body
    assert f"Producer's province: {province.name_en}" in digest.body
    assert SITE + reverse("partners:home") in digest.body
    assert not Notification.objects.filter(
        recipient=daily_colleague, emailed_at__isnull=True
    ).exists()

    assert send_referral_digests() == 0
    assert len(mail.outbox) == 1


def test_the_digest_command_reports_what_it_sent(
    referral, officer, daily_colleague, django_capture_on_commit_callbacks, capsys
):
    _send(referral, officer, django_capture_on_commit_callbacks)

    call_command("send_referral_digests")

    assert "referral digests sent: 1" in capsys.readouterr().out
    assert [m.to for m in _mails_to(daily_colleague)] == [["daily@example.org"]]


# --- Exports ------------------------------------------------------------------------------------


def _finished_export(officer) -> ExportJob:
    """A finished export with its file, as matching.officer.exports.export_make leaves one."""
    from django.core.files.base import ContentFile

    job = ExportJob.objects.create(
        requested_by=officer, list_name="candidates", format="csv", status=ExportStatus.DONE
    )
    job.file.save("candidates-test.csv", ContentFile("\ufeffID\r\n".encode()), save=True)
    return job


def test_a_finished_export_emails_its_officer_the_download_link(
    officer, django_capture_on_commit_callbacks
):
    job = _finished_export(officer)
    with django_capture_on_commit_callbacks(execute=True):
        notification = notify_export_ready(job)

    assert notification.kind == K.EXPORT_READY
    assert [m.to for m in mail.outbox] == [[officer.email]]
    assert SITE + reverse("matching:export_download", args=[job.pk]) in mail.outbox[0].body
    notification.refresh_from_db()
    assert notification.emailed_at is not None


# --- Pages --------------------------------------------------------------------------------------


def test_the_producer_home_shows_the_unread_notification_until_it_is_marked_read(
    client, referral, producer, officer, django_capture_on_commit_callbacks
):
    _move(referral, S.APPROVED, officer, django_capture_on_commit_callbacks, note="Nice label")
    client.force_login(producer)
    home = reverse("producers:home")

    page = client.get(home).content.decode()
    assert "An officer approved “Praewa silk” for Central Online (Central Group)" in page
    assert "Nice label" in page
    assert reverse("producers:product_detail", args=[referral.product_id]) in page
    assert 'data-testid="unread-count"' in page

    response = client.post(reverse("notifications_read"), {"next": home}, follow=True)

    assert response.redirect_chain == [(home, 302)]
    page = response.content.decode()
    assert "All notifications marked as read." in page
    assert "An officer approved" not in page
    assert "No new notifications." in page
    assert 'data-testid="unread-count"' not in page


def test_the_partner_home_shows_a_new_referral(
    client, referral, partner, officer, django_capture_on_commit_callbacks
):
    _send(referral, officer, django_capture_on_commit_callbacks)
    client.force_login(partner)

    page = client.get(reverse("partners:home")).content.decode()

    assert "New product for Central Online: “Praewa silk”" in page
    assert reverse("notification_settings") in page


def test_the_officer_home_shows_a_ready_export(client, officer, django_capture_on_commit_callbacks):
    job = _finished_export(officer)
    with django_capture_on_commit_callbacks(execute=True):
        notify_export_ready(job)
    client.force_login(officer)

    page = client.get(reverse("matching:officer_home")).content.decode()

    assert "is ready" in page
    assert reverse("matching:export_download", args=[job.pk]) in page


def test_the_homes_buttons_mark_read_with_the_pages_own_csrf_token(
    referral, producer, officer, django_capture_on_commit_callbacks
):
    """The home's notifications (a Jinja2 template) carry the page's CSRF token, the address to
    come back to and the notification's id: a browser's post of either button is accepted."""
    from django.test import Client

    _move(referral, S.APPROVED, officer, django_capture_on_commit_callbacks)
    Notification.objects.create(recipient=producer, kind=K.REFERRAL_LISTED, referral=referral)
    first, second = Notification.objects.order_by("pk")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(producer)
    home = reverse("producers:home")
    page = browser.get(home, {"tab": "a&b"}).content.decode()
    forms = re.findall(r'<form method="post" action="([^"]+)"[^>]*>(.*?)</form>', page, re.S)
    read_forms = [
        dict(re.findall(r'name="([^"]+)" value="([^"]*)"', body))
        for action, body in forms
        if action == reverse("notifications_read")
    ]
    assert [f.get("id") for f in read_forms] == [str(second.pk), str(first.pk), None]
    assert {f["next"] for f in read_forms} == {home + "?tab=a%26b"}

    one = {**read_forms[0], "next": home}
    assert browser.post(reverse("notifications_read"), one).status_code == 302
    assert browser.post(reverse("notifications_read"), {"id": first.pk}).status_code == 403
    second.refresh_from_db()
    first.refresh_from_db()
    assert second.read_at is not None and first.read_at is None
    every = {**read_forms[-1], "next": home}
    assert browser.post(reverse("notifications_read"), every).url == home
    first.refresh_from_db()
    assert first.read_at is not None


def test_a_homes_notifications_are_kept_rendered_by_what_they_show(
    client, referral, producer, officer, django_capture_on_commit_callbacks
):
    """A notification's words on a home page are kept by the values it was read as (its own,
    its referral's product's, channel's and partner's names): the next visit shows the kept
    words, a renamed product shows at once, and a reader of the other language gets theirs."""
    from markupsafe import Markup

    from otop_portal import jinja2 as rows_module

    _move(referral, S.APPROVED, officer, django_capture_on_commit_callbacks, note="Nice label")
    client.force_login(producer)
    client.cookies["django_language"] = "en"
    home = reverse("producers:home")
    rows_module._kept_rows.clear()

    def notifications(page: str) -> str:  # without the token, which each response masks anew
        section = page.split('data-testid="notifications"', 1)[1].split("</section>", 1)[0]
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", section)

    first = client.get(home).content.decode()
    assert "An officer approved “Praewa silk”" in first and "Nice label" in first
    assert notifications(client.get(home).content.decode()) == notifications(first)
    (key,) = [key for key in rows_module._kept_rows if key[0] == "_notifications.html"]
    rows_module._kept_rows[key] = Markup('<li data-testid="notification">kept words')
    assert "kept words" in client.get(home).content.decode()

    referral.product.name_en = "Praewa silk, new pattern"
    referral.product.save()
    renamed = client.get(home).content.decode()
    assert "kept words" not in renamed
    assert "An officer approved “Praewa silk, new pattern”" in renamed
    client.cookies["django_language"] = "th"
    thai = client.get(home).content.decode()
    assert "kept words" not in thai and "ผ้าไหมแพรวา" in thai


def test_one_notification_can_be_marked_read_alone(
    client, referral, producer, officer, django_capture_on_commit_callbacks
):
    _move(referral, S.APPROVED, officer, django_capture_on_commit_callbacks)
    first = Notification.objects.get()
    second = Notification.objects.create(
        recipient=producer, kind=K.REFERRAL_LISTED, referral=referral
    )
    client.force_login(producer)

    response = client.post(reverse("notifications_read"), {"id": first.pk})

    assert response.status_code == 302
    assert response.url == reverse("notifications")
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None
    assert second.read_at is None


def test_nobody_can_mark_another_users_notification_read(
    client, referral, producer, other_producer, officer, django_capture_on_commit_callbacks
):
    _move(referral, S.APPROVED, officer, django_capture_on_commit_callbacks)
    theirs = Notification.objects.get(recipient=producer)
    client.force_login(other_producer)

    assert client.post(reverse("notifications_read"), {"id": theirs.pk}).status_code == 404
    client.post(reverse("notifications_read"))  # "mark all" marks only one's own

    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_marking_read_goes_back_only_to_a_page_of_this_site(client, producer):
    client.force_login(producer)

    response = client.post(reverse("notifications_read"), {"next": "https://evil.example/"})

    assert response.url == reverse("notifications")


def test_the_notifications_page_lists_them_all_in_constant_queries(
    client, producer, channel, province, officer
):
    profile = factories.ProducerFactory(
        user=producer, province=province, status=ProducerStatus.VERIFIED
    )
    kinds = [K.REFERRAL_APPROVED, K.REFERRAL_REJECTED, K.REFERRAL_LISTED]

    def add_rows(n: int) -> None:
        for i in range(n):
            product = factories.ProductFactory(producer=profile)
            referral = Referral.objects.create(
                product=product, channel=channel, proposed_by=officer
            )
            Notification.objects.create(
                recipient=producer, kind=kinds[i % len(kinds)], referral=referral, note=f"n{i}"
            )

    client.force_login(producer)
    assert_constant_queries(client, reverse("notifications"), add_rows)

    page = client.get(reverse("notifications")).content.decode()
    assert "12 notifications" in page
    assert page.count('data-testid="notification"') == 12


def _one_of_each_kind(recipient, referral, officer) -> None:
    """A notification of every kind for `recipient`: the referral kinds about `referral`
    (declined with a reason's code), and a finished export's."""
    from matching.models import DeclineReason

    Referral.objects.filter(pk=referral.pk).update(decline_code=DeclineReason.values[0])
    referral_kinds = [kind for kind in K.values if kind != K.EXPORT_READY]
    Notification.objects.bulk_create(
        Notification(recipient=recipient, kind=kind, referral=referral, note=kind)
        for kind in referral_kinds
    )
    Notification.objects.create(
        recipient=recipient, kind=K.EXPORT_READY, export=_finished_export(officer)
    )


@pytest.mark.parametrize("language", ["th", "en"])
def test_every_kind_of_notification_reads_its_words_from_one_query(
    language, referral, producer, officer, django_assert_num_queries
):
    """A list of notifications reads only the columns their words show (issue 13): each kind
    says what it said with whole rows, and no word costs a query of its own."""
    from otop_portal.notifications import describe, notification_related
    from otop_portal.selectors import notifications_for

    _one_of_each_kind(producer, referral, officer)
    with translation.override(language):
        whole = Notification.objects.filter(recipient=producer).select_related(
            *notification_related()
        )
        expected = {n.pk: (n.kind, n.note, describe(n)) for n in whole}
        with django_assert_num_queries(1):
            shown = {n.pk: (n.kind, n.note, describe(n)) for n in notifications_for(producer, 20)}

    assert shown == expected
    assert {kind for kind, _, _ in shown.values()} == set(K.values)
    product_name = "Praewa silk" if language == "en" else "ผ้าไหมแพรวา"
    assert sum(product_name in words.sentence for _, _, words in shown.values()) == len(K) - 1


@pytest.mark.parametrize(
    "who, home", [("producer", "producers:home"), ("partner", "partners:home")]
)
def test_a_home_page_with_nothing_unread_does_not_read_the_list(
    request, client, who, home, referral, officer, django_capture_on_commit_callbacks
):
    """The bell's count comes first; with nothing unread, the home page says so without reading
    the notifications' relations. Once one arrives, it is shown."""
    from django.test.utils import CaptureQueriesContext

    user = request.getfixturevalue(who)
    client.force_login(user)

    def notification_queries() -> tuple[str, int]:
        with CaptureQueriesContext(connection) as queries:
            page = client.get(reverse(home)).content.decode()
        return page, sum('"otop_portal_notification"' in q["sql"] for q in queries)

    page, asked = notification_queries()
    assert "No new notifications." in page
    assert asked == 1

    _send(referral, officer, django_capture_on_commit_callbacks)  # the producer hears too

    page, asked = notification_queries()
    assert "“Praewa silk”" in page
    assert 'data-testid="unread-count"' in page
    assert asked == 2


# --- Settings -----------------------------------------------------------------------------------


def test_a_partner_member_chooses_the_daily_digest(client, partner):
    client.force_login(partner)
    url = reverse("notification_settings")

    response = client.post(url, {"referral_emails": "daily"}, follow=True)

    assert "Your notification settings are saved." in response.content.decode()
    partner.refresh_from_db()
    assert partner.referral_emails == "daily"
    assert re.search(r'value="daily"[^>]*checked', response.content.decode())


def test_the_settings_form_refuses_an_unknown_choice_and_says_so(client, partner):
    client.force_login(partner)

    response = client.post(reverse("notification_settings"), {"referral_emails": "hourly"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "Your settings were not saved" in page
    assert "Select a valid choice" in page
    partner.refresh_from_db()
    assert partner.referral_emails == "immediate"


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_digest_runs_at_once_send_each_referral_once(
    referral, officer, daily_colleague, monkeypatch
):
    """Two real connections: the first run holds the member's rows while it sends; the second
    skips them instead of waiting, and sends nothing."""
    from matching import notifications

    referral_transition(referral_id=referral.pk, to_state=S.APPROVED, by=officer)
    referral_transition(referral_id=referral.pk, to_state=S.SENT, by=officer)
    mail.outbox.clear()
    holding, release = threading.Event(), threading.Event()
    send_digest = notifications._send_digest

    def slow_send(user, pending):
        holding.set()
        release.wait(5)
        send_digest(user, pending)

    monkeypatch.setattr(notifications, "_send_digest", slow_send)
    counts: dict[str, int] = {}

    def run(name: str) -> None:
        try:
            counts[name] = send_referral_digests()
        finally:
            connections.close_all()

    first = threading.Thread(target=run, args=("first",))
    first.start()
    holding.wait(5)
    run("second")  # while the first holds the rows
    second_did_not_wait = first.is_alive()
    release.set()
    first.join(10)

    assert second_did_not_wait
    assert counts == {"first": 1, "second": 0}
    assert len(_mails_to(daily_colleague)) == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="query plans of PostgreSQL")
def test_a_home_page_reads_the_newest_unread_notifications_without_sorting_them_all(officer):
    """The home pages show the newest unread few of what may be thousands (a national officer's
    1,989 at national size): the query walks an index in that order and stops, instead of
    joining and sorting every unread notification first."""
    from otop_portal.selectors import notifications_for

    Notification.objects.bulk_create(
        Notification(
            recipient=officer,
            kind=NotificationKind.REFERRAL_SENT,
            note=f"{i}",
            read_at=timezone.now() if i % 2 else None,  # half of them read already
        )
        for i in range(600)
    )
    shown, plan = read_with_plan(lambda: notifications_for(officer), "otop_portal_notification")
    assert [n.note for n in shown] == [str(i) for i in range(598, 578, -2)]
    assert "notification_unread_latest" in plan
    assert "Sort" not in plan
