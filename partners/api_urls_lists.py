"""API: saved lists (mounted under /api/v1/, namespace "api")."""

from rest_framework.routers import SimpleRouter

from partners import lists_api

router = SimpleRouter()
router.register("saved-lists", lists_api.SavedListViewSet, basename="saved-list")

urlpatterns = router.urls
