"""The review pipeline's pages on a 360 px phone, in Thai, with data in them: nothing wider than
the screen, and axe-core finds nothing critical or serious."""

import pytest

from matching.models import ReferralState
from matching.services import referral_propose, referral_transition, rematch_all
from producers.models import ProducerStatus
from tests import factories
from tests.browser.conftest import PHONE
from tests.browser.test_accessibility import assert_accessible
from tests.browser.test_mobile import SCROLL_WIDTH


@pytest.fixture
def pipeline(producer, officer, province, partner_org):
    """Two candidates, one approved referral with a long note, a pending certificate."""
    profile = factories.ProducerFactory(
        user=producer,
        province=province,
        status=ProducerStatus.VERIFIED,
        name_th="วิสาหกิจชุมชนกลุ่มทอผ้าไหมมัดหมี่บ้านหนองบัวแดง",
    )
    products = [
        factories.ProductFactory(producer=profile, name_th=f"ผ้าไหมมัดหมี่ลายโบราณสีธรรมชาติ {i}")
        for i in range(3)
    ]
    channel = factories.ChannelFactory(
        partner=partner_org, name_th="ร้านค้าออนไลน์เซ็นทรัล", code="central-online"
    )
    factories.CertificationFactory(producer=profile)
    rematch_all()
    referral = referral_propose(product=products[0], channel=channel, by=officer)
    referral_transition(
        referral_id=referral.pk,
        to_state=ReferralState.APPROVED,
        by=officer,
        note="ผลิตภัณฑ์ขายดีในงานแสดงสินค้าประจำจังหวัด " * 4,
    )
    return {"referral": referral, "producer": profile, "product": products[0]}


OFFICER_PAGES = [
    "/officer/",
    "/officer/candidates/",
    "/officer/referrals/",
    "/officer/referrals/{referral}/",
    "/officer/dashboard/",
    "/officer/exports/",
    "/officer/producers/",
    "/officer/certificates/",
    "/officer/producers/{producer}/history/",
]


@pytest.mark.parametrize("path", OFFICER_PAGES)
def test_officer_page_fits_a_phone_and_is_accessible(logged_in, pipeline, path):
    page = logged_in("officer", device="phone")
    page.goto(path.format(referral=pipeline["referral"].pk, producer=pipeline["producer"].pk))
    assert page.locator("html").get_attribute("lang") == "th"
    assert page.evaluate(SCROLL_WIDTH) <= PHONE["viewport"]["width"]
    assert_accessible(page)


@pytest.mark.parametrize("path", ["/producer/", "/producer/products/{product}/", "/notifications/"])
def test_producer_page_with_a_referral_fits_a_phone_and_is_accessible(logged_in, pipeline, path):
    page = logged_in("producer", device="phone")
    page.goto(path.format(product=pipeline["product"].pk))
    assert page.evaluate(SCROLL_WIDTH) <= PHONE["viewport"]["width"]
    assert_accessible(page)
