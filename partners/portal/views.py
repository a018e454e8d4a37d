"""The partner portal's pages: the shortlist (the partner's home), a referred product's page,
decisions (accept, decline with a reason, mark listed; many at once) and questions to the
officers.

Every change goes through matching.services, as the officers' pages and the API do: the same
rules, the same audit trail, the same notifications. A member sees their own partner's
referrals only; another partner's are answered 404, as if they did not exist.
"""

from __future__ import annotations

import functools

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from matching import services
from matching.forms import ReferralMessageForm
from matching.models import Referral, ReferralState
from matching.selectors import person_shown_to, referral_history, referral_thread
from otop_portal.http import errors_as_messages, filter_for_page, report_bulk_outcome, safe_next
from otop_portal.models import Role
from otop_portal.pagination import KnownCountPaginator, page_of_kept_ids
from otop_portal.roles import role_required
from otop_portal.selectors import home_notifications
from partners.portal.filters import STATE_CHOICES, PartnerReferralFilter
from partners.portal.forms import BulkDecisionForm, ReferralDecisionForm
from partners.portal.selectors import (
    covering_certificates,
    partner_referral,
    partner_shortlist,
    partner_shortlist_count,
    partner_shortlist_ids,
    partner_state_counts,
    producer_contact_for,
    product_certificates,
    referral_explanation,
    shortlist_ids,
    shortlist_page_rows,
)
from partners.selectors import kept_partner

SHORTLIST_PER_PAGE = 50
S = ReferralState


def _get_referral_for_partner(request: HttpRequest, pk: int) -> Referral:
    """A referral sent to one of the member's partner's channels; 404 otherwise, so another
    partner's referrals cannot be told from missing ones."""
    try:
        return partner_referral(request.user, pk)
    except Referral.DoesNotExist:
        raise Http404 from None


