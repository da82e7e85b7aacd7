"""The year end, mounted at /year-end/ (issue 13)."""

from django.urls import path

from . import views

app_name = "yearend"
urlpatterns = [
    path("", views.index, name="index"),
    path("classes/<int:class_id>/", views.class_checklist, name="class_checklist"),
    path("close/", views.close, name="close"),
    path("reopen/", views.reopen, name="reopen"),
    path("next-year/", views.next_year, name="next_year"),
    path("classes/<int:class_id>/promote/", views.promote, name="promote"),
]
