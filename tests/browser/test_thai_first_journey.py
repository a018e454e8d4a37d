"""Issue 17's "done when": the whole path in Thai on a 360 px phone, with a certificate dated as
printed (พ.ศ.): sign up -> register -> product -> certificate -> officer approval -> partner
accepts. On every page: nothing wider than the phone and no Christian-era year."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from otop_portal.models import User
from producers.models import Certification
from tests import factories
from tests.browser.conftest import PHONE, log_in
from tests.producers.factories import valid_national_id

EMAIL = "pa-daeng@example.org"
PRODUCT = "น้ำพริกเผาป้าแดง"
GROUP = "ร้านน้ำพริกป้าแดง"
CHANNEL_TH = "ชั้นวางอาหารเซ็นทรัล"
CONFIRM_LINK = re.compile(r"https?://\S+/accounts/confirm-email/\S+/")
CE_YEAR = re.compile(r"(?<![\d.,/-])(19[5-9]\d|20\d\d)(?![\d.,/-]?\d)")
THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")
SCROLL_WIDTH = "document.fonts.ready.then(() => document.documentElement.scrollWidth)"
# What sticks out past the right edge, for the failure message: tag, class and width.
WIDE = """(w) => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > w + 1)
  .slice(0, 8)
  .map(e => `${e.tagName.toLowerCase()}.${e.className} ${Math.round(e.getBoundingClientRect().right)}px`)"""  # noqa: E501


def _checked(page: Page) -> None:
    """The page fits the phone, and no year a Thai reader sees is in the Christian era."""
    width = PHONE["viewport"]["width"]
    # Measured on the loaded page: mid-load, before the style sheet applies, a select is as
    # wide as its longest option (seen: 415 px on the partner's referral page).
    page.wait_for_load_state("load")
    assert page.evaluate(SCROLL_WIDTH) <= width, (page.url, page.evaluate(WIDE, width))
    text = page.locator("body").inner_text()
    assert not CE_YEAR.search(text), (page.url, CE_YEAR.findall(text))


@pytest.fixture
def reference(partner_org, officer):
    factories.ProvinceFactory(code="50")
    food = factories.CategoryFactory(code="food")  # perishable
    textile = factories.CategoryFactory(code="textile", name_th="ผ้าและเครื่องแต่งกาย")
    fda = factories.CertificationTypeFactory(code="fda", name_th="เลขสารบบอาหาร (อย.)")
    fda.categories.set([food])
    factories.ChannelFactory(
        partner=partner_org,
        code="central-food",
        name_th=CHANNEL_TH,
        name_en="Central food shelf",
        requirement={"min_shelf_life_days": 90},
        certificate_rules=[{"mode": "all", "certification_types": [fda], "categories": [food]}],
    )
    factories.ChannelFactory(  # closed to food: shown only as "does not take this product"
        partner=partner_org,
        code="central-cloth",
        name_th="ชั้นวางผ้าเซ็นทรัล",
        name_en="Central cloth shelf",
        requirement={"categories": [textile], "min_star_level": 4},
    )


def test_the_whole_path_in_thai_on_a_phone(open_page, reference, mailoutbox, officer, partner):
    # --- Sign up, with the email naming the portal -------------------------------------------
    me = open_page("phone")
    me.goto("/accounts/signup/")
    expect(me.locator("html")).to_have_attribute("lang", "th")
    me.fill("#id_email", EMAIL)
    me.fill("#id_password1", factories.PASSWORD)
    me.fill("#id_password2", factories.PASSWORD)
    me.locator("form:has(#id_password1) button[type=submit]").click()
    me.wait_for_url("**/accounts/confirm-email/")
    (mail,) = mailoutbox
    assert mail.subject.startswith("[พอร์ทัล OTOP]")
    assert "พอร์ทัล OTOP" in mail.body.splitlines()[0]
    me.goto(CONFIRM_LINK.search(mail.body).group(0))
    me.locator("main form button[type=submit]").click()
    me.wait_for_url("**/producer/")
    _checked(me)

    # --- Register: identifiers typed in Thai digits -------------------------------------------
    me.get_by_test_id("register-link").click()
    me.wait_for_url("**/producer/register/identity/")
    me.check("input[name=producer_type][value=single_owner]")
    me.fill("#id_name_th", GROUP)
    me.fill("#id_national_id", valid_national_id(4242).translate(THAI_DIGITS))
    _checked(me)
    me.get_by_test_id("save-step").click()
    me.wait_for_url("**/producer/register/address/")
    me.select_option("#id_province", "50")
    expect(me.locator("#id_district_code option[value='5001']")).to_be_attached()
    me.select_option("#id_district_code", "5001")
    me.select_option("#id_subdistrict_code", "500101")
    me.fill("#id_house_no", "99/1")
    me.get_by_test_id("save-step").click()
    me.wait_for_url("**/producer/register/contact/")
    me.fill("#id_phone", "๐๘๑ ๒๓๔ ๕๖๗๘")
    me.fill("#id_member_count", "1")
    me.check("input[name=community_roles][value=production]")
    me.get_by_test_id("save-step").click()
    me.wait_for_url("**/producer/register/confirm/")
    expect(me.locator("main")).to_contain_text("พฤศจิกายน 2568")  # the notice's version
    _checked(me)
    me.check("#id_consent")
    me.get_by_test_id("save-step").click()
    me.wait_for_url("**/producer/")
    assert User.objects.get(email=EMAIL).producer.phone == "0812345678"

    # --- A product: "ready to sell?" is asked, on sale by default -----------------------------
    me.goto("/producer/products/new/")
    expect(me.locator("main")).to_contain_text("พร้อมขายแล้วหรือยัง")
    expect(me.locator("input[name=status][value=active]")).to_be_checked()
    me.fill("#id_name_th", PRODUCT)
    me.select_option("#id_category", label="อาหาร")
    me.fill("#id_price", "85")
    me.fill("#id_shelf_life_days", "180")
    _checked(me)
    me.get_by_test_id("save-product").click()
    expect(me.get_by_test_id("product-name")).to_have_text(PRODUCT)
    product_url = me.url
    # The food channel misses only its FDA number; the cloth channel is closed, not a to-do.
    ranking = me.locator("main").inner_text()
    assert CHANNEL_TH in ranking
    assert "ชั้นวางผ้าเซ็นทรัล" not in ranking
    assert "ยืดอายุการเก็บรักษา" not in ranking
    _checked(me)

    # --- A certificate dated as printed: 01/03/2567 ------------------------------------------
    me.goto("/producer/certificates/new/")
    expect(me.locator("#id_issued_on_helptext, #field-issued_on")).not_to_have_count(0)
    expect(me.locator("main")).to_contain_text("พ.ศ.")
    me.select_option("#id_type", label="เลขสารบบอาหาร (อย.)")
    me.fill("#id_number", "๕๐-๑-๑๒๓๔๕-๒-๐๐๐๑")
    me.fill("#id_issued_on", "01/03/2567")
    me.fill("#id_expires_on", "31/12/9999")  # a typing slip: never expiring
    me.check("input[name=scope][value=producer]")
    me.get_by_test_id("save-certificate").click()
    expect(me.locator("main")).to_contain_text("ตรวจสอบปี")
    me.fill("#id_expires_on", "01/03/2572")
    _checked(me)
    me.get_by_test_id("save-certificate").click()
    me.wait_for_url("**/producer/certificates/")
    cert = Certification.objects.get()
    assert (str(cert.issued_on), str(cert.expires_on), cert.number) == (
        "2024-03-01",
        "2029-03-01",
        "5011234520001",
    )
    expect(me.locator("main")).to_contain_text("2567")
    _checked(me)

    # --- The officer: one screen for the producer, certificate checked in place ---------------
    desk = log_in(open_page("phone"), officer)
    desk.goto("/officer/producers/")
    expect(desk.locator("details.filters")).not_to_have_attribute("open", "")
    _checked(desk)
    desk.get_by_role("link", name=GROUP).click()
    expect(desk.get_by_test_id("officer-producer-products")).to_contain_text(PRODUCT)
    expect(desk.get_by_test_id("officer-producer-certificates")).to_contain_text("5011234520001")
    _checked(desk)
    desk.get_by_test_id("verify-certificate").click()
    expect(desk.locator(".messages")).to_be_visible()
    expect(desk.get_by_test_id("verify-certificate")).to_have_count(0)
    desk.get_by_test_id("verify").click()  # the producer
    desk.wait_for_url("**/officer/producers/")

    desk.goto("/officer/candidates/")
    candidate = desk.get_by_test_id("candidate").filter(has_text=PRODUCT)
    expect(candidate).to_contain_text(CHANNEL_TH)
    expect(candidate.locator(".score-explained summary")).to_have_attribute(
        "title", re.compile("100")
    )
    _checked(desk)
    candidate.get_by_role("checkbox").check()
    desk.get_by_test_id("candidates-approve").click()
    expect(desk.locator(".messages")).to_contain_text("1 รายการ")
    desk.goto("/officer/referrals/")
    desk.get_by_test_id("referral").filter(has_text=PRODUCT).get_by_role(
        "link", name=PRODUCT
    ).click()
    expect(desk.get_by_test_id("move-withdrawn")).to_have_text("ถอนการเสนอ")
    desk.get_by_test_id("move-sent").click()
    expect(desk.get_by_test_id("state")).to_have_text("ส่งถึงพันธมิตรแล้ว")
    _checked(desk)

    # --- The partner: spoken to as the partner, accepts -------------------------------------
    shop = log_in(open_page("phone"), partner)
    shop.goto("/partner/")
    row = shop.get_by_test_id("referral").filter(has_text=PRODUCT)
    _checked(shop)
    row.get_by_test_id("referral-link").click()
    shop.wait_for_url("**/partner/referrals/*/")
    assert "จังหวัดของคุณ" not in shop.locator("main").inner_text()
    _checked(shop)
    shop.get_by_test_id("accept").click()
    expect(shop.get_by_test_id("state")).to_have_text("พันธมิตรรับแล้ว")
    _checked(shop)
    shop.goto("/partner/feed/")
    expect(shop.locator("#id_channel")).to_contain_text(CHANNEL_TH)
    assert "central-food" not in shop.locator("#id_channel").inner_text()
    _checked(shop)

    # --- Back to the producer: accepted; withdrawing asks first, by name -------------------------
    me.goto(product_url)
    mine = me.get_by_test_id("referrals").get_by_test_id("referral")
    expect(mine.get_by_test_id("referral-state")).to_have_text("พันธมิตรรับแล้ว")
    expect(mine.get_by_test_id("withdraw")).to_have_text("ถอนการเสนอ")
    mine.get_by_test_id("withdraw").click()
    confirm = me.get_by_test_id("withdraw-confirm")
    expect(confirm.get_by_test_id("withdraw-partner")).to_have_text("เซ็นทรัล กรุ๊ป")
    expect(confirm.get_by_test_id("withdraw-channel")).to_have_text(CHANNEL_TH)
    _checked(me)
