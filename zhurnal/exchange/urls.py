from django.urls import path

from . import views

app_name = "exchange"

urlpatterns = [
    path("oneroster/", views.oneroster, name="oneroster"),
    path("oneroster/download/", views.download, name="download"),
    path("oneroster/consent/", views.consent, name="consent"),
    path("uploads/", views.uploads, name="uploads"),
    path("uploads/run/", views.run_upload, name="run_upload"),
]
