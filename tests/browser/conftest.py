"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

Every test here gets a live server on a flushed (transactional) database, so it creates the users
and rows it needs itself. One Chromium per xdist worker (pytest-playwright's session `browser`),
one fresh browser context (cookies, viewport) per test.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests import factories

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium keeps trying to reach the closed network.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
IN_CI = os.environ.get("CI") == "true"
NO_CHROMIUM = f"{CHROMIUM} is missing: apt-get install -y chromium fonts-thai-tlwg (STACK.md)"

HERE = Path(__file__).parent

DESKTOP = {"viewport": {"width": 1280, "height": 800}}
# A small Android phone (Galaxy S8 class): the narrowest screen the portal is designed for.
PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
DEVICES = {"desktop": DESKTOP, "phone": PHONE}

# The server is local: waiting Playwright's default 30 s only delays the failure report.
ACTION_TIMEOUT_MS = 10_000

HOME_PATHS = {
    "producer": "/producer/",
    "officer": "/officer/",
    "partner": "/partner/",
    "admin": "/manage/",
}


def _in_this_directory(item: pytest.Item) -> bool:
    return HERE in Path(item.path).parents


# --- Collection and reporting -------------------------------------------------------------------


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if _in_this_directory(item):
            item.add_marker(pytest.mark.browser)
            # pytest-playwright's fallback `base_url` fixture (no pytest-base-url installed) is an
            # instance method; pytest 9 warns about that on every run. Not ours to fix.
            item.add_marker(
                pytest.mark.filterwarnings(
                    "ignore:Session-scoped fixtures defined as instance methods"
                    ":pytest.PytestRemovedIn10Warning"
                )
            )


def pytest_runtest_setup(item: pytest.Item) -> None:
    # Runs before any fixture, so a missing browser never gets as far as a launch error.
    if _in_this_directory(item) and not CHROMIUM.exists():
        if IN_CI:
            pytest.fail(f"browser tests would be skipped in CI: install chromium ({NO_CHROMIUM})")
        pytest.skip(NO_CHROMIUM)


# Under CI=true a skipped browser test is a failed one: a green CI run must have run them all.
# This is done on the reports rather than in pytest_sessionfinish: under pytest-xdist the
# controller may never import this conftest (only the workers collect tests/browser) and a
# worker's exit status does not become the run's, whereas a failed report travels to the
# controller and fails the run however it was started. Expected failures (pytest.xfail) stay.


def _fail_if_skipped_in_ci(report):
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"browser tests would be skipped in CI: {reason}"
    return report


@pytest.hookimpl(wrapper=True, tryfirst=True)  # outermost: sees the final outcome
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    return _fail_if_skipped_in_ci(report) if _in_this_directory(item) else report


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_make_collect_report(collector: pytest.Collector):
    # A whole module skipped at import (pytest.importorskip, allow_module_level=True).
    report = yield
    path = getattr(collector, "path", None)
    inside = path is not None and (path == HERE or HERE in Path(path).parents)
    return _fail_if_skipped_in_ci(report) if inside else report


# --- Playwright ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    # Debian's Chromium, never a `playwright install` download.
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict, live_server) -> dict:
    # page.goto("/accounts/login/") goes to this worker's live server.
    return {**browser_context_args, "base_url": live_server.url}


expect.set_options(timeout=ACTION_TIMEOUT_MS)


@pytest.fixture(autouse=True)
def _live_database(transactional_db, live_server):
    """First of the test's fixtures, so pages close before the database is flushed.

    The live server answers from its own thread: it sees only committed rows, hence
    transactional_db (the `db` fixtures in tests/conftest.py then share it).
    """


# Reports every Content-Security-Policy violation of the page on the console, whatever the
# browser itself logs: init scripts run outside the page's CSP.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"}`
    + ` at ${e.sourceFile}:${e.lineNumber}`);
});
"""


def is_csp_violation(text: str) -> bool:
    return text.startswith("CSP violation:") or "Content Security Policy" in text


@pytest.fixture
def csp_violations() -> list[str]:
    """The CSP violations of every page open_page opened in this test (the test fails on any)."""
    return []


@pytest.fixture
def open_page(new_context, csp_violations) -> Callable[..., Page]:
    """open_page("phone") -> a page in a fresh browser context on that device. The test fails
    if any page broke the Content-Security-Policy (an inline script or style that the policy
    refused: something on the page no longer works)."""

    def open_(device: str = "desktop", **context_args) -> Page:
        context = new_context(**{**DEVICES[device], **context_args})
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        # Browsers may still ask for /favicon.ico: a 404 page rendered (with session and user
        # queries) while the test goes on. Answer it here so no request is still in flight when
        # the database is flushed.
        context.route("**/favicon.ico", lambda route: route.fulfill(status=204))
        context.add_init_script(REPORT_CSP_VIOLATIONS)
        page = context.new_page()
        page.on(
            "console",
            lambda message: is_csp_violation(message.text) and csp_violations.append(message.text),
        )
        return page

    yield open_
    assert not csp_violations, "Content-Security-Policy violations:\n" + "\n".join(csp_violations)


def log_in(page: Page, user, password: str = factories.PASSWORD) -> Page:
    """Log in through the real allauth form, as a person would, and wait to leave it."""
    page.goto("/accounts/login/")
    page.fill("#id_login", user.email)
    page.fill("#id_password", password)
    page.locator("form:has(#id_password) button[type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    return page


@pytest.fixture
def logged_in(open_page, user_for) -> Callable[..., Page]:
    """logged_in("partner", device="phone") -> a page logged in as that role (tests/conftest.py)."""

    def log_in_as(role: str, device: str = "desktop") -> Page:
        return log_in(open_page(device), user_for(role))

    return log_in_as
