from django.urls import path

from . import views

app_name = "diary"

urlpatterns = [
    path("", views.index, name="index"),
    path("students/<int:student_id>/", views.week, name="week"),
    path("students/<int:student_id>/marks/", views.marks, name="marks"),
    path(
        "students/<int:student_id>/terms/<int:term_id>/acknowledge/",
        views.acknowledge,
        name="acknowledge",
    ),
    path("students/<int:student_id>/attendance/", views.attendance, name="attendance"),
    path("students/<int:student_id>/homework/", views.homework, name="homework"),
    path("students/<int:student_id>/calendar/", views.calendar, name="calendar"),
    path(
        "students/<int:student_id>/attachments/<int:attachment_id>/",
        views.attachment,
        name="attachment",
    ),
    path(
        "classes/<int:class_id>/acknowledgements/",
        views.acknowledgements,
        name="acknowledgements",
    ),
    path(
        "classes/<int:class_id>/progress-report/",
        views.progress_report,
        name="progress_report",
    ),
    path(
        "classes/<int:class_id>/progress-report.pdf",
        views.progress_report_pdf,
        name="progress_report_pdf",
    ),
]
