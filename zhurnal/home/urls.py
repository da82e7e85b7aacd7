from django.urls import path

from . import views

# No namespace: "home" is where every login and every "back to start" leads.
urlpatterns = [
    path("", views.home, name="home"),
]
