"""The lesson record page, the lessons of a course for a term, and programme fulfilment."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from zhurnal.accounts.access import current_school, get_in_school, school_permission
from zhurnal.assessments.queries import breaches_for_course
from zhurnal.audit.actor import Actor
from zhurnal.school.models import SchoolClass
from zhurnal.school.queries import current_year, school_today
from zhurnal.timetable.models import Lesson

from .. import services
from ..forms import FillForm, LessonRecordForm
from ..models import PlanItem
from ..queries import (
    PlanSequence,
    course_fulfilment,
    course_hours_check,
    course_plan,
    course_queryset,
    course_terms,
    fulfilment_overview,
    needs_record,
    pick_term,
)

_LESSON_RELATED = (
    "teacher",
    "substitute_for",
    "plan_item",
    "course__subject",
    "course__year",
    "course__school_class__grade_level",
    "course__group__school_class__grade_level",
)


@login_required
def lesson_page(request: HttpRequest, lesson_id: int) -> HttpResponse:
    """A lesson's record: topic and plan item, the next item suggested (issue 3). Kept by
    ``timetable.keep_lesson`` (its teacher; for a substitution the substitute only), read by
    ``timetable.view_course``."""
    school = current_school(request)
    lesson = get_object_or_404(
        Lesson.objects.filter(school=school).select_related(*_LESSON_RELATED), pk=lesson_id
    )
    course = lesson.course
    can_keep = request.user.has_perm("timetable.keep_lesson", lesson)
    can_view_course = request.user.has_perm("timetable.view_course", course)
    if not (can_keep or can_view_course):
        raise PermissionDenied
    if request.method == "POST" and not can_keep:
        raise PermissionDenied
    plan = course_plan(course)
    items = (
        PlanItem.objects.filter(plan=plan).order_by("position") if plan else PlanItem.objects.none()
    )
    lessons = list(
        Lesson.objects.filter(course=course).only(
            "id", "date", "number", "status", "plan_item_id", "topic"
        )
    )
    sequence = PlanSequence.load(course, plan, lessons=lessons)
    suggestion = sequence.suggestion(lesson)
    initial = {
        "plan_item": lesson.plan_item_id or (suggestion.pk if suggestion else None),
        "topic": lesson.topic,
    }
    form = LessonRecordForm(request.POST or None, items=items, initial=initial)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "clear":
                services.keep_lesson(
                    lesson=lesson, topic="", plan_item=None, actor=Actor.of(request)
                )
                messages.success(request, _("The record of the lesson is cleared."))
                return redirect("lessons:lesson", lesson_id=lesson.pk)
            if form.is_valid():
                services.keep_lesson(
                    lesson=lesson,
                    topic=form.cleaned_data["topic"] or "",
                    plan_item=form.cleaned_data["plan_item"],
                    actor=Actor.of(request),
                )
                messages.success(request, _("The topic of the lesson is saved."))
                return redirect("lessons:lesson", lesson_id=lesson.pk)
        except ValidationError as error:
            form.add_error(None, error)
    ordered = sorted(lessons, key=lambda x: (x.date, x.number, x.pk))
    index = next(i for i, x in enumerate(ordered) if x.pk == lesson.pk)
    return render(
        request,
        "planning/lesson.html",
        {
            "lesson": lesson,
            "course": course,
            "plan": plan,
            "form": form,
            "suggestion": suggestion,
            "covered": sequence.coverage,
            "can_keep": can_keep and not lesson.is_cancelled,
            "can_view_course": can_view_course,
            "previous": ordered[index - 1] if index > 0 and can_view_course else None,
            "next": ordered[index + 1] if index + 1 < len(ordered) and can_view_course else None,
            "today": school_today(school),
        },
    )


@login_required
def course_lessons(request: HttpRequest, course_id: int) -> HttpResponse:
    """A course's lessons of a term with the state of each record, and "fill the next topics"
    from the plan in advance."""
    school = current_school(request)
    course = get_in_school(request, course_queryset(school), "timetable.view_course", pk=course_id)
    today = school_today(school)
    terms = course_terms(course)
    raw_term = request.GET.get("term", "")
    term = pick_term(terms, int(raw_term) if raw_term.isdigit() else None, today)
    plan = course_plan(course)
    lessons = list(
        Lesson.objects.filter(course=course).select_related(
            "teacher", "substitute_for", "plan_item"
        )
    )
    sequence = PlanSequence.load(course, plan, lessons=lessons)
    keepable = [
        lesson for lesson in lessons if request.user.has_perm("timetable.keep_lesson", lesson)
    ]
    fill_form = FillForm(request.POST or None, initial={"start": today, "count": 5})
    if request.method == "POST":
        if not keepable:
            raise PermissionDenied
        if fill_form.is_valid():
            try:
                filled = services.fill_topics(
                    course=course,
                    start=fill_form.cleaned_data["start"],
                    count=fill_form.cleaned_data["count"],
                    actor=Actor.of(request),
                )
            except ValidationError as error:
                fill_form.add_error(None, error)
            else:
                if filled:
                    messages.success(
                        request,
                        _("Topics filled for %(n)s lesson(s), %(first)s – %(last)s.")
                        % {
                            "n": len(filled),
                            "first": filled[0].date.strftime("%d.%m.%Y"),
                            "last": filled[-1].date.strftime("%d.%m.%Y"),
                        },
                    )
                else:
                    messages.warning(
                        request,
                        _(
                            "No lesson to fill: no lesson without a topic from that date, or "
                            "the plan is covered."
                        ),
                    )
                query = f"?term={term.pk}" if term else ""
                return redirect(f"{request.path}{query}")
    start = (
        fill_form.cleaned_data["start"] if fill_form.is_bound and fill_form.is_valid() else today
    )
    keep_ids = {lesson.pk for lesson in keepable}
    preview_targets = [
        lesson
        for lesson in sorted(lessons, key=lambda x: (x.date, x.number, x.pk))
        if lesson.pk in keep_ids and lesson.date >= start and needs_record(lesson)
    ][:5]
    preview = sequence.fill_preview(preview_targets) if plan else {}
    shown = [lesson for lesson in lessons if term is None or term.start <= lesson.date <= term.end]
    shown.sort(key=lambda x: (x.date, x.number, x.pk))
    return render(
        request,
        "planning/course_lessons.html",
        {
            "course": course,
            "terms": terms,
            "term": term,
            "plan": plan,
            "rows": [(lesson, preview.get(lesson.pk), lesson.pk in keep_ids) for lesson in shown],
            "fill_form": fill_form,
            "can_fill": bool(keepable) and plan is not None,
            "can_choose_plan": request.user.has_perm("planning.choose_plan", course),
            "breaches": breaches_for_course(course, term),
            "today": today,
            "week_ago": today - timedelta(days=7),
        },
    )


@login_required
def course_fulfilment_page(request: HttpRequest, course_id: int) -> HttpResponse:
    """Programme fulfilment of a course to date: planned, held, cancelled, the lag, and the
    plan items not covered."""
    school = current_school(request)
    course = get_in_school(request, course_queryset(school), "timetable.view_course", pk=course_id)
    plan = course_plan(course)
    return render(
        request,
        "planning/fulfilment.html",
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
    classes = (
        SchoolClass.objects.filter(school=school, year=year).select_related("grade_level")
        if year
        else SchoolClass.objects.none()
    )
    raw_class = request.GET.get("class", "")
    school_class = None
    if raw_class.isdigit():
        school_class = get_object_or_404(classes, pk=int(raw_class))
    rows = fulfilment_overview(school, year, day=today, school_class=school_class) if year else []
    return render(
        request,
        "planning/overview.html",
        {
            "rows": rows,
            "classes": classes,
            "school_class": school_class,
            "year": year,
            "today": today,
            "behind": sum(1 for r in rows if r.fulfilment.lag > 0),
        },
    )
