"""Saved lists of products, kept by partner members and shared with colleagues."""

urlpatterns: list = []
