"""Producer pages: registration, products, certificates, my data.

One access rule per resource: `_get_product_for_owner` and `_get_certification_for_owner`
answer 404 for anything that is not the reader's own, so another producer learns nothing.
"""

from __future__ import annotations

import geothai
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from matching.selectors import (
    can_view_certification_document,
    facts_of_product,
    facts_of_products,
    producer_next_steps,
    product_channel_ranking,
    product_referrals,
)
from matching.words import next_steps_in_words, ranking_in_words
from otop_portal.models import Role
from otop_portal.roles import role_required
from otop_portal.selectors import home_notifications
from producers import selectors, services
from producers.forms import STEP_FORMS, CertificationForm, EraseForm, ProductForm
from producers.models import (
    MAX_PHOTOS,
    Certification,
    Producer,
    ProducerStatus,
    Product,
    ProductPhoto,
)

PAGE_SIZE = 20


def _producer(request: HttpRequest) -> Producer | None:
    return selectors.producer_for_user(request.user)


def _producer_or_draft(request: HttpRequest) -> Producer:
    return services.producer_get_or_create_draft(user=request.user)


def _get_product_for_owner(request: HttpRequest, pk: int) -> Product:
    """The reader's own product, or 404 (another producer's product does not exist for them)."""
    producer = _producer(request)
    if producer is None:
        raise Http404
    try:
        return selectors.product_detail(producer=producer, pk=pk)
    except Product.DoesNotExist:
        raise Http404 from None


def _get_certification_for_owner(request: HttpRequest, pk: int) -> Certification:
    producer = _producer(request)
    if producer is None:
        raise Http404
    return get_object_or_404(
        Certification.objects.select_related("type", "producer"), pk=pk, producer=producer
    )


