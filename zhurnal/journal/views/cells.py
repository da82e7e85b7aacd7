"""The JSON endpoint every grid cell saves through (issue 4, "each cell saves at once"): a
mark, an attendance code or a period mark, by the same services and rules as the API.

Rules: ``journal.keep_lesson`` on the lesson of a mark or an attendance entry (a substitute:
that lesson only), ``journal.keep_period_marks`` on the course of a period mark.
"""

from __future__ import annotations

import json
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhurnal.audit.actor import Actor
from zhurnal.core.access import current_school

from .. import services
from ..access import (
    KEEP,
    cell_student,
    course_term,
    journal_course_for,
    journal_lesson_for,
    mark_cell_for,
)
from ..models import PeriodKind
from ..queries import documented_absence, lesson_has_columns, shown_attendance, student_summary
from .common import int_or_none
from .lesson_forms import refusal


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
    version = int_or_none(data.get("version"))
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
        return _error(422, getattr(error, "code", None) or "invalid", refusal(error))


def _save_mark(request, data, value, version, reason) -> JsonResponse:
    school = current_school(request)
    student_id = int_or_none(data.get("student"))
    column_id = int_or_none(data.get("column"))
    term_id = int_or_none(data.get("term"))
    if column_id is not None:
        cell = mark_cell_for(request.user, school, column_id, student_id, term_id)
        column, student = cell.column, cell.student
        mark = services.set_mark(
            column=column,
            student=student,
            value=value,
            version=version,
            reason=reason,
            actor=Actor.of(request),
        )
        return _mark_answer(data, column, student, mark, cell.term)
    # A mark typed into a lesson without columns goes to its first column (made on demand).
    lesson = journal_lesson_for(request.user, school, int_or_none(data.get("lesson")), KEEP)
    student = cell_student(school, student_id)
    if not value.strip() and not lesson_has_columns(lesson):
        return JsonResponse({"ok": True, "value": "", "version": 0, "late": False})
    column, mark = services.set_mark_in_first_column(
        lesson=lesson,
        student=student,
        value=value,
        version=version,
        reason=reason,
        actor=Actor.of(request),
    )
    return _mark_answer(data, column, student, mark, course_term(school, lesson.course, term_id))


def _mark_answer(data, column, student, mark, term) -> JsonResponse:
    """The saved mark, and the row's totals of ``term`` (the grid's term) when it has one."""
    answer = {
        "ok": True,
        "column": column.pk,
        "work_type": column.work_type.code,
        "value": mark.value if mark else "",
        "version": mark.version if mark else 0,
        "late": mark.late if mark else False,
    }
    if term is not None:
        course = column.lesson.course
        totals = student_summary(course, term, student.pk, with_year=bool(data.get("year")))
        answer.update(average=_number(totals.average), forecast=totals.forecast or "")
        if data.get("year"):
            answer["year_forecast"] = totals.year_forecast or ""
    return JsonResponse(answer)


def _save_attendance(request, data, value, version, reason) -> JsonResponse:
    school = current_school(request)
    student = cell_student(school, int_or_none(data.get("student")))
    lesson = journal_lesson_for(request.user, school, int_or_none(data.get("lesson")), KEEP)
    entry = services.set_attendance(
        lesson=lesson,
        student=student,
        code=value,
        version=version,
        actor=Actor.of(request),
    )
    code = entry.code if entry else ""
    documented = documented_absence(student, lesson.date)
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
    course = journal_course_for(
        request.user, school, int_or_none(data.get("course")), "journal.keep_period_marks"
    )
    student = cell_student(school, int_or_none(data.get("student")))
    kind = data.get("period_kind")
    term = None
    if kind == PeriodKind.TERM:
        term = course_term(school, course, int_or_none(data.get("term")))
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
