"""API routes of the partners app, mounted under /api/v1/ in the "api" namespace."""

from rest_framework.routers import SimpleRouter

from partners import api

router = SimpleRouter()
router.register("partners", api.PartnerViewSet, basename="partner")
router.register("channels", api.ChannelViewSet, basename="channel")
router.register("requirements", api.RequirementViewSet, basename="requirement")

urlpatterns = router.urls
