"""The class journal's grid (issue 4): the list of journals, and a course's journal for a term —
students × lessons, each lesson an attendance column and its mark columns, the average,
forecast and period marks on the right.

Rules: ``journal.list`` (the list), ``journal.view`` (a course's journal); a cell is editable
for who keeps its lesson (``journal.keep_lesson``) and a period mark for the course's teachers
(``journal.keep_period_marks``). Cells save through ``cells.save_cell``.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe

from zhurnal.core.access import current_school, require
from zhurnal.school.calendar import course_terms, current_year, pick_term, school_today
from zhurnal.school.courses import class_of_course, grade_level_of
from zhurnal.school.sections import COURSE_JOURNAL, sections_for

from .. import services
from ..access import journal_course_for
from ..freshness import cached_rendering, grid_outline
from ..models import PeriodKind
from ..queries import journal_courses
from ..rendering import grid_head, grid_rows
from ..scales import ScaleKind
from .common import as_dict, int_or_none

# Grades whose last term also carries exam and final marks (state final attestation: ОГЭ, ЕГЭ).
EXAM_GRADES = (9, 11)


@login_required
def journal_index(request: HttpRequest) -> HttpResponse:
    """The journals of the current academic year the user may open (``journal.view``), by
    class: all of them for the administration, for a teacher their courses and the courses of
    the class they lead. Three queries whatever the size."""
    school = current_school(request)
    user = request.user
    require(user, "journal.list", school)
    year = current_year(school, school_today(school))
    courses = []
    if year is not None:
        courses = [
            course
            for course in journal_courses(school, year)
            if user.has_perm("journal.view", course)
        ]
    by_class: dict = {}
    for course in courses:
        by_class.setdefault(class_of_course(course), []).append(course)
    classes = sorted(
        by_class.items(),
        key=lambda pair: (
            pair[0] is None,
            pair[0].grade_level.number if pair[0] else 0,
            pair[0].letter if pair[0] else "",
        ),
    )
    return render(request, "journal/index.html", {"year": year, "classes": classes})


@login_required
def course_journal(request: HttpRequest, course_id: int) -> HttpResponse:
    """The journal of a course for a term: students × lessons, each lesson an attendance
    column and its mark columns; the average, forecast and period marks on the right. Editable
    cells are those of lessons the user keeps (``journal.keep_lesson``) that are not in the
    future; everyone else with ``journal.view`` reads it. The grid comes from the cache by its
    journal's version, rendered (``freshness.cached_rendering``): five statements on a hit,
    eleven after a write, whatever the size (docs/performance.md)."""
    course = journal_course_for(request.user, current_school(request), course_id, "journal.view")
    today = school_today(course.school)
    terms = course_terms(course)
    term = pick_term(terms, int_or_none(request.GET.get("term")), today)
    if term is None:
        return render(request, "journal/no_terms.html", {"course": course}, status=404)
    last_term = bool(terms) and term.pk == terms[-1].pk
    # The year mark's suggestion averages the term marks of the same kind of term (a
    # cross-class group's course lists the quarters and the halves of its classes).
    year_terms = [t for t in terms if t.kind == term.kind] if last_term else ()
    outline = grid_outline(course, term, year_terms=year_terms)
    user = request.user
    no_marks = outline.scale == ScaleKind.NONE
    lessons = _lesson_states(outline.lessons, user, today, no_marks=no_marks)
    # The latest lesson held (today's or the last before today): the grid opens there, and
    # «К последнему уроку» (Ctrl+.) goes back to it.
    latest = next((data for data in lessons if data.get("latest")), None)
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
        default_type = as_dict(services.default_work_type(course.school))
    can_period = user.has_perm("journal.keep_period_marks", course)
    # The head and body of the grid (thousands of cells) are rendered once per version of the
    # journal and per what else they show: whose lessons are editable, today's, the latest.
    states = tuple(
        (d["item"].lesson.pk, d["editable"], d["planned"], d["today"], d["no_roll_call"])
        for d in lessons
    )
    period_labels = [str(PeriodKind(k).label).capitalize() for k, _t in period_kinds]

    def render_grid(grid) -> tuple[str, str]:
        # From the grid's own lessons (the outline is of the same version of the grid).
        own = _lesson_states(grid.lessons, user, today, no_marks=no_marks)
        return (
            grid_head(own, default_type=default_type, period_labels=period_labels),
            grid_rows(grid.rows, own, period_kinds, can_period=can_period),
        )

    head, body = cached_rendering(
        course,
        term,
        render_grid,
        year_terms=year_terms,
        facts=(today, states, tuple(period_kinds), can_period, tuple(default_type.items())),
    )
    return render(
        request,
        "journal/course.html",
        {
            "course": course,
            "term": term,
            "terms": terms,
            "lessons": lessons,
            "head": mark_safe(head),  # noqa: S308  built by journal.rendering, every text escaped
            "body": mark_safe(body),  # noqa: S308  the same
            "can_period": can_period,
            "default_type": default_type,
            "today": today,
            "latest_lesson": latest["item"].lesson if latest else None,
            "no_marks": no_marks,
            # What the apps above add (school.sections): the control's remarks on the journal.
            "sections": sections_for(COURSE_JOURNAL, user, course, today),
        },
    )


def _lesson_states(grid_lessons, user, today, *, no_marks: bool) -> list[dict]:
    """Per lesson of the grid what its head and cells show: editable for who keeps it
    (``journal.keep_lesson``) once held, planned, today's, without its roll call, a virtual
    mark column, its span; the latest lesson held is marked ``latest``."""
    lessons = [
        {
            "item": grid_lesson,
            "editable": grid_lesson.lesson.date <= today
            and user.has_perm("journal.keep_lesson", grid_lesson.lesson),
            "planned": grid_lesson.lesson.date > today,
            "today": grid_lesson.lesson.date == today,
            # A lesson held before today whose attendance was never taken (seed 002, 2.1.1).
            "no_roll_call": grid_lesson.lesson.date < today and grid_lesson.roll_call is None,
            # A lesson without columns shows one empty column of the default work type: a
            # mark typed there creates it (no "add a column" step before the first mark).
            "virtual": not grid_lesson.columns and not no_marks,
            "span": 1 + (0 if no_marks else max(1, len(grid_lesson.columns))),
        }
        for grid_lesson in grid_lessons
    ]
    latest = next((data for data in reversed(lessons) if not data["planned"]), None)
    if latest is not None:
        latest["latest"] = True
    return lessons
