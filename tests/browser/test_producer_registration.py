"""A producer on a 360 px phone, in Thai: registers, adds a product with a photo and a
certificate with its scan, and sees them on the home page."""

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import PHONE
from tests.producers.factories import jpeg_bytes, valid_national_id

SCROLL_WIDTH = "document.fonts.ready.then(() => document.documentElement.scrollWidth)"


@pytest.fixture
def reference_data(db):
    factories.ProvinceFactory(code="50")
    factories.CategoryFactory()
    factories.CertificationTypeFactory(code="fda")


def assert_fits_the_phone(page):
    assert page.evaluate(SCROLL_WIDTH) <= PHONE["viewport"]["width"], page.url


def test_producer_registers_adds_a_product_and_a_certificate_on_a_phone(logged_in, reference_data):
    page = logged_in("producer", device="phone")
    expect(page.locator("html")).to_have_attribute("lang", "th")

    # Step 1: who you are
    page.get_by_test_id("register-link").click()
    page.wait_for_url("**/producer/register/identity/")
    page.check("input[name=producer_type][value=single_owner]")
    page.fill("#id_name_th", "ร้านผ้าทอป้าแดง")
    page.fill("#id_national_id", valid_national_id(31337))
    assert_fits_the_phone(page)
    page.get_by_test_id("save-step").click()

    # Step 2: address, the lists follow the choices (address.js)
    page.wait_for_url("**/producer/register/address/")
    expect(page.get_by_test_id("refresh")).to_be_hidden()  # JavaScript does it
    page.select_option("#id_province", "50")
    expect(page.locator("#id_district_code option[value='5001']")).to_be_attached()
    page.select_option("#id_district_code", "5001")
    page.fill("#id_postal_code", "50200")
    expect(page.locator("#id_subdistrict_code option[value='500105']")).not_to_be_attached()
    page.select_option("#id_subdistrict_code", "500101")
    page.fill("#id_house_no", "99/1")
    assert_fits_the_phone(page)
    page.get_by_test_id("save-step").click()

    # Step 3: contact and community
    page.wait_for_url("**/producer/register/contact/")
    page.fill("#id_phone", "081 234 5678")
    page.fill("#id_member_count", "1")
    page.check("input[name=community_roles][value=production]")
    page.get_by_test_id("save-step").click()

    # Step 4: consent and submit
    page.wait_for_url("**/producer/register/confirm/")
    page.check("#id_consent")
    assert_fits_the_phone(page)
    page.get_by_test_id("save-step").click()
    page.wait_for_url("**/producer/")
    expect(page.get_by_test_id("producer-status")).to_have_attribute(
        "class", "badge badge-submitted"
    )

    # A product with a photo
    page.goto("/producer/products/new/")
    page.fill("#id_name_th", "ผ้าซิ่นตีนจก")
    page.select_option("#id_category", label="อาหาร")
    page.fill("#id_price", "1200")
    page.set_input_files(
        "#id_photos",
        files=[{"name": "sin.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes((600, 400))}],
    )
    assert_fits_the_phone(page)
    page.get_by_test_id("save-product").click()
    expect(page.get_by_test_id("product-name")).to_have_text("ผ้าซิ่นตีนจก")
    expect(page.get_by_test_id("product-photos").locator("img")).to_have_count(1)

    # A certificate with its scan
    page.goto("/producer/certificates/new/")
    page.select_option("#id_type", label="เลขสารบบอาหาร (อย.)")
    page.fill("#id_number", "50-1-12345-2-0001")
    page.fill("#id_issued_on", "2024-03-01")
    page.check("input[name=scope][value=producer]")
    page.set_input_files(
        "#id_document",
        files=[{"name": "scan.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%%EOF\n"}],
    )
    assert_fits_the_phone(page)
    page.get_by_test_id("save-certificate").click()
    page.wait_for_url("**/producer/certificates/")

    # Both on the home page
    page.goto("/producer/")
    expect(page.get_by_test_id("home-products")).to_contain_text("ผ้าซิ่นตีนจก")
    expect(page.get_by_test_id("home-certificates")).to_contain_text("เลขสารบบอาหาร (อย.)")
    assert_fits_the_phone(page)


def test_a_bad_photo_keeps_the_rest_of_the_product_form(logged_in, reference_data):
    page = logged_in("producer", device="phone")
    page.goto("/producer/products/new/")
    page.fill("#id_name_th", "น้ำพริกหนุ่ม")
    page.select_option("#id_category", label="อาหาร")
    page.set_input_files(
        "#id_photos",
        files=[{"name": "note.jpg", "mimeType": "image/jpeg", "buffer": b"not a picture"}],
    )
    page.get_by_test_id("save-product").click()
    expect(page.locator("#field-photos .errorlist")).to_contain_text("note.jpg")
    expect(page.locator("#id_name_th")).to_have_value("น้ำพริกหนุ่ม")
    assert_fits_the_phone(page)
