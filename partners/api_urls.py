"""API routes of the partners app, mounted under /api/v1/ in the "api" namespace."""

urlpatterns: list = []
