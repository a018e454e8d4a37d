"""Partner portal pages: the shortlist (the partner's home), a referred product's page,
decisions and questions."""

from django.urls import path

from partners import portal_views

urlpatterns = [
    path("partner/", portal_views.home, name="home"),
    path("partner/referrals/bulk/", portal_views.referral_bulk, name="referral_bulk"),
    path("partner/referrals/<int:pk>/", portal_views.referral, name="referral"),
    path(
        "partner/referrals/<int:pk>/decide/", portal_views.referral_decide, name="referral_decide"
    ),
    path("partner/referrals/<int:pk>/ask/", portal_views.referral_ask, name="referral_ask"),
]
