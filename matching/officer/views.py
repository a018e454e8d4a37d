from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from matching import selectors
from matching.filters import CertificationQueueFilter, MatchResultFilter, ProducerQueueFilter
from matching.forms import ReasonForm
from matching.selectors import candidate_page_rows
from matching.selectors import officer_candidates as candidates_for
from otop_portal import counts
from otop_portal.http import filter_for_page, safe_next
from otop_portal.models import Province, Role
from otop_portal.pagination import CappedPaginator, KnownCountPaginator, page_of_kept_ids
from otop_portal.roles import role_required
from otop_portal.selectors import home_notifications
from producers import selectors as producer_selectors
from producers.models import Certification, CertificationStatus, Producer, ProducerStatus
from producers.selectors import producer_national_id_for
from producers.services import (
    certification_reject,
    certification_verify,
    producer_return,
    producer_verify,
)

CANDIDATES_PER_PAGE = 50


@role_required(Role.OFFICER)
def officer_home(request: HttpRequest) -> HttpResponse:
    user = request.user
    # The queues first: their scope reads the officer's provinces (kept on the user), which
    # the list of provinces then shows without a statement of its own.
    queues = selectors.officer_queues(user)
    provinces = (
        Province.objects.all() if user.is_national_officer else selectors.officer_provinces(user)
    )
    return render(
        request,
        "matching/officer_home.html",
        {
            "provinces": provinces,
            "national": user.is_national_officer,
            "queues": queues,
            "notifications": home_notifications(request),
        },
    )


@role_required(Role.OFFICER, Role.ADMIN)
def officer_candidates(request: HttpRequest) -> HttpResponse:
    """Eligible pairs not yet referred in the officer's provinces, filtered and by score: what
    the referral review starts from."""
    # Always bound (an empty query string too): the filter set applies the default order.
    # The candidates' query is built when the kept ids must be worked out, or a narrowed
    # list reads its rows: a page not narrowed reads its rows through a statement.
    filterset = filter_for_page(
        MatchResultFilter(
            request.GET, queryset=lambda: candidates_for(request.user), request=request
        )
    )
    # A list that stops at 1,000: the exact COUNT(*) was most of the page's time in a big
    # province (docs/performance.md, finding 6). Even capped, counting read a few thousand
    # joined rows, and one partner's candidates in a big province took 235 ms a page: the
    # first 1,001 ids in order are kept per scope and filters until a referral, producer or
    # product changes (issue 13), and a page reads its own rows by id.
    filters = urlencode(sorted((k, v) for k, vs in request.GET.lists() if k != "page" for v in vs))
    ids = counts.cached_count(
        (counts.QUEUES, counts.REFERRALS),
        f"candidate-ids:{selectors.officer_scope_key(request.user)}:{filters}",
        lambda: list(filterset.qs.values_list("pk", flat=True)[: CappedPaginator.cap + 1]),
    )
    page = page_of_kept_ids(
        filterset,
        ids,
        CANDIDATES_PER_PAGE,
        request.GET.get("page"),
        paginator_class=CappedPaginator,
        # with only what a row shows, as values
        read=lambda filterset, ids: candidate_page_rows(request.user, filterset, ids),
    )
    return render(
        request,
        "matching/officer_candidates.html",
        {"filter": filterset, "page": page, "export_list": "candidates"},
    )


# --- The officer's queues -----------------------------------------------------------------------

QUEUE_PER_PAGE = 50


def _get_producer_for_officer(request: HttpRequest, pk: int) -> Producer:
    """A producer in the officer's provinces (any for national officers and administrators);
    404 otherwise, so another province's producers cannot be told from missing ones."""
    return get_object_or_404(selectors.officer_producers(request.user), pk=pk)


def _get_certification_for_officer(request: HttpRequest, pk: int) -> Certification:
    return get_object_or_404(selectors.officer_certifications(request.user), pk=pk)


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def _queue_page(
    request: HttpRequest, queue: str, filterset, template: str, **context
) -> HttpResponse:
    """One page of a queue ("producers", "certificates", "expiring": selectors.queue_rows),
    with only the columns a row shows. Its length is kept per queue, scope and filters until
    a service changes a queue (otop_portal/counts.py): at national size the COUNT(*) over
    certificates joined to producers was half of the page's database time (issue 13). The
    date is part of the key: the expiring queue moves with it."""
    today = timezone.localdate()
    filters = urlencode(sorted((k, v) for k, vs in request.GET.lists() if k != "page" for v in vs))
    count = counts.cached_count(
        counts.QUEUES,
        f"queue:{queue}:{selectors.officer_scope_key(request.user)}:{today.isoformat()}:{filters}",
        lambda: filterset.qs.count(),
    )
    shape = {"today": today} if queue == "expiring" else {}
    rows = selectors.queue_rows(request.user, queue, filterset, **shape)
    paginator = KnownCountPaginator(rows, QUEUE_PER_PAGE, count=count)
    return render(
        request, template, {"page": paginator.get_page(request.GET.get("page")), **context}
    )


