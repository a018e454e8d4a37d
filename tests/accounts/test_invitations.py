import datetime as dt
import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.utils import timezone

from otop_portal.models import Invitation, Role, User
from tests import factories

pytestmark = pytest.mark.django_db

STRONG = "Kh0ng-Dee-2568!"


def _invite(client, **data):
    payload = {"language": "th", **data}
    return client.post("/invitations/", payload)


def _link_from_last_email() -> str:
    match = re.search(r"http://testserver(/invitations/accept/[^/\s]+/)", mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(1)


def _accept(client, link, full_name="Somsak Jaidee", password=STRONG):
    return client.post(link, {"full_name": full_name, "password1": password, "password2": password})


def test_admin_invites_an_officer_who_sets_a_password_and_lands_home(
    client, admin, province, django_capture_on_commit_callbacks
):
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(
            client, email="Officer.New@Example.org", role=Role.OFFICER, provinces=[province.pk]
        )
    assert response.status_code == 302
    assert mail.outbox[-1].to == ["officer.new@example.org"]
    assert "เชิญ" in mail.outbox[-1].subject  # Thai email by default
    link = _link_from_last_email()

    client.logout()
    response = _accept(client, link)
    assert response.status_code == 302
    assert response["Location"] == "/officer/"
    user = User.objects.get(email="officer.new@example.org")
    assert user.role == Role.OFFICER
    assert list(user.provinces.all()) == [province]
    assert EmailAddress.objects.get(user=user).verified
    assert client.get("/officer/").status_code == 200


def test_invitation_email_is_in_the_language_chosen_for_the_invitee(
    client, admin, partner_org, django_capture_on_commit_callbacks
):
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        _invite(
            client,
            email="buyer@example.org",
            role=Role.PARTNER,
            partner=partner_org.pk,
            language="en",
        )
    assert "You are invited to OTOP Portal" in mail.outbox[-1].subject
    assert "Open this link" in mail.outbox[-1].body


def test_invitation_link_works_only_once(
    client, admin, partner_org, django_capture_on_commit_callbacks
):
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        _invite(client, email="buyer@example.org", role=Role.PARTNER, partner=partner_org.pk)
    link = _link_from_last_email()
    client.logout()
    assert _accept(client, link).status_code == 302
    client.logout()
    response = client.get(link)
    assert response.status_code == 410
    assert User.objects.filter(email="buyer@example.org").count() == 1


def test_expired_invitation_is_refused(client):
    invitation = factories.InvitationFactory(token="old-token")
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    client.cookies["django_language"] = "en"
    response = client.get("/invitations/accept/old-token/")
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    assert _accept(client, "/invitations/accept/old-token/").status_code == 410
    assert not User.objects.filter(email=invitation.email).exists()


def test_a_new_invitation_replaces_the_waiting_one(
    client, admin, partner_org, django_capture_on_commit_callbacks
):
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        _invite(client, email="buyer@example.org", role=Role.PARTNER, partner=partner_org.pk)
    first = _link_from_last_email()
    with django_capture_on_commit_callbacks(execute=True):
        _invite(client, email="buyer@example.org", role=Role.PARTNER, partner=partner_org.pk)
    second = _link_from_last_email()
    client.logout()
    assert client.get(first).status_code == 410
    assert client.get(second).status_code == 200


def test_withdrawn_invitation_stops_working(client, officer, partner_org):
    invitation = factories.InvitationFactory(token="t1", invited_by=officer, partner=partner_org)
    client.force_login(officer)
    assert client.post(f"/invitations/{invitation.pk}/revoke/").status_code == 302
    client.logout()
    assert client.get("/invitations/accept/t1/").status_code == 410


def test_officer_may_invite_partner_members_but_not_officers(
    client, officer, province, partner_org
):
    client.force_login(officer)
    response = _invite(client, email="x@example.org", role=Role.OFFICER, provinces=[province.pk])
    assert response.status_code == 200
    assert "role" in response.context["form"].errors
    assert not Invitation.objects.exists()
    response = _invite(client, email="x@example.org", role=Role.PARTNER, partner=partner_org.pk)
    assert response.status_code == 302
    assert Invitation.objects.get().partner == partner_org


def test_partner_admin_invites_colleagues_only_into_their_own_partner(
    client, partner, other_partner_org, django_capture_on_commit_callbacks
):
    client.force_login(partner)
    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(
            client, email="colleague@example.org", role=Role.PARTNER, partner=other_partner_org.pk
        )
    assert response.status_code == 302
    link = _link_from_last_email()
    client.logout()
    _accept(client, link)
    colleague = User.objects.get(email="colleague@example.org")
    assert colleague.partner == partner.partner
    assert not colleague.is_partner_admin


def test_officer_invitation_needs_provinces_or_national_scope(client, admin):
    client.force_login(admin)
    client.cookies["django_language"] = "en"
    response = _invite(client, email="o@example.org", role=Role.OFFICER)
    assert response.status_code == 200
    assert "Choose the officer's provinces" in response.context["form"].errors["provinces"][0]


def test_cannot_invite_an_address_that_already_has_an_account(client, admin, producer, partner_org):
    client.force_login(admin)
    client.cookies["django_language"] = "en"
    response = _invite(
        client, email=producer.email.upper(), role=Role.PARTNER, partner=partner_org.pk
    )
    assert response.status_code == 200
    assert "already exists" in str(response.context["form"].non_field_errors())


def test_weak_password_is_refused_with_the_reason(client):
    factories.InvitationFactory(token="t2")
    client.cookies["django_language"] = "en"
    response = _accept(client, "/invitations/accept/t2/", password="12345678")
    assert response.status_code == 200
    assert "too common" in str(response.context["form"].errors["password1"])


def test_invitation_list_keeps_a_constant_number_of_queries(client, admin, province, partner_org):
    from tests.helpers import assert_constant_queries

    client.force_login(admin)
    assert_constant_queries(
        client,
        "/invitations/",
        lambda n: factories.InvitationFactory.create_batch(
            n, invited_by=admin, partner=partner_org
        ),
    )
