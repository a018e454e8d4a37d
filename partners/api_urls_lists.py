"""API: saved lists (mounted under /api/v1/, namespace "api")."""

urlpatterns: list = []
