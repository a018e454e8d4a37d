"""Writes for producers, products and certification records.

Every state change checks the transition, locks the row and writes its audit entry in one
transaction. Views and the API call these; nothing here knows about requests.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import io
import json
import zipfile
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from otop_portal.counts import QUEUES, counts_changed
from otop_portal.emails import subject_prefix
from otop_portal.models import User
from otop_portal.templatetags.thai_dates import format_local_date
from producers import validators
from producers.models import (
    CERTIFICATION_FIELDS,
    LEGAL_IDENTITY_FIELDS,
    MAX_PHOTOS,
    OTOP_STARS_CODE,
    PRODUCT_FIELDS,
    REMINDER_DAYS,
    STEP_FIELDS,
    CertificateReminder,
    Certification,
    CertificationScope,
    CertificationStatus,
    Producer,
    ProducerEvent,
    ProducerStatus,
    ProducerType,
    Product,
    ProductPhoto,
    ProductStatus,
)
from producers.uploads import clean_document, clean_photo

# --- Producers ----------------------------------------------------------------------------------


def national_id_hash(number: str) -> str:
    """Keyed hash (HMAC-SHA256 with PII_HASH_KEY) to find the same ID without decrypting."""
    if not number:
        return ""
    return hmac.new(settings.PII_HASH_KEY.encode(), number.encode(), hashlib.sha256).hexdigest()


REGISTRATION_STEPS = ["identity", "address", "contact", "confirm"]


def producer_get_or_create_draft(*, user: User) -> Producer:
    """The producer profile of this account, made as an empty draft on first use."""
    producer, _created = Producer.objects.get_or_create(user=user)
    return producer


def _single_owner_duplicate(producer: Producer) -> bool:
    return (
        producer.producer_type == ProducerType.SINGLE_OWNER
        and bool(producer.national_id_hash)
        and Producer.objects.filter(
            national_id_hash=producer.national_id_hash,
            producer_type=ProducerType.SINGLE_OWNER,
        )
        .exclude(pk=producer.pk)
        .exists()
    )


DUPLICATE_SINGLE_OWNER = gettext_noop(
    "This national ID is already registered to another single-owner producer. A person can "
    "register only once as a single owner. If this is a mistake, contact your district "
    "Community Development office."
)


def _check_identity(producer: Producer) -> None:
    errors: dict[str, str] = {}
    if producer.producer_type == ProducerType.SME and not producer.juristic_id:
        errors["juristic_id"] = _("An SME producer gives its juristic-person number.")
    if _single_owner_duplicate(producer):
        errors["national_id"] = _(DUPLICATE_SINGLE_OWNER)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def producer_save_step(*, producer: Producer, step: str, data: dict, by: User) -> Producer:
    """Save one registration step of a producer's own profile (a draft is saved as it is).

    `data` holds the cleaned values of that step's fields. Changing the legal identity of a
    verified producer sends it back for review. Raises ValidationError by field.
    """
    if step not in STEP_FIELDS:
        raise ValueError(step)
    producer = Producer.objects.select_for_update().get(pk=producer.pk)
    before = {f: getattr(producer, f) for f in LEGAL_IDENTITY_FIELDS}
    for field in STEP_FIELDS[step]:
        if field in data:
            setattr(producer, field, data[field])
    if step == "identity":
        producer.national_id = producer.national_id or None
        producer.national_id_hash = national_id_hash(producer.national_id or "")
        _check_identity(producer)
    if step == "address":
        errors = validators.validate_address(
            province_code=producer.province.code if producer.province else "",
            district_code=producer.district_code,
            subdistrict_code=producer.subdistrict_code,
            postal_code=producer.postal_code,
        )
        if errors:
            raise ValidationError(errors)
    position = REGISTRATION_STEPS.index(step) + 1
    producer.registration_step = max(producer.registration_step, position)
    changed = [f for f in LEGAL_IDENTITY_FIELDS if getattr(producer, f) != before[f]]
    if changed and producer.status == ProducerStatus.VERIFIED:
        producer.status = ProducerStatus.SUBMITTED
        producer.submitted_at = timezone.now()
        counts_changed(QUEUES)  # back in the officers' queue of producers to verify
        ProducerEvent.objects.create(
            producer=producer,
            actor=by,
            action=ProducerEvent.Action.IDENTITY_CHANGED,
            data={"fields": changed},
        )
        producer._change_reason = "legal identity changed: back to review"
    producer.full_clean(exclude=["user", "national_id"])
    try:
        with transaction.atomic():
            producer.save()
    except IntegrityError:
        # Two registrations raced past the check: the unique index decides.
        raise ValidationError({"national_id": _(DUPLICATE_SINGLE_OWNER)}) from None
    return producer


def producer_missing(producer: Producer | None) -> list[tuple[str, str]]:
    """What the producer still has to fill in before submitting: (step, message) pairs."""
    if producer is None:
        return [("identity", _("Who you are: producer type, name and ID"))]
    missing = []
    if not (producer.producer_type and producer.name_th and producer.national_id_hash):
        missing.append(("identity", _("Who you are: producer type, name and ID")))
    if not (producer.province_id and producer.subdistrict_code and producer.postal_code):
        missing.append(("address", _("Address: province, district, subdistrict and postal code")))
    if not (producer.phone and producer.community_roles):
        missing.append(
            ("contact", _("Contact and community: phone and how the community takes part"))
        )
    if not producer.privacy_consented_at:
        missing.append(("confirm", _("Consent to the privacy notice and submit")))
    return missing


@transaction.atomic
def producer_submit(*, producer: Producer, by: User, consent: bool) -> Producer:
    """The producer consents to the privacy notice and sends the profile for review.

    Allowed from draft or returned. Raises ValidationError naming what is missing.
    """
    producer = Producer.objects.select_for_update().get(pk=producer.pk)
    if producer.status == ProducerStatus.VERIFIED and not producer.privacy_consented_at:
        # A register record, claimed: already verified by the state; its new owner only
        # accepts the privacy notice.
        if not consent:
            raise ValidationError(
                {"consent": _("Tick the box to agree to the privacy notice before you submit.")}
            )
        producer.privacy_consent_version = settings.PRIVACY_NOTICE_VERSION
        producer.privacy_consented_at = timezone.now()
        producer._change_reason = "privacy notice accepted (register record)"
        producer.save(
            update_fields=["privacy_consent_version", "privacy_consented_at", "updated_at"]
        )
        return producer
    if producer.status not in (ProducerStatus.DRAFT, ProducerStatus.RETURNED):
        raise ValidationError(_("This profile has already been sent for review."))
    if not consent:
        raise ValidationError(
            {"consent": _("Tick the box to agree to the privacy notice before you submit.")}
        )
    producer.privacy_consent_version = settings.PRIVACY_NOTICE_VERSION
    producer.privacy_consented_at = timezone.now()
    missing = [msg for step, msg in producer_missing(producer) if step != "confirm"]
    if missing:
        raise ValidationError(
            _("Some steps are not complete yet: %(steps)s.") % {"steps": "; ".join(missing)}
        )
    producer.status = ProducerStatus.SUBMITTED
    producer.submitted_at = producer.privacy_consented_at
    producer.registration_step = len(REGISTRATION_STEPS)
    producer._change_reason = "submitted"
    producer.save()
    ProducerEvent.objects.create(
        producer=producer,
        actor=by,
        action=ProducerEvent.Action.SUBMITTED,
        data={"privacy_notice": producer.privacy_consent_version},
    )
    counts_changed(QUEUES)
    return producer


@transaction.atomic
def producer_verify(*, producer: Producer, by: User) -> Producer:
    """An officer confirms a submitted producer (officer side: a later issue)."""
    producer = Producer.objects.select_for_update().get(pk=producer.pk)
    if producer.status != ProducerStatus.SUBMITTED:
        raise ValidationError(_("Only a producer waiting for review can be verified."))
    producer.status = ProducerStatus.VERIFIED
    producer.return_reason = ""
    producer.verified_at = timezone.now()
    producer.verified_by = by
    producer._change_reason = "verified"
    producer.save()
    ProducerEvent.objects.create(producer=producer, actor=by, action=ProducerEvent.Action.VERIFIED)
    counts_changed(QUEUES)
    return producer


@transaction.atomic
def producer_return(*, producer: Producer, by: User, reason: str) -> Producer:
    """An officer sends a submitted producer back with the reason (shown to the producer)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say what the producer should change.")})
    producer = Producer.objects.select_for_update().get(pk=producer.pk)
    if producer.status != ProducerStatus.SUBMITTED:
        raise ValidationError(_("Only a producer waiting for review can be returned."))
    producer.status = ProducerStatus.RETURNED
    producer.return_reason = reason
    producer._change_reason = "returned"
    producer.save()
    ProducerEvent.objects.create(
        producer=producer, actor=by, action=ProducerEvent.Action.RETURNED, data={"reason": reason}
    )
    counts_changed(QUEUES)
    return producer


