"""Issue 6's "done when": an officer verifies a producer and a certificate, sees the candidate,
approves its referral, and the producer sees it, all in Thai (the portal's default)."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from producers.models import ProducerStatus, ProductStatus
from tests import factories

PRODUCT = "น้ำพริกเผาแม่มาลี"


@pytest.fixture
def waiting_producer(producer, province):
    """A producer submitted for verification in the officer's province, with a product that
    fits a channel once its FDA certificate (waiting too) is verified."""
    fda = factories.CertificationTypeFactory(code="fda", name_th="เลข อย.", name_en="FDA number")
    food = factories.CategoryFactory(code="food")
    factories.ChannelFactory(
        code="central-food",
        name_th="ชั้นวางอาหารเซ็นทรัล",
        name_en="Central food shelf",
        requirement={"min_star_level": None},
        certificate_rules=[{"mode": "all", "certification_types": [fda], "categories": [food]}],
    )
    profile = factories.ProducerFactory(
        user=producer,
        province=province,
        name_th="วิสาหกิจชุมชนแม่มาลี",
        status=ProducerStatus.SUBMITTED,
        submitted_at=timezone.now(),
    )
    factories.ProductFactory(
        producer=profile, category=food, name_th=PRODUCT, status=ProductStatus.ACTIVE
    )
    factories.CertificationFactory(producer=profile, type=fda, number="5012345000001")
    return profile


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_officer_reviews_and_approves_and_the_producer_sees_it_in_thai(
    logged_in, waiting_producer, screen
):
    officer = logged_in("officer", device=screen)
    expect(officer.locator("html")).to_have_attribute("lang", "th")

    officer.goto("/officer/producers/")
    officer.get_by_role("link", name="วิสาหกิจชุมชนแม่มาลี").click()
    officer.get_by_test_id("verify").click()
    officer.wait_for_url("**/officer/producers/")
    expect(officer.locator(".messages")).to_contain_text("ยืนยัน")

    officer.goto("/officer/certificates/")
    officer.get_by_role("link", name="5012345000001").click()
    officer.get_by_test_id("verify").click()
    officer.wait_for_url("**/officer/certificates/")

    officer.goto("/officer/candidates/")
    candidate = officer.get_by_test_id("candidate").filter(has_text=PRODUCT)
    expect(candidate).to_contain_text("ชั้นวางอาหารเซ็นทรัล")
    candidate.get_by_role("checkbox").check()
    officer.get_by_label("หมายเหตุ (บันทึกไว้ในประวัติ").fill("สินค้าขายดีในจังหวัด")
    officer.get_by_test_id("candidates-approve").click()
    expect(officer.locator(".messages")).to_contain_text("เปลี่ยนสถานะการเสนอ 1 รายการแล้ว")
    expect(officer.get_by_test_id("candidate").filter(has_text=PRODUCT)).to_have_count(0)

    officer.goto("/officer/referrals/")
    referral = officer.get_by_test_id("referral").filter(has_text=PRODUCT)
    expect(referral.get_by_test_id("state")).to_have_text("อนุมัติแล้ว")
    referral.get_by_role("link", name=PRODUCT).click()
    expect(officer.get_by_test_id("history")).to_contain_text("สินค้าขายดีในจังหวัด")

    producer = logged_in("producer", device=screen)
    expect(producer.get_by_test_id("notifications")).to_contain_text(PRODUCT)
    producer.goto("/producer/products/")
    producer.get_by_role("link", name=PRODUCT).first.click()
    mine = producer.get_by_test_id("referrals").get_by_test_id("referral")
    expect(mine).to_contain_text("ชั้นวางอาหารเซ็นทรัล")
    expect(mine.get_by_test_id("referral-state")).to_have_text("อนุมัติแล้ว")
