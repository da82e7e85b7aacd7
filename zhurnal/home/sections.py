"""What each role's home page shows (DESIGN §1). Each section costs a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils import timezone

from zhurnal.accounts.context import context
from zhurnal.accounts.models import Role
from zhurnal.diary.informing import with_report_due
from zhurnal.diary.news import NEW_MARKS_DAYS, family_news
from zhurnal.journal.absence_sheet import ClassDay, classes_day
from zhurnal.messaging.queries import unread_total
from zhurnal.oversight.queries import open_remarks_of, remark_counts
from zhurnal.school.calendar import school_today
from zhurnal.school.models import Course, Enrollment, SchoolClass, Staff, Student
from zhurnal.school.rosters import enrolled_on
from zhurnal.timetable.models import Lesson


@dataclass
class Section:
    role: str
    template: str
    data: dict[str, Any] = field(default_factory=dict)


def _classes_with_counts(school, day):
    return (
        SchoolClass.objects.filter(school=school, year__start__lte=day, year__end__gte=day)
        .select_related("grade_level", "class_teacher", "year")
        .annotate(
            student_count=Count(
                "enrollments",
                filter=Q(enrollments__start__lte=day)
                & (Q(enrollments__end__isnull=True) | Q(enrollments__end__gte=day)),
            )
        )
    )


@dataclass
class TeacherDay:
    day: date
    is_today: bool
    lessons: list[Lesson]


def teacher_week(school, staff_id: int, today: date) -> tuple[date, list[TeacherDay]]:
    """The teacher's day (issue 3): the lessons of this school week, one query. A teacher's
    lessons are those they teach (their own and those they substitute) and those of theirs
    another teacher takes (shown as taken, so the teacher knows). Cancelled lessons stay, marked.
    On a day off after the school week (Saturday or Sunday) the coming week is shown."""
    monday = today - timedelta(days=today.isoweekday() - 1)
    if today.isoweekday() > school.week_days:
        monday += timedelta(weeks=1)
    last = monday + timedelta(days=6)
    lessons = (
        Lesson.objects.filter(school=school, date__range=(monday, last))
        .filter(Q(teacher_id=staff_id) | Q(substitute_for_id=staff_id))
        .select_related(
            "course__subject",
            "course__school_class__grade_level",
            "course__group__school_class__grade_level",
            "teacher",
            "substitute_for",
        )
        .order_by("date", "number", "pk")
    )
    by_day: dict[date, list[Lesson]] = {}
    for lesson in lessons:
        lesson.taken_by_other = lesson.teacher_id != staff_id
        by_day.setdefault(lesson.date, []).append(lesson)
    days = [TeacherDay(d, d == today, by_day[d]) for d in sorted(by_day)]
    return monday, days


def absent_today(school, led_class_ids, today: date) -> list[ClassDay]:
    """The class teacher's absentees of today (seed 002, regulation 2.2.1): per class they lead,
    the students absent at some lesson today with the register's reason, or none recorded yet.
    Six queries whatever the number of classes led."""
    classes = SchoolClass.objects.filter(school=school, pk__in=led_class_ids).select_related(
        "school", "grade_level"
    )
    return classes_day(list(classes.order_by("grade_level__number", "letter")), today)


def home_sections(request: HttpRequest) -> list[Section]:
    school = request.school
    if school is None:
        return []
    ctx = context(request.user, school.pk)
    day = school_today(school)
    sections: list[Section] = []
    roles = ctx.roles
    if Role.ADMIN in roles or Role.DIRECTOR in roles or Role.DEPUTY in roles:
        sections.append(
            Section(
                "administration",
                "home/administration.html",
                {
                    "classes": _classes_with_counts(school, day),
                    "staff_count": Staff.objects.filter(school=school, is_active=True).count(),
                    "is_admin": Role.ADMIN in roles,
                    # The remarks on journals waiting (issue 12): open, overdue, to check.
                    "remarks": remark_counts(school, day),
                },
            )
        )
    if Role.TEACHER in roles and ctx.staff_id:
        school_day = school_today(school)
        week_start, week = teacher_week(school, ctx.staff_id, school_day)
        if ctx.led_class_ids:
            # Who is absent today comes first: the class teacher's morning question.
            sections.append(
                Section(
                    "class_teacher",
                    "home/class_teacher.html",
                    {"days": absent_today(school, ctx.led_class_ids, school_day)},
                )
            )
        sections.append(
            Section(
                "teacher",
                "home/teacher.html",
                {
                    "courses": Course.objects.filter(
                        school=school, teachers=ctx.staff_id, year__end__gte=day
                    ).select_related("subject", "school_class__grade_level", "group"),
                    # Each with the progress report's due badge (seed 002, regulation 2.2.2):
                    # one query for all the led classes.
                    "led_classes": with_report_due(
                        _classes_with_counts(school, day).filter(pk__in=ctx.led_class_ids),
                        school.pk,
                        school_day,
                        ZoneInfo(school.timezone),
                    ),
                    "today": school_day,
                    # The deputies' remarks to fix (seed 002, regulation 2.1.7).
                    "remarks": open_remarks_of(school, ctx.staff_id),
                    "week_start": week_start,
                    "week": week,
                    "today_lessons": next((d.lessons for d in week if d.is_today), []),
                },
            )
        )
    if Role.SECRETARY in roles:
        sections.append(
            Section(
                "secretary",
                "home/secretary.html",
                {
                    "enrolled": Enrollment.objects.filter(enrolled_on(day), school=school).count(),
                },
            )
        )
    if Role.HR in roles:
        sections.append(
            Section(
                "hr",
                "home/hr.html",
                {"staff_count": Staff.objects.filter(school=school, is_active=True).count()},
            )
        )
    family = family_section(request, ctx, day)
    if family is not None:
        sections.append(family)
    return sections


def family_section(request: HttpRequest, ctx, day: date) -> Section | None:
    """A parent's children, or a student themself (issue 15: "what is new about my child"):
    per child whose diary the user may read, the new marks, today's and the next school day's
    homework, and the terms waiting for the guardian's «Ознакомлен» with its one-tap button
    (``diary.news``); the user's unread messages once (a conversation is the user's, not a
    child's). Ten queries at most, whatever the number of children and marks."""
    family_ids = ctx.child_ids | ctx.own_student_ids
    if not family_ids:
        return None
    school = request.school
    user = request.user
    students = list(
        Student.objects.filter(school=school, pk__in=family_ids).order_by(
            "last_name", "first_name", "pk"
        )
    )
    for student in students:
        student.school = school  # the age rule reads the school: no query per child
    readable = [s for s in students if user.has_perm("diary.view", s)]
    news = family_news(
        school,
        readable,
        today=day,
        now=timezone.now(),
        acknowledging={s.pk for s in readable if user.has_perm("diary.acknowledge", s)},
        user=user,
    )
    return Section(
        "family",
        "home/family.html",
        {
            "children": news,
            # A student below the school's age has no diary yet (seed 002, 3.3.2).
            "unreadable": [s for s in students if s not in readable],
            "is_parent": Role.PARENT in ctx.roles,
            "tomorrow": day + timedelta(days=1),
            "unread": unread_total(user, school),
            "new_marks_days": NEW_MARKS_DAYS,
        },
    )
