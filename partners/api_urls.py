"""API routes of the partners app, mounted under /api/v1/ in the "api" namespace."""

from rest_framework.routers import SimpleRouter

from partners import api, api_urls_feeds, api_urls_lists, api_urls_portal, api_urls_settings

router = SimpleRouter()
router.register("partners", api.PartnerViewSet, basename="partner")
router.register("channels", api.ChannelViewSet, basename="channel")
router.register("requirements", api.RequirementViewSet, basename="requirement")

urlpatterns = [
    *router.urls,
    *api_urls_portal.urlpatterns,  # the partner's shortlist
    *api_urls_lists.urlpatterns,  # saved lists
    *api_urls_feeds.urlpatterns,  # the listing feed
    *api_urls_settings.urlpatterns,  # API keys
]
