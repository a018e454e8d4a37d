from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from otop_portal.models import Invitation, Notification, Province, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "role", "partner", "is_active", "date_joined"]
    list_filter = ["role", "is_active", "is_national_officer", "partner"]
    search_fields = ["email", "full_name"]
    filter_horizontal = ["provinces", "groups", "user_permissions"]
    list_select_related = ["partner"]
    fieldsets = [
        (None, {"fields": ["email", "password", "full_name", "language"]}),
        (
            _("Role"),
            {
                "fields": [
                    "role",
                    "provinces",
                    "is_national_officer",
                    "partner",
                    "is_partner_admin",
                    "referral_emails",
                ]
            },
        ),
        (
            _("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "role", "password1", "password2"]}),
    ]


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ["code", "name_th", "name_en"]
    search_fields = ["code", "name_th", "name_en"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = [
        "email",
        "role",
        "partner",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
    ]
    list_filter = ["role"]
    search_fields = ["email"]
    readonly_fields = ["token_hash", "accepted_at", "accepted_user", "created_at"]
    list_select_related = ["partner", "invited_by"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Read-only: what each person was told, and whether the email went out."""

    list_display = ["pk", "recipient", "kind", "created_at", "read_at", "emailed_at"]
    list_filter = ["kind"]
    list_select_related = ["recipient"]
    raw_id_fields = ["recipient", "referral", "export"]
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request):
        return False
