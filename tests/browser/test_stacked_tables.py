"""List tables (<table class="stack">) on a 360 px phone, in Thai: each row is a card whose cells
are full-width lines led by their column's name, so a Thai product name is not broken into
syllables; on a desktop the same table is still a table."""

from __future__ import annotations

import pytest
from django.utils import translation
from playwright.sync_api import Page

from tests import factories
from tests.browser.conftest import PHONE
from tests.browser.test_mobile import SCROLL_WIDTH
from tests.partners.matrix_rows_portal import sent_referrals

PRODUCT = "ผ้าไหมมัดหมี่ลายโบราณสีธรรมชาติทอมือบ้านหนองบัวแดง"
CHANNEL = "ร้านค้าออนไลน์เซ็นทรัลของฝากประจำจังหวัด"

# (path, who reads it, the table's data-testid, the msgid of the channel column's heading)
LISTS = {
    "partner shortlist": ("/partner/", "partner", "shortlist", "Channel"),
    "officer referrals": (
        "/officer/referrals/",
        "officer",
        "referral-table",
        "Channel and partner",
    ),
}

# Column `heading` of the table's first body row: the cell's box and its ::before content, the
# header row's height, and the tops of the row's named cells (all but the select checkbox's).
# Columns are found by their <th> text.
MEASURE = """([testid, heading]) => document.fonts.ready.then(() => {
    const table = document.querySelector(`[data-testid="${testid}"]`);
    const heads = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
    const row = table.querySelector("tbody tr");
    const cell = row.children[heads.indexOf(heading)];
    const box = (el) => el.getBoundingClientRect();
    return {
        index: heads.indexOf(heading),
        width: box(cell).width,
        label: getComputedStyle(cell, "::before").content,
        labelDisplay: getComputedStyle(cell, "::before").display,
        headerHeight: box(table.querySelector("thead")).height,
        tops: [...row.querySelectorAll("td[data-label]")].map((td) => Math.round(box(td).top)),
    };
})"""


def _thai(msgid: str) -> str:
    with translation.override("th"):
        return translation.gettext(msgid)


@pytest.fixture
def referrals(partner_org, officer):
    """Three long-named Thai products sent to a long-named channel of the partner's."""
    channel = factories.ChannelFactory(partner=partner_org, code="central-gifts", name_th=CHANNEL)
    return sent_referrals(3, channel=channel, officer=officer, name_th=PRODUCT, price=1250)


def _open(logged_in, role: str, device: str, path: str) -> Page:
    page = logged_in(role, device=device)
    page.goto(path)
    assert page.locator("html").get_attribute("lang") == "th"
    return page


@pytest.mark.parametrize("name", LISTS)
def test_a_list_table_is_a_stack_of_cards_on_a_phone(logged_in, referrals, name):
    path, role, testid, channel_msgid = LISTS[name]
    page = _open(logged_in, role, "phone", path)

    product = page.evaluate(MEASURE, [testid, _thai("Product")])
    channel = page.evaluate(MEASURE, [testid, _thai(channel_msgid)])

    assert product["index"] >= 0 and channel["index"] >= 0
    # The product name has the card's width, not a sixth of the screen.
    assert product["width"] >= 250, product
    # Each cell is a line of its own, led by its column's name in Thai.
    assert len(set(channel["tops"])) == len(channel["tops"]), channel
    assert channel["label"] == f'"{_thai(channel_msgid)}"', channel
    assert channel["labelDisplay"] != "none"
    assert channel["headerHeight"] <= 1  # the header row is there for screen readers only
    assert page.evaluate(SCROLL_WIDTH) <= PHONE["viewport"]["width"]


@pytest.mark.parametrize("name", LISTS)
def test_the_same_list_is_still_a_table_on_a_desktop(logged_in, referrals, name):
    path, role, testid, channel_msgid = LISTS[name]
    page = _open(logged_in, role, "desktop", path)

    channel = page.evaluate(MEASURE, [testid, _thai(channel_msgid)])

    assert channel["headerHeight"] > 20, channel
    assert page.get_by_test_id(testid).locator("thead th").nth(channel["index"]).is_visible()
    # Cells side by side: the row's cells share a top, and no label is drawn before them.
    assert len(set(channel["tops"])) == 1, channel
    assert channel["label"] == "none", channel
