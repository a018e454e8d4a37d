"""The Content-Security-Policy holds in a real browser: the pages with scripts of their own
(the API docs, the address lists, the Django admin) work without one violation, and a page that
breaks the policy fails its test (the `open_page` fixture)."""

from __future__ import annotations

from playwright.sync_api import expect

PROBE = "<!doctype html><html><body><p style='color: red'>inline style</p></body></html>"


def test_a_violation_is_caught(open_page, live_server, csp_violations):
    page = open_page()
    page.route(
        "**/csp-probe/",
        lambda route: route.fulfill(
            status=200,
            content_type="text/html",
            headers={"Content-Security-Policy": "default-src 'self'"},
            body=PROBE,
        ),
    )
    page.goto("/csp-probe/")
    page.wait_for_timeout(300)
    assert csp_violations, "the inline style was not reported"
    csp_violations.clear()  # expected here: the fixture must not fail this test


def test_the_api_docs_run_under_the_policy(open_page, live_server):
    page = open_page()
    page.goto("/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("OTOP Portal API")
    expect(page.locator(".opblock").first).to_be_visible()


def test_the_django_admin_runs_under_the_policy(logged_in):
    page = logged_in("admin")
    page.goto("/admin/")
    expect(page.locator("#site-name")).to_be_visible()
    page.goto("/admin/otop_portal/user/")
    expect(page.locator("#result_list")).to_be_visible()
    page.locator("#result_list tbody a").first.click()
    expect(page.locator("#user_form")).to_be_visible()
