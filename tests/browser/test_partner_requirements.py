"""A partner administrator changes what a channel requires; producers see it in the directory and
the history says who changed it and when."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests import factories


@pytest.fixture
def central_shelf(partner_org):
    return factories.ChannelFactory(
        partner=partner_org,
        code="central-shelf",
        kind="modern_trade",
        name_th="ชั้นวางเซ็นทรัล",
        name_en="Central shelf",
        requirement={"min_star_level": 3},
    )


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_partner_admin_edits_a_requirement_and_sees_it_in_directory_and_history(
    logged_in, partner, central_shelf, screen
):
    page = logged_in("partner", device=screen)
    page.get_by_test_id("lang-switch").click()  # to English: the sentences below are English
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.goto("/partners/central/channels/central-shelf/edit/")
    page.get_by_label("minimum OTOP stars").fill("5")
    page.get_by_label("What changed and why (shown in the history)").fill("Five stars only")
    before = timezone.now()
    page.get_by_test_id("save-requirement").click()
    page.wait_for_url("**/partners/central/channels/central-shelf/")
    expect(page.locator(".messages")).to_contain_text("Saved as version 2.")

    page.goto("/partners/")
    channel = page.get_by_test_id("channel-central-shelf")
    expect(channel).to_contain_text("Products need at least 5 OTOP stars.")
    expect(channel).not_to_contain_text("at least 3 OTOP stars")

    page.goto("/partners/central/channels/central-shelf/history/")
    latest = page.get_by_test_id("version-2")
    expect(latest).to_contain_text(partner.full_name)
    expect(latest).to_contain_text("Five stars only")
    expect(latest.locator("tr", has_text="Minimum OTOP stars")).to_contain_text("3")
    expect(latest.locator("tr", has_text="Minimum OTOP stars")).to_contain_text("5")
    changed_at = dt.datetime.fromisoformat(latest.locator("time").get_attribute("datetime"))
    assert before - dt.timedelta(seconds=5) <= changed_at <= timezone.now()
    expect(page.get_by_test_id("version-1")).to_be_visible()
