from django.urls import path

from matching import views

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
]