def _apply_errors(form, error: ValidationError) -> None:
    """Service errors go next to their fields when the form has them, on top otherwise."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


# --- Home ---------------------------------------------------------------------------------------


@role_required(Role.PRODUCER)
def home(request: HttpRequest) -> HttpResponse:
    producer = _producer(request)
    products, certifications, ratings = [], [], {}
    today = timezone.localdate()
    facts = None
    if producer is not None:
        # Their producer is the one read once, with its province.
        products = selectors.home_products(producer=producer, limit=PAGE_SIZE)
        certifications = selectors.home_certifications(producer=producer, limit=PAGE_SIZE)
        if len(certifications) < PAGE_SIZE:  # all of them: they rate the products
            ratings = selectors.star_ratings_from(products, certifications, today)
            if len(products) < PAGE_SIZE:  # and all the products: their matching facts too
                facts = facts_of_products(products, certifications, today)
        else:
            ratings = selectors.product_star_ratings(products)
    missing = services.producer_missing(producer)
    next_steps = []
    if producer is not None:
        next_steps = next_steps_in_words(producer_next_steps(producer.pk, as_of=today, facts=facts))
        named = {pk for s in next_steps for pk in s["product_ids"]}
        names = {p.pk: p.name for p in products}  # the listed ones: most producers' all
        if not named <= names.keys():
            names = {
                p.pk: p.name
                for p in Product.objects.filter(pk__in=named).only("pk", "name_th", "name_en")
            }
        for step in next_steps:
            step["products"] = sorted(names[pk] for pk in step["product_ids"] if pk in names)
    if producer is not None and not products:
        missing.append(("products", _("Add your first product")))
    if producer is not None and not certifications:
        missing.append(("certificates", _("Add a certificate (อย., มผช., OTOP stars ...)")))
    return render(
        request,
        "producers/home.html",
        {
            "producer": producer,
            "missing": missing,
            "products": [(p, ratings.get(p.pk)) for p in products],
            "certifications": certifications,
            "next_steps": next_steps,
            "today": today,
            "national_id": selectors.producer_national_id_for(request.user, producer)
            if producer
            else "",
            "notifications": home_notifications(request),
        },
    )


# --- Registration -------------------------------------------------------------------------------


@role_required(Role.PRODUCER)
def register(request: HttpRequest) -> HttpResponse:
    """Continue where the producer left off."""
    producer = _producer(request)
    done = producer.registration_step if producer else 0
    step = services.REGISTRATION_STEPS[min(done, len(services.REGISTRATION_STEPS) - 1)]
    return redirect("producers:register_step", step=step)


@role_required(Role.PRODUCER)
def register_step(request: HttpRequest, step: str) -> HttpResponse:
    if step not in STEP_FORMS:
        raise Http404
    producer = _producer_or_draft(request)
    form_class = STEP_FORMS[step]
    index = services.REGISTRATION_STEPS.index(step)
    if request.method == "POST" and "refresh" in request.POST:
        # No JavaScript: re-show the page with the lists for what was chosen, nothing saved.
        form = form_class(initial=request.POST.dict())
    elif request.method == "POST":
        form = form_class(request.POST)
        if form.is_valid():
            try:
                if step == "confirm":
                    submitted = services.producer_submit(
                        producer=producer, by=request.user, consent=form.cleaned_data["consent"]
                    )
                    if submitted.status == ProducerStatus.VERIFIED:  # a claimed register record
                        messages.success(request, _("Thank you. Your consent is recorded."))
                    else:
                        messages.success(
                            request,
                            _(
                                "Thank you. Your registration was sent to the district office "
                                "for review."
                            ),
                        )
                    return redirect("producers:home")
                services.producer_save_step(
                    producer=producer, step=step, data=form.cleaned_data, by=request.user
                )
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(request, _("Saved."))
                return redirect(
                    "producers:register_step", step=services.REGISTRATION_STEPS[index + 1]
                )
    else:
        initial = form_class.initial_for(producer) if hasattr(form_class, "initial_for") else {}
        form = form_class(initial=initial)
    return render(
        request,
        "producers/register_step.html",
        {
            "form": form,
            "step": step,
            "steps": [
                (name, step_titles()[name], i < producer.registration_step)
                for i, name in enumerate(services.REGISTRATION_STEPS)
            ],
            "step_title": step_titles()[step],
            "step_number": index + 1,
            "step_count": len(services.REGISTRATION_STEPS),
            "previous_step": services.REGISTRATION_STEPS[index - 1] if index else None,
            "producer": producer,
            "missing": [m for s, m in services.producer_missing(producer) if s != "confirm"],
            "can_submit": producer.status in (ProducerStatus.DRAFT, ProducerStatus.RETURNED)
            # A claimed register record is verified already; its owner still has to consent.
            or not producer.privacy_consented_at,
            "national_id": selectors.producer_national_id_for(request.user, producer),
            "privacy_notice_version": settings.PRIVACY_NOTICE_VERSION,
        },
    )


def step_titles() -> dict[str, str]:
    """Step names, translated per request."""
    return {
        "identity": _("Who you are"),
        "address": _("Address"),
        "contact": _("Contact and community"),
        "confirm": _("Check and submit"),
    }


# --- Address options (JSON for static/js/address.js; public reference data) --------------------


def _name(place) -> str:
    return place.name_en if get_language() == "en" else place.name_th


@require_GET
def address_districts(request: HttpRequest) -> JsonResponse:
    province = request.GET.get("province", "")
    return JsonResponse(
        {"results": [{"code": d.code, "name": _name(d)} for d in geothai.districts(province)]}
    )


@require_GET
def address_subdistricts(request: HttpRequest) -> JsonResponse:
    from producers.forms import address_options

    _districts, subs = address_options(
        request.GET.get("province", ""),
        request.GET.get("district", ""),
        request.GET.get("postal_code", "").strip(),
    )
    return JsonResponse({"results": [{"code": c, "name": n} for c, n in subs]})


@require_GET
def address_postal_code(request: HttpRequest) -> JsonResponse:
    code = request.GET.get("code", "").strip()
    found = geothai.by_postal_code(code) if len(code) == 5 and code.isdigit() else []
    return JsonResponse(
        {
            "results": [
                {
                    "code": s.code,
                    "name": _name(s),
                    "district_code": s.district_code,
                    "province_code": s.province_code,
                }
                for s in found
            ]
        }
    )


# --- Products -----------------------------------------------------------------------------------


@role_required(Role.PRODUCER)
def product_list(request: HttpRequest) -> HttpResponse:
    producer = _producer(request)
    products = selectors.product_list(producer=producer) if producer else Product.objects.none()
    page = Paginator(products, PAGE_SIZE).get_page(request.GET.get("page"))
    ratings = selectors.product_star_ratings(list(page.object_list))
    return render(
        request,
        "producers/product_list.html",
        {"page": page, "rows": [(p, ratings.get(p.pk)) for p in page.object_list]},
    )


def _photos_from(request: HttpRequest):
    return request.FILES.getlist("photos")


@role_required(Role.PRODUCER)
def product_create(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = ProductForm(request.POST, request.FILES)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "photos"}
            try:
                product = services.product_create(
                    producer=_producer_or_draft(request), data=data, photos=_photos_from(request)
                )
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(request, _("Product saved."))
                return redirect("producers:product_detail", pk=product.pk)
    else:
        form = ProductForm()
    return render(request, "producers/product_form.html", {"form": form, "product": None})


@role_required(Role.PRODUCER)
def product_detail(request: HttpRequest, pk: int) -> HttpResponse:
    product = _get_product_for_owner(request, pk)
    certifications = selectors.certificates_covering(product)
    today = timezone.localdate()
    # The channels' ranking from the product and the certificates the page shows.
    facts = facts_of_product(product, certifications, today)
    ranking = product_channel_ranking(product.pk, as_of=today, facts=[facts] if facts else [])
    return render(
        request,
        "producers/product_detail.html",
        {
            "product": product,
            # Rated from the certificates the page lists: every one that covers the product.
            "rating": selectors.star_rating(selectors.star_facts(certifications), today),
            "certifications": certifications,
            "max_photos": MAX_PHOTOS,
            "ranking": ranking_in_words(ranking),
            **_referrals_of(product),
        },
    )


def _referrals_of(product: Product) -> dict:
    """This product's referrals, the latest change first, and the channels with one open (the
    ranking offers to ask for the others)."""
    from matching.models import OPEN_STATES, ReferralState

    referrals = product_referrals(product)
    for referral in referrals:
        # The note of the latest move: the officer's reason for a rejection, for instance.
        events = list(referral.events.all())
        referral.last_note = events[-1].note if events else ""
    return {
        "referrals": referrals,
        "open_channel_ids": {r.channel_id for r in referrals if r.state in OPEN_STATES},
        "withdrawable": {
            ReferralState.PROPOSED,
            ReferralState.APPROVED,
            ReferralState.SENT,
            ReferralState.ACCEPTED,
        },
    }


@role_required(Role.PRODUCER)
def product_edit(request: HttpRequest, pk: int) -> HttpResponse:
    product = _get_product_for_owner(request, pk)
    if request.method == "POST":
        form = ProductForm(request.POST, request.FILES, instance=product)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "photos"}
            try:
                services.product_update(product=product, data=data, photos=_photos_from(request))
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(request, _("Product saved."))
                return redirect("producers:product_detail", pk=product.pk)
    else:
        form = ProductForm(instance=product)
    return render(request, "producers/product_form.html", {"form": form, "product": product})


@require_POST
@role_required(Role.PRODUCER)
def product_photo_delete(request: HttpRequest, pk: int, photo_pk: int) -> HttpResponse:
    product = _get_product_for_owner(request, pk)
    photo = get_object_or_404(ProductPhoto, pk=photo_pk, product=product)
    services.product_photo_delete(photo=photo)
    messages.success(request, _("Photo removed."))
    return redirect("producers:product_detail", pk=product.pk)


# --- Certification records ----------------------------------------------------------------------


@role_required(Role.PRODUCER)
def certification_list(request: HttpRequest) -> HttpResponse:
    producer = _producer(request)
    certs = (
        selectors.certification_list(producer=producer)
        if producer
        else Certification.objects.none()
    )
    page = Paginator(certs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "producers/certification_list.html",
        {"page": page, "today": timezone.localdate()},
    )


def _certification_form_page(request, producer, certification=None):
    if request.method == "POST":
        form = CertificationForm(
            request.POST, request.FILES, instance=certification, producer=producer
        )
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k not in ("products", "document")}
            products = list(form.cleaned_data.get("products") or [])
            document = request.FILES.get("document")
            try:
                if certification is None:
                    certification = services.certification_create(
                        producer=producer, data=data, products=products, document=document
                    )
                else:
                    certification = services.certification_update(
                        certification=certification, data=data, products=products, document=document
                    )
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(request, _("Certificate saved. An officer will check it."))
                return redirect("producers:certification_list")
    else:
        form = CertificationForm(instance=certification, producer=producer)
    return render(
        request,
        "producers/certification_form.html",
        {"form": form, "certification": certification},
    )


@role_required(Role.PRODUCER)
def certification_create(request: HttpRequest) -> HttpResponse:
    return _certification_form_page(request, _producer_or_draft(request))


@role_required(Role.PRODUCER)
def certification_edit(request: HttpRequest, pk: int) -> HttpResponse:
    certification = _get_certification_for_owner(request, pk)
    return _certification_form_page(request, certification.producer, certification)


@role_required(Role.PRODUCER, Role.OFFICER, Role.PARTNER, Role.ADMIN)
def certification_document(request: HttpRequest, pk: int) -> FileResponse:
    """The scanned certificate, to its owner, officers of the producer's province,
    administrators, and (once verified) members of a partner the producer's products were sent
    to; always a download (never rendered inline), with the type we checked."""
    certification = get_object_or_404(Certification.objects.select_related("producer"), pk=pk)
    if not can_view_certification_document(request.user, certification):
        raise Http404
    if not certification.document:
        raise Http404
    ext = certification.document.name.rsplit(".", 1)[-1]
    return FileResponse(
        certification.document.open("rb"),
        as_attachment=True,
        filename=f"certificate-{certification.pk}.{ext}",
        content_type=certification.document_content_type or "application/octet-stream",
    )


# --- My data ------------------------------------------------------------------------------------


@role_required(Role.PRODUCER)
def my_data(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "producers/my_data.html",
        {"producer": _producer(request), "erase_form": EraseForm(user=request.user)},
    )


@role_required(Role.PRODUCER)
def my_data_download(request: HttpRequest) -> HttpResponse:
    producer = _producer_or_draft(request)
    data = services.producer_export(producer=producer, by=request.user)
    response = HttpResponse(data, content_type="application/zip")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="otop-portal-my-data-{stamp}.zip"'
    return response


@require_POST
@role_required(Role.PRODUCER)
def my_data_erase(request: HttpRequest) -> HttpResponse:
    form = EraseForm(request.POST, user=request.user)
    if not form.is_valid():
        return render(
            request,
            "producers/my_data.html",
            {"producer": _producer(request), "erase_form": form},
            status=400,
        )
    services.producer_erase(producer=_producer_or_draft(request), by=request.user)
    logout(request)
    messages.success(request, _("Your personal data has been erased and your account closed."))
    return redirect(reverse("landing"))


# --- Referrals of the producer's products ---------------------------------------------------


@require_POST
@role_required(Role.PRODUCER)
def referral_request(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask the officers to put this product forward to a channel it fits (POST channel code).
    The officer of the province approves or rejects it."""
    from matching.services import referral_propose
    from partners.models import Channel

    product = _get_product_for_owner(request, pk)
    channel = Channel.objects.filter(code=request.POST.get("channel", ""), is_active=True).first()
    if channel is None:
        messages.error(request, _("Choose one of the channels this product fits."))
    else:
        try:
            referral_propose(
                product=product, channel=channel, by=request.user, note=request.POST.get("note", "")
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("Your request is sent: an officer of your province will review it."),
            )
    return redirect("producers:product_detail", pk=product.pk)


@require_http_methods(["GET", "POST"])
@role_required(Role.PRODUCER)
def referral_withdraw(request: HttpRequest, pk: int, referral_pk: int) -> HttpResponse:
    """Take this product's referral back (possible until it is listed). GET asks first, naming
    the partner and the channel; the POST from that page withdraws."""
    from matching.models import ReferralState
    from matching.services import referral_transition

    product = _get_product_for_owner(request, pk)
    referral = get_object_or_404(
        product.referrals.select_related("channel__partner", "product"), pk=referral_pk
    )
    if request.method == "GET":
        return render(
            request,
            "matching/withdraw_confirm.html",
            {
                "referral": referral,
                "cancel_url": reverse("producers:product_detail", args=[product.pk]),
            },
        )
    try:
        referral_transition(
            referral_id=referral.pk,
            to_state=ReferralState.WITHDRAWN,
            by=request.user,
            note=request.POST.get("note", ""),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The referral is withdrawn."))
    return redirect("producers:product_detail", pk=product.pk)
