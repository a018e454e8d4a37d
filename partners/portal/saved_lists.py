"""Saved lists: a partner member's named lists of referred products, shared with colleagues.

Who may do what (the pages, the {% save_to_list %} form and the API all ask these functions):

- A list belongs to its owner and to the owner's partner. The owner reads it, adds and removes
  products, renames it, shares or stops sharing it, and deletes it.
- A shared list is collaborative: every member of the same partner reads it and may add products
  to it; a colleague removes only the products they added themselves (the owner removes any).
  Only the owner renames, shares or deletes it.
- Members of another partner never see it (404, as if it did not exist); other roles have no
  saved lists at all.
- A list holds only products referred to the member's partner that the member can see
  (matching.selectors.referrals_visible_to: the partner's channels' referrals from "sent" on).

Writes lock the list row, so two members adding to one list at once are taken one after the
other; the unique constraints are the last word when two requests race anyway.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from matching.models import Referral
from matching.selectors import referrals_visible_to
from otop_portal.statements import Statement
from partners.models import SavedList, SavedListItem
from partners.portal.selectors import is_partner_member
from producers.models import Product, ProductPhoto

MAX_ITEMS = 500  # a list is something a person reads; the API returns a list's items whole


class SavedListError(ValidationError):
    """A refused change to a saved list. `code`: "not_found" (no list this user can see has this
    id: answer 404), "not_allowed" (they see it but may not do this: 403), or "invalid" (the
    request itself: a duplicate name, a product already in the list or not theirs to save)."""

    def __init__(self, message, code: str = "invalid"):
        super().__init__(message, code=code)
        self.code = code  # ValidationError keeps no code for a dict of field errors


# --- Reads ------------------------------------------------------------------------------------


def lists_visible_to(user) -> QuerySet[SavedList]:
    """The lists `user` may read: their own and their colleagues' shared ones, all of the user's
    current partner. Nobody else's, and none for other roles. The user's own lists first, then
    by name; with the owner joined in."""
    if not is_partner_member(user):
        return SavedList.objects.none()
    return _lists_of(user.partner_id, user.pk)


def _lists_of(partner_id: int, user_id: int) -> QuerySet[SavedList]:
    return (
        SavedList.objects.filter(partner_id=partner_id)
        .filter(Q(owner_id=user_id) | Q(shared=True))
        .select_related("owner")
        .annotate(
            _not_mine=Case(When(owner_id=user_id, then=0), default=1, output_field=IntegerField())
        )
        .order_by("_not_mine", "name", "pk")
    )


def lists_for_index(user) -> QuerySet[SavedList]:
    """lists_visible_to with each list's number of products, for the lists page and the API."""
    return lists_visible_to(user).annotate(item_count=Count("items"))


# Every page of a referred product asks for them: compiled once (otop_portal.statements).
_LISTS_HOLDING = Statement(
    lambda partner_id, user_id, product_id: _lists_of(partner_id, user_id).annotate(
        holds=Exists(
            SavedListItem.objects.filter(saved_list_id=OuterRef("pk"), product_id=product_id)
        )
    )
)


def lists_holding(user, product_id: int) -> list[SavedList]:
    """The lists `user` may add to (every list they see: shared lists are collaborative), each
    with `holds`: whether this product is in it already. One query."""
    if not is_partner_member(user):
        return []
    return _LISTS_HOLDING.all(user.partner_id, user.pk, product_id)


def can_manage(user, saved_list: SavedList) -> bool:
    """Rename, share, delete: the owner only."""
    return saved_list.owner_id == getattr(user, "pk", None)


def can_remove(user, saved_list: SavedList, item: SavedListItem) -> bool:
    """The owner removes any product; a colleague (of a shared list) those they added."""
    return can_manage(user, saved_list) or item.added_by_id == user.pk


def products_user_may_save(user) -> QuerySet[Product]:
    """Products referred to the user's partner that the user can see."""
    return Product.objects.filter(pk__in=referrals_visible_to(user).order_by().values("product_id"))


@dataclass
class ItemRow:
    """One product of a list as its page shows it."""

    item: SavedListItem
    thumbnail_url: str
    referral: Referral | None  # the newest referral of the product this member can see
    may_remove: bool


def list_items(saved_list: SavedList) -> QuerySet[SavedListItem]:
    """A list's items, newest first, with what a row shows joined in: the product, its category,
    its producer's province, who added it, the product's photos (first is the thumbnail) and the
    id of the newest referral of the product the list's reader can see (annotate with
    with_newest_referral)."""
    return (
        saved_list.items.select_related(
            "product",
            "product__category",
            "product__producer",
            "product__producer__province",
            "added_by",
        )
        .prefetch_related(
            Prefetch(
                "product__photos",
                queryset=ProductPhoto.objects.order_by("position", "pk"),
            )
        )
        .order_by("-added_at", "-pk")
    )


