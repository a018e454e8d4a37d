"""API: the listing feed (mounted under /api/v1/, namespace "api")."""

from django.urls import path

from partners import feeds_api

urlpatterns = [
    path("partner-feed/", feeds_api.PartnerFeedView.as_view(), name="partner-feed"),
]
