"""API routes of the matching app, mounted under /api/v1/ in the "api" namespace."""

urlpatterns: list = []
