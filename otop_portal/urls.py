from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from otop_portal import api, api_errors, views

# The admin login goes through allauth's login, so its rate limits protect it too.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "OTOP Portal"

router = DefaultRouter()
router.register("provinces", api.ProvinceViewSet, basename="province")

api_v1 = (
    [
        path("me/", api.MeView.as_view(), name="me"),
        path("", include("producers.api_urls")),
        path("", include("partners.api_urls")),
        path("", include("matching.api_urls")),
        path("", include(router.urls)),
    ],
    "api",
)

handler404 = api_errors.page_not_found
handler500 = api_errors.server_error

urlpatterns = [
    path("", views.landing, name="landing"),
    path("home/", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("manage/", views.admin_home, name="admin_home"),
    path("invitations/", views.invitation_list, name="invitation_list"),
    path("invitations/<int:pk>/revoke/", views.invitation_revoke_view, name="invitation_revoke"),
    path(
        "invitations/accept/<str:token>/",
        views.invitation_accept_view,
        name="invitation_accept",
    ),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("account/notifications/", views.notification_settings, name="notification_settings"),
    path("accounts/", include("allauth.urls")),
    path("producer/", include("producers.urls")),
    path("", include("partners.urls")),
    path("officer/", include("matching.urls")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    # Anything else under /api/ (an unknown path, an id such as 0.5) is a JSON 404, DEBUG or not.
    re_path(r"^api/", api_errors.api_not_found),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    # Local media in the embedded default only; production serves MEDIA_ROOT from the web server
    # or object storage.
    urlpatterns += [
        path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT}),
    ]
