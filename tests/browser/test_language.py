"""Thai first: Thai whatever the browser asks for, English on request, and the choice sticks."""

import re

import pytest
from django.utils import translation
from playwright.sync_api import Page, expect

from tests.browser.conftest import log_in

THAI = re.compile(r"[\u0E00-\u0E7F]")
PAGES = [  # (who looks, path): the switch is in base.html, so on every page
    ("anonymous", "/"),
    ("anonymous", "/accounts/login/"),
    ("anonymous", "/accounts/signup/"),
    ("anonymous", "/partners/"),
    ("producer", "/producer/"),
    ("officer", "/officer/"),
    ("partner", "/partner/"),
    ("admin", "/manage/"),
]


def sign_in_heading(language: str) -> str:
    with translation.override(language):
        return translation.gettext("Sign In")  # allauth's login page heading


def expect_language(page: Page, language: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", language)


def test_pages_are_thai_even_for_an_english_browser(open_page):
    page = open_page(locale="en-US")  # Accept-Language: en-US, as on many producers' phones

    page.goto("/accounts/login/")

    expect_language(page, "th")
    expect(page.locator("h1")).to_have_text(sign_in_heading("th"))
    expect(page.locator("h1")).to_have_text(THAI)
    expect(page.locator("form:has(#id_password) button[type=submit]")).to_have_text(THAI)
    expect(page.get_by_test_id("lang-switch")).to_have_text("English")


@pytest.mark.parametrize(("role", "path"), PAGES)
def test_language_switch_turns_the_page_english_and_back(
    open_page, user_for, live_server, role, path
):
    page = open_page()
    if role != "anonymous":
        log_in(page, user_for(role))
    page.goto(path)
    switch = page.get_by_test_id("lang-switch")

    switch.click()
    expect_language(page, "en")
    expect(switch).to_have_text(THAI)  # offers ภาษาไทย back
    assert page.url == live_server.url + path  # the same page, now in English

    switch.click()
    expect_language(page, "th")
    expect(switch).to_have_text("English")
    assert page.url == live_server.url + path


def test_language_choice_sticks_across_pages_and_login(open_page, user_for):
    page = open_page()
    page.goto("/")
    page.get_by_test_id("lang-switch").click()
    expect_language(page, "en")

    page.goto("/accounts/login/")
    expect_language(page, "en")
    expect(page.locator("h1")).to_have_text(sign_in_heading("en"))

    log_in(page, user_for("producer"))
    expect_language(page, "en")

    page.get_by_test_id("lang-switch").click()
    expect_language(page, "th")
    page.goto("/partners/")
    expect_language(page, "th")
