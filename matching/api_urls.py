"""API routes of the matching app, mounted under /api/v1/ in the "api" namespace."""

from matching.api.referrals import ReferralViewSet
from matching.api.results import MatchResultViewSet
from otop_portal.routers import ApiRouter

router = ApiRouter()
router.register("match-results", MatchResultViewSet, basename="match-result")
router.register("referrals", ReferralViewSet, basename="referral")

urlpatterns = router.urls
