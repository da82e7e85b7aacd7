from django.urls import path

from . import views

app_name = "journal"

urlpatterns = [
    path("", views.journal_index, name="index"),
    path("courses/<int:course_id>/", views.course_journal, name="course"),
    path("lessons/<int:lesson_id>/", views.lesson_journal, name="lesson"),
    path("lessons/<int:lesson_id>/pane/", views.lesson_pane, name="lesson_pane"),
    path("lessons/<int:lesson_id>/columns/", views.add_column, name="add_column"),
    path("lessons/<int:lesson_id>/homework/", views.save_homework, name="homework"),
    path("lessons/<int:lesson_id>/notes/", views.add_note, name="note"),
    path("attachments/<int:attachment_id>/", views.attachment, name="attachment"),
    path("cell/", views.save_cell, name="cell"),
]
