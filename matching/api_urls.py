"""API routes of the matching app, mounted under /api/v1/ in the "api" namespace."""

from rest_framework.routers import SimpleRouter

from matching.api.referrals import ReferralViewSet
from matching.api.results import MatchResultViewSet

router = SimpleRouter()
router.register("match-results", MatchResultViewSet, basename="match-result")
router.register("referrals", ReferralViewSet, basename="referral")

urlpatterns = router.urls
