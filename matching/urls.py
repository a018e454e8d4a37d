from django.urls import path

from matching import views

app_name = "matching"
urlpatterns = [
    path("", views.officer_home, name="officer_home"),
    path("candidates/", views.officer_candidates, name="officer_candidates"),
]
