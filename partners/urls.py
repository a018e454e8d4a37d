"""Pages of the partners app: the partner directory (partners, channels, requirements) and the
partner portal (partners/portal/: shortlist and decisions, saved lists, feeds, settings)."""

from django.urls import path

from partners import views
from partners.portal import feed_views, list_views, settings_views
from partners.portal import views as portal_views

app_name = "partners"
urlpatterns = [
    # The directory.
    path("partners/", views.directory, name="directory"),
    path("partners/<slug:partner>/", views.partner_detail, name="partner_detail"),
    path("partners/<slug:partner>/edit/", views.partner_edit, name="partner_edit"),
    path("partners/<slug:partner>/channels/new/", views.channel_new, name="channel_new"),
    path(
        "partners/<slug:partner>/channels/<slug:channel>/",
        views.channel_detail,
        name="channel_detail",
    ),
    path(
        "partners/<slug:partner>/channels/<slug:channel>/edit/",
        views.channel_edit,
        name="channel_edit",
    ),
    path(
        "partners/<slug:partner>/channels/<slug:channel>/history/",
        views.channel_history,
        name="channel_history",
    ),
    # The portal: the shortlist (the partner's home), a referred product, decisions, questions.
    path("partner/", portal_views.home, name="home"),
    path("partner/referrals/bulk/", portal_views.referral_bulk, name="referral_bulk"),
    path("partner/referrals/<int:pk>/", portal_views.referral, name="referral"),
    path(
        "partner/referrals/<int:pk>/decide/", portal_views.referral_decide, name="referral_decide"
    ),
    path("partner/referrals/<int:pk>/ask/", portal_views.referral_ask, name="referral_ask"),
    # Saved lists, kept by members and shared with colleagues.
    path("partner/lists/", list_views.lists, name="lists"),
    path("partner/lists/new/", list_views.list_new, name="list_new"),
    path("partner/lists/add/", list_views.list_add, name="list_add"),
    path("partner/lists/<int:pk>/", list_views.list_detail, name="list_detail"),
    path("partner/lists/<int:pk>/edit/", list_views.list_edit, name="list_edit"),
    path("partner/lists/<int:pk>/delete/", list_views.list_delete, name="list_delete"),
    path("partner/lists/<int:pk>/remove/", list_views.list_remove, name="list_remove"),
    # Listing feeds of accepted products and the signed image links they carry.
    path("partner/feed/", feed_views.feed, name="feed"),
    path("partner/feed/download/", feed_views.feed_download, name="feed_download"),
    # No login: the links are signed and expire (partners/portal/feeds.py).
    path("feed/images/<str:token>/", feed_views.feed_image, name="feed_image"),
    # Settings: notifications, members, channel requirements, API keys.
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
