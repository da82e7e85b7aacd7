"""Read models for school pages: bounded queries whatever the school's size (DESIGN §5)."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery, Value
from django.utils import timezone

from .models import AcademicYear, Enrollment, GroupMembership, SchoolClass, Student


def enrolled_on(day: date) -> Q:
    """Enrollments that cover a day."""
    return Q(start__lte=day) & (Q(end__isnull=True) | Q(end__gte=day))


def current_class_id(student: Student, day: date) -> int | None:
    return (
        Enrollment.objects.filter(enrolled_on(day), student=student)
        .values_list("school_class_id", flat=True)
        .first()
    )


def with_current_class(students: QuerySet[Student], day: date) -> QuerySet[Student]:
    """Annotate ``current_class_id`` (the class a student is in on ``day``) in the same query."""
    enrollment = Enrollment.objects.filter(enrolled_on(day), student=OuterRef("pk"))
    return students.annotate(current_class_id=Subquery(enrollment.values("school_class_id")[:1]))


def class_roster(school_class: SchoolClass, day: date) -> QuerySet[Student]:
    """Students enrolled in the class on a day, in list order (alphabetical), one query."""
    in_class = Enrollment.objects.filter(
        enrolled_on(day), student=OuterRef("pk"), school_class=school_class
    )
    return (
        Student.objects.filter(Exists(in_class))
        .annotate(current_class_id=Value(school_class.pk))
        .order_by("last_name", "first_name", "middle_name")
    )


def school_today(school) -> date:
    """Today in the school's own time zone (Russia spans 11 zones, DESIGN §5)."""
    return timezone.localdate(timezone=ZoneInfo(school.timezone))


def current_year(school, day: date):
    """The academic year containing ``day``; between two years (summer) the coming one, which
    is being prepared then; None if neither exists."""
    years = AcademicYear.objects.filter(school=school)
    return (
        years.filter(start__lte=day, end__gte=day).first()
        or years.filter(start__gt=day).order_by("start").first()
    )


def clamp_to_year(day: date, year) -> date:
    """The day itself if it lies in the year, else the year's nearest end."""
    return min(max(day, year.start), year.end)


def group_member_ids(group, day: date) -> set[int]:
    """The students in a group on ``day``."""
    return set(
        GroupMembership.objects.filter(enrolled_on(day), group=group).values_list(
            "student_id", flat=True
        )
    )


def group_candidates(group, day: date) -> QuerySet[Student]:
    """Who may join a group: a subgroup's class list on ``day``; for a cross-class group every
    student enrolled in a class of its year."""
    if group.school_class_id:
        return class_roster(group.school_class, day)
    return (
        Student.objects.filter(school=group.school, enrollments__school_class__year=group.year)
        .distinct()
        .order_by("last_name", "first_name")
    )
