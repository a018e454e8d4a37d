"""Partner settings: notification preference, members and invitations, channel requirements,
API keys."""

from django.urls import path

from partners import settings_views

urlpatterns = [
    path("partner/settings/", settings_views.settings_home, name="settings"),
    path(
        "partner/settings/members/<int:pk>/admin/",
        settings_views.member_admin,
        name="member_admin",
    ),
    path(
        "partner/settings/members/<int:pk>/deactivate/",
        settings_views.member_deactivate,
        name="member_deactivate",
    ),
    path("partner/settings/api-keys/", settings_views.api_keys, name="api_keys"),
    path(
        "partner/settings/api-keys/<int:pk>/revoke/",
        settings_views.api_key_revoke,
        name="api_key_revoke",
    ),
]
