"""Saved lists over the API: the same rules as the pages (partners/portal/saved_lists.py)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from partners.models import ApiToken, SavedList
from partners.portal.saved_lists import saved_list_add, saved_list_create
from tests import factories
from tests.helpers import assert_constant_queries
from tests.partners.matrix_rows_lists import referred_products

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def _list_with(owner, products, *, name="Gifts", shared=False, by=None):
    saved_list = saved_list_create(by=owner, name=name, shared=shared)
    for product in products:
        saved_list_add(saved_list_id=saved_list.pk, product_id=product.pk, by=by or owner)
    return saved_list


def test_members_read_their_lists_and_their_colleagues_shared_ones(
    api, partner, colleague, other_partner, referred
):
    _list_with(partner, referred(2), name="Mine")
    _list_with(colleague, [], name="Team picks", shared=True)
    _list_with(colleague, [], name="Private")
    _list_with(other_partner, [], name="Shopee's", shared=True)
    api.force_login(partner)
    body = api.get(reverse("api:saved-list-list")).json()
    assert [(r["name"], r["item_count"], r["is_mine"]) for r in body["results"]] == [
        ("Mine", 2, True),
        ("Team picks", 0, False),
    ]
    assert body["results"][1]["owner"] == "Malee Srisuk"


def test_a_list_comes_with_its_products_and_their_referrals(api, partner, referred):
    (product,) = referred()
    factories.ProductPhotoFactory(product=product)
    saved_list = _list_with(partner, [product])
    api.force_login(partner)
    body = api.get(reverse("api:saved-list-detail", args=[saved_list.pk])).json()
    (item,) = body["items"]
    referral = product.referrals.get()
    assert item["product"] == product.pk
    assert item["referral"] == referral.pk and item["referral_state"] == "sent"
    assert item["channel"] == referral.channel.code
    assert item["province"] == "50" and item["thumbnail"].startswith("http://testserver/")
    assert item["may_remove"] is True


def test_another_partners_list_is_not_found_even_with_their_api_key(
    api, partner, other_partner, referred
):
    from partners.tokens import new_key

    saved_list = _list_with(partner, referred(), shared=True)
    key, prefix, key_hash = new_key()
    ApiToken.objects.create(
        partner=other_partner.partner,
        name="shop sync",
        prefix=prefix,
        key_hash=key_hash,
        created_by=other_partner,
    )
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    assert api.get(reverse("api:saved-list-list"), **headers).json()["results"] == []
    url = reverse("api:saved-list-detail", args=[saved_list.pk])
    assert api.get(url, **headers).status_code == 404
    add = reverse("api:saved-list-items", args=[saved_list.pk])
    assert api.post(
        add, {"product": 1}, content_type="application/json", **headers
    ).status_code == (404)


def test_other_roles_are_refused(api, officer):
    api.force_login(officer)
    assert api.get(reverse("api:saved-list-list")).status_code == 403


def test_making_a_list_and_a_duplicate_name(api, partner):
    api.force_login(partner)
    url = reverse("api:saved-list-list")
    made = api.post(url, {"name": "Gifts", "shared": True}, content_type="application/json")
    assert made.status_code == 201
    assert made.json()["items"] == [] and made.json()["shared"] is True
    again = api.post(url, {"name": "GIFTS"}, content_type="application/json")
    assert again.status_code == 400
    assert again.json() == {
        "name": ["You already have a list called “GIFTS”. Choose another name."]
    }
    assert SavedList.objects.count() == 1


def test_adding_a_product_then_again_then_one_of_another_partner(
    api, request, partner, other_partner_org, referred
):
    (product,) = referred()
    (elsewhere,) = referred_products(request, partner_org=other_partner_org)
    saved_list = saved_list_create(by=partner, name="Gifts")
    api.force_login(partner)
    url = reverse("api:saved-list-items", args=[saved_list.pk])
    added = api.post(url, {"product": product.pk, "note": "blue"}, content_type="application/json")
    assert added.status_code == 201
    assert added.json()["note"] == "blue" and added.json()["product"] == product.pk
    twice = api.post(url, {"product": product.pk}, content_type="application/json")
    assert twice.status_code == 400
    assert twice.json()["product"] == [f"“{product.name_th}” is already in the list “Gifts”."]
    foreign = api.post(url, {"product": elsewhere.pk}, content_type="application/json")
    assert foreign.status_code == 400
    assert "Only products referred to your partner's channels" in foreign.json()["product"][0]
    assert saved_list.items.count() == 1


def test_a_colleague_adds_to_a_shared_list_but_removes_only_their_own(
    api, partner, colleague, referred
):
    mine, theirs = referred(2)
    saved_list = _list_with(partner, [mine], shared=True)
    api.force_login(colleague)
    add = reverse("api:saved-list-items", args=[saved_list.pk])
    assert api.post(add, {"product": theirs.pk}, content_type="application/json").status_code == 201
    owners = reverse("api:saved-list-remove-item", args=[saved_list.pk, mine.pk])
    refused = api.delete(owners)
    assert refused.status_code == 403
    assert refused.json()["detail"] == (
        "In a colleague's list you can remove only the products you added yourself."
    )
    own = reverse("api:saved-list-remove-item", args=[saved_list.pk, theirs.pk])
    assert api.delete(own).status_code == 204
    assert api.delete(own).status_code == 400  # gone already: said, not silently ignored
    assert [i.product_id for i in saved_list.items.all()] == [mine.pk]


def test_a_colleagues_private_list_is_not_found(api, partner, colleague):
    saved_list = saved_list_create(by=partner, name="Mine")
    api.force_login(colleague)
    assert api.get(reverse("api:saved-list-detail", args=[saved_list.pk])).status_code == 404


def test_a_list_costs_the_same_queries_for_more_products(api, partner, colleague, referred):
    saved_list = saved_list_create(by=partner, name="Gifts", shared=True)

    def add(n):
        for i, product in enumerate(referred(n)):
            factories.ProductPhotoFactory(product=product)
            saved_list_add(
                saved_list_id=saved_list.pk,
                product_id=product.pk,
                by=colleague if i % 2 else partner,
            )

    api.force_login(partner)
    assert_constant_queries(api, reverse("api:saved-list-detail", args=[saved_list.pk]), add)


def test_the_lists_cost_the_same_queries_for_more_lists(api, partner):
    names = iter(range(1000))
    api.force_login(partner)
    assert_constant_queries(
        api,
        reverse("api:saved-list-list"),
        lambda n: [saved_list_create(by=partner, name=f"L{next(names)}") for _ in range(n)],
    )
