"""API: API keys and who is calling (mounted under /api/v1/, namespace "api")."""

from rest_framework.routers import SimpleRouter

from partners import settings_api

router = SimpleRouter()
router.register("partner-keys", settings_api.ApiKeyViewSet, basename="partner-key")

urlpatterns = router.urls
