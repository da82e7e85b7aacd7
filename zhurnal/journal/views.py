"""The class journal pages (issue 4): a course's grid for a term, one lesson's sheet with its
homework and notes, and the JSON endpoint every grid cell saves through.

Rules (``zhurnal.permissions``): ``journal.view`` opens a course's journal (its teachers, the
class teacher of its class, the administration — never a parent or a student);
``journal.keep_lesson`` writes a lesson's attendance, marks, columns, homework and notes (a
substitute: that lesson only); ``journal.keep_period_marks`` the course's period marks. The
record-keeping rules themselves (deadlines, grace window, scales, no lost update) live in
``journal.services``: these views only translate between the browser and the services.
"""

from __future__ import annotations

import json
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhurnal.accounts.access import current_school
from zhurnal.audit.actor import Actor
from zhurnal.core.files import stored_file_response
from zhurnal.planning.queries import course_terms, grade_level_of, pick_term
from zhurnal.school.models import Course, Student, Term
from zhurnal.school.queries import current_year, school_today
from zhurnal.timetable.models import Lesson

from . import lesson_record, services
from .forms import ColumnForm, HomeworkForm, NoteForm
from .models import (
    Absence,
    GradeColumn,
    Homework,
    HomeworkAttachment,
    PeriodKind,
    StudentNote,
)
from .policy import scale_of, with_default_work_type, with_scale_rule
from .queries import NAME_FIELDS, journal_grid, lesson_sheet, shown_attendance, student_summary
from .rendering import grid_head, grid_rows, sheet_rows
from .scales import ScaleKind

# Grades whose last term also carries exam and final marks (state final attestation: ОГЭ, ЕГЭ).
EXAM_GRADES = (9, 11)
# The course's school is not joined: it is the request's school, loaded with its journal policy
# by ``accounts.memberships`` (``_in_school`` sets it on the course).
COURSE_RELATED = (
    "subject",
    "school_class__grade_level",
    "group__school_class__grade_level",
)
LESSON_RELATED = (
    "course__subject",
    "course__school_class__grade_level",
    "course__group__school_class__grade_level",
    "teacher",
    "substitute_for",
)


def _in_school(course: Course, school) -> Course:
    """The course with the request's school object set on it (the same row, with its policy
    already loaded: no join and no query for it)."""
    course.school = school
    return course


def _course(request: HttpRequest, course_id: int) -> Course:
    school = current_school(request)
    course = _in_school(
        get_object_or_404(
            with_default_work_type(with_scale_rule(Course.objects.select_related(*COURSE_RELATED))),
            school=school,
            pk=course_id,
        ),
        school,
    )
    if not request.user.has_perm("journal.view", course):
        raise PermissionDenied
    return course


