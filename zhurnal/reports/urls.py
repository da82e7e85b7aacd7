"""The reports, mounted at /reports/ (issue 12)."""

from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("results/", views.results, name="results"),
    path("lists/", views.lists, name="lists"),
    path("attendance/", views.attendance, name="attendance"),
    path("classes/<int:class_id>/", views.class_report, name="class_report"),
    path("classes/<int:class_id>/summary/", views.class_summary, name="class_summary"),
    path(
        "classes/<int:class_id>/attendance/",
        views.class_attendance_page,
        name="class_attendance",
    ),
    path("teachers/<int:staff_id>/", views.teacher_report, name="teacher_report"),
]
