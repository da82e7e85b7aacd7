"""Timetable pages (issue 3): bell schedules, the weekly grid of a class or group, lesson
generation, single-day changes and the substitutions report.

Every member of staff reads (``timetable.view``); the deputy and the administrator change
(``timetable.manage``). Objects are reached through ``timetable.access`` and ``core.access``:
another school's id is a 404; writes go through ``services`` and ``generation``.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from zhurnal.audit.actor import Actor
from zhurnal.core.access import current_school, object_for, require, school_permission
from zhurnal.core.bounds import parse_day
from zhurnal.school.access import class_for, course_for, group_for
from zhurnal.school.calendar import current_year, school_today
from zhurnal.school.courses import class_of_course, of_class
from zhurnal.school.models import Course, Group, SchoolClass, Staff

from . import services
from .access import bell_schedule_for, entry_for, lesson_for
from .calendar import BellTimes
from .forms import BellScheduleForm, EndEntryForm, EntryForm, GenerateForm, active_staff
from .generation import generate_lessons
from .models import BellSchedule, Lesson, LessonStatus, TimetableEntry, Weekday

COURSE_RELATED = ("subject", "school_class__grade_level", "group__school_class__grade_level")
DAY_ACTIONS = ("substitute", "cancel", "restore", "move", "extra")


# --- helpers -------------------------------------------------------------------------------


def _id(value) -> int | None:
    """An id from the query string: empty is None, anything but digits is a forged id (404)."""
    if value in (None, ""):
        return None
    if not str(value).isdigit():
        raise Http404
    return int(value)


def _date(request: HttpRequest, value: str | None, default: date | None) -> date | None:
    """A YYYY-MM-DD date of the years a journal keeps (``core.bounds``, issue 16); a bad one is
    reported and replaced by ``default``."""
    if not value:
        return default
    try:
        return parse_day(value)
    except ValueError as error:
        messages.error(request, str(error))
        return default


def _error_messages(request: HttpRequest, error: ValidationError) -> None:
    for text in error.messages:
        messages.error(request, text)


def _year(school):
    return current_year(school, school_today(school))


def _can_manage(request: HttpRequest) -> bool:
    return request.user.has_perm("timetable.manage", request.school)


def _class_courses(school_class: SchoolClass):
    return Course.objects.filter(of_class(school_class), school=school_class.school_id)


def _audience(request: HttpRequest, class_id: int | None, group_id: int | None, perm: str):
    """(class, group, courses) of ``?class_id=`` or ``?group_id=``; (None, None, None) for none."""
    if class_id is not None:
        school_class = class_for(request.user, current_school(request), class_id, perm)
        return school_class, None, _class_courses(school_class)
    if group_id is not None:
        group = group_for(request.user, current_school(request), group_id, perm)
        return None, group, Course.objects.filter(group=group)
    return None, None, None


def _year_classes(school, year):
    classes = SchoolClass.objects.filter(school=school).select_related("grade_level")
    return classes.filter(year=year) if year is not None else classes.none()


def _year_groups(school, year):
    groups = Group.objects.filter(school=school).select_related("school_class__grade_level")
    return groups.filter(year=year) if year is not None else groups.none()


# --- the entry page ------------------------------------------------------------------------


@school_permission("timetable.view")
def index(request: HttpRequest) -> HttpResponse:
    school = request.school
    year = _year(school)
    return render(
        request,
        "timetable/index.html",
        {
            "year": year,
            "classes": _year_classes(school, year),
            "groups": _year_groups(school, year),
            "can_manage": _can_manage(request),
            "today": school_today(school),
        },
    )


# --- bell schedules ------------------------------------------------------------------------


@school_permission("timetable.view")
def bells(request: HttpRequest) -> HttpResponse:
    school = request.school
    schedules = BellSchedule.objects.filter(school=school).prefetch_related(
        "periods", "classes__grade_level"
    )
    return render(
        request,
        "timetable/bells.html",
        {"schedules": schedules, "can_manage": _can_manage(request)},
    )


def _bells_form(request: HttpRequest, schedule: BellSchedule) -> HttpResponse:
    school = request.school
    form = BellScheduleForm(
        request.POST or None, instance=schedule, school=school, year=_year(school)
    )
    if request.method == "POST" and form.is_valid():
        services.save_bell_schedule(
            schedule=form.instance,
            name=form.cleaned_data["name"],
            is_default=form.cleaned_data["is_default"],
            classes=form.cleaned_data["classes"],
            times=form.times,
            actor=Actor.of(request),
        )
        messages.success(
            request,
            _("The bell schedule is saved. Lessons get the new times when they are regenerated."),
        )
        return redirect("timetable:bells")
    return render(request, "timetable/bells_form.html", {"form": form, "schedule": schedule})


@school_permission("timetable.manage")
def bells_create(request: HttpRequest) -> HttpResponse:
    return _bells_form(request, BellSchedule(school=request.school))


@login_required
def bells_edit(request: HttpRequest, schedule_id: int) -> HttpResponse:
    schedule = bell_schedule_for(request.user, current_school(request), schedule_id)
    return _bells_form(request, schedule)


# --- the weekly grid -----------------------------------------------------------------------


def _grid_rows(school, school_class, entries, day_count: int):
    """Rows (number, times, [cells by weekday]) of the grid; a cell is a list of entries."""
    cells: dict[tuple[int, int], list[TimetableEntry]] = defaultdict(list)
    for entry in entries:
        cells[(entry.weekday, entry.number)].append(entry)
    bells = BellTimes.load(school)
    class_id = school_class.pk if school_class else None
    numbers = {n for (_w, n) in cells}
    schedule = bells.by_schedule.get(bells.schedule_of_class.get(class_id), bells.default)
    numbers |= {n for n in schedule if n >= 1} or set(range(1, 8))
    rows = []
    for number in sorted(numbers):
        start, end = bells.times(class_id, number)
        rows.append(
            {
                "number": number,
                "start": start,
                "end": end,
                "cells": [
                    {"weekday": w, "entries": cells.get((w, number), [])}
                    for w in range(1, day_count + 1)
                ],
            }
        )
    return rows


@school_permission("timetable.view")
def grid(request: HttpRequest, class_id: int | None = None) -> HttpResponse:
    """The week of a class (with its subgroups) or of a group, as valid on ``?on=``."""
    school = request.school
    group_id = None
    if class_id is None:
        class_id, group_id = _id(request.GET.get("class_id")), _id(request.GET.get("group_id"))
    school_class, group, courses = _audience(request, class_id, group_id, "timetable.view")
    year = _year(school)
    today = school_today(school)
    on = _date(request, request.GET.get("on"), today)
    shown = school_class or group
    # A closed year's timetable is read-only (``rules.check_year_open``): no change offered.
    closed_year = shown.year if shown is not None and shown.year.is_closed else None
    ctx = {
        "year": year,
        "on": on,
        "school_class": school_class,
        "group": group,
        "closed_year": closed_year,
        "can_manage": closed_year is None and _can_manage(request),
        "classes": _year_classes(school, year),
        "groups": _year_groups(school, year),
    }
    if courses is None:
        return render(request, "timetable/grid.html", ctx)
    entries = (
        TimetableEntry.objects.filter(school=school, course__in=courses, valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .select_related(*(f"course__{r}" for r in COURSE_RELATED), "teacher")
        .order_by("weekday", "number", "course__subject__name")
    )
    audience = {"class_id": school_class.pk} if school_class else {"group_id": group.pk}
    ctx |= {
        "weekdays": [Weekday(w) for w in range(1, school.week_days + 1)],
        "rows": _grid_rows(
            school,
            school_class or (group.school_class if group else None),
            entries,
            school.week_days,
        ),
        "audience_query": urlencode(audience),
        "title": school_class.name if school_class else str(group),
    }
    return render(request, "timetable/grid.html", ctx)


def _entry_courses(school, school_class, group, year):
    if school_class is not None:
        courses = _class_courses(school_class)
    elif group is not None:
        courses = Course.objects.filter(group=group)
    else:
        courses = Course.objects.filter(school=school, year=year)
    return courses.select_related(*COURSE_RELATED).order_by(
        "school_class__grade_level__number", "school_class__letter", "group__name", "subject__name"
    )


def _grid_url(entry_or_course, on: date | None = None) -> str:
    course = getattr(entry_or_course, "course", entry_or_course)
    query = {"class_id": course.school_class_id} if course.school_class_id else {}
    if not query:
        query = (
            {"class_id": course.group.school_class_id}
            if course.group.school_class_id
            else {"group_id": course.group_id}
        )
    if on is not None:
        query["on"] = on.isoformat()
    return f"{reverse('timetable:grid')}?{urlencode(query)}"


def _save_entry_form(request: HttpRequest, form: EntryForm, entry: TimetableEntry):
    """Fill ``entry`` from the form and save it; a conflict becomes a form error (no save)."""
    data = form.cleaned_data
    course = data["course"]
    entry.school = request.school
    entry.course = course
    entry.year_id = course.year_id
    for field in ("weekday", "number", "teacher", "parity", "valid_from", "valid_to"):
        setattr(entry, field, data[field])
    entry.room = data["room"].strip()
    try:
        services.save_entry(entry=entry, actor=Actor.of(request))
    except ValidationError as error:
        for text in error.messages:
            form.add_error(None, text)
        return None
    return entry


@school_permission("timetable.manage")
def entry_create(request: HttpRequest) -> HttpResponse:
    """A new entry of a class's or group's course (``?class_id=``, ``?group_id=``)."""
    school = request.school
    class_id, group_id = _id(request.GET.get("class_id")), _id(request.GET.get("group_id"))
    school_class, group, _courses = _audience(request, class_id, group_id, "timetable.view")
    year = (school_class or group).year if (school_class or group) else _year(school)
    today = school_today(school)
    initial = {
        "weekday": _id(request.GET.get("weekday")),
        "number": _id(request.GET.get("number")),
        "valid_from": max(today, year.start) if year else today,
    }
    form = EntryForm(
        request.POST or None,
        school=school,
        courses=_entry_courses(school, school_class, group, year),
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        entry = _save_entry_form(request, form, TimetableEntry())
        if entry is not None:
            messages.success(request, _("The timetable entry is saved."))
            return redirect(_grid_url(entry, entry.valid_from))
    return render(
        request,
        "timetable/entry_form.html",
        {"form": form, "school_class": school_class, "group": group, "entry": None},
    )


@login_required
def entry_edit(request: HttpRequest, entry_id: int) -> HttpResponse:
    """Change an entry, or end it from a date (a mid-term change: end, then add the new one)."""
    school = current_school(request)
    entry = entry_for(request.user, school, entry_id)
    course = entry.course
    school_class = class_of_course(course)
    group = None if school_class else course.group
    courses = _entry_courses(school, school_class, group, entry.year)
    fields = ("course", "weekday", "number", "room", "teacher", "parity", "valid_from", "valid_to")
    initial = {f: getattr(entry, f) for f in fields}
    action = request.POST.get("action") if request.method == "POST" else None
    form = EntryForm(
        request.POST if action == "save" else None,
        school=school,
        courses=courses,
        initial=initial,
    )
    end_form = EndEntryForm(
        request.POST if action == "end" else None,
        initial={"last_day": max(school_today(school), entry.valid_from)},
    )
    if action == "save" and form.is_valid():
        if _save_entry_form(request, form, entry) is not None:
            messages.success(request, _("The timetable entry is saved."))
            return redirect(_grid_url(entry, entry.valid_from))
        # The refused change must not stay on the object shown below.
        entry.refresh_from_db()
    elif action == "end" and end_form.is_valid():
        last_day = end_form.cleaned_data["last_day"]
        deleted = last_day < entry.valid_from
        services.end_entry(entry=entry, last_day=last_day, actor=Actor.of(request))
        messages.success(
            request,
            _("The entry is deleted.")
            if deleted
            else _("The entry ends on %(day)s. Regenerate the lessons of the term.")
            % {"day": last_day.strftime("%d.%m.%Y")},
        )
        return redirect(_grid_url(course, last_day))
    elif action not in (None, "save", "end"):
        raise PermissionDenied
    return render(
        request,
        "timetable/entry_form.html",
        {
            "form": form,
            "end_form": end_form,
            "entry": entry,
            "school_class": school_class,
            "group": group,
        },
    )


# --- generation ----------------------------------------------------------------------------


@school_permission("timetable.manage")
def generate(request: HttpRequest) -> HttpResponse:
    """Generate (or regenerate) the lessons of a term, for the school or one class."""
    school = request.school
    year = _year(school)
    form = GenerateForm(request.POST or None, school=school, year=year)
    report = needs_decision = None
    if request.method == "POST" and form.is_valid():
        term, school_class = form.cleaned_data["term"], form.cleaned_data["school_class"]
        courses = None
        if school_class is not None:
            courses = list(_class_courses(school_class).values_list("pk", flat=True))
        try:
            report = generate_lessons(
                school=school,
                year=term.year,
                start=term.start,
                end=term.end,
                courses=courses,
                actor=Actor.of(request),
            )
        except ValidationError as error:  # a closed year
            for text in error.messages:
                form.add_error(None, text)
        else:
            needs_decision = Lesson.objects.filter(
                pk__in=[lesson.pk for lesson in report.needs_decision]
            ).select_related(*(f"course__{r}" for r in COURSE_RELATED), "teacher")
            messages.success(request, _("The lessons are generated."))
    return render(
        request,
        "timetable/generate.html",
        {
            "form": form,
            "report": report,
            "needs_decision": needs_decision,
            # The current year closed (before the next one begins): nothing to generate.
            "closed_year": year if year is not None and year.is_closed else None,
        },
    )


# --- one day -------------------------------------------------------------------------------


def _day_url(day: date, class_id: int | None) -> str:
    query = {"day": day.isoformat()}
    if class_id:
        query["class_id"] = class_id
    return f"{reverse('timetable:day')}?{urlencode(query)}"


def _number(value) -> int | None:
    return int(value) if value and str(value).isdigit() and int(value) <= 12 else None


def _apply_day_action(request: HttpRequest, action: str) -> str:
    """Run one single-day change; returns the success message (ValidationError otherwise)."""
    post = request.POST
    if action == "extra":
        course = course_for(
            request.user, current_school(request), _id(post.get("course")), "timetable.manage"
        )
        day = _date(request, post.get("date"), None)
        number = _number(post.get("number"))
        if day is None or number is None:
            raise ValidationError(_("Give the date and the lesson number."))
        teacher_id = _id(post.get("teacher"))
        teacher = (
            object_for(
                request.user, current_school(request), Staff, "timetable.manage", pk=teacher_id
            )
            if teacher_id
            else None
        )
        services.add_extra_lesson(
            course=course,
            day=day,
            number=number,
            teacher=teacher,
            room=post.get("room", "").strip()[:20],
            actor=Actor.of(request),
        )
        return _("The extra lesson is added.")
    lesson = lesson_for(
        request.user,
        current_school(request),
        _id(post.get("lesson")),
        "timetable.manage",
        related=("course__year",),
    )
    reason = post.get("reason", "").strip()[:200]
    if action == "substitute":
        teacher = object_for(
            request.user,
            current_school(request),
            Staff,
            "timetable.manage",
            pk=_id(post.get("teacher")),
        )
        services.substitute(lesson=lesson, teacher=teacher, reason=reason, actor=Actor.of(request))
        if lesson.substitute_for_id is None:
            return _("The substitution is withdrawn.")
        return _("%(teacher)s substitutes on this lesson.") % {"teacher": teacher.short_name}
    if action == "cancel":
        services.cancel_lesson(lesson=lesson, reason=reason, actor=Actor.of(request))
        return _("The lesson is cancelled.")
    if action == "restore":
        services.restore_lesson(lesson=lesson, actor=Actor.of(request))
        return _("The lesson is restored.")
    # move
    day = _date(request, post.get("date"), None)
    number = _number(post.get("number"))
    if day is None or number is None:
        raise ValidationError(_("Give the date and the lesson number."))
    services.move_lesson(
        lesson=lesson,
        day=day,
        number=number,
        reason=reason,
        actor=Actor.of(request),
    )
    return _("The lesson is moved to %(day)s, lesson %(number)s.") % {
        "day": day.strftime("%d.%m.%Y"),
        "number": number,
    }


@school_permission("timetable.view")
def day(request: HttpRequest) -> HttpResponse:
    """The lessons of a date for the school or a class, with the deputy's single-day changes."""
    school = request.school
    today = school_today(school)
    params = request.POST if request.method == "POST" else request.GET
    the_day = _date(request, params.get("day") or request.GET.get("day"), today)
    class_id = _id(params.get("class_id") or request.GET.get("class_id"))
    school_class = None
    if class_id is not None:
        school_class = class_for(request.user, school, class_id, "timetable.view")
    if request.method == "POST":
        require(request.user, "timetable.manage", school)
        action = request.POST.get("action")
        if action not in DAY_ACTIONS:
            raise PermissionDenied
        try:
            messages.success(request, _apply_day_action(request, action))
        except ValidationError as error:
            _error_messages(request, error)
        return redirect(_day_url(the_day, class_id))
    lessons = Lesson.objects.filter(school=school, date=the_day)
    courses = Course.objects.filter(school=school)
    year = current_year(school, the_day)
    if school_class is not None:
        lessons = lessons.filter(of_class(school_class, "course__"))
        courses = _class_courses(school_class)
    elif year is not None:
        courses = courses.filter(year=year)
    lessons = lessons.select_related(
        *(f"course__{r}" for r in COURSE_RELATED), "teacher", "substitute_for"
    ).order_by(
        "course__school_class__grade_level__number",
        "course__school_class__letter",
        "course__group__name",
        "number",
    )
    # A day of a closed year: its lessons are read-only (``rules.check_year_open``).
    closed_year = year if year is not None and year.is_closed and year.contains(the_day) else None
    can_manage = closed_year is None and _can_manage(request)
    return render(
        request,
        "timetable/day.html",
        {
            "day": the_day,
            "closed_year": closed_year,
            "previous": the_day - timedelta(days=1),
            "next": the_day + timedelta(days=1),
            "school_class": school_class,
            "lessons": lessons,
            "classes": _year_classes(school, year),
            "can_manage": can_manage,
            "teachers": active_staff(school) if can_manage else [],
            "courses": courses.select_related(*COURSE_RELATED) if can_manage else [],
            "numbers": range(0, 13),
            "cancelled": LessonStatus.CANCELLED,
        },
    )


