"""The officers' referral pages: the list (filtered, with bulk approve/reject/send/withdraw),
one referral with its audit trail and the moves open to the reader, and turning candidates
into referrals in bulk.

A module of its own beside matching/officer/views.py (the queues) because the pipeline's pages are a
feature of their own; every change goes through matching.services, as the API's do.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from matching import services
from matching.filters import ReferralFilter
from matching.forms import BulkReferralForm, ReferralMessageForm, ReferralMoveForm
from matching.models import MatchResult, Referral, ReferralState
from matching.selectors import (
    officer_referral_rows,
    officer_scope_key,
    referral_history,
    referral_thread,
    referrals_visible_to,
)
from otop_portal.counts import REFERRALS, cached_count
from otop_portal.http import errors_as_messages, filter_for_page, report_bulk_outcome, safe_next
from otop_portal.models import Role
from otop_portal.pagination import KnownCountPaginator, count_from_states
from otop_portal.roles import role_required

REFERRALS_PER_PAGE = 50
S = ReferralState

# The moves an officer makes from the pages, in the order the buttons show.
OFFICER_MOVES = (S.APPROVED, S.REJECTED, S.SENT, S.WITHDRAWN)


def _get_referral_for_officer(request: HttpRequest, pk: int) -> Referral:
    """A referral of a product in the officer's provinces (any for national officers and
    administrators); 404 otherwise, so other provinces' referrals cannot be told from none."""
    return get_object_or_404(referrals_visible_to(request.user), pk=pk)


@role_required(Role.OFFICER, Role.ADMIN)
def referral_list(request: HttpRequest) -> HttpResponse:
    """Every referral of the officer's provinces, filtered, the latest change first, with the
    count in each state and a form to move many at once."""
    scoped = referrals_visible_to(request.user)
    filterset = filter_for_page(ReferralFilter(request.GET, queryset=scoped, request=request))
    counts = counts_by_state(scoped, f"referrals:{officer_scope_key(request.user)}")
    page = KnownCountPaginator(
        officer_referral_rows(request.user, filterset),  # with only what a row shows
        REFERRALS_PER_PAGE,
        count=count_from_states(filterset, counts),
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "matching/referral_list.html",
        {
            "filter": filterset,
            "page": page,
            "states": [(value, label, counts.get(value, 0)) for value, label in S.choices],
            "bulk_form": BulkReferralForm(),
        },
    )


def counts_by_state(referrals, scope: str) -> dict[str, int]:
    """How many of these referrals are in each state: kept per scope until a referral changes
    (otop_portal/counts.py), not a COUNT over the scope's referrals on every page."""

    def compute() -> dict[str, int]:
        rows = referrals.order_by().values_list("state").annotate(n=Count("pk"))
        return dict(rows.values_list("state", "n"))

    return cached_count(REFERRALS, scope, compute)


