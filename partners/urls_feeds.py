"""Listing feeds of accepted products (CSV, Excel, JSON) and the signed image links they carry."""

urlpatterns: list = []