@school_permission("timetable.view")
def substitutions(request: HttpRequest) -> HttpResponse:
    """Who taught instead of whom, per date, over ``?start=``–``?end=`` (this month by default)."""
    school = request.school
    today = school_today(school)
    start = _date(request, request.GET.get("start"), today.replace(day=1))
    end = _date(request, request.GET.get("end"), today)
    if end < start:
        messages.error(request, _("The end of the period is before its start."))
        start, end = end, start
    if (end - start).days > 400:
        messages.error(request, _("The period is longer than a year: it is shortened."))
        end = start + timedelta(days=400)
    lessons = (
        Lesson.objects.filter(
            school=school, date__gte=start, date__lte=end, substitute_for__isnull=False
        )
        .exclude(status=LessonStatus.CANCELLED)
        .select_related(*(f"course__{r}" for r in COURSE_RELATED), "teacher", "substitute_for")
        .order_by("date", "number")
    )
    totals: dict[int, dict] = {}
    for lesson in lessons:
        row = totals.setdefault(lesson.teacher_id, {"teacher": lesson.teacher, "count": 0})
        row["count"] += 1
    return render(
        request,
        "timetable/substitutions.html",
        {
            "start": start,
            "end": end,
            "lessons": lessons,
            "totals": sorted(totals.values(), key=lambda r: r["teacher"].short_name),
        },
    )