# --- Products -----------------------------------------------------------------------------------


def _check_product(product: Product) -> None:
    if product.subcategory_id and product.subcategory.category_id != product.category_id:
        raise ValidationError(
            {
                "subcategory": _(
                    "This sub-type belongs to another category. Choose one of %(category)s."
                )
                % {"category": product.category}
            }
        )
    product.full_clean(exclude=["producer"])


def _add_photos(product: Product, photos: Iterable) -> list[ProductPhoto]:
    photos = list(photos)
    if not photos:
        return []
    existing = product.photos.count()
    if existing + len(photos) > MAX_PHOTOS:
        raise ValidationError(
            {
                "photos": _("A product has at most %(max)d photos; it has %(count)d already.")
                % {"max": MAX_PHOTOS, "count": existing}
            }
        )
    cleaned = []
    for upload in photos:
        try:
            cleaned.append(clean_photo(upload))
        except ValidationError as error:
            name = getattr(upload, "name", "")
            raise ValidationError({"photos": [f"{name}: {m}" for m in error.messages]}) from None
    made = []
    for offset, clean in enumerate(cleaned):
        photo = ProductPhoto(product=product, position=existing + offset)
        photo.image.save(clean.image.name, clean.image, save=False)
        photo.thumbnail.save(clean.thumbnail.name, clean.thumbnail, save=False)
        photo.save()
        made.append(photo)
    return made


