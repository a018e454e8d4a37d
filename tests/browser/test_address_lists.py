"""The address step on a slow connection: an old answer arriving late must not wipe a choice."""

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.producers.factories import valid_national_id


@pytest.fixture
def at_the_address_step(logged_in, db):
    factories.ProvinceFactory(code="50")
    page = logged_in("producer", device="phone")
    page.goto("/producer/register/identity/")
    page.check("input[name=producer_type][value=single_owner]")
    page.fill("#id_name_th", "ร้านผ้าทอป้าแดง")
    page.fill("#id_national_id", valid_national_id(4242))
    page.get_by_test_id("save-step").click()
    page.wait_for_url("**/producer/register/address/")
    return page


def test_a_late_answer_for_an_earlier_choice_keeps_the_chosen_subdistrict(at_the_address_step):
    page = at_the_address_step

    held = []

    def hold_when_no_district(route):
        # The list asked for right after the province was chosen (no district yet) is held back
        # and answered last, as a slow connection would.
        if "district=&" in route.request.url:
            held.append(route)
        else:
            route.continue_()

    page.route("**/producer/address/subdistricts/**", hold_when_no_district)
    page.select_option("#id_province", "50")
    expect(page.locator("#id_district_code option[value='5001']")).to_be_attached()
    page.select_option("#id_district_code", "5001")
    expect(page.locator("#id_subdistrict_code option[value='500101']")).to_be_attached()
    page.select_option("#id_subdistrict_code", "500101")
    assert held, "the first subdistrict list was not asked for"
    with page.expect_response("**/producer/address/subdistricts/**"):
        held[0].continue_()
    page.wait_for_timeout(300)  # let the page handle the late answer
    assert page.input_value("#id_subdistrict_code") == "500101"
