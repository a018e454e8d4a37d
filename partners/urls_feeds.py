"""Listing feeds of accepted products (CSV, Excel, JSON) and the signed image links they carry."""

from django.urls import path

from partners import feed_views

urlpatterns = [
    path("partner/feed/", feed_views.feed, name="feed"),
    path("partner/feed/download/", feed_views.feed_download, name="feed_download"),
    # No login: the links are signed and expire (partners/feeds.py).
    path("feed/images/<str:token>/", feed_views.feed_image, name="feed_image"),
]
