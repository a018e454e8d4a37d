import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from otop_portal.models import Role, User
from tests import factories

pytestmark = pytest.mark.django_db

LOGIN_URL = "/accounts/login/"


def _login(client, email, password=factories.PASSWORD):
    return client.post(LOGIN_URL, {"login": email, "password": password}, follow=True)


@pytest.mark.parametrize(
    ("role", "home"),
    [
        ("producer", "/producer/"),
        ("officer", "/officer/"),
        ("partner", "/partner/"),
        ("admin", "/manage/"),
    ],
)
def test_each_role_lands_on_its_own_home_after_login(client, request, role, home):
    user = request.getfixturevalue(role)
    response = _login(client, user.email)
    assert response.redirect_chain[-1][0] == home
    assert response.status_code == 200


def test_signup_makes_a_producer_who_must_verify_their_email(client):
    response = client.post(
        "/accounts/signup/",
        {
            "email": "new.producer@example.org",
            "password1": "Kh0ng-Dee-2568!",
            "password2": "Kh0ng-Dee-2568!",
            "role": Role.ADMIN,  # not a field: must be ignored
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get(email="new.producer@example.org")
    assert user.role == Role.PRODUCER
    assert not user.is_staff
    assert not EmailAddress.objects.get(user=user).verified
    assert len(mail.outbox) == 1
    assert "new.producer@example.org" in mail.outbox[0].to


def test_unverified_producer_cannot_log_in(client):
    user = factories.ProducerUserFactory(verified=False)
    response = _login(client, user.email)
    assert response.redirect_chain[-1][0] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session


def test_wrong_password_is_refused_with_a_message(client, producer):
    response = _login(client, producer.email, "not-the-password")
    assert "_auth_user_id" not in client.session
    assert "form" in response.context
    assert response.context["form"].errors


def test_password_guessing_is_rate_limited(client, producer):
    for _ in range(5):
        _login(client, producer.email, "wrong-guess")
    client.cookies["django_language"] = "en"
    response = _login(client, producer.email)  # the right password, too late
    assert "_auth_user_id" not in client.session
    assert "Too many failed login attempts" in " ".join(response.context["form"].non_field_errors())


def test_admin_login_goes_through_the_rate_limited_login(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_URL)


def test_admin_login_page_refuses_logged_in_non_staff(client, producer):
    client.force_login(producer)
    assert client.get("/admin/login/").status_code == 403


def test_login_page_is_thai_by_default_even_for_an_english_browser(client):
    response = client.get(LOGIN_URL, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "th"
    assert '<html lang="th">' in response.content.decode()


@pytest.mark.parametrize(
    ("role", "present", "absent"),
    [
        ("producer", ["/producer/"], ["/invitations/", "/admin/", "/officer/", '/partner/"']),
        (
            "officer",
            ["/officer/", "/invitations/", "/officer/referrals/", "/officer/dashboard/"],
            ["/admin/", "/producer/"],
        ),
        ("partner", ["/partner/", "/invitations/"], ["/admin/", "/producer/", "/officer/"]),
        ("other_partner", ["/partner/"], ["/invitations/", "/admin/"]),
        (
            "admin",
            ["/manage/", "/invitations/", "/admin/", "/officer/referrals/"],
            ["/producer/", '/officer/"'],
        ),
    ],
)
def test_navigation_shows_only_what_the_role_may_use(client, request, role, present, absent):
    client.force_login(request.getfixturevalue(role))
    html = client.get("/partners/").content.decode()
    nav = html[html.index('class="site-nav"') : html.index("</nav>")]
    for href in present:
        assert f'href="{href}' in nav, href
    for href in absent:
        assert f'href="{href}' not in nav, href


def test_the_verification_email_greets_with_the_portals_name_not_the_host(client, settings):
    settings.PORTAL_URL = "https://otop.example.go.th"
    client.post(
        "/accounts/signup/",
        {
            "email": "new.producer@example.org",
            "password1": "Kh0ng-Dee-2568!",
            "password2": "Kh0ng-Dee-2568!",
        },
    )
    (message,) = mail.outbox
    assert message.subject.startswith("[พอร์ทัล OTOP] ")
    greeting = message.body.splitlines()[0]
    assert "พอร์ทัล OTOP" in greeting and "testserver" not in greeting
    assert message.body.rstrip().endswith("otop.example.go.th")
