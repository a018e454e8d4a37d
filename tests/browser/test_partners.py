"""The MOU partner directory is public."""

from playwright.sync_api import expect


def test_anonymous_visitor_browses_the_partner_directory(
    open_page, live_server, partner_org, other_partner_org
):
    page = open_page()
    page.goto("/")

    page.locator(".site-nav").locator("a[href='/partners/']").click()

    page.wait_for_url(live_server.url + "/partners/")
    for partner in (partner_org, other_partner_org):
        expect(page.get_by_role("heading", name=partner.name_th)).to_be_visible()
