from django.urls import path

from producers import views

app_name = "producers"
urlpatterns = [
    path("", views.home, name="home"),
]