@transaction.atomic
def product_create(*, producer: Producer, data: dict, photos: Iterable = ()) -> Product:
    """Add a product with its photos (each checked and re-encoded). All or nothing. Without a
    status it goes on sale when it is complete enough to be matched (it has a price), else it
    starts as a draft."""
    product = Product(producer=producer, **{k: v for k, v in data.items() if k in PRODUCT_FIELDS})
    if not data.get("status"):
        product.status = ProductStatus.ACTIVE if product.price is not None else ProductStatus.DRAFT
    _check_product(product)
    product.save()
    _add_photos(product, photos)
    counts_changed(QUEUES)
    return product


@transaction.atomic
def product_update(*, product: Product, data: dict, photos: Iterable = ()) -> Product:
    product = Product.objects.select_for_update().get(pk=product.pk)
    for key, value in data.items():
        if key in PRODUCT_FIELDS:
            setattr(product, key, value)
    _check_product(product)
    product.save()
    _add_photos(product, photos)
    counts_changed(QUEUES)
    return product


@transaction.atomic
def product_photo_add(*, product: Product, upload) -> ProductPhoto:
    Product.objects.select_for_update().get(pk=product.pk)
    counts_changed(QUEUES)
    return _add_photos(product, [upload])[0]


@transaction.atomic
def product_photo_delete(*, photo: ProductPhoto) -> None:
    files = [photo.image, photo.thumbnail]
    photo.delete()
    for f in files:
        transaction.on_commit(lambda f=f: f.storage.delete(f.name) if f.name else None)
    counts_changed(QUEUES)


