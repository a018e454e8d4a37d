"""API routes of the producers app, mounted under /api/v1/ in the "api" namespace."""

from django.urls import include, path

from otop_portal.routers import ApiRouter
from producers import api

router = ApiRouter()
router.register("products", api.ProductViewSet, basename="product")
router.register("product-photos", api.ProductPhotoViewSet, basename="product-photo")
router.register("certifications", api.CertificationViewSet, basename="certification")

urlpatterns = [
    path("producer/profile/", api.ProducerProfileView.as_view(), name="producer-profile"),
    path(
        "producer/profile/submit/", api.ProducerSubmitView.as_view(), name="producer-profile-submit"
    ),
    path("", include(router.urls)),
]
