from django.urls import path, re_path

from matching.officer import audit, dashboard, export_views, referral_views, views

app_name = "matching"
urlpatterns = [
    path("", views.officer_home, name="officer_home"),
    path("candidates/", views.officer_candidates, name="officer_candidates"),
    path("producers/", views.officer_producers, name="officer_producers"),
    path("producers/<int:pk>/", views.officer_producer, name="officer_producer"),
    path("certificates/", views.officer_certificates, name="officer_certificates"),
    path(
        "certificates/expiring/",
        views.officer_expiring_certificates,
        name="officer_expiring_certificates",
    ),
    path("certificates/<int:pk>/", views.officer_certificate, name="officer_certificate"),
    re_path(
        rf"^(?P<list_name>{export_views.LIST_NAMES_PATTERN})/export/$",
        export_views.export,
        name="export",
    ),
    path("exports/", export_views.export_list, name="exports"),
    path("exports/<int:pk>/download/", export_views.export_download, name="export_download"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("producers/<int:pk>/history/", audit.producer_history, name="producer_history"),
    path("certificates/<int:pk>/history/", audit.certificate_history, name="certificate_history"),
    path("referrals/", referral_views.referral_list, name="referrals"),
    path("referrals/bulk/", referral_views.referral_bulk, name="referral_bulk"),
    path("referrals/<int:pk>/", referral_views.referral_detail, name="referral"),
    path("referrals/<int:pk>/messages/", referral_views.referral_message, name="referral_message"),
    path("candidates/refer/", referral_views.candidates_refer, name="candidates_refer"),
]
