"""The assessment schedule pages (график оценочных процедур): the school's schedule of a term,
one class's, and its XLSX download for the school's website.

Staff see every class and the breaches of the federal limits; parents and students see only
the classes of their children or their own (``assessments.view_class``), without breaches.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from zhurnal.accounts.context import context
from zhurnal.core.access import current_school, school_permission
from zhurnal.school.access import class_for
from zhurnal.school.calendar import current_year, pick_term, school_today

from .export import workbook
from .queries import Schedule, classes_of, family_class_ids, school_schedule, year_terms

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _int(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() else None


def _sees_breaches(request: HttpRequest) -> bool:
    ctx = context(request.user, request.school.pk)
    return ctx is not None and ctx.is_staff_member


def _school_filters(request: HttpRequest):
    """The year, its terms, the chosen term, the classes the user may see and the chosen one
    (a class the user may not see is a 404: its existence is not told)."""
    school = request.school
    today = school_today(school)
    year = current_year(school, today)
    terms = year_terms(year)
    term = pick_term(terms, _int(request.GET.get("term")), today)
    visible = family_class_ids(request.user, school, year)
    classes = list(classes_of(school, year, visible))
    school_class = None
    class_id = _int(request.GET.get("class"))
    if class_id is not None:
        school_class = next((c for c in classes if c.pk == class_id), None)
        if school_class is None:
            raise Http404
    ids = {school_class.pk} if school_class else {c.pk for c in classes}
    return school, year, terms, term, classes, school_class, ids


@school_permission("timetable.view_assessments")
def index(request: HttpRequest) -> HttpResponse:
    """The school's assessment schedule of a term, filtered by class."""
    school, year, terms, term, classes, school_class, ids = _school_filters(request)
    data = school_schedule(school, term, class_ids=ids) if term and ids else None
    return render(
        request,
        "assessments/index.html",
        {
            "year": year,
            "terms": terms,
            "term": term,
            "classes": classes,
            "school_class": school_class,
            "schedule": data,
            "show_breaches": _sees_breaches(request),
        },
    )


@school_permission("timetable.view_assessments")
def class_page(request: HttpRequest, class_id: int) -> HttpResponse:
    """One class's assessments in a term (of the terms its grade level follows)."""
    school_class = class_for(
        request.user, current_school(request), class_id, "assessments.view_class"
    )
    today = school_today(request.school)
    terms = year_terms(school_class.year, school_class)
    term = pick_term(terms, _int(request.GET.get("term")), today)
    data = school_schedule(request.school, term, class_ids={school_class.pk}) if term else None
    return render(
        request,
        "assessments/class.html",
        {
            "school_class": school_class,
            "terms": terms,
            "term": term,
            "schedule": data,
            "show_breaches": _sees_breaches(request),
        },
    )


@school_permission("timetable.view_assessments")
def xlsx(request: HttpRequest) -> HttpResponse:
    """The schedule as a workbook (class, date, subject, topic): one sheet with every class,
    then one sheet per class — for the school's website."""
    school, _year, _terms, term, _classes, school_class, ids = _school_filters(request)
    data = (
        school_schedule(school, term, class_ids=ids)
        if term and ids
        else Schedule(term=term, classes=[])
    )
    content = workbook(data)
    response = HttpResponse(content, content_type=XLSX)
    suffix = f"-{school_class.name}" if school_class else ""
    number = f"-{term.number}" if term else ""
    response["Content-Disposition"] = f'attachment; filename="assessments{number}{suffix}.xlsx"'
    return response
