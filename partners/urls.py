from django.urls import path

from partners import views

app_name = "partners"
urlpatterns = [
    path("partner/", views.home, name="home"),
    path("partners/", views.directory, name="directory"),
]
