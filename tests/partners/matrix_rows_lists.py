"""Permission rows for saved lists (pages and API).

Partner members keep lists; a list of `partner` (of "central") is invisible to `other_partner`
(of "shopee"): 404, as if it did not exist. Every other role is refused (403), anonymous users
are sent to log in (the API asks for credentials: 401).
"""

from __future__ import annotations

from tests.matrix import API_ANON, Row, roles


def referred_products(request, n: int = 1, *, partner_org=None, state: str = "sent") -> list:
    """n products of verified Chiang Mai producers, each referred to a channel of `partner_org`
    (the `partner` fixture's "central" by default) and moved on to `state` by the officer."""
    from matching.models import ReferralState as S
    from matching.services import referral_propose, referral_transition, rematch_all
    from producers.models import ProducerStatus
    from tests import factories

    officer = request.getfixturevalue("officer")
    partner_org = partner_org or request.getfixturevalue("partner_org")
    channel = factories.ChannelFactory(partner=partner_org)
    province = factories.ProvinceFactory(code="50")
    products = [
        factories.ProductFactory(
            producer=factories.ProducerFactory(province=province, status=ProducerStatus.VERIFIED)
        )
        for _ in range(n)
    ]
    rematch_all()
    path = {
        S.PROPOSED: [],
        S.APPROVED: [S.APPROVED],
        S.SENT: [S.APPROVED, S.SENT],
        S.ACCEPTED: [S.APPROVED, S.SENT, S.ACCEPTED],
    }[state]
    for product in products:
        referral = referral_propose(product=product, channel=channel, by=officer)
        for step in path:
            by = request.getfixturevalue("partner") if step == S.ACCEPTED else officer
            referral_transition(referral_id=referral.pk, to_state=step, by=by)
    return products


def _partners_list(request, *, with_product: bool = False):
    from partners.portal.saved_lists import saved_list_add, saved_list_create

    partner = request.getfixturevalue("partner")
    saved_list = saved_list_create(by=partner, name="Matrix list")
    product = None
    if with_product:
        (product,) = referred_products(request)
        saved_list_add(saved_list_id=saved_list.pk, product_id=product.pk, by=partner)
    return saved_list, product


def _list(request) -> dict:
    saved_list, _product = _partners_list(request)
    return {"pk": saved_list.pk}


def _list_with_product(request) -> dict:
    saved_list, product = _partners_list(request, with_product=True)
    request.node.matrix_product = product.pk
    return {"pk": saved_list.pk}


def _remove_data(request) -> dict:
    return {"product": request.node.matrix_product}


def _api_remove_kwargs(request) -> dict:
    saved_list, product = _partners_list(request, with_product=True)
    return {"pk": saved_list.pk, "product": product.pk}


def _add_setup(request) -> dict:
    saved_list, _product = _partners_list(request)
    (product,) = referred_products(request)
    request.node.matrix_add = {"saved_list": saved_list.pk, "product": product.pk}
    return {}


def _add_data(request) -> dict:
    return {**request.node.matrix_add, "next": "/partner/"}


def _api_add_data(request) -> dict:
    return {"product": request.node.matrix_add["product"]}


def _api_add_setup(request) -> dict:
    _add_setup(request)
    return {"pk": request.node.matrix_add["saved_list"]}


MEMBERS = roles(403, anonymous=302, partner=200, other_partner=200)
MEMBERS_ACT = roles(403, anonymous=302, partner=302, other_partner=302)
OWNER_READS = roles(403, anonymous=302, partner=200, other_partner=404)
OWNER_ACTS = roles(403, anonymous=302, partner=302, other_partner=404)

API_MEMBERS = roles(403, anonymous=API_ANON, partner=200, other_partner=200)
API_MEMBERS_MAKE = roles(403, anonymous=API_ANON, partner=201, other_partner=201)
API_OWNER = roles(403, anonymous=API_ANON, partner=200, other_partner=404)
API_OWNER_ADDS = roles(403, anonymous=API_ANON, partner=201, other_partner=404)
API_OWNER_REMOVES = roles(403, anonymous=API_ANON, partner=204, other_partner=404)

ROWS = [
    Row("partners:lists", MEMBERS),
    Row("partners:list_new", MEMBERS_ACT, method="post", data={"name": "New list"}),
    Row("partners:list_detail", OWNER_READS, setup=_list),
    Row("partners:list_edit", OWNER_ACTS, method="post", setup=_list, data={"name": "Renamed"}),
    Row("partners:list_delete", OWNER_READS, setup=_list),  # the confirmation
    Row("partners:list_delete", OWNER_ACTS, method="post", setup=_list),
    # Another partner's list: 404 whatever the product.
    Row("partners:list_add", OWNER_ACTS, method="post", setup=_add_setup, data=_add_data),
    Row(
        "partners:list_remove",
        OWNER_ACTS,
        method="post",
        setup=_list_with_product,
        data=_remove_data,
    ),
    Row("api:saved-list-list", API_MEMBERS),
    Row(
        "api:saved-list-list",
        API_MEMBERS_MAKE,
        method="post",
        data={"name": "From the API"},
        json=True,
    ),
    Row("api:saved-list-detail", API_OWNER, setup=_list),
    Row(
        "api:saved-list-items",
        API_OWNER_ADDS,
        method="post",
        setup=_api_add_setup,
        data=_api_add_data,
        json=True,
    ),
    Row("api:saved-list-remove-item", API_OWNER_REMOVES, method="delete", setup=_api_remove_kwargs),
]
