"""An officer's list keeps its ten filters folded on a phone and open on a desktop, with no
script (details/summary and CSS), so results are on the first screen of a phone."""

import pytest
from playwright.sync_api import expect


@pytest.mark.parametrize(("screen", "shown"), [("phone", False), ("desktop", True)])
def test_filters_are_folded_on_a_phone_and_open_on_a_desktop(logged_in, screen, shown):
    page = logged_in("officer", device=screen)
    page.goto("/officer/producers/")
    search = page.locator("details.filters #id_q")
    if shown:
        expect(search).to_be_visible()
    else:
        expect(search).to_be_hidden()
        page.locator("details.filters > summary").click()
        expect(search).to_be_visible()
