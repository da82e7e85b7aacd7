"""A lesson's record against the thematic plan (issue 3): its topic and the plan item it
covers, with the next item suggested; a course's lessons of a term with the state of each
record, and "fill the next topics" from the plan ahead.

Rules: who keeps the lesson (``timetable.keep_lesson``: its teacher; for a substitution the
substitute only) records it; who reads the course (``timetable.view_course``) reads it. The
writes are ``journal.services.record_topic`` and ``fill_topics``.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from zhurnal.assessments.queries import breaches_for_course
from zhurnal.audit.actor import Actor
from zhurnal.core.access import current_school
from zhurnal.planning.queries import (
    PlanSequence,
    course_plan,
    lesson_plan_choice,
    needs_record,
    plan_course_queryset,
)
from zhurnal.school.access import course_for
from zhurnal.school.calendar import course_terms, pick_term, school_today
from zhurnal.timetable.access import lesson_for
from zhurnal.timetable.models import Lesson

from .. import services
from ..forms import FillForm, LessonRecordForm
from ..queries import course_lessons_of

KEEP = "timetable.keep_lesson"


@login_required
def lesson_page(request: HttpRequest, lesson_id: int) -> HttpResponse:
    """A lesson's record: topic and plan item, the next item suggested (issue 3). Kept by
    ``timetable.keep_lesson`` (its teacher; for a substitution the substitute only), read by
    ``timetable.view_course``."""
    school = current_school(request)
    lesson = lesson_for(request.user, school, lesson_id, "timetable.view_course")
    course = lesson.course
    can_keep = request.user.has_perm(KEEP, lesson)
    can_view_course = request.user.has_perm("timetable.view_course", course)
    if request.method == "POST" and not can_keep:
        raise PermissionDenied
    choice = lesson_plan_choice(lesson, all_lessons=True)
    plan, items, sequence, lessons = choice.plan, choice.items, choice.sequence, choice.lessons
    suggestion = choice.suggestion
    initial = {
        "plan_item": lesson.plan_item_id or (suggestion.pk if suggestion else None),
        "topic": lesson.topic,
    }
    form = LessonRecordForm(request.POST or None, items=items, initial=initial)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "clear":
                services.record_topic(
                    lesson=lesson, topic="", plan_item=None, actor=Actor.of(request)
                )
                messages.success(request, _("The record of the lesson is cleared."))
                return redirect("lessons:lesson", lesson_id=lesson.pk)
            if form.is_valid():
                services.record_topic(
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
        "journal/lesson_record.html",
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
    course = course_for(
        request.user,
        school,
        course_id,
        "timetable.view_course",
        queryset=plan_course_queryset(school),
    )
    today = school_today(school)
    terms = course_terms(course)
    raw_term = request.GET.get("term", "")
    term = pick_term(terms, int(raw_term) if raw_term.isdigit() else None, today)
    plan = course_plan(course)
    lessons = course_lessons_of(course)
    sequence = PlanSequence.load(course, plan, lessons=lessons)

    def may_keep(lesson: Lesson) -> bool:
        return request.user.has_perm(KEEP, lesson)

    keepable = [lesson for lesson in lessons if may_keep(lesson)]
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
                    may_keep=may_keep,
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
        "journal/course_lessons.html",
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