# --- Certification records ----------------------------------------------------------------------

# The values set on the record itself; its products are set once it is saved.
CERTIFICATION_VALUES = [f for f in CERTIFICATION_FIELDS if f != "products"]


def _latest_expiry(cert: Certification) -> dt.date | None:
    """The latest believable expiry date: the issue date plus the type's longest validity."""
    if not (cert.issued_on and cert.type_id):
        return None
    years = cert.type.max_validity_years
    try:
        return cert.issued_on.replace(year=cert.issued_on.year + years)
    except ValueError:  # 29 February
        return cert.issued_on.replace(year=cert.issued_on.year + years, day=28)


def _check_certification(cert: Certification, products: list[Product] | None) -> None:
    errors: dict[str, list[str]] = {}
    if cert.type_id:
        try:
            cert.number = validators.validate_certificate_number(cert.type.code, cert.number)
        except ValidationError as error:
            errors["number"] = error.messages
    if cert.issued_on and cert.expires_on and cert.expires_on <= cert.issued_on:
        errors["expires_on"] = [_("The expiry date must be after the issue date.")]
    if cert.issued_on and cert.issued_on > timezone.localdate():
        errors["issued_on"] = [_("The issue date cannot be in the future.")]
    latest = _latest_expiry(cert)
    if latest and cert.expires_on and cert.expires_on > latest and "expires_on" not in errors:
        errors["expires_on"] = [
            _(
                "%(type)s is valid for at most %(years)s years, so it expires by %(date)s. "
                "Check the year you typed."
            )
            % {
                "type": cert.type.name,
                "years": cert.type.max_validity_years,
                "date": format_local_date(latest),
            }
        ]
    if cert.type_id and cert.type.code == OTOP_STARS_CODE:
        if not cert.star_level:
            errors["star_level"] = [_("Choose the number of stars (1 to 5).")]
        if not cert.award_year:
            errors["award_year"] = [_("Type the year the stars were awarded.")]
    else:
        cert.star_level = None
        cert.award_year = None
    if cert.award_year and not (2003 <= cert.award_year <= timezone.localdate().year):
        errors["award_year"] = [validators.award_year_message()]
    if products is not None:
        foreign = [p for p in products if p.producer_id != cert.producer_id]
        if foreign:
            errors["products"] = [_("Choose only your own products.")]
        if cert.scope == CertificationScope.PRODUCTS and not products:
            errors["products"] = [_("Choose the products this certificate covers.")]
    if errors:
        raise ValidationError(errors)
    cert.full_clean(exclude=["producer", "document"])


def _attach_document(cert: Certification, upload) -> None:
    try:
        clean = clean_document(upload)
    except ValidationError as error:
        raise ValidationError({"document": error.messages}) from None
    # The scan it replaces stays in the private storage: the certificate's history points at
    # it (the evidence an officer verified). Only erasure removes scans (producer_erase).
    cert.document.save(clean.content.name, clean.content, save=False)
    cert.document_content_type = clean.content_type


@transaction.atomic
def certification_create(
    *, producer: Producer, data: dict, products: list[Product] | None = None, document=None
) -> Certification:
    """Record a certificate for review (status pending)."""
    cert = Certification(
        producer=producer, **{k: v for k, v in data.items() if k in CERTIFICATION_VALUES}
    )
    products = list(products or [])
    _check_certification(cert, products)
    if document is not None:
        _attach_document(cert, document)
    cert.save()
    cert.products.set(products if cert.scope == CertificationScope.PRODUCTS else [])
    counts_changed(QUEUES)
    return cert


