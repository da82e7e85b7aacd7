"""Lessons from the timetable (issue 3): generate a date range, and regenerate it safely.

For every course in scope and every school day of the range (the school's week, minus the
holidays of the class's grade level), each timetable entry valid that day and in that week's
parity gives one lesson in its slot (date, lesson number). Regenerating compares what the
timetable wants with the lessons already there:

- a slot that has its lesson keeps it (teacher, room and times follow the timetable unless
  the lesson was substituted);
- a missing slot gets a new lesson;
- a generated lesson whose slot the timetable no longer wants is deleted only if nothing was
  recorded on it; a lesson with a record is kept and reported for a decision (never deleted
  or moved silently).

Extra lessons and cancelled lessons are decisions already taken and are left alone. A closed
year's lessons are not generated again (issue 13: ``rules.check_year_open``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction

from zhurnal.audit.actor import Actor
from zhurnal.school.courses import bump_journal_versions, class_of_course
from zhurnal.school.models import Course, School

from . import events
from .calendar import BellTimes, HolidayCalendar
from .models import JOURNAL_RECORD, Lesson, LessonOrigin, LessonStatus, TimetableEntry, WeekParity
from .rules import check_year_open


@dataclass
class GenerationReport:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    # Lessons with a record that the timetable no longer wants: for the deputy to decide.
    needs_decision: list[Lesson] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "created": self.created,
            "updated": self.updated,
            "deleted": self.deleted,
            "unchanged": self.unchanged,
            "needs_decision": [lesson.pk for lesson in self.needs_decision],
        }


@dataclass(frozen=True)
class _Wanted:
    entry: TimetableEntry
    starts_at: object
    ends_at: object


def _wanted_slots(
    courses: list[Course],
    entries: list[TimetableEntry],
    start: date,
    end: date,
    calendar: HolidayCalendar,
    bells: BellTimes,
    year_start: date,
) -> dict[tuple[int, date, int], _Wanted]:
    by_course: dict[int, list[TimetableEntry]] = defaultdict(list)
    for entry in entries:
        by_course[entry.course_id].append(entry)
    wanted: dict[tuple[int, date, int], _Wanted] = {}
    for course in courses:
        school_class = class_of_course(course)
        level = school_class.grade_level_id if school_class else None
        class_id = school_class.pk if school_class else None
        course_entries = by_course.get(course.pk, ())
        if not course_entries:
            continue
        for day in calendar.school_days(start, end, level):
            for entry in course_entries:
                if entry.weekday != day.isoweekday() or not entry.valid_on(day):
                    continue
                if not WeekParity(entry.parity).holds_in(year_start, day):
                    continue
                starts_at, ends_at = bells.times(class_id, entry.number)
                wanted[(course.pk, day, entry.number)] = _Wanted(entry, starts_at, ends_at)
    return wanted


@transaction.atomic
def generate_lessons(
    *, school: School, year, start: date, end: date, courses=None, actor: Actor | None = None
) -> GenerationReport:
    """Create, update and delete the generated lessons of ``courses`` (all courses of the year
    if None) between ``start`` and ``end`` inclusive, as described in the module docstring;
    refused in a closed year."""
    check_year_open(year)
    start, end = max(start, year.start), min(end, year.end)
    course_qs = Course.objects.filter(school=school, year=year).select_related(
        "school_class", "group__school_class"
    )
    if courses is not None:
        course_qs = course_qs.filter(pk__in=[c.pk if hasattr(c, "pk") else c for c in courses])
    course_list = list(course_qs)
    course_ids = [c.pk for c in course_list]
    entries = list(
        TimetableEntry.objects.filter(school=school, year=year, course_id__in=course_ids)
    )
    wanted = _wanted_slots(
        course_list,
        entries,
        start,
        end,
        HolidayCalendar.load(school, start, end),
        BellTimes.load(school),
        year.start,
    )
    report = GenerationReport()
    existing = Lesson.objects.filter(
        school=school,
        course_id__in=course_ids,
        origin=LessonOrigin.TIMETABLE,
        slot_date__gte=start,
        slot_date__lte=end,
    )
    to_update: list[Lesson] = []
    to_delete: list[int] = []
    for lesson in existing:
        key = (lesson.course_id, lesson.slot_date, lesson.slot_number)
        slot = wanted.pop(key, None)
        if slot is None:
            if lesson.status == LessonStatus.CANCELLED or not lesson.has_record:
                to_delete.append(lesson.pk)
            else:
                report.needs_decision.append(lesson)
            continue
        if _follow_timetable(lesson, slot):
            to_update.append(lesson)
        else:
            report.unchanged += 1
    if to_delete:
        # Marks, attendance, homework or notes keep a lesson too (one query for all).
        kept = set(
            Lesson.objects.filter(pk__in=to_delete)
            .filter(JOURNAL_RECORD)
            .values_list("pk", flat=True)
            .distinct()
        )
        if kept:
            report.needs_decision.extend(Lesson.objects.filter(pk__in=kept))
            to_delete = [pk for pk in to_delete if pk not in kept]
    if to_delete:
        Lesson.objects.filter(pk__in=to_delete).delete()
        report.deleted = len(to_delete)
    if to_update:
        Lesson.objects.bulk_update(
            to_update, ["teacher", "room", "starts_at", "ends_at", "timetable_entry"]
        )
        report.updated = len(to_update)
    new = [
        Lesson(
            school=school,
            course_id=course_id,
            date=day,
            number=number,
            slot_date=day,
            slot_number=number,
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
            room=slot.entry.room,
            teacher_id=slot.entry.teacher_id,
            timetable_entry=slot.entry,
            origin=LessonOrigin.TIMETABLE,
        )
        for (course_id, day, number), slot in sorted(wanted.items(), key=lambda kv: kv[0][1:])
    ]
    Lesson.objects.bulk_create(new, batch_size=1000)
    report.created = len(new)
    # No model signals for the bulk writes: the journals' versions by hand (deleted lessons
    # sent theirs).
    bump_journal_versions({lesson.course_id for lesson in (*to_update, *new)})
    if actor is not None:
        events.lessons_generated(
            school,
            actor=actor,
            after={"from": start.isoformat(), "to": end.isoformat(), **report.as_dict()},
        )
    return report


def _follow_timetable(lesson: Lesson, slot: _Wanted) -> bool:
    """Bring a generated lesson in line with its timetable entry; True if anything changed.
    A moved lesson keeps its new day and times; a substituted one keeps its substitute."""
    changed = False
    moved = (lesson.date, lesson.number) != (lesson.slot_date, lesson.slot_number)
    wanted: dict = {"timetable_entry_id": slot.entry.pk}
    if not moved:
        wanted |= {"room": slot.entry.room, "starts_at": slot.starts_at, "ends_at": slot.ends_at}
    if lesson.substitute_for_id is None:
        wanted["teacher_id"] = slot.entry.teacher_id
    for attr, value in wanted.items():
        if getattr(lesson, attr) != value:
            setattr(lesson, attr, value)
            changed = True
    return changed
