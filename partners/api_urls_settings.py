"""API: API keys and who is calling (mounted under /api/v1/, namespace "api")."""

urlpatterns: list = []