@transaction.atomic
def certification_update(
    *,
    certification: Certification,
    data: dict,
    products: list[Product] | None = None,
    document=None,
) -> Certification:
    """The producer corrects a record; a verified or rejected one goes back for review."""
    cert = Certification.objects.select_for_update().select_related("type").get(pk=certification.pk)
    for key, value in data.items():
        if key in CERTIFICATION_VALUES:
            setattr(cert, key, value)
    if products is None:
        products = list(cert.products.all())
    _check_certification(cert, list(products))
    if document is not None:
        _attach_document(cert, document)
    if cert.status in (CertificationStatus.VERIFIED, CertificationStatus.REJECTED):
        cert.status = CertificationStatus.PENDING
        cert.verified_by = None
        cert.verified_at = None
        cert._change_reason = "changed by the producer: back to review"
    cert.save()
    cert.products.set(products if cert.scope == CertificationScope.PRODUCTS else [])
    counts_changed(QUEUES)
    return cert


@transaction.atomic
def certification_verify(*, certification: Certification, by: User) -> Certification:
    """An officer confirms a pending certificate (officer side: a later issue)."""
    cert = Certification.objects.select_for_update().get(pk=certification.pk)
    if cert.status != CertificationStatus.PENDING:
        raise ValidationError(_("Only a certificate waiting for review can be verified."))
    if cert.expires_on and cert.expires_on < timezone.localdate():
        raise ValidationError(_("This certificate has expired; it cannot be verified."))
    cert.status = CertificationStatus.VERIFIED
    cert.reject_reason = ""
    cert.verified_by = by
    cert.verified_at = timezone.now()
    cert._change_reason = "verified"
    cert.save()
    counts_changed(QUEUES)
    return cert


@transaction.atomic
def certification_reject(*, certification: Certification, by: User, reason: str) -> Certification:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the certificate is rejected.")})
    cert = Certification.objects.select_for_update().get(pk=certification.pk)
    if cert.status != CertificationStatus.PENDING:
        raise ValidationError(_("Only a certificate waiting for review can be rejected."))
    cert.status = CertificationStatus.REJECTED
    cert.reject_reason = reason
    cert.verified_by = by
    cert.verified_at = timezone.now()
    cert._change_reason = "rejected"
    cert.save()
    counts_changed(QUEUES)
    return cert


def certifications_expire(*, today: dt.date | None = None) -> int:
    """Mark pending and verified certificates past their expiry date as expired."""
    today = today or timezone.localdate()
    expired = 0
    with transaction.atomic():
        for cert in Certification.objects.select_for_update().filter(
            expires_on__lt=today,
            status__in=[CertificationStatus.PENDING, CertificationStatus.VERIFIED],
        ):
            cert.status = CertificationStatus.EXPIRED
            cert._change_reason = "expired"
            cert.save(update_fields=["status", "updated_at"])
            expired += 1
    counts_changed(QUEUES)
    return expired


def certificate_reminders_send(*, today: dt.date | None = None) -> int:
    """Email producers 60, 30 and 7 days before a certificate expires; each reminder once.

    A reminder that is due but was missed (the job did not run that day) is sent at the next
    run, once, for the nearest threshold only. Returns the number of emails sent.
    """
    today = today or timezone.localdate()
    sent = 0
    window_end = today + dt.timedelta(days=max(REMINDER_DAYS))
    certs = (
        Certification.objects.filter(
            expires_on__gte=today,
            expires_on__lte=window_end,
            status__in=[CertificationStatus.PENDING, CertificationStatus.VERIFIED],
            producer__erased_at__isnull=True,
            producer__user__is_active=True,
        )
        .select_related("type", "producer__user")
        .prefetch_related("reminders")
    )
    for cert in certs:
        days_left = (cert.expires_on - today).days
        due = min(d for d in REMINDER_DAYS if d >= days_left)
        already = {r.days_before for r in cert.reminders.all()}
        if any(d <= due for d in already):
            continue
        try:
            with transaction.atomic():
                CertificateReminder.objects.create(certification=cert, days_before=due)
        except IntegrityError:
            continue  # another run got there first
        _send_reminder(cert, days_left)
        sent += 1
    return sent


