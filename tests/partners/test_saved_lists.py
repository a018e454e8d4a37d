"""Saved lists: a partner member's named lists of referred products, shared with colleagues.

The rules (partners/portal/saved_lists.py): a member saves only products referred to their partner
that they can see; the owner renames, shares and deletes; a shared list is collaborative
(colleagues add products and remove those they added); another partner sees nothing.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from matching.models import ReferralState as S
from matching.services import referral_propose, referral_transition, rematch_all
from partners.models import SavedList, SavedListItem
from partners.portal.saved_lists import (
    SavedListError,
    saved_list_add,
    saved_list_add_to_new,
    saved_list_create,
    saved_list_remove,
    saved_list_rename,
)
from tests import factories
from tests.helpers import assert_constant_queries, someone_waits_on_a_lock
from tests.partners.matrix_rows_lists import referred_products

pytestmark = pytest.mark.django_db


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def _with_product(owner, product, *, name="Gifts", shared=False, note=""):
    saved_list = saved_list_create(by=owner, name=name, shared=shared)
    saved_list_add(saved_list_id=saved_list.pk, product_id=product.pk, by=owner, note=note)
    return saved_list


# --- The rules --------------------------------------------------------------------------------


def test_a_second_list_of_the_same_name_is_refused_whatever_the_case_and_spacing(partner):
    saved_list_create(by=partner, name="New Year gifts")
    with pytest.raises(SavedListError) as refused:
        saved_list_create(by=partner, name="  new year   GIFTS ")
    assert refused.value.message_dict["name"] == [
        "You already have a list called “new year GIFTS”. Choose another name."
    ]
    assert SavedList.objects.filter(owner=partner).count() == 1


def test_colleagues_may_each_have_a_list_of_the_same_name(partner, colleague):
    saved_list_create(by=partner, name="Gifts")
    assert saved_list_create(by=colleague, name="Gifts").owner == colleague


def test_a_list_needs_a_name(partner):
    with pytest.raises(SavedListError) as refused:
        saved_list_create(by=partner, name="   ")
    assert refused.value.message_dict["name"] == ["Give the list a name."]


def test_only_products_sent_to_the_partner_can_be_saved(request, partner, other_partner_org):
    saved_list = saved_list_create(by=partner, name="Gifts")
    (elsewhere,) = referred_products(request, partner_org=other_partner_org)
    (not_sent_yet,) = referred_products(request, state="approved")
    for product_id in (elsewhere.pk, not_sent_yet.pk, 999_999):
        with pytest.raises(SavedListError) as refused:
            saved_list_add(saved_list_id=saved_list.pk, product_id=product_id, by=partner)
        # The same words for a product of another partner and one that does not exist.
        assert refused.value.message_dict["product"] == [
            "Only products referred to your partner's channels can be saved in a list; "
            "this one is not."
        ]
    assert not SavedListItem.objects.exists()


def test_a_product_already_in_the_list_is_named_in_the_refusal(partner, referred):
    (product,) = referred()
    saved_list = _with_product(partner, product)
    with pytest.raises(SavedListError) as refused:
        saved_list_add(saved_list_id=saved_list.pk, product_id=product.pk, by=partner)
    assert refused.value.message_dict["product"] == [
        f"“{product.name}” is already in the list “Gifts”."
    ]
    assert saved_list.items.count() == 1


def test_a_full_list_says_so_instead_of_growing(partner, referred, monkeypatch):
    monkeypatch.setattr("partners.portal.saved_lists.MAX_ITEMS", 1)
    first, second = referred(2)
    saved_list = _with_product(partner, first)
    with pytest.raises(SavedListError) as refused:
        saved_list_add(saved_list_id=saved_list.pk, product_id=second.pk, by=partner)
    assert refused.value.message_dict["product"] == [
        "The list “Gifts” already holds 1 product, the most a list holds. Start another list."
    ]


def test_a_refused_product_leaves_no_empty_new_list(request, partner, other_partner_org):
    (elsewhere,) = referred_products(request, partner_org=other_partner_org)
    with pytest.raises(SavedListError):
        saved_list_add_to_new(name="Gifts", product_id=elsewhere.pk, by=partner)
    assert not SavedList.objects.exists()


def test_a_colleague_adds_to_a_shared_list_and_removes_only_what_they_added(
    partner, colleague, referred
):
    mine, theirs = referred(2)
    saved_list = _with_product(partner, mine, shared=True)
    saved_list_add(saved_list_id=saved_list.pk, product_id=theirs.pk, by=colleague)
    with pytest.raises(SavedListError) as refused:
        saved_list_remove(saved_list_id=saved_list.pk, product_id=mine.pk, by=colleague)
    assert refused.value.code == "not_allowed"
    saved_list_remove(saved_list_id=saved_list.pk, product_id=theirs.pk, by=colleague)
    assert [i.product_id for i in saved_list.items.all()] == [mine.pk]


def test_a_list_that_is_not_shared_is_out_of_a_colleagues_reach(partner, colleague, referred):
    (product,) = referred()
    saved_list = saved_list_create(by=partner, name="Mine")
    with pytest.raises(SavedListError) as refused:
        saved_list_add(saved_list_id=saved_list.pk, product_id=product.pk, by=colleague)
    assert refused.value.code == "not_found"


def test_only_the_owner_renames_a_shared_list(partner, colleague):
    saved_list = saved_list_create(by=partner, name="Gifts", shared=True)
    with pytest.raises(SavedListError) as refused:
        saved_list_rename(saved_list_id=saved_list.pk, by=colleague, name="Ours")
    assert refused.value.code == "not_allowed"
    saved_list.refresh_from_db()
    assert saved_list.name == "Gifts"


# --- The lists page ---------------------------------------------------------------------------


def test_the_lists_page_shows_mine_and_colleagues_shared_lists_only(
    client, partner, colleague, other_partner, referred
):
    (product,) = referred()
    _with_product(partner, product, name="Mine")
    saved_list_create(by=colleague, name="Colleague's shared", shared=True)
    saved_list_create(by=colleague, name="Colleague's own")
    saved_list_create(by=other_partner, name="Shopee's")
    client.force_login(partner)
    response = client.get(reverse("partners:lists"))
    shown = [(sl.name, sl.item_count) for sl in response.context["page"].object_list]
    assert shown == [("Mine", 1), ("Colleague's shared", 0)]
    assert "shared by Malee Srisuk" in response.content.decode()


def test_another_partner_sees_none_of_the_lists(client, partner, other_partner):
    saved_list = saved_list_create(by=partner, name="Gifts", shared=True)
    client.force_login(other_partner)
    assert not client.get(reverse("partners:lists")).context["page"].object_list
    assert client.get(reverse("partners:list_detail", args=[saved_list.pk])).status_code == 404


def test_making_a_list_of_a_name_already_used_shows_the_name_typed_and_why(client, partner):
    saved_list_create(by=partner, name="Gifts")
    client.force_login(partner)
    response = client.post(reverse("partners:list_new"), {"name": "gifts", "shared": "on"})
    assert response.status_code == 200
    form = response.context["new_form"]
    assert form.errors["name"] == ["You already have a list called “gifts”. Choose another name."]
    assert 'value="gifts"' in response.content.decode()
    assert SavedList.objects.count() == 1


def test_making_a_list_opens_it(client, partner):
    client.force_login(partner)
    response = client.post(reverse("partners:list_new"), {"name": "Gifts", "shared": "on"})
    saved_list = SavedList.objects.get()
    assert response.url == reverse("partners:list_detail", args=[saved_list.pk])
    assert saved_list.shared and saved_list.partner == partner.partner


def test_the_lists_page_costs_the_same_queries_for_more_lists(client, partner, colleague):
    names = iter(range(1000))
    client.force_login(partner)
    assert_constant_queries(
        client,
        reverse("partners:lists"),
        lambda n: [
            saved_list_create(by=owner, name=f"List {next(names)}", shared=True)
            for owner in (partner, colleague)
            for _ in range(n)
        ],
    )


# --- One list ---------------------------------------------------------------------------------


def test_a_list_shows_each_product_with_its_newest_referral_and_who_saved_it(
    client, partner, colleague, officer, referred
):
    (product,) = referred()
    # A second, newer referral of the same product to another channel of the same partner.
    channel = factories.ChannelFactory(partner=partner.partner, name_en="Central online")
    rematch_all()
    newer = referral_propose(product=product, channel=channel, by=officer)
    referral_transition(referral_id=newer.pk, to_state=S.APPROVED, by=officer)
    referral_transition(referral_id=newer.pk, to_state=S.SENT, by=officer)
    saved_list = saved_list_create(by=partner, name="Gifts", shared=True)
    saved_list_add(
        saved_list_id=saved_list.pk, product_id=product.pk, by=colleague, note="blue one"
    )
    client.force_login(partner)
    response = client.get(reverse("partners:list_detail", args=[saved_list.pk]))
    (row,) = response.context["rows"]
    assert row.referral == newer
    html = response.content.decode()
    assert reverse("partners:referral", args=[newer.pk]) in html
    assert "Central online" in html and "Sent to the partner" in html
    assert product.category.name in html and product.producer.province.name in html
    assert "blue one" in html and "Added by Malee Srisuk" in html


def test_a_list_costs_the_same_queries_for_more_products(client, partner, colleague, referred):
    saved_list = saved_list_create(by=partner, name="Gifts", shared=True)

    def add(n):
        for i, product in enumerate(referred(n)):
            factories.ProductPhotoFactory(product=product)
            saved_list_add(
                saved_list_id=saved_list.pk,
                product_id=product.pk,
                by=colleague if i % 2 else partner,
                note=f"note {i}",
            )

    client.force_login(partner)
    assert_constant_queries(client, reverse("partners:list_detail", args=[saved_list.pk]), add)
    response = client.get(reverse("partners:list_detail", args=[saved_list.pk]))
    assert all(row.thumbnail_url for row in response.context["rows"])


def test_a_colleague_reads_a_shared_list_without_the_owners_controls(
    client, partner, colleague, referred
):
    (product,) = referred()
    saved_list = _with_product(partner, product, shared=True)
    client.force_login(colleague)
    response = client.get(reverse("partners:list_detail", args=[saved_list.pk]))
    assert response.status_code == 200
    assert b'data-testid="list-settings"' not in response.content
    assert b'data-testid="remove-item"' not in response.content  # the owner added it
    for name in ("list_edit", "list_delete"):
        url = reverse(f"partners:{name}", args=[saved_list.pk])
        assert client.post(url, {"name": "Ours"}).status_code == 403
    saved_list.refresh_from_db()
    assert saved_list.name == "Gifts"


def test_the_owner_renames_and_shares_and_a_clash_keeps_what_was_typed(client, partner):
    saved_list_create(by=partner, name="Taken")
    saved_list = saved_list_create(by=partner, name="Gifts")
    client.force_login(partner)
    url = reverse("partners:list_edit", args=[saved_list.pk])
    clash = client.post(url, {"name": "taken"})
    assert clash.context["rename_form"].errors["name"] == [
        "You already have a list called “taken”. Choose another name."
    ]
    assert 'value="taken"' in clash.content.decode()
    client.post(url, {"name": "Gifts for Songkran"})
    shared = client.post(url, {"shared": "1"}, follow=True)
    assert "Your colleagues now see this list and may add products to it." in _messages(shared)
    saved_list.refresh_from_db()
    assert (saved_list.name, saved_list.shared) == ("Gifts for Songkran", True)


def test_deleting_a_list_asks_first(client, partner, referred):
    (product,) = referred()
    saved_list = _with_product(partner, product)
    client.force_login(partner)
    url = reverse("partners:list_delete", args=[saved_list.pk])
    question = client.get(url)
    assert question.context["confirm_delete"]
    assert "and the 1 product saved in it will be deleted" in question.content.decode()
    assert SavedList.objects.filter(pk=saved_list.pk).exists()
    response = client.post(url, follow=True)
    assert "The list “Gifts” is deleted." in _messages(response)
    assert not SavedList.objects.exists() and not SavedListItem.objects.exists()


# --- Saving from a product's page -------------------------------------------------------------


def test_saving_goes_back_to_the_page_it_came_from(client, partner, referred):
    (product,) = referred()
    saved_list = saved_list_create(by=partner, name="Gifts")
    client.force_login(partner)
    response = client.post(
        reverse("partners:list_add"),
        {"product": product.pk, "saved_list": saved_list.pk, "note": "blue", "next": "/partner/"},
    )
    assert response.url == "/partner/"
    assert saved_list.items.get().note == "blue"


def test_saving_never_goes_back_to_another_site(client, partner, referred):
    (product,) = referred()
    client.force_login(partner)
    response = client.post(
        reverse("partners:list_add"),
        {"product": product.pk, "new_list_name": "Gifts", "next": "https://evil.example/"},
    )
    saved_list = SavedList.objects.get(name="Gifts")
    assert response.url == reverse("partners:list_detail", args=[saved_list.pk])
    assert saved_list.items.get().product == product


def test_saving_a_product_twice_shows_the_form_again_with_the_note_typed(client, partner, referred):
    (product,) = referred()
    saved_list = _with_product(partner, product)
    client.force_login(partner)
    response = client.post(
        reverse("partners:list_add"),
        {"product": product.pk, "saved_list": saved_list.pk, "note": "ask for samples"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f"“{product.name}” is already in the list “Gifts”." in html
    assert 'value="ask for samples"' in html
    assert saved_list.items.count() == 1


def test_saving_in_a_new_list_of_a_name_taken_keeps_the_name_typed(client, partner, referred):
    (product,) = referred()
    saved_list_create(by=partner, name="Gifts")
    client.force_login(partner)
    response = client.post(
        reverse("partners:list_add"), {"product": product.pk, "new_list_name": "gifts "}
    )
    form = response.context["add"]["form"]
    assert form.errors["new_list_name"] == [
        "You already have a list called “gifts”. Choose another name."
    ]
    assert 'value="gifts "' in response.content.decode()
    assert SavedList.objects.count() == 1 and not SavedListItem.objects.exists()


def test_saving_with_both_a_list_and_a_new_name_asks_to_choose(client, partner, referred):
    (product,) = referred()
    saved_list = saved_list_create(by=partner, name="Gifts")
    client.force_login(partner)
    response = client.post(
        reverse("partners:list_add"),
        {"product": product.pk, "saved_list": saved_list.pk, "new_list_name": "Other"},
    )
    assert "Choose one of your lists or type a name for a new one, not both." in (
        response.content.decode()
    )
    assert SavedList.objects.count() == 1 and not SavedListItem.objects.exists()


def test_saving_a_product_of_another_partner_is_refused_in_words(
    client, request, partner, other_partner_org
):
    (elsewhere,) = referred_products(request, partner_org=other_partner_org)
    client.force_login(partner)
    response = client.post(
        reverse("partners:list_add"),
        {"product": elsewhere.pk, "new_list_name": "Gifts", "next": "/partner/"},
        follow=True,
    )
    assert (
        "Only products referred to your partner's channels can be saved in a list; this one "
        "is not." in _messages(response)
    )
    assert not SavedList.objects.exists()


def test_removing_twice_says_it_is_gone_already(client, partner, referred):
    (product,) = referred()
    saved_list = _with_product(partner, product)
    client.force_login(partner)
    url = reverse("partners:list_remove", args=[saved_list.pk])
    first = client.post(url, {"product": product.pk}, follow=True)
    assert f"“{product.name}” is no longer in the list “Gifts”." in _messages(first)
    second = client.post(url, {"product": product.pk}, follow=True)
    assert "This product is not in the list “Gifts” (any more)." in _messages(second)


# --- The {% save_to_list %} form --------------------------------------------------------------


def _render_tag(user, product) -> str:
    request = RequestFactory().get("/partner/referrals/1/")
    request.user = user
    template = Template("{% load saved_lists %}{% save_to_list product %}")
    return template.render(Context({"request": request, "product": product}))


def test_the_form_offers_my_lists_and_shared_ones_and_says_which_hold_the_product(
    partner, colleague, other_partner, referred
):
    product, other = referred(2)
    holding = _with_product(partner, product, name="Holding it")
    saved_list_create(by=partner, name="Empty one")
    _with_product(colleague, other, name="Team picks", shared=True)
    saved_list_create(by=colleague, name="Private")
    saved_list_create(by=other_partner, name="Shopee's")
    html = _render_tag(partner, product)
    assert reverse("partners:list_detail", args=[holding.pk]) in html
    assert f'<option value="{holding.pk}" disabled>Holding it (already in it)</option>' in html
    assert "Empty one" in html and "Team picks · Malee Srisuk" in html
    assert "Private" not in html and "Shopee" not in html
    assert 'name="next" value="/partner/referrals/1/"' in html


def test_the_form_is_for_partner_members_only(officer, referred):
    (product,) = referred()
    assert "save-to-list" not in _render_tag(officer, product)


def test_the_form_costs_one_query_whatever_the_number_of_lists(partner, referred):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    (product,) = referred()
    counts = []
    for n in (1, 10):
        for i in range(n):
            saved_list_create(by=partner, name=f"List {n}-{i}")
        with CaptureQueriesContext(connection) as ctx:
            _render_tag(partner, product)
        counts.append(len(ctx.captured_queries))
    assert counts == [1, 1]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_colleagues_saving_the_same_product_at_once_one_is_told_it_is_there(
    partner, colleague, referred
):
    """Two real connections: the first holds the list's lock while the second waits on it;
    the second then finds the product saved and says so (no integrity error, no double)."""
    (product,) = referred()
    saved_list = saved_list_create(by=partner, name="Gifts", shared=True)
    outcomes: dict[str, object] = {}
    first_has_lock, release = threading.Event(), threading.Event()

    def first():
        try:
            with transaction.atomic():
                saved_list_add(saved_list_id=saved_list.pk, product_id=product.pk, by=partner)
                outcomes["first"] = "saved"
                first_has_lock.set()
                release.wait(5)
        finally:
            connections.close_all()

    def second():
        translation.activate("en")  # a new thread starts in the default language, Thai
        first_has_lock.wait(5)
        try:
            saved_list_add(saved_list_id=saved_list.pk, product_id=product.pk, by=colleague)
            outcomes["second"] = "saved"
        except SavedListError as exc:
            outcomes["second"] = exc.messages[0]
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    first_has_lock.wait(5)
    outcomes["waited"] = someone_waits_on_a_lock()
    release.set()
    for thread in threads:
        thread.join(10)
    assert outcomes["waited"] and outcomes["first"] == "saved"
    assert outcomes["second"] == f"“{product.name}” is already in the list “Gifts”."
    assert SavedListItem.objects.filter(saved_list=saved_list).count() == 1
