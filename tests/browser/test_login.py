"""Each role logs in through the real form and lands on its own home page, on desktop and phone."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DEVICES, HOME_PATHS


@pytest.mark.parametrize("screen_size", DEVICES)
@pytest.mark.parametrize("role", HOME_PATHS)
def test_role_logs_in_through_the_form_and_lands_on_its_home(
    logged_in, live_server, role, screen_size
):
    page = logged_in(role, device=screen_size)

    assert page.url == live_server.url + HOME_PATHS[role]
    heading = page.locator("h1[data-testid=home-heading]")
    expect(heading).to_be_visible()
    expect(heading).not_to_be_empty()
