"""API: the listing feed (mounted under /api/v1/, namespace "api")."""

urlpatterns: list = []
