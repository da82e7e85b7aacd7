from django.urls import path

from . import views

# No namespace: monitoring asks /healthz by its path.
urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
]
