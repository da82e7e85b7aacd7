from django.urls import path

from .views import cells, grid, lesson

app_name = "journal"

urlpatterns = [
    path("", grid.journal_index, name="index"),
    path("courses/<int:course_id>/", grid.course_journal, name="course"),
    path("lessons/<int:lesson_id>/", lesson.lesson_journal, name="lesson"),
    path("lessons/<int:lesson_id>/pane/", lesson.lesson_pane, name="lesson_pane"),
    path("lessons/<int:lesson_id>/columns/", lesson.add_column, name="add_column"),
    path("lessons/<int:lesson_id>/homework/", lesson.save_homework, name="homework"),
    path("lessons/<int:lesson_id>/notes/", lesson.add_note, name="note"),
    path("lessons/<int:lesson_id>/roll-call/", lesson.take_roll_call, name="roll_call"),
    path("attachments/<int:attachment_id>/", lesson.attachment, name="attachment"),
    path("cell/", cells.save_cell, name="cell"),
]