def with_newest_referral(items: QuerySet[SavedListItem], user) -> QuerySet[SavedListItem]:
    """Each item with `newest_referral_id`: the newest referral of its product `user` sees."""
    newest = (
        referrals_visible_to(user)
        .filter(product_id=OuterRef("product_id"))
        .order_by("-created_at", "-pk")
        .values("pk")[:1]
    )
    return items.annotate(newest_referral_id=Subquery(newest))


def item_rows(items: list[SavedListItem], user, saved_list: SavedList) -> list[ItemRow]:
    """The rows of one page of items (already annotated by with_newest_referral): one more query
    for the referrals, whatever the number of rows."""
    ids = {item.newest_referral_id for item in items if item.newest_referral_id}
    referrals = (
        Referral.objects.filter(pk__in=ids).select_related("channel", "channel__partner").in_bulk()
        if ids
        else {}
    )
    rows = []
    for item in items:
        photos = list(item.product.photos.all())
        rows.append(
            ItemRow(
                item=item,
                thumbnail_url=photos[0].thumbnail_url if photos and photos[0].thumbnail else "",
                referral=referrals.get(item.newest_referral_id),
                may_remove=can_remove(user, saved_list, item),
            )
        )
    return rows


# --- Writes -----------------------------------------------------------------------------------


def _clean_name(name: str) -> str:
    return " ".join((name or "").split())


def _locked_list(*, saved_list_id: int, by) -> SavedList:
    """The list, locked for this transaction, if `by` may read it; not_found otherwise."""
    saved_list = (
        SavedList.objects.select_for_update(of=("self",))
        .filter(pk__in=lists_visible_to(by).order_by().values("pk"))
        .filter(pk=saved_list_id)
        .first()
    )
    if saved_list is None:
        raise SavedListError(_("There is no such list, or it is not shared with you."), "not_found")
    return saved_list


def _owner_only(saved_list: SavedList, by) -> None:
    if not can_manage(by, saved_list):
        raise SavedListError(
            _("Only the person who made the list “%(name)s” may change or delete it.")
            % {"name": saved_list.name},
            "not_allowed",
        )


def _refuse_duplicate_name(*, owner, name: str, exclude_pk: int | None = None) -> None:
    if not name:
        raise SavedListError({"name": [_("Give the list a name.")]}, "invalid")
    # Case and spacing aside, "Summer gifts" and "summer  gifts" are the same list to a reader.
    same = SavedList.objects.filter(owner=owner, name__iexact=name)
    if exclude_pk is not None:
        same = same.exclude(pk=exclude_pk)
    if same.exists():
        raise SavedListError(
            {
                "name": [
                    _("You already have a list called “%(name)s”. Choose another name.")
                    % {"name": name}
                ]
            },
            "invalid",
        )


def _save_list(saved_list: SavedList) -> SavedList:
    try:
        saved_list.full_clean()
    except ValidationError as error:
        raise SavedListError(error.message_dict, "invalid") from None
    try:
        with transaction.atomic():
            saved_list.save()
    except IntegrityError:  # a concurrent request took the name first
        raise SavedListError(
            {
                "name": [
                    _("You already have a list called “%(name)s”. Choose another name.")
                    % {"name": saved_list.name}
                ]
            },
            "invalid",
        ) from None
    return saved_list


@transaction.atomic
def saved_list_create(*, by, name: str, shared: bool = False) -> SavedList:
    """A new list of `by` (a partner member) for their partner. The name is trimmed and must be
    unique among `by`'s lists (ignoring case)."""
    if not is_partner_member(by):
        raise SavedListError(_("Only partner members keep saved lists."), "not_allowed")
    name = _clean_name(name)
    _refuse_duplicate_name(owner=by, name=name)
    saved_list = SavedList(partner_id=by.partner_id, owner=by, name=name, shared=bool(shared))
    return _save_list(saved_list)


@transaction.atomic
def saved_list_rename(*, saved_list_id: int, by, name: str) -> SavedList:
    """Give the list another name (its owner only); unique among the owner's lists."""
    saved_list = _locked_list(saved_list_id=saved_list_id, by=by)
    _owner_only(saved_list, by)
    name = _clean_name(name)
    _refuse_duplicate_name(owner=by, name=name, exclude_pk=saved_list.pk)
    saved_list.name = name
    return _save_list(saved_list)


