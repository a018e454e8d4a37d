"""Partner portal pages: the shortlist (the partner's home), a referred product's page, decisions
and questions."""

from django.urls import path

from partners import views

urlpatterns = [
    path("partner/", views.home, name="home"),
]