def _lesson(request: HttpRequest, lesson_id: int) -> Lesson:
    school = current_school(request)
    lesson = get_object_or_404(
        Lesson.objects.select_related(*LESSON_RELATED), school=school, pk=lesson_id
    )
    _in_school(lesson.course, school)
    return lesson


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _back(request: HttpRequest, default: str) -> HttpResponse:
    """Back to the page the form was on (the grid or the lesson), never to another site."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
        target = default
    return redirect(target or default)


# --- the list of journals --------------------------------------------------------------------


@login_required
def journal_index(request: HttpRequest) -> HttpResponse:
    """The journals of the current academic year the user may open (``journal.view``), by
    class: all of them for the administration, for a teacher their courses and the courses of
    the class they lead. Three queries whatever the size."""
    school = current_school(request)
    user = request.user
    if not user.has_perm("journal.list", school):
        raise PermissionDenied
    year = current_year(school, school_today(school))
    courses = []
    if year is not None:
        courses = [
            course
            for course in Course.objects.filter(school=school, year=year)
            .select_related(
                "subject", "school_class__grade_level", "group__school_class__grade_level"
            )
            .prefetch_related("teachers")
            .order_by("subject__name", "pk")
            if user.has_perm("journal.view", course)
        ]
    by_class: dict = {}
    for course in courses:
        school_class = course.school_class or (course.group.school_class if course.group else None)
        by_class.setdefault(school_class, []).append(course)
    classes = sorted(
        by_class.items(),
        key=lambda pair: (
            pair[0] is None,
            pair[0].grade_level.number if pair[0] else 0,
            pair[0].letter if pair[0] else "",
        ),
    )
    return render(request, "journal/index.html", {"year": year, "classes": classes})


# --- the grid of a course --------------------------------------------------------------------


@login_required
def course_journal(request: HttpRequest, course_id: int) -> HttpResponse:
    """The journal of a course for a term: students × lessons, each lesson an attendance
    column and its mark columns; the average, forecast and period marks on the right. Editable
    cells are those of lessons the user keeps (``journal.keep_lesson``) that are not in the
    future; everyone else with ``journal.view`` reads it. Twelve SQL queries whatever the size
    (docs/performance.md)."""
    course = _course(request, course_id)
    today = school_today(course.school)
    terms = course_terms(course)
    term = pick_term(terms, _int(request.GET.get("term")), today)
    if term is None:
        return render(request, "journal/no_terms.html", {"course": course}, status=404)
    last_term = bool(terms) and term.pk == terms[-1].pk
    # The year mark's suggestion averages the term marks of the same kind of term (a
    # cross-class group's course lists the quarters and the halves of its classes).
    year_terms = [t for t in terms if t.kind == term.kind] if last_term else ()
    grid = journal_grid(course, term, year_terms=year_terms)
    user = request.user
    no_marks = grid.scale == ScaleKind.NONE
    lessons = [
        {
            "item": grid_lesson,
            "editable": grid_lesson.lesson.date <= today
            and user.has_perm("journal.keep_lesson", grid_lesson.lesson),
            "planned": grid_lesson.lesson.date > today,
            "today": grid_lesson.lesson.date == today,
            # A lesson without columns shows one empty column of the default work type: a
            # mark typed there creates it (no "add a column" step before the first mark).
            "virtual": not grid_lesson.columns and not no_marks,
            "span": 1 + (0 if no_marks else max(1, len(grid_lesson.columns))),
        }
        for grid_lesson in grid.lessons
    ]
    level = grade_level_of(course)
    period_kinds = [(PeriodKind.TERM, term.pk)]
    if last_term:
        period_kinds.append((PeriodKind.YEAR, None))
        if level is not None and level.number in EXAM_GRADES:
            period_kinds += [(PeriodKind.EXAM, None), (PeriodKind.FINAL, None)]
    if course.default_type_code is not None:
        default_type = {
            "code": course.default_type_code,
            "name": course.default_type_name,
            "weight": course.default_type_weight,
        }
    else:  # the school's first journal: its default work types are made now
        default_type = _as_dict(services.default_work_type(course.school))
    can_period = user.has_perm("journal.keep_period_marks", course)
    return render(
        request,
        "journal/course.html",
        {
            "course": course,
            "grid": grid,
            "term": term,
            "terms": terms,
            "lessons": lessons,
            "head": grid_head(
                lessons,
                default_type=default_type,
                period_labels=[str(PeriodKind(k).label).capitalize() for k, _t in period_kinds],
            ),
            "body": grid_rows(grid.rows, lessons, period_kinds, can_period=can_period),
            "can_period": can_period,
            "default_type": default_type,
            "today": today,
            "no_marks": no_marks,
        },
    )


def _as_dict(work_type) -> dict | None:
    if work_type is None:
        return None
    return {"code": work_type.code, "name": work_type.name, "weight": work_type.weight}


# --- one lesson ------------------------------------------------------------------------------


@login_required
def lesson_journal(request: HttpRequest, lesson_id: int) -> HttpResponse:
    """One lesson in the journal: the students on its list that day with attendance and
    marks (entered like in the grid), the mark columns, the homework (text, links, minutes,
    attachments) and the notes to students. The substitute keeps this lesson and only it."""
    lesson = _lesson(request, lesson_id)
    course = lesson.course
    user = request.user
    can_keep = user.has_perm("journal.keep_lesson", lesson)
    if not (can_keep or user.has_perm("journal.view", course)):
        raise PermissionDenied
    today = school_today(course.school)
    columns, rows = lesson_sheet(lesson)
    homework = Homework.objects.filter(lesson=lesson).prefetch_related("attachments").first()
    notes = (
        StudentNote.objects.filter(lesson=lesson)
        .select_related("student")
        .order_by("student__last_name", "pk")
    )
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
            "can_view_course": user.has_perm("journal.view", course),
            "editable": editable,
            "planned": lesson.date > today,
            "column_form": ColumnForm(school=course.school),
            "homework_form": HomeworkForm(homework=homework),
            "note_form": NoteForm(students=students),
            "default_type": _as_dict(services.default_work_type(course.school)),
            "no_marks": no_marks,
        },
    )


def _keep(request: HttpRequest, lesson_id: int) -> Lesson:
    lesson = _lesson(request, lesson_id)
    if not request.user.has_perm("journal.keep_lesson", lesson):
        raise PermissionDenied
    return lesson


def _lesson_url(lesson: Lesson) -> str:
    return reverse("journal:lesson", kwargs={"lesson_id": lesson.pk})


@login_required
@require_POST
def add_column(request: HttpRequest, lesson_id: int) -> HttpResponse:
    """A new column of marks on a lesson, with its work type (and weight)."""
    lesson = _keep(request, lesson_id)
    form = ColumnForm(request.POST, school=lesson.school)
    if not form.is_valid():
        messages.error(request, lesson_record.form_errors(form))
        return _back(request, _lesson_url(lesson))
    try:
        services.add_column(
            lesson=lesson,
            work_type=form.cleaned_data["work_type"],
            weight=form.cleaned_data["weight"],
            title=form.cleaned_data["title"],
            actor=Actor.of(request),
        )
    except ValidationError as error:
        messages.error(request, lesson_record.refusal(error))
    else:
        messages.success(request, _("The column is added."))
    return _back(request, _lesson_url(lesson))


def _report(request: HttpRequest, outcome: lesson_record.Outcome) -> None:
    (messages.success if outcome.ok else messages.error)(request, outcome.message)


@login_required
@require_POST
def save_homework(request: HttpRequest, lesson_id: int) -> HttpResponse:
    """The lesson's homework: text, links, estimated minutes and new attachments. A version
    mismatch (changed in another tab) keeps what was saved and shows it."""
    lesson = _keep(request, lesson_id)
    _report(request, lesson_record.save_homework(request, lesson))
    return redirect(_lesson_url(lesson))


@login_required
@require_POST
def add_note(request: HttpRequest, lesson_id: int) -> HttpResponse:
    """A remark, praise or message to the parents about a student at this lesson."""
    lesson = _keep(request, lesson_id)
    students = lesson_record.lesson_students(lesson)
    _report(request, lesson_record.save_note(request, lesson, students))
    return redirect(_lesson_url(lesson))


@login_required
def lesson_pane(request: HttpRequest, lesson_id: int) -> HttpResponse:
    """The grid's side pane of a lesson (an htmx fragment): its topic, homework and notes,
    with their forms for who keeps the lesson (``journal.keep_lesson``; readers of the journal
    see them). A POST (``action`` = topic, homework or note) saves one and answers the pane
    again with the outcome. Without htmx (the date's link opened in a new tab, a page reload,
    a form sent without scripts) it is the lesson's page, with the outcome as a message."""
    lesson = _lesson(request, lesson_id)
    course = lesson.course
    user = request.user
    keeps = user.has_perm("journal.keep_lesson", lesson)
    if not (keeps or user.has_perm("journal.view", course)):
        raise PermissionDenied
    can_keep = keeps and not lesson.is_cancelled  # a cancelled lesson's record is read only
    action = request.POST.get("action") if request.method == "POST" else None
    if action is None and not request.htmx:
        return lesson_journal(request, lesson_id)
    if action is not None and not can_keep:
        raise PermissionDenied
    students = lesson_record.lesson_students(lesson) if can_keep else []
    topic_form, suggestion = lesson_record.topic_form(
        lesson, request.POST if action == "topic" else None
    )
    outcome = None
    if action == "homework":
        outcome = lesson_record.save_homework(request, lesson)
    elif action == "note":
        outcome = lesson_record.save_note(request, lesson, students)
    elif action == "topic":
        outcome = lesson_record.save_topic(request, lesson, topic_form)
        if outcome.ok:
            topic_form, suggestion = lesson_record.topic_form(lesson)
    elif action is not None:
        raise Http404
    if not request.htmx:
        _report(request, outcome)
        return redirect(_lesson_url(lesson))
    homework = Homework.objects.filter(lesson=lesson).prefetch_related("attachments").first()
    # A refused form is shown again with what was typed, a saved one starts afresh.
    retyped = outcome is not None and not outcome.ok and outcome.keep_input
    homework_form = HomeworkForm(homework=homework)
    if retyped and action == "homework":
        homework_form = HomeworkForm(request.POST, homework=homework)
    note_form = NoteForm(students=students)
    if retyped and action == "note":
        note_form = NoteForm(request.POST, students=students)
    return render(
        request,
        "journal/_lesson_pane.html",
        {
            "lesson": lesson,
            "course": course,
            "can_keep": can_keep,
            "outcome": outcome,
            "action": action,
            "topic_form": topic_form,
            "suggestion": suggestion,
            "homework": homework,
            "homework_form": homework_form,
            "notes": StudentNote.objects.filter(lesson=lesson)
            .select_related("student")
            .order_by("student__last_name", "pk"),
            "note_form": note_form,
        },
    )


