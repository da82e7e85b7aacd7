"""Read models of the school's own pages: bounded queries whatever the school's size (DESIGN §5).
The facts every app shares — today, the current year, a course's class, who is on which list —
have selectors of their own: ``calendar``, ``courses``, ``rosters``."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet

from .models import GroupMembership, SchoolClass, Student
from .rosters import class_roster, enrolled_on


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


def year_classes(school, year) -> QuerySet[SchoolClass]:
    """The classes of a year (none without a year), with their grade level."""
    if year is None:
        return SchoolClass.objects.none()
    return SchoolClass.objects.filter(school=school, year=year).select_related("grade_level")


def current_classes(school, day: date) -> QuerySet[SchoolClass]:
    """The classes of the year that ``day`` falls in, with their grade level."""
    return SchoolClass.objects.filter(
        school=school, year__start__lte=day, year__end__gte=day
    ).select_related("grade_level")
