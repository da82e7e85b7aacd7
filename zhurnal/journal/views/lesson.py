"""One lesson in the journal (issue 4): its sheet (the students on its list that day with
attendance and marks), whether its attendance was taken (its roll call, seed 002 regulation
2.1.1), its mark columns, homework and notes; the grid's side pane of a lesson (an htmx
fragment); a homework file.

Rules: who keeps the lesson (``journal.keep_lesson``: a substitute that lesson only) writes its
record, "everyone present" included; whoever reads the course's journal (``journal.view``)
reads it. The forms of the lesson page and the pane are shared (``lesson_forms``); the writes
are ``journal.services``'.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhurnal.audit.actor import Actor
from zhurnal.core.access import current_school
from zhurnal.core.files import stored_file_response
from zhurnal.school.calendar import course_terms, school_today
from zhurnal.timetable.models import Lesson

from .. import services
from ..access import (
    KEEP,
    LESSON_WITH_ROLL_CALL,
    READ,
    homework_attachment_for,
    journal_lesson_for,
)
from ..forms import ColumnForm, HomeworkForm, NoteForm
from ..policy import scale_of
from ..queries import (
    lesson_homework,
    lesson_notes,
    lesson_sheet,
    lesson_students,
    roll_call_of,
)
from ..rendering import sheet_rows
from ..scales import ScaleKind
from . import lesson_forms
from .common import as_dict, back


@login_required
def lesson_journal(request: HttpRequest, lesson_id: int) -> HttpResponse:
    """One lesson in the journal: the students on its list that day with attendance and
    marks (entered like in the grid), whether its attendance was taken (with «everyone
    present» for who keeps it), the mark columns, the homework (text, links, minutes,
    attachments) and the notes to students. The substitute keeps this lesson and only it."""
    user = request.user
    lesson = journal_lesson_for(
        user, current_school(request), lesson_id, READ, related=LESSON_WITH_ROLL_CALL
    )
    course = lesson.course
    can_keep = user.has_perm(KEEP, lesson)
    today = school_today(course.school)
    columns, rows = lesson_sheet(lesson)
    homework = lesson_homework(lesson)
    notes = lesson_notes(lesson)
    term = next(
        (t for t in course_terms(course) if t.start <= lesson.date <= t.end),
        None,
    )
    students = [row.student for row in rows]
    editable = can_keep and lesson.date <= today and not lesson.is_cancelled
    no_marks = scale_of(course) == ScaleKind.NONE
    virtual = not columns and not no_marks
    return render(
        request,
        "journal/lesson.html",
        {
            "lesson": lesson,
            "course": course,
            "term": term,
            "columns": columns,
            "body": sheet_rows(
                [
                    {
                        "row": row,
                        "lesson_id": lesson.pk,
                        "marks": [(c, row.marks.get(c.pk)) for c in columns],
                    }
                    for row in rows
                ],
                columns,
                edit=editable,
                virtual=virtual,
            ),
            "virtual": virtual,
            "homework": homework,
            "notes": notes,
            "can_keep": can_keep,
            "can_view_course": user.has_perm(READ, course),
            "editable": editable,
            "planned": lesson.date > today,
            "roll_call": roll_call_of(lesson),
            "column_form": ColumnForm(school=course.school),
            "homework_form": HomeworkForm(homework=homework),
            "note_form": NoteForm(students=students),
            "default_type": as_dict(services.default_work_type(course.school)),
            "no_marks": no_marks,
        },
    )


def _lesson_url(lesson: Lesson) -> str:
    return reverse("journal:lesson", kwargs={"lesson_id": lesson.pk})


@login_required
@require_POST
def add_column(request: HttpRequest, lesson_id: int) -> HttpResponse:
    """A new column of marks on a lesson, with its work type (and weight)."""
    lesson = journal_lesson_for(request.user, current_school(request), lesson_id, KEEP)
    form = ColumnForm(request.POST, school=lesson.school)
    if not form.is_valid():
        messages.error(request, lesson_forms.form_errors(form))
        return back(request, _lesson_url(lesson))
    try:
        services.add_column(
            lesson=lesson,
            work_type=form.cleaned_data["work_type"],
            weight=form.cleaned_data["weight"],
            title=form.cleaned_data["title"],
            actor=Actor.of(request),
        )
    except ValidationError as error:
        messages.error(request, lesson_forms.refusal(error))
    else:
        messages.success(request, _("The column is added."))
    return back(request, _lesson_url(lesson))


def _report(request: HttpRequest, outcome: lesson_forms.Outcome) -> None:
    (messages.success if outcome.ok else messages.error)(request, outcome.message)


@login_required
@require_POST
def save_homework(request: HttpRequest, lesson_id: int) -> HttpResponse:
    """The lesson's homework: text, links, estimated minutes and new attachments. A version
    mismatch (changed in another tab) keeps what was saved and shows it."""
    lesson = journal_lesson_for(request.user, current_school(request), lesson_id, KEEP)
    _report(request, lesson_forms.save_homework(request, lesson))
    return redirect(_lesson_url(lesson))


@login_required
@require_POST
def add_note(request: HttpRequest, lesson_id: int) -> HttpResponse:
    """A remark, praise or message to the parents about a student at this lesson."""
    lesson = journal_lesson_for(request.user, current_school(request), lesson_id, KEEP)
    students = lesson_students(lesson)
    _report(request, lesson_forms.save_note(request, lesson, students))
    return redirect(_lesson_url(lesson))


@login_required
@require_POST
def take_roll_call(request: HttpRequest, lesson_id: int) -> HttpResponse:
    """«Everyone present»: the lesson's attendance taken (seed 002, regulation 2.1.1), by who
    keeps the lesson; a second press changes nothing."""
    lesson = journal_lesson_for(request.user, current_school(request), lesson_id, KEEP)
    _report(request, lesson_forms.take_roll_call(request, lesson))
    return redirect(_lesson_url(lesson))


@login_required
def lesson_pane(request: HttpRequest, lesson_id: int) -> HttpResponse:
    """The grid's side pane of a lesson (an htmx fragment): its topic, whether its attendance
    was taken, its homework and notes, with their forms for who keeps the lesson
    (``journal.keep_lesson``; readers of the journal see them). A POST (``action`` = topic,
    roll_call, homework or note) saves one and answers the pane again with the outcome.
    Without htmx (the date's link opened in a new tab, a page reload, a form sent without
    scripts) it is the lesson's page, with the outcome as a message."""
    user = request.user
    lesson = journal_lesson_for(
        user, current_school(request), lesson_id, READ, related=LESSON_WITH_ROLL_CALL
    )
    course = lesson.course
    keeps = user.has_perm(KEEP, lesson)
    can_keep = keeps and not lesson.is_cancelled  # a cancelled lesson's record is read only
    action = request.POST.get("action") if request.method == "POST" else None
    if action is None and not request.htmx:
        return lesson_journal(request, lesson_id)
    if action is not None and not can_keep:
        raise PermissionDenied
    students = lesson_students(lesson) if can_keep else []
    topic_form, suggestion = lesson_forms.topic_form(
        lesson, request.POST if action == "topic" else None
    )
    outcome = None
    if action == "homework":
        outcome = lesson_forms.save_homework(request, lesson)
    elif action == "note":
        outcome = lesson_forms.save_note(request, lesson, students)
    elif action == "roll_call":
        outcome = lesson_forms.take_roll_call(request, lesson)
    elif action == "topic":
        outcome = lesson_forms.save_topic(request, lesson, topic_form)
        if outcome.ok:
            topic_form, suggestion = lesson_forms.topic_form(lesson)
    elif action is not None:
        raise Http404
    if not request.htmx:
        _report(request, outcome)
        return redirect(_lesson_url(lesson))
    homework = lesson_homework(lesson)
    # A refused form is shown again with what was typed, a saved one starts afresh.
    retyped = outcome is not None and not outcome.ok and outcome.keep_input
    homework_form = HomeworkForm(homework=homework)
    if retyped and action == "homework":
        homework_form = HomeworkForm(request.POST, homework=homework)
    note_form = NoteForm(students=students)
    if retyped and action == "note":
        note_form = NoteForm(request.POST, students=students)
    planned = lesson.date > school_today(course.school)
    return render(
        request,
        "journal/_lesson_pane.html",
        {
            "lesson": lesson,
            "course": course,
            "can_keep": can_keep,
            "planned": planned,
            "roll_call": roll_call_of(lesson),
            "outcome": outcome,
            "action": action,
            "topic_form": topic_form,
            "suggestion": suggestion,
            "homework": homework,
            "homework_form": homework_form,
            "notes": lesson_notes(lesson),
            "note_form": note_form,
        },
    )


@login_required
def attachment(request: HttpRequest, attachment_id: int) -> FileResponse:
    """A homework attachment, through the same rule as the lesson it belongs to (files are
    never served from a public address: MEDIA_ROOT is not published)."""
    item = homework_attachment_for(request.user, current_school(request), attachment_id)
    return stored_file_response(item.file, item.name)
