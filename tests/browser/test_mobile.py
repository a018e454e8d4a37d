"""A 360 px phone: nothing wider than the screen, and the producer home renders."""

import struct

import pytest

from tests.browser.conftest import HOME_PATHS, PHONE

PHONE_WIDTH = PHONE["viewport"]["width"]
# Measured once the web fonts are in: Sarabun's widths are what the reader sees.
SCROLL_WIDTH = "document.fonts.ready.then(() => document.documentElement.scrollWidth)"


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/accounts/signup/", "/partners/"])
def test_public_page_has_no_horizontal_scroll_on_a_phone(open_page, path):
    page = open_page("phone")
    page.goto(path)

    assert page.evaluate(SCROLL_WIDTH) <= PHONE_WIDTH


@pytest.mark.parametrize("role", HOME_PATHS)
def test_home_page_has_no_horizontal_scroll_on_a_phone(logged_in, role):
    page = logged_in(role, device="phone")

    assert page.evaluate(SCROLL_WIDTH) <= PHONE_WIDTH


def test_producer_home_renders_a_full_page_screenshot_on_a_phone(logged_in, tmp_path):
    page = logged_in("producer", device="phone")
    page.evaluate("document.fonts.ready.then(() => true)")
    shot = tmp_path / "producer-home-360.png"

    page.screenshot(path=shot, full_page=True)

    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", data[16:24])  # the PNG's IHDR chunk
    assert width == PHONE_WIDTH * PHONE["device_scale_factor"]
    assert height >= PHONE["viewport"]["height"] * PHONE["device_scale_factor"]
