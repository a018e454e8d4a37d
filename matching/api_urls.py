"""API routes of the matching app, mounted under /api/v1/ in the "api" namespace."""

from rest_framework.routers import SimpleRouter

from matching import api

router = SimpleRouter()
router.register("match-results", api.MatchResultViewSet, basename="match-result")
router.register("referrals", api.ReferralViewSet, basename="referral")

urlpatterns = router.urls
