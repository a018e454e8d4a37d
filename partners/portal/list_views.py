"""Saved-list pages of the partner portal: my lists and my colleagues' shared ones, one list
with its products, and the POST endpoints that make, change, fill and delete them.

Who may do what is partners.portal.saved_lists' rule; this module asks it through _list_for and
turns its refusals into answers: a list the member cannot see is 404 (as if it did not exist),
one they see but may not change is 403, anything else is a message on the page they came from.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from otop_portal.http import safe_next
from otop_portal.models import Role
from otop_portal.roles import role_required
from partners.models import SavedList
from partners.portal.saved_lists import (
    SavedListError,
    can_manage,
    item_rows,
    list_items,
    lists_for_index,
    lists_holding,
    lists_visible_to,
    products_user_may_save,
    saved_list_add,
    saved_list_add_to_new,
    saved_list_create,
    saved_list_delete,
    saved_list_remove,
    saved_list_rename,
    saved_list_share,
    with_newest_referral,
)

LISTS_PER_PAGE = 25
ITEMS_PER_PAGE = 25


# --- Forms (shape only; the rules are the services') -------------------------------------------


class NewListForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name of the new list"), max_length=100)
    shared = forms.BooleanField(
        label=gettext_lazy("Share with my colleagues (they may add products too)"),
        required=False,
    )


class RenameForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)


class AddToListForm(forms.Form):
    product = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    saved_list = forms.IntegerField(label=gettext_lazy("Save in"), min_value=1, required=False)
    new_list_name = forms.CharField(
        label=gettext_lazy("or in a new list named"), max_length=100, required=False
    )
    note = forms.CharField(label=gettext_lazy("Note (optional)"), max_length=300, required=False)

    def clean(self):
        data = super().clean()
        chosen, name = data.get("saved_list"), (data.get("new_list_name") or "").strip()
        if chosen and name:
            raise forms.ValidationError(
                _("Choose one of your lists or type a name for a new one, not both.")
            )
        if not chosen and not name and "saved_list" not in self.errors:
            raise forms.ValidationError(_("Choose one of your lists or type a name for a new one."))
        return data


def save_form_context(user, product, *, next_url: str, form=None, lists=None) -> dict:
    """What partners/_save_to_list.html needs: the member's lists split into theirs and their
    colleagues' shared ones, which of them hold the product, and the form (bound after a
    refusal, so what was typed stays)."""
    if user.role != Role.PARTNER:
        return {"show": False}
    if lists is None:
        lists = lists_holding(user, product.pk)
    selected = None
    if form is not None and form.is_bound:
        try:
            selected = int(form.data.get("saved_list") or 0) or None
        except ValueError:
            selected = None
    return {
        "show": True,
        "product": product,
        "mine": [sl for sl in lists if sl.owner_id == user.pk],
        "shared": [sl for sl in lists if sl.owner_id != user.pk],
        "holding": [sl for sl in lists if sl.holds],
        "form": form or AddToListForm(initial={"product": product.pk}),
        "selected": selected,
        "next": next_url,
    }


def _put_errors(form: forms.Form, error: SavedListError, aliases: dict | None = None) -> None:
    """The service's refusal under the form's fields (or at the top of the form); `aliases`
    maps the service's field names to the form's."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            field = (aliases or {}).get(field, field)
            target = field if field in form.fields else None
            if field == NON_FIELD_ERRORS:
                target = None
            for message in errors:
                form.add_error(target, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


def _raise_for(error: SavedListError) -> None:
    if error.code == "not_found":
        raise Http404(" ".join(error.messages))
    if error.code == "not_allowed":
        raise PermissionDenied(" ".join(error.messages))


# --- Access -----------------------------------------------------------------------------------


def _list_for(request: HttpRequest, pk: int, *, manage: bool = False) -> SavedList:
    """The list if this member may read it (404 otherwise); with manage=True, only its owner
    (403 for a colleague who reads a shared list)."""
    saved_list = lists_visible_to(request.user).filter(pk=pk).first()
    if saved_list is None:
        raise Http404(_("There is no such list, or it is not shared with you."))
    if manage and not can_manage(request.user, saved_list):
        raise PermissionDenied(_("Only the person who made the list may change or delete it."))
    return saved_list


# --- Pages ------------------------------------------------------------------------------------


def _render_index(request: HttpRequest, *, new_form=None, add=None, status: int = 200):
    page = Paginator(lists_for_index(request.user), LISTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "partners/lists.html",
        {"page": page, "new_form": new_form or NewListForm(), "add": add},
        status=status,
    )


@require_GET
@role_required(Role.PARTNER)
def lists(request: HttpRequest) -> HttpResponse:
    """My lists and my colleagues' shared ones, each with its number of products."""
    return _render_index(request)


@require_POST
@role_required(Role.PARTNER)
def list_new(request: HttpRequest) -> HttpResponse:
    form = NewListForm(request.POST)
    if form.is_valid():
        try:
            saved_list = saved_list_create(
                by=request.user, name=form.cleaned_data["name"], shared=form.cleaned_data["shared"]
            )
        except SavedListError as error:
            _raise_for(error)
            _put_errors(form, error)
        else:
            messages.success(request, _("The list “%(name)s” is made.") % {"name": saved_list})
            return redirect("partners:list_detail", pk=saved_list.pk)
    return _render_index(request, new_form=form)


def _render_detail(
    request: HttpRequest, saved_list: SavedList, *, rename_form=None, confirm_delete=False
):
    items = with_newest_referral(list_items(saved_list), request.user)
    page = Paginator(items, ITEMS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "partners/list_detail.html",
        {
            "saved_list": saved_list,
            "page": page,
            "rows": item_rows(list(page.object_list), request.user, saved_list),
            "is_owner": can_manage(request.user, saved_list),
            "rename_form": rename_form or RenameForm(initial={"name": saved_list.name}),
            "confirm_delete": confirm_delete,
        },
    )


@require_GET
@role_required(Role.PARTNER)
def list_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One list's products with their referral, note, who added each and when."""
    return _render_detail(request, _list_for(request, pk))


@require_POST
@role_required(Role.PARTNER)
def list_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Rename (a `name` field) and/or share or stop sharing (`shared` = 1 or 0): the owner."""
    saved_list = _list_for(request, pk, manage=True)
    form = RenameForm(request.POST) if "name" in request.POST else None
    if form is not None and not form.is_valid():
        return _render_detail(request, saved_list, rename_form=form)
    said = []
    try:
        with transaction.atomic():
            if form is not None and form.cleaned_data["name"] != saved_list.name:
                saved_list = saved_list_rename(
                    saved_list_id=saved_list.pk, by=request.user, name=form.cleaned_data["name"]
                )
                said.append(_("The list is renamed “%(name)s”.") % {"name": saved_list.name})
            if request.POST.get("shared") in ("0", "1"):
                shared = request.POST["shared"] == "1"
                saved_list = saved_list_share(
                    saved_list_id=saved_list.pk, by=request.user, shared=shared
                )
                said.append(
                    _("Your colleagues now see this list and may add products to it.")
                    if shared
                    else _("This list is yours alone again.")
                )
    except SavedListError as error:
        _raise_for(error)
        form = form or RenameForm(initial={"name": saved_list.name})
        _put_errors(form, error)
        return _render_detail(request, saved_list, rename_form=form)
    for message in said:
        messages.success(request, message)
    return redirect("partners:list_detail", pk=saved_list.pk)


@require_http_methods(["GET", "POST"])
@role_required(Role.PARTNER)
def list_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks "delete this list?"; POST deletes it. The owner only."""
    saved_list = _list_for(request, pk, manage=True)
    if request.method == "GET":
        return _render_detail(request, saved_list, confirm_delete=True)
    try:
        name = saved_list_delete(saved_list_id=saved_list.pk, by=request.user)
    except SavedListError as error:
        _raise_for(error)
        raise
    messages.success(request, _("The list “%(name)s” is deleted.") % {"name": name})
    return redirect("partners:lists")


@require_POST
@role_required(Role.PARTNER)
def list_add(request: HttpRequest) -> HttpResponse:
    """Put a product in one of the member's lists, or in a new list made for it. Sent by the
    {% save_to_list %} form; back to `next` (a page of this site) when done. A refusal shows the
    form again with what was typed and why."""
    form = AddToListForm(request.POST)
    next_url = safe_next(request)
    product_id = None
    if form.is_valid():
        data = form.cleaned_data
        product_id = data["product"]
        try:
            if data["saved_list"]:
                item = saved_list_add(
                    saved_list_id=data["saved_list"],
                    product_id=data["product"],
                    by=request.user,
                    note=data["note"],
                )
            else:
                item = saved_list_add_to_new(
                    name=data["new_list_name"],
                    product_id=data["product"],
                    by=request.user,
                    note=data["note"],
                )
        except SavedListError as error:
            _raise_for(error)
            _put_errors(form, error, aliases={"name": "new_list_name"})
        else:
            saved_list = item.saved_list
            messages.success(
                request,
                _("“%(product)s” is saved in the list “%(list)s”.")
                % {"product": item.product.name, "list": saved_list.name},
            )
            return redirect(next_url or reverse("partners:list_detail", args=[saved_list.pk]))
    product_id = product_id or form.cleaned_data.get("product")
    product = (
        products_user_may_save(request.user).filter(pk=product_id).first() if product_id else None
    )
    if product is None:
        # Nothing to show the form again for: not a product this member may save.
        for message in form.errors.get("product", []) or [
            _("Only products referred to your partner's channels can be saved in a list.")
        ]:
            messages.error(request, message)
        return redirect(next_url or reverse("partners:lists"))
    add = save_form_context(request.user, product, next_url=next_url, form=form)
    return _render_index(request, add=add)


@require_POST
@role_required(Role.PARTNER)
def list_remove(request: HttpRequest, pk: int) -> HttpResponse:
    """Take a product (`product` = its id) out of the list: the owner any, a colleague those
    they added."""
    saved_list = _list_for(request, pk)
    back = safe_next(request) or reverse("partners:list_detail", args=[saved_list.pk])
    try:
        product_id = int(request.POST.get("product", ""))
    except ValueError:
        messages.error(request, _("Say which product to remove."))
        return redirect(back)
    try:
        product = saved_list_remove(
            saved_list_id=saved_list.pk, product_id=product_id, by=request.user
        )
    except SavedListError as error:
        _raise_for(error)
        for message in error.messages:
            messages.warning(request, message)
        return redirect(back)
    messages.success(
        request,
        _("“%(product)s” is no longer in the list “%(list)s”.")
        % {"product": product.name, "list": saved_list.name},
    )
    return redirect(back)
