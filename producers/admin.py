from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from producers.models import (
    Category,
    CertificateReminder,
    Certification,
    CertificationType,
    ClaimAttempt,
    ClaimCode,
    NationalIdView,
    Producer,
    ProducerEvent,
    Product,
    ProductPhoto,
    RegisterImport,
    SubCategory,
)


class SubCategoryInline(admin.TabularInline):
    model = SubCategory
    extra = 0


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name_th", "name_en", "sort_order"]
    inlines = [SubCategoryInline]


@admin.register(CertificationType)
class CertificationTypeAdmin(admin.ModelAdmin):
    list_display = ["code", "name_th", "name_en", "issuer_en", "typical_validity_months"]


@admin.register(Producer)
class ProducerAdmin(SimpleHistoryAdmin):
    """The national ID is not shown here: officers see it through the portal, where each full
    view is logged (producers.selectors.producer_national_id_for)."""

    list_display = ["pk", "name_th", "producer_type", "province", "status", "created_at"]
    list_filter = ["status", "producer_type", "province"]
    search_fields = ["name_th", "name_en", "user__email"]
    exclude = ["national_id"]
    readonly_fields = ["user", "national_id_hash", "verified_by", "verified_at", "erased_at"]
    raw_id_fields = ["province"]


class ProductPhotoInline(admin.TabularInline):
    model = ProductPhoto
    extra = 0
    readonly_fields = ["width", "height"]


@admin.register(Product)
class ProductAdmin(SimpleHistoryAdmin):
    list_display = ["pk", "name_th", "producer", "category", "status"]
    list_filter = ["status", "category"]
    search_fields = ["name_th", "name_en", "gtin"]
    raw_id_fields = ["producer"]
    inlines = [ProductPhotoInline]


@admin.register(Certification)
class CertificationAdmin(SimpleHistoryAdmin):
    list_display = ["pk", "type", "number", "producer", "status", "expires_on"]
    list_filter = ["status", "type"]
    search_fields = ["number"]
    raw_id_fields = ["producer", "products", "verified_by"]
    exclude = ["document"]  # private file: no public URL; see the document link
    readonly_fields = ["document_link"]

    @admin.display(description="document")
    def document_link(self, obj):
        if not obj.document:
            return "-"
        return format_html(
            '<a href="{}">download</a>',
            reverse("producers:certification_document", args=[obj.pk]),
        )


@admin.register(ProducerEvent)
class ProducerEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "producer", "action", "actor"]
    list_filter = ["action"]
    raw_id_fields = ["producer", "actor"]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(NationalIdView)
class NationalIdViewAdmin(admin.ModelAdmin):
    list_display = ["viewed_at", "officer", "producer"]
    raw_id_fields = ["officer", "producer"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CertificateReminder)
class CertificateReminderAdmin(admin.ModelAdmin):
    list_display = ["sent_at", "certification", "days_before"]
    raw_id_fields = ["certification"]


class _ReadOnlyAdmin(admin.ModelAdmin):
    """Audit records: seen in the admin, written only by the portal."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(RegisterImport)
class RegisterImportAdmin(_ReadOnlyAdmin):
    list_display = [
        "pk",
        "filename",
        "dry_run",
        "status",
        "created",
        "updated",
        "unchanged",
        "rejected",
        "uploaded_by",
        "created_at",
    ]
    list_filter = ["status", "dry_run"]
    exclude = ["file"]  # it holds national IDs: not offered for download here


@admin.register(ClaimCode)
class ClaimCodeAdmin(_ReadOnlyAdmin):
    list_display = [
        "pk",
        "producer",
        "issued_by",
        "created_at",
        "expires_at",
        "used_at",
        "used_by",
        "revoked_at",
    ]
    exclude = ["code_hash"]
    raw_id_fields = ["producer"]


@admin.register(ClaimAttempt)
class ClaimAttemptAdmin(_ReadOnlyAdmin):
    list_display = ["pk", "user", "ip_address", "outcome", "succeeded", "producer", "created_at"]
    list_filter = ["succeeded", "outcome"]
    search_fields = ["user__email", "ip_address"]
