"""API routes of the producers app, mounted under /api/v1/ in the "api" namespace."""

urlpatterns: list = []