@login_required
def attachment(request: HttpRequest, attachment_id: int) -> FileResponse:
    """A homework attachment, through the same rule as the lesson it belongs to (files are
    never served from a public address: MEDIA_ROOT is not published)."""
    item = get_object_or_404(
        HomeworkAttachment.objects.select_related(
            *(f"homework__lesson__{name}" for name in LESSON_RELATED)
        ),
        school=current_school(request),
        pk=attachment_id,
    )
    lesson = item.homework.lesson
    _in_school(lesson.course, current_school(request))
    user = request.user
    if not (
        user.has_perm("journal.keep_lesson", lesson) or user.has_perm("journal.view", lesson.course)
    ):
        raise PermissionDenied
    return stored_file_response(item.file, item.name)


# --- the cell endpoint -----------------------------------------------------------------------


def _error(status: int, code: str, message: str, **extra) -> JsonResponse:
    return JsonResponse({"ok": False, "code": code, "message": message, **extra}, status=status)


def _number(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


@login_required
@require_POST
def save_cell(request: HttpRequest) -> JsonResponse:
    """One grid cell, saved the moment the teacher confirms it (issue 4, "each cell saves at
    once"). JSON in: ``kind`` (mark, attendance, period), the ids, ``value``, the ``version``
    the change is based on and, when the rules ask for it, ``reason``. JSON out: the saved
    value and version; or 409 ``stale`` with what is saved now (no lost update); or 422 with
    the refusal's code and message in the user's language; 403/404 as JSON too."""
    try:
        data = json.loads(request.body or b"{}")
        if not isinstance(data, dict):
            raise ValueError
    except ValueError:
        return _error(400, "invalid", _("The request is not understood; reload the page."))
    try:
        handler = {"mark": _save_mark, "attendance": _save_attendance, "period": _save_period}[
            data.get("kind")
        ]
    except KeyError:
        return _error(400, "invalid", _("The request is not understood; reload the page."))
    value = data.get("value")
    if not isinstance(value, str) or len(value) > 20:
        return _error(422, "invalid", _("Enter a shorter value."))
    version = _int(data.get("version"))
    if version is None or version < 0:
        return _error(400, "invalid", _("The request is not understood; reload the page."))
    reason = data.get("reason") or ""
    if not isinstance(reason, str):
        reason = ""
    try:
        return handler(request, data, value, version, reason)
    except Http404:
        return _error(404, "not_found", _("The lesson, column or student is not found."))
    except PermissionDenied:
        return _error(403, "forbidden", _("You may not change this entry."))
    except services.StaleEntry as stale:
        current = stale.current
        shown = None
        if current is not None:
            shown = getattr(current, "value", None)
            if shown is None:
                shown = getattr(current, "code", None)
        return _error(
            409,
            "stale",
            _("The entry was changed meanwhile; here is what is saved now."),
            current={"value": shown or "", "version": current.version if current else 0},
        )
    except ValidationError as error:
        return _error(422, getattr(error, "code", None) or "invalid", lesson_record.refusal(error))


def _student(request: HttpRequest, student_id) -> Student:
    """The student of a cell: the name only, for the messages and the audit (not the
    personal card: DESIGN §3)."""
    return get_object_or_404(
        Student.objects.only(*NAME_FIELDS), school=current_school(request), pk=_int(student_id)
    )


def _save_mark(request, data, value, version, reason) -> JsonResponse:
    school = current_school(request)
    student = _student(request, data.get("student"))
    column_id = _int(data.get("column"))

    def save(column: GradeColumn):
        return services.set_mark(
            column=column,
            student=student,
            value=value,
            version=version,
            reason=reason,
            actor=Actor.of(request),
        )

    if column_id is not None:
        # The column with its lesson; then the course with its school, policy, grade level and
        # scale rule. Two small queries: one joining all of it costs PostgreSQL ~20 ms just to
        # plan (docs/performance.md, "one mark saved").
        column = get_object_or_404(
            GradeColumn.objects.select_related("work_type", "lesson"), school=school, pk=column_id
        )
        lesson = column.lesson
        lesson.course = _in_school(
            with_scale_rule(
                Course.objects.select_related(
                    "school_class__grade_level", "group__school_class__grade_level"
                )
            ).get(pk=lesson.course_id),
            school,
        )
        if not request.user.has_perm("journal.keep_lesson", lesson):
            raise PermissionDenied
        return _mark_answer(request, data, lesson, column, student, save(column))
    # A mark typed into a lesson without columns goes to its first column (made on demand).
    lesson = _keep(request, _int(data.get("lesson")))
    if not value.strip() and not GradeColumn.objects.filter(lesson=lesson).exists():
        return JsonResponse({"ok": True, "value": "", "version": 0, "late": False})
    with transaction.atomic():
        column = services.first_column(lesson=lesson, actor=Actor.of(request))
        mark = save(column)
    return _mark_answer(request, data, lesson, column, student, mark)


def _mark_answer(request, data, lesson, column, student, mark) -> JsonResponse:
    answer = {
        "ok": True,
        "column": column.pk,
        "work_type": column.work_type.code,
        "value": mark.value if mark else "",
        "version": mark.version if mark else 0,
        "late": mark.late if mark else False,
    }
    term = _term_of(request, lesson.course, data.get("term"))
    if term is not None:
        totals = student_summary(lesson.course, term, student.pk, with_year=bool(data.get("year")))
        answer.update(average=_number(totals.average), forecast=totals.forecast or "")
        if data.get("year"):
            answer["year_forecast"] = totals.year_forecast or ""
    return JsonResponse(answer)


def _term_of(request, course: Course, term_id) -> Term | None:
    term_id = _int(term_id)
    if term_id is None:
        return None
    # By its id alone: no ORDER BY (the model's order joins the academic year to sort).
    return (
        Term.objects.filter(school=current_school(request), year_id=course.year_id, pk=term_id)
        .order_by()
        .first()
    )


def _save_attendance(request, data, value, version, reason) -> JsonResponse:
    student = _student(request, data.get("student"))
    lesson = _keep(request, _int(data.get("lesson")))
    entry = services.set_attendance(
        lesson=lesson,
        student=student,
        code=value,
        version=version,
        actor=Actor.of(request),
    )
    code = entry.code if entry else ""
    documented = (
        Absence.objects.filter(student=student, start__lte=lesson.date, end__gte=lesson.date)
        .values_list("reason", flat=True)
        .first()
    )
    return JsonResponse(
        {
            "ok": True,
            "value": code,
            "shown": shown_attendance(code, documented),
            "version": entry.version if entry else 0,
            "late": entry.late if entry else False,
        }
    )


def _save_period(request, data, value, version, reason) -> JsonResponse:
    school = current_school(request)
    course = _in_school(
        get_object_or_404(
            with_scale_rule(Course.objects.select_related(*COURSE_RELATED)),
            school=school,
            pk=_int(data.get("course")),
        ),
        school,
    )
    if not request.user.has_perm("journal.keep_period_marks", course):
        raise PermissionDenied
    student = _student(request, data.get("student"))
    kind = data.get("period_kind")
    term = None
    if kind == PeriodKind.TERM:
        term = _term_of(request, course, data.get("term"))
        if term is None:
            raise Http404
    entry = services.set_period_mark(
        course=course,
        student=student,
        kind=kind,
        term=term,
        value=value,
        version=version,
        reason=reason,
        actor=Actor.of(request),
    )
    answer = {
        "ok": True,
        "value": entry.value if entry else "",
        "version": entry.version if entry else 0,
        "late": entry.late if entry else False,
    }
    if term is not None and data.get("year"):
        # A term mark moves the year mark's suggestion (the grid of the year's last term).
        totals = student_summary(course, term, student.pk, with_year=True)
        answer["year_forecast"] = totals.year_forecast or ""
    return JsonResponse(answer)
