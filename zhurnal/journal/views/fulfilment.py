"""Programme fulfilment (issue 3): a course's plan against its lessons to date, and the
deputy's overview of every course of the school or a class (seed 002: the deputies control the
fulfilment of the programme). Read only; the figures are ``planning.queries``'."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from zhurnal.core.access import current_school, school_permission
from zhurnal.planning.queries import (
    course_fulfilment,
    course_hours_check,
    course_plan,
    fulfilment_overview,
    plan_course_queryset,
)
from zhurnal.school.access import class_of_year_for, course_for
from zhurnal.school.calendar import current_year, school_today
from zhurnal.school.queries import year_classes


@login_required
def course_fulfilment_page(request: HttpRequest, course_id: int) -> HttpResponse:
    """Programme fulfilment of a course to date: planned, held, cancelled, the lag, and the
    plan items not covered."""
    school = current_school(request)
    course = course_for(
        request.user,
        school,
        course_id,
        "timetable.view_course",
        queryset=plan_course_queryset(school),
    )
    plan = course_plan(course)
    return render(
        request,
        "journal/fulfilment.html",
        {
            "course": course,
            "plan": plan,
            "data": course_fulfilment(course, day=school_today(school)),
            "check": course_hours_check(course, plan),
        },
    )


@school_permission("planning.view_fulfilment")
def fulfilment_overview_page(request: HttpRequest) -> HttpResponse:
    """Every course of the school (or of a class) with its lag: the deputy's control page."""
    school = request.school
    today = school_today(school)
    year = current_year(school, today)
    classes = year_classes(school, year)
    raw_class = request.GET.get("class", "")
    school_class = None
    if raw_class.isdigit():
        school_class = class_of_year_for(school, year, int(raw_class))
    rows = fulfilment_overview(school, year, day=today, school_class=school_class) if year else []
    return render(
        request,
        "journal/fulfilment_overview.html",
        {
            "rows": rows,
            "classes": classes,
            "school_class": school_class,
            "year": year,
            "today": today,
            "behind": sum(1 for r in rows if r.fulfilment.lag > 0),
        },
    )
