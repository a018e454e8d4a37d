"""API routes of the partners app, mounted under /api/v1/ in the "api" namespace: the directory
(partners, channels, requirements) and the partner portal (shortlist, saved lists, the listing
feed, API keys)."""

from django.urls import path

from otop_portal.routers import ApiRouter
from partners import api
from partners.portal import feeds_api, lists_api, settings_api
from partners.portal.api import ShortlistViewSet

router = ApiRouter()
router.register("partners", api.PartnerViewSet, basename="partner")
router.register("channels", api.ChannelViewSet, basename="channel")
router.register("requirements", api.RequirementViewSet, basename="requirement")
router.register("shortlist", ShortlistViewSet, basename="shortlist")
router.register("saved-lists", lists_api.SavedListViewSet, basename="saved-list")
router.register("partner-keys", settings_api.ApiKeyViewSet, basename="partner-key")

urlpatterns = [
    *router.urls,
    path("partner-feed/", feeds_api.PartnerFeedView.as_view(), name="partner-feed"),
]