@transaction.atomic
def saved_list_share(*, saved_list_id: int, by, shared: bool) -> SavedList:
    """Share the list with every member of the partner, or stop (its owner only). Products
    colleagues added stay in the list when it stops being shared."""
    saved_list = _locked_list(saved_list_id=saved_list_id, by=by)
    _owner_only(saved_list, by)
    saved_list.shared = bool(shared)
    return _save_list(saved_list)


@transaction.atomic
def saved_list_delete(*, saved_list_id: int, by) -> str:
    """Delete the list and its items (its owner only). Returns the list's name."""
    saved_list = _locked_list(saved_list_id=saved_list_id, by=by)
    _owner_only(saved_list, by)
    name = saved_list.name
    saved_list.delete()
    return name


def _product_to_save(*, product_id, by) -> Product:
    product = products_user_may_save(by).filter(pk=product_id).first() if product_id else None
    if product is None:
        # The same words whether the product exists or not: nothing leaks about other partners.
        raise SavedListError(
            {
                "product": [
                    _(
                        "Only products referred to your partner's channels can be saved in a "
                        "list; this one is not."
                    )
                ]
            },
            "invalid",
        )
    return product


def _add(*, saved_list: SavedList, product: Product, by, note: str) -> SavedListItem:
    if SavedListItem.objects.filter(saved_list=saved_list, product=product).exists():
        raise SavedListError(
            {
                "product": [
                    _("“%(product)s” is already in the list “%(list)s”.")
                    % {"product": product.name, "list": saved_list.name}
                ]
            },
            "invalid",
        )
    if saved_list.items.count() >= MAX_ITEMS:
        raise SavedListError(
            {
                "product": [
                    ngettext(
                        "The list “%(list)s” already holds %(max)d product, the most a list "
                        "holds. Start another list.",
                        "The list “%(list)s” already holds %(max)d products, the most a list "
                        "holds. Start another list.",
                        MAX_ITEMS,
                    )
                    % {"list": saved_list.name, "max": MAX_ITEMS}
                ]
            },
            "invalid",
        )
    item = SavedListItem(saved_list=saved_list, product=product, note=note.strip(), added_by=by)
    try:
        item.full_clean(exclude=["saved_list", "product", "added_by"])
    except ValidationError as error:
        raise SavedListError(error.message_dict, "invalid") from None
    try:
        with transaction.atomic():
            item.save()
    except IntegrityError:  # cannot happen under the list's lock; said plainly if it does
        raise SavedListError(
            {"product": [_("This product is already in the list.")]}, "invalid"
        ) from None
    saved_list.save(update_fields=["updated_at"])
    return item


@transaction.atomic
def saved_list_add(*, saved_list_id: int, product_id: int, by, note: str = "") -> SavedListItem:
    """Put a product in a list `by` may read (theirs, or a colleague's shared one). The product
    must be one referred to `by`'s partner that `by` can see, and not in the list yet."""
    saved_list = _locked_list(saved_list_id=saved_list_id, by=by)
    product = _product_to_save(product_id=product_id, by=by)
    return _add(saved_list=saved_list, product=product, by=by, note=note)


@transaction.atomic
def saved_list_add_to_new(
    *, name: str, product_id: int, by, note: str = "", shared: bool = False
) -> SavedListItem:
    """Make a list and put the product in it, whole or not at all: a refused product leaves no
    empty list behind."""
    product = _product_to_save(product_id=product_id, by=by)
    saved_list = saved_list_create(by=by, name=name, shared=shared)
    return _add(saved_list=saved_list, product=product, by=by, note=note)


@transaction.atomic
def saved_list_remove(*, saved_list_id: int, product_id: int, by) -> Product:
    """Take a product out of a list: the owner any product, a colleague those they added.
    Returns the product."""
    saved_list = _locked_list(saved_list_id=saved_list_id, by=by)
    item = (
        SavedListItem.objects.select_related("product")
        .filter(saved_list=saved_list, product_id=product_id)
        .first()
    )
    if item is None:
        raise SavedListError(
            {
                "product": [
                    _("This product is not in the list “%(list)s” (any more).")
                    % {"list": saved_list.name}
                ]
            },
            "invalid",
        )
    if not can_remove(by, saved_list, item):
        raise SavedListError(
            _("In a colleague's list you can remove only the products you added yourself."),
            "not_allowed",
        )
    item.delete()
    saved_list.save(update_fields=["updated_at"])
    return item.product
