"""Saved lists of products, kept by partner members and shared with colleagues."""

from django.urls import path

from partners import list_views

urlpatterns = [
    path("partner/lists/", list_views.lists, name="lists"),
    path("partner/lists/new/", list_views.list_new, name="list_new"),
    path("partner/lists/add/", list_views.list_add, name="list_add"),
    path("partner/lists/<int:pk>/", list_views.list_detail, name="list_detail"),
    path("partner/lists/<int:pk>/edit/", list_views.list_edit, name="list_edit"),
    path("partner/lists/<int:pk>/delete/", list_views.list_delete, name="list_delete"),
    path("partner/lists/<int:pk>/remove/", list_views.list_remove, name="list_remove"),
]