@role_required(Role.OFFICER, Role.ADMIN)
def officer_producers(request: HttpRequest) -> HttpResponse:
    """Producers waiting for verification, the longest waiting first; searched and filtered."""
    filterset = filter_for_page(
        ProducerQueueFilter(
            request.GET,
            queryset=lambda: selectors.officer_submitted_producers(request.user),
            request=request,
        )
    )
    return _queue_page(
        request,
        "producers",
        filterset,
        "matching/officer_producers.html",
        filter=filterset,
        export_list="producers",
    )


@role_required(Role.OFFICER, Role.ADMIN)
def officer_producer(request: HttpRequest, pk: int) -> HttpResponse:
    """One producer's record; POST action=verify, or action=return with the reason."""
    producer = _get_producer_for_officer(request, pk)
    form = ReasonForm()
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "verify":
                producer_verify(producer=producer, by=request.user)
                messages.success(request, _("The producer is verified."))
                return redirect("matching:officer_producers")
            if action == "return":
                form = ReasonForm(request.POST)
                if form.is_valid():
                    producer_return(
                        producer=producer, by=request.user, reason=form.cleaned_data["reason"]
                    )
                    messages.success(request, _("The producer is returned with your reason."))
                    return redirect("matching:officer_producers")
            else:
                messages.error(request, _("Choose to verify or to return the producer."))
        except ValidationError as error:
            messages.error(request, _error_text(error))
            producer.refresh_from_db()
    certifications = list(producer_selectors.certification_list(producer=producer))
    duplicates = producer_selectors.certificate_number_duplicates(certifications)
    for cert in certifications:
        cert.duplicates = duplicates.get(cert.pk, 0)
    return render(
        request,
        "matching/officer_producer.html",
        {
            "producer": producer,
            "national_id": producer_national_id_for(request.user, producer),
            "form": form,
            "can_act": producer.status == ProducerStatus.SUBMITTED,
            # The officer's one screen: what the producer sells and the certificates to check.
            "products": producer_selectors.product_list(producer=producer),
            "certifications": certifications,
            "reason_form": ReasonForm(),
        },
    )


@role_required(Role.OFFICER, Role.ADMIN)
def officer_certificates(request: HttpRequest) -> HttpResponse:
    """Certificates waiting for verification, the longest waiting first; searched and
    filtered."""
    filterset = filter_for_page(
        CertificationQueueFilter(
            request.GET,
            queryset=lambda: selectors.officer_pending_certifications(request.user),
            request=request,
        )
    )
    return _queue_page(
        request,
        "certificates",
        filterset,
        "matching/officer_certificates.html",
        expiring=False,
        filter=filterset,
        export_list="certificates",
    )


@role_required(Role.OFFICER, Role.ADMIN)
def officer_expiring_certificates(request: HttpRequest) -> HttpResponse:
    """Verified certificates expiring in the next 60 days, the soonest first; searched and
    filtered."""
    filterset = filter_for_page(
        CertificationQueueFilter(
            request.GET,
            queryset=lambda: selectors.officer_expiring_certifications(request.user),
            request=request,
        )
    )
    return _queue_page(
        request,
        "expiring",
        filterset,
        "matching/officer_certificates.html",
        expiring=True,
        window=selectors.EXPIRY_WINDOW_DAYS,
        filter=filterset,
        export_list="expiring",
    )


@role_required(Role.OFFICER, Role.ADMIN)
def officer_certificate(request: HttpRequest, pk: int) -> HttpResponse:
    """One certificate beside its scanned document; POST action=verify, or action=reject with
    the reason."""
    certification = _get_certification_for_officer(request, pk)
    form = ReasonForm()
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "verify":
                certification_verify(certification=certification, by=request.user)
                messages.success(request, _("The certificate is verified."))
                return redirect(safe_next(request, reverse("matching:officer_certificates")))
            if action == "reject":
                form = ReasonForm(request.POST)
                if form.is_valid():
                    certification_reject(
                        certification=certification,
                        by=request.user,
                        reason=form.cleaned_data["reason"],
                    )
                    messages.success(request, _("The certificate is rejected with your reason."))
                    return redirect(safe_next(request, reverse("matching:officer_certificates")))
            else:
                messages.error(request, _("Choose to verify or to reject the certificate."))
        except ValidationError as error:
            messages.error(request, _error_text(error))
            certification.refresh_from_db()
    content_type = certification.document_content_type or ""
    return render(
        request,
        "matching/officer_certificate.html",
        {
            "cert": certification,
            "duplicates": producer_selectors.certificate_number_duplicates([certification]).get(
                certification.pk, 0
            ),
            "products": certification.products.all(),
            "form": form,
            "can_act": certification.status == CertificationStatus.PENDING,
            "document_is_image": content_type.startswith("image/"),
        },
    )
