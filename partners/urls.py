from django.urls import path

from partners import urls_feeds, urls_lists, urls_portal, urls_settings, views

app_name = "partners"
urlpatterns = [
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
    # The partner portal (issue 7): shortlist and decisions, saved lists, feeds, settings.
    *urls_portal.urlpatterns,
    *urls_lists.urlpatterns,
    *urls_feeds.urlpatterns,
    *urls_settings.urlpatterns,
]
