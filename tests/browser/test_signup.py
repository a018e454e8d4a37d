"""Self sign-up makes producers, and only producers, after they confirm their email."""

import re

from django.utils import translation
from playwright.sync_api import Page, expect

from otop_portal.models import Role, User
from tests import factories

EMAIL = "new-producer@example.org"
CONFIRM_LINK = re.compile(r"https?://\S+/accounts/confirm-email/\S+/")


def fill_signup_form(page: Page, email: str = EMAIL) -> None:
    page.goto("/accounts/signup/")
    page.fill("#id_email", email)
    page.fill("#id_password1", factories.PASSWORD)
    page.fill("#id_password2", factories.PASSWORD)


def submit(page: Page) -> None:
    page.locator("form:has(#id_password1) button[type=submit]").click()


def test_producer_signs_up_confirms_email_and_lands_on_producer_home(
    open_page, live_server, mailoutbox
):
    page = open_page()
    fill_signup_form(page)
    submit(page)

    page.wait_for_url("**/accounts/confirm-email/")
    with translation.override("th"):
        verify_heading = translation.gettext("Verify Your Email Address")
    expect(page.locator("h1")).to_have_text(verify_heading)

    assert [m.to for m in mailoutbox] == [[EMAIL]]
    link = CONFIRM_LINK.search(mailoutbox[0].body)
    assert link, mailoutbox[0].body
    page.goto(link.group(0))
    page.locator("main form button[type=submit]").click()  # "Confirm": no confirming on GET

    page.wait_for_url(live_server.url + "/producer/")
    expect(page.get_by_test_id("home-heading")).to_be_visible()
    assert User.objects.get(email=EMAIL).role == Role.PRODUCER


def test_signup_form_offers_no_role(open_page):
    page = open_page()
    page.goto("/accounts/signup/")

    form = page.locator("form:has(#id_password1)")
    expect(form.locator("#id_email")).to_be_visible()
    expect(form.locator("[name*=role], [name=partner], [name^=is_]")).to_have_count(0)


def test_signup_ignores_a_forged_role(open_page):
    page = open_page()
    fill_signup_form(page)
    page.locator("form:has(#id_password1)").evaluate(
        """form => {
            for (const [name, value] of [["role", "admin"], ["is_staff", "on"],
                                         ["is_superuser", "on"]]) {
                const input = document.createElement("input");
                Object.assign(input, {type: "hidden", name, value});
                form.append(input);
            }
        }"""
    )
    submit(page)

    page.wait_for_url("**/accounts/confirm-email/")
    user = User.objects.get(email=EMAIL)
    assert (user.role, user.is_staff, user.is_superuser) == (Role.PRODUCER, False, False)
