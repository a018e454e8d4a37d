"""The partner portal's pages on a 360 px phone, in Thai, with data in them: nothing wider than
the screen, and axe-core finds nothing critical or serious. Also the two pages where the other
sides read what a partner did: the officer's referral page with the partner's question, and the
producer's product page with the partner's decline.

The live-server database is flushed after every test, so the data is made once and every page
is visited in a loop in one browser context (switching users by logging in again); a failing
page does not hide the others: all failures are reported together."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe

from matching.models import DeclineReason, ReferralState
from matching.services import (
    referral_message,
    referral_propose,
    referral_transition,
    rematch_products,
)
from partners.portal.saved_lists import saved_list_add, saved_list_create
from partners.services import api_token_create
from producers.models import ProducerStatus
from tests import factories
from tests.browser.conftest import PHONE, log_in
from tests.browser.test_accessibility import BLOCKING
from tests.partners.matrix_rows_portal import sent_referrals

LONG_NAMES = [
    "น้ำพริกเผาสูตรโบราณแม่มาลีบ้านสันทรายหลวงไม่ใส่วัตถุกันเสีย",
    "ผ้าไหมมัดหมี่ลายโบราณสีธรรมชาติทอมือบ้านดอนหลวงจังหวัดเชียงใหม่",
    "กาแฟอาราบิก้าคั่วกลางดอยช้างออร์แกนิกบรรจุถุงซิปล็อกพร้อมวาล์ว",
]
QUESTION = "ผลิตได้เดือนละกี่ชิ้นก่อนสงกรานต์ และส่งสินค้าถึงศูนย์กระจายสินค้าลาดกระบังได้ไหม " * 3
WIDTH = PHONE["viewport"]["width"]

# Measured once the web font is in (tests/browser/test_mobile.py); names what sticks out.
OVERFLOW = """() => document.fonts.ready.then(() => {
    const root = document.documentElement;
    const wide = [...document.querySelectorAll("body *")]
        .filter((el) => el.getBoundingClientRect().right > root.clientWidth + 1)
        .slice(0, 5)
        .map((el) => `${el.tagName}.${el.className}: ${el.textContent.trim().slice(0, 30)}`);
    return [root.scrollWidth, wide];
})"""


def _portal_data(*, partner, partner_org, officer, producer, province) -> dict:
    """Referrals sent to Central (one accepted, one with a question), a shared saved list with
    notes, a colleague, an invitation, an API key; and the `producer` fixture's product that
    Central declined with a common reason and words of its own."""
    channel = factories.ChannelFactory(
        partner=partner_org,
        code="central-souvenir",
        name_th="ชั้นวางของฝากของดีประจำจังหวัดในห้างเซ็นทรัลทุกสาขาทั่วประเทศ",
        name_en="Central provincial souvenir shelf in every branch",
    )
    sent = [
        referral
        for name in LONG_NAMES
        for referral in sent_referrals(
            1, channel=channel, officer=officer, name_th=name, price=1250, gtin="8850123456786"
        )
    ]
    accepted = referral_transition(
        referral_id=sent[1].pk, to_state=ReferralState.ACCEPTED, by=partner
    )
    referral_message(referral_id=sent[0].pk, by=partner, text=QUESTION)

    colleague = factories.PartnerMemberFactory(
        email="buyer.with.a.rather.long.address@central.example.org", partner=partner_org
    )
    saved = saved_list_create(by=partner, name="ของฝากสำหรับเทศกาลปีใหม่ไทยสาขาเชียงใหม่", shared=True)
    for referral in sent:
        saved_list_add(
            saved_list_id=saved.pk,
            product_id=referral.product_id,
            by=partner,
            note="ลองขอตัวอย่างสินค้าก่อนสั่งจริง และถามเรื่องบรรจุภัณฑ์สำหรับขายในห้าง",
        )
    api_token_create(partner=partner_org, name="ระบบจัดการคลังสินค้าของสาขาภาคเหนือ", by=partner)
    factories.InvitationFactory(
        partner=partner_org,
        invited_by=partner,
        email="category.manager.northern.region@central.example.org",
        is_partner_admin=True,
    )

    profile = factories.ProducerFactory(
        user=producer,
        province=province,
        status=ProducerStatus.VERIFIED,
        name_th="วิสาหกิจชุมชนกลุ่มแม่บ้านเกษตรกรบ้านหนองบัวแดง",
    )
    product = factories.ProductFactory(producer=profile, name_th=LONG_NAMES[0])
    rematch_products([product.pk])
    declined = referral_propose(product=product, channel=channel, by=officer)
    for state in (ReferralState.APPROVED, ReferralState.SENT):
        referral_transition(referral_id=declined.pk, to_state=state, by=officer)
    referral_transition(
        referral_id=declined.pk,
        to_state=ReferralState.DECLINED,
        by=partner,
        reason_code=DeclineReason.PRICE,
        reason="ราคาสูงกว่าสินค้าที่คล้ายกันบนชั้นวาง ลองเสนอชุดของฝากขนาดเล็กในราคาไม่เกิน 300 บาท",
    )
    return {
        "sent": sent[2],
        "asked": sent[0],
        "accepted": accepted,
        "list": saved,
        "colleague": colleague,
        "product": product,
    }


def _problems(page) -> list[str]:
    problems = []
    if page.locator("html").get_attribute("lang") != "th":
        problems.append("not in Thai")
    scroll_width, wide = page.evaluate(OVERFLOW)
    if scroll_width > WIDTH:
        problems.append(f"scrolls sideways ({scroll_width}px): {wide}")
    problems += [
        f"{v['impact']} {v['id']}: {v['help']}: {[n['html'][:120] for n in v['nodes']]}"
        for v in Axe().run(page).response["violations"]
        if v["impact"] in BLOCKING
    ]
    return problems


def test_partner_pages_and_what_the_others_read_fit_a_phone_and_are_accessible(
    open_page, partner, partner_org, officer, producer, province
):
    data = _portal_data(
        partner=partner,
        partner_org=partner_org,
        officer=officer,
        producer=producer,
        province=province,
    )
    saved = data["list"].pk
    sent = f"/partner/referrals/{data['sent'].pk}/"
    keys = "/partner/settings/api-keys/"

    def decline_without_a_reason(page):
        page.get_by_test_id("decline").click()

    def make_a_key(page):
        page.get_by_label("ชื่อคีย์").fill("ระบบจัดซื้อของสำนักงานใหญ่ (ใช้งานจริง)")
        page.get_by_role("button", name="สร้างคีย์").click()

    # (page, what it must show (a CSS selector), what the user does there first): a page that
    # showed nothing would prove nothing.
    visits = {
        partner: [
            ("/partner/", "[data-testid=referral-link]", None),
            (sent, "[data-testid=contact-hidden]", None),
            (sent, "[data-testid=decline-form] .has-error", decline_without_a_reason),  # refused
            (f"/partner/referrals/{data['accepted'].pk}/", "[data-testid=contact]", None),
            ("/partner/lists/", "[data-testid=saved-list]", None),
            (f"/partner/lists/{saved}/", "[data-testid=item-note]", None),
            (f"/partner/lists/{saved}/delete/", "[data-testid=confirm-delete]", None),
            ("/partner/feed/", "[data-testid=feed-links]", None),
            ("/partner/settings/", "[data-testid=pending-invitations]", None),
            (keys, "[data-testid=api-keys]", None),
            (keys, "[data-testid=api-key]", make_a_key),  # the new key, shown once
        ],
        officer: [(f"/officer/referrals/{data['asked'].pk}/", "[data-testid=message]", None)],
        producer: [
            (f"/producer/products/{data['product'].pk}/", "[data-testid=decline-reason]", None)
        ],
    }
    page = open_page("phone")
    failures = {}
    for user, user_visits in visits.items():
        page.context.clear_cookies()
        log_in(page, user)
        for path, shown, act in user_visits:
            label = f"{path} after {act.__name__}" if act else path
            response = page.goto(path)
            if act:
                with page.expect_navigation() as navigation:
                    act(page)
                response = navigation.value
            if response.status != 200:
                failures[label] = [f"answered {response.status}"]
            elif not page.locator(shown).first.is_visible():
                failures[label] = [f"shows no {shown}"]
            elif problems := _problems(page):
                failures[label] = problems

    assert not failures, "\n".join(f"{path}: {p}" for path, ps in failures.items() for p in ps)