def _send_reminder(cert: Certification, days_left: int) -> None:
    user = cert.producer.user
    with translation.override(user.language):
        context = {"certification": cert, "days_left": days_left, "producer": cert.producer}
        subject = render_to_string("email/certificate_expiry_subject.txt", context).strip()
        body = render_to_string("email/certificate_expiry_body.txt", context)
        subject = subject_prefix() + subject
    send_mail(
        subject,
        body,
        settings.DEFAULT_FROM_EMAIL,
        [user.email],
    )


# --- My data (PDPA) -----------------------------------------------------------------------------


def producer_export(*, producer: Producer, by: User) -> bytes:
    """Everything the portal holds about this producer: data.json plus their files, zipped."""
    from producers.selectors import producer_export_data

    data = producer_export_data(producer)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "data.json", json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
        )
        for product in producer.products.prefetch_related("photos"):
            for photo in product.photos.all():
                if photo.image.name:
                    with photo.image.open("rb") as f:
                        archive.writestr(f"photos/{photo.image.name.rsplit('/', 1)[-1]}", f.read())
        for cert in producer.certifications.all():
            if cert.document.name:
                with cert.document.open("rb") as f:
                    archive.writestr(
                        f"certificates/{cert.document.name.rsplit('/', 1)[-1]}", f.read()
                    )
    ProducerEvent.objects.create(producer=producer, actor=by, action=ProducerEvent.Action.EXPORTED)
    return buffer.getvalue()


# Blanked on erasure, in the profile and in every history row.
PERSONAL_FIELDS = {
    "national_id_hash": "",
    "register_key_hash": "",
    "juristic_id": "",
    "community_enterprise_code": "",
    "house_no": "",
    "moo": "",
    "street": "",
    "phone": "",
    "line_id": "",
}


@transaction.atomic
def producer_erase(*, producer: Producer, by: User) -> Producer:
    """Erase a producer's personal data at their request (PDPA right to erasure).

    Kept: the audit trail (events, ID-view log), the products under an anonymous name (referrals
    point at them) and the geography down to the subdistrict. Removed: names, ID numbers,
    address lines, phone, LINE, scanned certificates, the account's email and password; the
    account is deactivated.
    """
    producer = (
        Producer.objects.select_for_update(of=("self",)).select_related("user").get(pk=producer.pk)
    )
    if producer.erased_at:
        raise ValidationError(_("This account has already been erased."))
    anonymous = {
        "name_th": f"ผู้ผลิตที่ลบข้อมูลแล้ว #{producer.pk}",
        "name_en": f"Erased producer #{producer.pk}",
    }
    for field, value in {**PERSONAL_FIELDS, **anonymous}.items():
        setattr(producer, field, value)
    producer.national_id = None
    producer.erased_at = timezone.now()
    producer._change_reason = "erased at the producer's request"
    producer.save()
    producer.history.update(**PERSONAL_FIELDS, **anonymous)
    # Every scan, the current ones and those replaced earlier that only the history keeps.
    storage = Certification._meta.get_field("document").storage
    history = Certification.history.filter(producer_id=producer.pk)
    names = set(history.exclude(document="").values_list("document", flat=True))
    for cert in producer.certifications.all():
        if cert.document.name:
            names.add(cert.document.name)
            cert.document = ""
            cert.save(update_fields=["document", "updated_at"])
    history.update(document="")
    for name in sorted(names):
        transaction.on_commit(lambda n=name: storage.delete(n))

    user = producer.user
    if user is not None:  # None: a register record nobody has claimed
        user.email = f"erased-{user.pk}@erased.invalid"
        user.full_name = ""
        user.is_active = False
        user.set_unusable_password()
        user.save()
        from allauth.account.models import EmailAddress
        from rest_framework.authtoken.models import Token

        EmailAddress.objects.filter(user=user).delete()
        Token.objects.filter(user=user).delete()
    ProducerEvent.objects.create(producer=producer, actor=by, action=ProducerEvent.Action.ERASED)
    counts_changed(QUEUES)
    return producer
