from django.urls import path

from producers import register_views
from producers.workspace import views

app_name = "producers"
urlpatterns = [
    path("", views.home, name="home"),
    path("register/", views.register, name="register"),
    path("register/<slug:step>/", views.register_step, name="register_step"),
    path("address/districts/", views.address_districts, name="address_districts"),
    path("address/subdistricts/", views.address_subdistricts, name="address_subdistricts"),
    path("address/postal-code/", views.address_postal_code, name="address_postal_code"),
    path("products/", views.product_list, name="product_list"),
    path("products/new/", views.product_create, name="product_create"),
    path("products/<int:pk>/", views.product_detail, name="product_detail"),
    path("products/<int:pk>/edit/", views.product_edit, name="product_edit"),
    path("products/<int:pk>/referrals/", views.referral_request, name="referral_request"),
    path(
        "products/<int:pk>/referrals/<int:referral_pk>/withdraw/",
        views.referral_withdraw,
        name="referral_withdraw",
    ),
    path(
        "products/<int:pk>/photos/<int:photo_pk>/delete/",
        views.product_photo_delete,
        name="product_photo_delete",
    ),
    path("certificates/", views.certification_list, name="certification_list"),
    path("certificates/new/", views.certification_create, name="certification_create"),
    path("certificates/<int:pk>/edit/", views.certification_edit, name="certification_edit"),
    path(
        "certificates/<int:pk>/document/",
        views.certification_document,
        name="certification_document",
    ),
    path("my-data/", views.my_data, name="my_data"),
    path("my-data/download/", views.my_data_download, name="my_data_download"),
    path("my-data/erase/", views.my_data_erase, name="my_data_erase"),
    # The national register: import, claim codes, linking, and the producer's own claim
    path("claim/", register_views.claim, name="claim"),
    path("national-register/imports/", register_views.import_list, name="register_imports"),
    path(
        "national-register/imports/<int:pk>/",
        register_views.import_detail,
        name="register_import",
    ),
    path(
        "national-register/imports/<int:pk>/report.xlsx",
        register_views.import_report,
        name="register_import_report",
    ),
    path("national-register/template/", register_views.import_template, name="register_template"),
    path("national-register/records/", register_views.record_list, name="register_records"),
    path(
        "national-register/records/<int:pk>/link/",
        register_views.record_link,
        name="register_link",
    ),
]
