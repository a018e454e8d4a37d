"""axe-core finds nothing critical or serious on the pages everyone meets first."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

BLOCKING = {"critical", "serious"}


def assert_accessible(page: Page) -> None:
    results = Axe().run(page)
    blocking = {
        v["id"]: f"{v['impact']}: {v['help']}: {[n['html'] for n in v['nodes']]}"
        for v in results.response["violations"]
        if v["impact"] in BLOCKING
    }
    assert not blocking, blocking


@pytest.mark.parametrize("path", ["/", "/accounts/login/"])
def test_public_page_has_no_serious_accessibility_violations(open_page, path):
    page = open_page()
    page.goto(path)

    assert_accessible(page)


def test_producer_home_has_no_serious_accessibility_violations(logged_in):
    page = logged_in("producer")  # as first seen: with the "signed in" message

    assert_accessible(page)
