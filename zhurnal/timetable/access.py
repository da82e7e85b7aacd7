"""Access entry points of the timetable (``core.access``): a lesson, a timetable entry, a bell
schedule — of one school, through a named rule; shared by the pages and the API.

A lesson's rules (DESIGN §4): ``timetable.keep_lesson`` records it (its teacher; a substitute
that one lesson only), ``timetable.view_course`` on its course reads it (and who keeps it does),
and the school-wide ``timetable.manage`` changes it (a deputy's substitution, cancellation or
move)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from zhurnal.core.access import object_for, require
from zhurnal.school.courses import COURSE_PLACE

from .models import BellSchedule, Lesson, TimetableEntry

KEEP = "timetable.keep_lesson"
READ = "timetable.view_course"
MANAGE = "timetable.manage"  # school-wide: a deputy's change of a lesson
LESSON_RELATED = (
    "teacher",
    "substitute_for",
    "plan_item",
    "course__subject",
    "course__year",
    *(f"course__{name}" for name in COURSE_PLACE),
)


def lesson_for(user, school, lesson_id: int, perm: str, *, related=LESSON_RELATED) -> Lesson:
    """A lesson if ``perm`` allows: ``timetable.keep_lesson`` on the lesson, ``timetable.
    view_course`` to read it (on its course, or keeping the lesson), ``timetable.manage`` on the
    school to change it."""
    if perm not in (KEEP, READ, MANAGE):
        raise ValueError(f"a lesson is reached by {KEEP}, {READ} or {MANAGE}, not {perm}")
    lesson = object_for(user, school, Lesson.objects.select_related(*related), None, pk=lesson_id)
    if "course" in {name.split("__")[0] for name in related}:
        lesson.course.school = school
    if perm == KEEP:
        require(user, KEEP, lesson)
    elif perm == READ:
        if not (user.has_perm(KEEP, lesson) or user.has_perm(READ, lesson.course)):
            raise PermissionDenied
    else:
        require(user, MANAGE, school)
    return lesson


def entry_for(user, school, entry_id: int) -> TimetableEntry:
    """A timetable entry, to change it (``timetable.manage``, school-wide)."""
    entries = TimetableEntry.objects.select_related(
        "teacher", "course__subject", *(f"course__{name}" for name in COURSE_PLACE)
    )
    entry = object_for(user, school, entries, None, pk=entry_id)
    require(user, MANAGE, school)
    return entry


def bell_schedule_for(user, school, schedule_id: int) -> BellSchedule:
    """A bell schedule, to change it (``timetable.manage``, school-wide)."""
    schedule = object_for(user, school, BellSchedule, None, pk=schedule_id)
    require(user, MANAGE, school)
    return schedule