@role_required(Role.PARTNER)
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The shortlist: the referrals sent to the partner's channels, waiting ones first and the
    newest first, with the count in each state, filtered, searched and sorted."""
    filterset = filter_for_page(
        # Built only when a narrowed list reads its rows through the filters.
        PartnerReferralFilter(
            request.GET, queryset=lambda: partner_shortlist(request.user), request=request
        )
    )
    counts = partner_state_counts(request.user)
    # Filtered and ordered when read: a list not narrowed reads its ids and rows otherwise.
    rows = SimpleLazyObject(lambda: filterset.qs)
    ids = partner_shortlist_ids(request.user, filterset, rows)
    paging = {}
    read = shortlist_page_rows  # the kept ids' rows, read back through the filters
    if ids is None:  # in index order: the page's ids through the index, counted per scope
        # Ids first spares a deep page (page 20 skips 950 rows) joining every skipped row to
        # its product, producer, result and channel (issue 13).
        ids = shortlist_ids(request.user, filterset)
        paging = {
            "paginator_class": KnownCountPaginator,
            "count": partner_shortlist_count(request.user, filterset, rows, counts),
        }
        # Read just now through the filters: their rows by id among the partner's.
        read = functools.partial(shortlist_page_rows, partner_id=request.user.partner_id)
    # Narrowed or sorted: the kept ids. Either way, then this page's rows by id, with only
    # what a row shows (as values).
    page = page_of_kept_ids(
        rows, ids, SHORTLIST_PER_PAGE, request.GET.get("page"), read=read, **paging
    )
    return render(
        request,
        "partners/home.html",
        {
            "partner": kept_partner(request.user.partner_id),
            "filter": filterset,
            "page": page,
            "states": [(value, label, counts[value]) for value, label in STATE_CHOICES],
            "current_state": filterset.form.cleaned_data.get("state", ""),
            "total": sum(counts.values()),
            "bulk_form": BulkDecisionForm(),
            # Each sent referral is a notification and a row below: the newest few suffice.
            "notifications": home_notifications(request, limit=3),
        },
    )


def _render_referral(
    request: HttpRequest,
    referral: Referral,
    *,
    decision_form: ReferralDecisionForm | None = None,
    ask_form: ReferralMessageForm | None = None,
) -> HttpResponse:
    user = request.user
    moves = services.referral_moves_open_to(user, referral)
    events = referral_history(referral)
    # Read once: listed on the page and what the fit is explained from.
    certifications = covering_certificates(referral.product)
    thread = referral_thread(referral)
    return render(
        request,
        "partners/referral.html",
        {
            "referral": referral,
            "product": referral.product,
            "producer": referral.product.producer,
            "certificates": product_certificates(referral.product, certifications),
            "explanation": referral_explanation(referral, certifications),
            # Shown, and so recorded, only once the partner has accepted the product.
            "contact": producer_contact_for(user, referral, via="page"),
            "events": [(event, person_shown_to(user, event.actor)) for event in events],
            "thread": [(message, person_shown_to(user, message.author)) for message in thread],
            "may_accept": S.ACCEPTED in moves,
            "may_decline": S.DECLINED in moves,
            "may_list": S.LISTED in moves,
            "may_ask": referral.state in services.PARTNER_ASKS_IN,
            "decision_form": decision_form or ReferralDecisionForm(),
            "ask_form": ask_form or ReferralMessageForm(),
        },
    )


@role_required(Role.PARTNER)
@require_GET
def referral(request: HttpRequest, pk: int) -> HttpResponse:
    """A referred product: photos, facts, verified certificates, why it fits this channel, the
    producer (contact details once accepted), the history and the questions."""
    return _render_referral(request, _get_referral_for_partner(request, pk))


def _refusal(error: ValidationError) -> str:
    return " ".join(error.messages)


@role_required(Role.PARTNER)
@require_POST
def referral_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Accept, decline (a common reason and/or words) or mark listed (link and date). A refusal
    (someone else decided first, or the move is not open) is shown on the page, with what was
    typed kept."""
    found = _get_referral_for_partner(request, pk)
    form = ReferralDecisionForm(request.POST)
    if not form.is_valid():
        return _render_referral(request, found, decision_form=form)
    data = form.cleaned_data
    to_state = data["decision"]
    try:
        services.referral_transition(
            referral_id=found.pk,
            to_state=to_state,
            by=request.user,
            reason=data["reason"] if to_state == S.DECLINED else "",
            reason_code=data["reason_code"] if to_state == S.DECLINED else "",
            listing_url=data["listing_url"] if to_state == S.LISTED else "",
            listed_on=data["listed_on"] if to_state == S.LISTED else None,
        )
    except ValidationError as error:
        messages.error(request, _refusal(error))
        # As it is now: a conflict means the page the member acted on was out of date.
        return _render_referral(request, _get_referral_for_partner(request, pk), decision_form=form)
    messages.success(request, _("The referral is now “%(state)s”.") % {"state": S(to_state).label})
    return redirect("partners:referral", pk=found.pk)


@role_required(Role.PARTNER)
@require_POST
def referral_ask(request: HttpRequest, pk: int) -> HttpResponse:
    """A question to the officers of the product's province; they are notified."""
    found = _get_referral_for_partner(request, pk)
    form = ReferralMessageForm(request.POST)
    if form.is_valid():
        try:
            services.referral_message(
                referral_id=found.pk, by=request.user, text=form.cleaned_data["text"]
            )
        except ValidationError as error:
            form.add_error("text", _refusal(error))
        else:
            messages.success(request, _("Your question was sent to the officers."))
            return redirect("partners:referral", pk=found.pk)
    return _render_referral(request, found, ask_form=form)


@role_required(Role.PARTNER)
@require_POST
def referral_bulk(request: HttpRequest) -> HttpResponse:
    """Accept, or decline with one reason, the ticked referrals. Each is checked on its own: the
    page says how many changed and, for each that did not, why."""
    back = safe_next(request, reverse("partners:home"))
    form = BulkDecisionForm(request.POST)
    if not form.is_valid():
        errors_as_messages(request, form)
        return redirect(back)
    data = form.cleaned_data
    ids = data["ids"]
    mine = partner_shortlist(request.user).filter(pk__in=ids)
    names = {r.pk: f"{r.product.name_th} → {r.channel.name}" for r in mine}
    declining = data["decision"] == S.DECLINED
    outcome = services.referrals_bulk_transition(
        referral_ids=sorted(names),
        to_state=data["decision"],
        by=request.user,
        reason=data["reason"] if declining else "",
        reason_code=data["reason_code"] if declining else "",
    )
    outcome.refused += [(i, _("This referral does not exist.")) for i in ids if i not in names]
    report_bulk_outcome(request, outcome, names)
    return redirect(back)
