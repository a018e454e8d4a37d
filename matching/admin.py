from django.contrib import admin

from matching.models import ExportJob, MatchResult, Referral, ReferralEvent, ReferralMessage


class ReferralEventInline(admin.TabularInline):
    model = ReferralEvent
    extra = 0
    can_delete = False
    readonly_fields = ["created_at", "actor", "from_state", "to_state", "note"]

    def has_add_permission(self, request, obj=None):
        return False


class ReferralMessageInline(admin.TabularInline):
    model = ReferralMessage
    extra = 0
    can_delete = False
    readonly_fields = ["created_at", "author", "text"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Referral)
class ReferralAdmin(admin.ModelAdmin):
    """Read-only: states move only through matching.services.referral_transition."""

    list_display = ["pk", "product", "channel", "state", "updated_at"]
    list_filter = ["state", "channel__partner"]
    list_select_related = ["product", "channel"]
    readonly_fields = [f.name for f in Referral._meta.fields]
    inlines = [ReferralEventInline, ReferralMessageInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(MatchResult)
class MatchResultAdmin(admin.ModelAdmin):
    list_display = ["product", "channel", "eligible", "score", "requirement_version", "computed_at"]
    list_filter = ["eligible", "channel"]
    list_select_related = ["product", "channel"]
    raw_id_fields = ["product", "channel"]
    readonly_fields = [f.name for f in MatchResult._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    """Read-only: which lists were downloaded, by whom and with which filters (the file itself is
    served only to its requester)."""

    list_display = [
        "pk",
        "requested_by",
        "list_name",
        "format",
        "status",
        "row_count",
        "created_at",
    ]
    list_filter = ["status", "list_name", "format"]
    list_select_related = ["requested_by"]
    readonly_fields = [f.name for f in ExportJob._meta.fields if f.name != "file"]
    exclude = ["file"]

    def has_add_permission(self, request):
        return False
