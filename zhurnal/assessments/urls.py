from django.urls import path

from . import views

app_name = "assessments"

urlpatterns = [
    path("", views.index, name="index"),
    path("class/<int:class_id>/", views.class_page, name="class"),
    path("schedule.xlsx", views.xlsx, name="xlsx"),
]