@role_required(Role.OFFICER, Role.ADMIN)
def referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One referral: the product and channel, its score, its full history (who, when, from,
    to, note) and the moves the officer may make. POST to_state + note makes one."""
    referral = _get_referral_for_officer(request, pk)
    form = ReferralMoveForm()
    if request.method == "POST":
        form = ReferralMoveForm(request.POST)
        if form.is_valid():
            to_state = form.cleaned_data["to_state"]
            if to_state == S.WITHDRAWN and request.POST.get("confirmed") != "1":
                # Taking a product back from a partner is asked once more, by name.
                return render(
                    request,
                    "matching/withdraw_confirm.html",
                    {
                        "referral": referral,
                        "note": form.cleaned_data["note"],
                        "officer": True,
                        "cancel_url": reverse("matching:referral", args=[referral.pk]),
                    },
                )
            try:
                services.referral_transition(
                    referral_id=referral.pk,
                    to_state=to_state,
                    by=request.user,
                    note=form.cleaned_data["note"],
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(
                    request,
                    _("The referral is now “%(state)s”.") % {"state": S(to_state).label},
                )
                return redirect("matching:referral", pk=referral.pk)
        referral = _get_referral_for_officer(request, pk)  # as it is now
    return _render_detail(request, referral, form=form)


def _render_detail(
    request: HttpRequest, referral: Referral, *, form=None, message_form=None
) -> HttpResponse:
    result = MatchResult.objects.filter(
        product_id=referral.product_id, channel_id=referral.channel_id
    ).first()
    return render(
        request,
        "matching/referral_detail.html",
        {
            "referral": referral,
            "result": result,
            "events": referral_history(referral),
            "thread": referral_thread(referral),
            "moves": [
                (to, S(to).label) for to in services.referral_moves_open_to(request.user, referral)
            ],
            "form": form or ReferralMoveForm(),
            "message_form": message_form or ReferralMessageForm(),
        },
    )


@require_POST
@role_required(Role.OFFICER, Role.ADMIN)
def referral_message(request: HttpRequest, pk: int) -> HttpResponse:
    """An officer's answer to the partner's question (or a note to them) on the referral's
    thread; the partner's members are notified. Through matching.services.referral_message."""
    referral = _get_referral_for_officer(request, pk)
    form = ReferralMessageForm(request.POST)
    if form.is_valid():
        try:
            services.referral_message(
                referral_id=referral.pk, by=request.user, text=form.cleaned_data["text"]
            )
        except ValidationError as error:
            form.add_error("text", " ".join(error.messages))
        else:
            messages.success(request, _("Your answer was sent to the partner."))
            return redirect("matching:referral", pk=referral.pk)
    return _render_detail(request, referral, message_form=form)


def _names(ids: list[int], user) -> dict[int, str]:
    rows = referrals_visible_to(user).filter(pk__in=ids)
    return {r.pk: f"{r.product.name_th} → {r.channel.name}" for r in rows}


@require_POST
@role_required(Role.OFFICER, Role.ADMIN)
def referral_bulk(request: HttpRequest) -> HttpResponse:
    """Approve, reject, send or withdraw the ticked referrals with one note. Each is checked on
    its own: the page says how many changed and why the others did not."""
    back = safe_next(request, default=_url("matching:referrals"))
    form = BulkReferralForm(request.POST)
    if not form.is_valid():
        errors_as_messages(request, form)
        return redirect(back)
    ids = form.cleaned_data["ids"]
    visible = set(
        referrals_visible_to(request.user).filter(pk__in=ids).values_list("pk", flat=True)
    )
    outcome = services.referrals_bulk_transition(
        referral_ids=sorted(visible),
        to_state=form.cleaned_data["to_state"],
        by=request.user,
        note=form.cleaned_data["note"],
    )
    outcome.refused += [(i, _("This referral does not exist.")) for i in ids if i not in visible]
    report_bulk_outcome(request, outcome, _names(ids, request.user))
    return redirect(back)


def _url(name: str) -> str:
    from django.urls import reverse

    return reverse(name)


@require_POST
@role_required(Role.OFFICER, Role.ADMIN)
def candidates_refer(request: HttpRequest) -> HttpResponse:
    """The ticked candidates (match results) become referrals: proposed, approved at once, or
    rejected with a reason (so they leave the candidate list, on the record). Each pair on its
    own: the page says how many changed and why the others did not."""
    from matching.forms import CandidateReferralForm
    from matching.selectors import officer_candidates

    back = safe_next(request, default=_url("matching:officer_candidates"))
    form = CandidateReferralForm(request.POST)
    if not form.is_valid():
        errors_as_messages(request, form)
        return redirect(back)
    ids = form.cleaned_data["ids"]
    results = officer_candidates(request.user).filter(pk__in=ids)
    pairs = {r.pk: (r.product, r.channel) for r in results}
    to_state = form.cleaned_data["to_state"]
    outcome = services.referrals_bulk_propose(
        pairs=list(pairs.values()),
        by=request.user,
        note=form.cleaned_data["note"],
        then=None if to_state == S.PROPOSED else to_state,
    )
    names = {
        f"{product.pk}:{channel.pk}": f"{product.name_th} → {channel.name}"
        for product, channel in pairs.values()
    }
    outcome.refused += [
        (i, _("This candidate is no longer open: it was referred meanwhile or is not eligible."))
        for i in ids
        if i not in pairs
    ]
    report_bulk_outcome(request, outcome, names)
    return redirect(back)
