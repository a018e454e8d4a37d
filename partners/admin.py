from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from partners.models import ApiToken, Channel, ContactView, Partner, RequirementVersion


class ChannelInline(admin.TabularInline):
    model = Channel
    fields = ["code", "kind", "name_en", "is_active"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True


@admin.register(Partner)
class PartnerAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name_en", "name_th", "status", "mou_date"]
    list_filter = ["status"]
    search_fields = ["code", "name_en", "name_th"]
    inlines = [ChannelInline]


@admin.register(Channel)
class ChannelAdmin(SimpleHistoryAdmin):
    """Requirements are edited on the portal's channel page, which keeps their versions."""

    list_display = ["code", "partner", "kind", "nationwide", "is_active"]
    list_filter = ["kind", "is_active", "partner"]
    search_fields = ["code", "name_en", "name_th"]
    list_select_related = ["partner"]
    filter_horizontal = ["provinces"]
    readonly_fields = ["partner", "code", "kind", "nationwide", "provinces"]


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(RequirementVersion)
class RequirementVersionAdmin(_ReadOnly):
    list_display = ["channel", "number", "changed_by", "changed_at", "note"]
    list_select_related = ["channel", "changed_by"]
    list_filter = ["channel__partner"]
    readonly_fields = [f.name for f in RequirementVersion._meta.fields]


@admin.register(ContactView)
class ContactViewAdmin(_ReadOnly):
    """PDPA record: which partner member saw which producer's contact details, and when."""

    list_display = ["viewed_at", "viewer", "referral", "via"]
    list_filter = ["via"]
    list_select_related = ["viewer", "referral"]
    date_hierarchy = "viewed_at"


@admin.register(ApiToken)
class ApiTokenAdmin(_ReadOnly):
    """Keys are made and revoked by the partner's administrators on the portal; the key itself
    is never stored, only its hash."""

    list_display = ["name", "partner", "prefix", "created_by", "created_at", "last_used_at"]
    list_filter = ["partner"]
    list_select_related = ["partner", "created_by"]
    exclude = ["key_hash"]
