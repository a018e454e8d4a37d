"""API: the partner's shortlist (mounted under /api/v1/, namespace "api")."""

from rest_framework.routers import SimpleRouter

from partners.portal_api import ShortlistViewSet

router = SimpleRouter()
router.register("shortlist", ShortlistViewSet, basename="shortlist")

urlpatterns = router.urls
