"""Timetable conflicts (issue 3): a teacher, a room, or a class or subgroup in two places at once.

Two entries meet when they share the weekday and the lesson number, their validity ranges
overlap and their week parities can fall on the same week. Subgroups of one class meet the
whole class but not each other, unless a student belongs to both; a cross-class group meets a
class (or another group) that one of its students is in.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Q
from django.utils.translation import gettext as _

from zhurnal.school.courses import class_id_of_course
from zhurnal.school.models import Course, Enrollment, GroupMembership

from .models import TimetableEntry, WeekParity


def ranges_overlap(a_from: date, a_to: date | None, b_from: date, b_to: date | None) -> bool:
    return (a_to is None or b_from <= a_to) and (b_to is None or a_from <= b_to)


def parities_meet(a: str, b: str) -> bool:
    return a == WeekParity.EVERY or b == WeekParity.EVERY or a == b


def _groups_share_students(group_a: int, group_b: int) -> bool:
    members = GroupMembership.objects.filter(group_id=group_b).values("student_id")
    return GroupMembership.objects.filter(group_id=group_a, student_id__in=members).exists()


def _group_meets_class(group_id: int, class_id: int) -> bool:
    members = GroupMembership.objects.filter(group_id=group_id).values("student_id")
    return Enrollment.objects.filter(school_class_id=class_id, student_id__in=members).exists()


def audiences_meet(a: Course, b: Course) -> bool:
    """Whether two courses can have a student in common (needs ``group`` selected)."""
    if a.pk == b.pk:
        return True
    a_class, b_class = class_id_of_course(a), class_id_of_course(b)
    if a.school_class_id and b.school_class_id:
        return a.school_class_id == b.school_class_id
    if a.group_id and b.group_id:
        if a.group_id == b.group_id:
            return True
        if a_class and b_class and a_class != b_class:
            return False
        return _groups_share_students(a.group_id, b.group_id)
    # One whole class, one group.
    whole, grouped = (a, b) if a.school_class_id else (b, a)
    group_class = grouped.group.school_class_id
    if group_class is not None:
        return group_class == whole.school_class_id
    return _group_meets_class(grouped.group_id, whole.school_class_id)


def find_conflicts(entry: TimetableEntry) -> list[str]:
    """Messages for every entry that ``entry`` would clash with (empty: it fits)."""
    course = Course.objects.select_related("group", "school_class__grade_level").get(
        pk=entry.course_id
    )
    others = (
        TimetableEntry.objects.filter(
            school_id=entry.school_id,
            year_id=entry.year_id,
            weekday=entry.weekday,
            number=entry.number,
        )
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=entry.valid_from))
        .select_related(
            "teacher", "course__subject", "course__school_class__grade_level", "course__group"
        )
    )
    if entry.valid_to is not None:
        others = others.filter(valid_from__lte=entry.valid_to)
    if entry.pk:
        others = others.exclude(pk=entry.pk)
    messages = []
    for other in others:
        if not parities_meet(entry.parity, other.parity):
            continue
        if not ranges_overlap(entry.valid_from, entry.valid_to, other.valid_from, other.valid_to):
            continue
        where = {
            "course": str(other.course),
            "weekday": other.get_weekday_display(),
            "number": other.number,
        }
        if other.teacher_id == entry.teacher_id:
            messages.append(
                _(
                    "%(teacher)s already teaches %(course)s at this time (%(weekday)s, lesson "
                    "%(number)s)."
                )
                % {**where, "teacher": other.teacher.short_name}
            )
        if entry.room and other.room and entry.room.strip().lower() == other.room.strip().lower():
            messages.append(
                _(
                    "Room %(room)s is taken by %(course)s at this time (%(weekday)s, lesson "
                    "%(number)s)."
                )
                % {**where, "room": other.room}
            )
        if audiences_meet(course, other.course):
            messages.append(
                _(
                    "%(audience)s already has %(course)s at this time (%(weekday)s, lesson "
                    "%(number)s)."
                )
                % {**where, "audience": course.audience_name}
            )
    return messages
