"""API: the partner's shortlist (mounted under /api/v1/, namespace "api")."""

urlpatterns: list = []
