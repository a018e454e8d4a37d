"""Demo accounts (published password) are refused on every way in while DEBUG is off: the
login page, the Django admin's login, a session opened before, the API with the session, with a
personal token and with a partner key the demo account made."""

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from otop_portal.access import DEMO_EMAIL_DOMAIN, account_refusal
from otop_portal.demo import DEMO_ACCOUNTS
from partners.services import api_token_create
from tests import factories

pytestmark = pytest.mark.django_db

LOGIN_URL = "/accounts/login/"
REFUSED = "Demo accounts cannot be used on this server"


@pytest.fixture
def client(client):
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def demo_admin(db):
    return factories.AdminFactory(email="admin@demo.otop.th")


@pytest.fixture
def demo_partner(db, partner_org):
    return factories.PartnerMemberFactory(
        email="partner@demo.otop.th", partner=partner_org, is_partner_admin=True
    )


def _page_text(response) -> str:
    return response.content.decode()


def test_every_demo_account_is_at_the_demo_domain():
    assert all(a.email.endswith("@" + DEMO_EMAIL_DOMAIN) for a in DEMO_ACCOUNTS)


def test_the_login_page_refuses_a_demo_account_with_the_reason(client, demo_admin):
    response = client.post(
        LOGIN_URL, {"login": demo_admin.email, "password": factories.PASSWORD}, follow=True
    )
    assert "_auth_user_id" not in client.session
    assert response.redirect_chain[-1][0] == LOGIN_URL
    assert REFUSED in _page_text(response)


def test_the_admin_login_refuses_a_demo_administrator(client, demo_admin):
    # /admin/login/ sends to the portal's login (allauth), which refuses it.
    start = client.get("/admin/login/?next=/admin/")
    response = client.post(
        start["Location"],
        {"login": demo_admin.email, "password": factories.PASSWORD, "next": "/admin/"},
        follow=True,
    )
    assert "_auth_user_id" not in client.session
    assert REFUSED in _page_text(response)
    assert client.get("/admin/").status_code == 302  # still the login


def test_a_session_opened_before_ends_on_the_next_page(client, demo_admin):
    client.force_login(demo_admin)  # e.g. logged in while the server ran with DEBUG on
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[0][0] == reverse("account_login")
    assert REFUSED in _page_text(response)
    assert "_auth_user_id" not in client.session


def test_a_session_opened_before_is_refused_by_the_api(client, demo_partner):
    client.force_login(demo_partner)
    response = client.get("/api/v1/me/")
    assert response.status_code == 403
    assert REFUSED in response.json()["detail"]
    assert "_auth_user_id" not in client.session


def test_a_demo_accounts_personal_token_is_refused(client, demo_partner):
    token = Token.objects.create(user=demo_partner)
    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 401
    assert REFUSED in response.json()["detail"]


def test_a_key_a_demo_account_made_is_refused(client, demo_partner):
    _token, key = api_token_create(partner=demo_partner.partner, name="sync", by=demo_partner)
    response = client.get("/api/v1/shortlist/", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 401
    assert REFUSED in response.json()["detail"]


def test_an_ordinary_account_is_not_refused(client, partner):
    token = Token.objects.create(user=partner)
    assert account_refusal(partner) is None
    assert client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token.key}").status_code == 200


def test_demo_accounts_work_with_debug_on(client, settings, demo_admin):
    settings.DEBUG = True
    response = client.post(LOGIN_URL, {"login": demo_admin.email, "password": factories.PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(demo_admin.pk)
    assert client.get("/manage/").status_code == 200


def test_the_refusal_reaches_a_thai_reader_in_thai(client, demo_admin):
    client.cookies["django_language"] = "th"
    client.force_login(demo_admin)
    response = client.get("/manage/", follow=True)
    assert "บัญชีตัวอย่าง" in _page_text(response)
