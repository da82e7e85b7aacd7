"""The demo year's lessons, planned in memory and written with ``bulk_create``.

What ``timetable.generation.generate_lessons`` would create for the whole year — one lesson
per timetable entry and school day of the terms (holidays of the class's grade level left
out; a cross-class group only skips the school-wide ones), in the entry's slot, with the bell
times of the class — but without its queries and model instances (``fastrows``), so that 20
schools stay fast.

Then the record of the days before "today": a few lessons cancelled with a reason, one
substitution (another teacher of the department, free in that slot, teaches it instead of the
regular teacher), and the topics of the held lessons of the courses that follow a plan, item
after item in order (an item of h hours covers h lessons), as ``record_topic`` would set them.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from zhurnal.timetable.models import Lesson, LessonKind, LessonOrigin, LessonStatus, TimetableEntry

from . import timetable as tt

CANCEL_REASONS = (
    "Карантин по гриппу в классе",
    "Участие класса в муниципальной олимпиаде",
    "Учитель на курсах повышения квалификации",
    "Экскурсия класса в краеведческий музей",
)
SUBSTITUTION_REASON = "Больничный лист учителя"
CANCELLATIONS = 4


def class_of(course):
    return tt._class_of(course)


def at(day: date, moment: time | None, tz: ZoneInfo) -> datetime:
    """When a record of a lesson of ``day`` was made: right after the lesson (15:30 if the
    lesson has no time)."""
    return datetime.combine(day, moment or time(15, 30), tzinfo=tz)


def school_days(builder) -> dict[int | None, list[date]]:
    """Grade number (None: the whole school) → the school days of the terms."""
    cal = builder.cal
    days: list[date] = []
    for start, end in cal.quarters:
        day = start
        while day <= end:
            if day.isoweekday() <= builder.school.week_days:
                days.append(day)
            day += timedelta(days=1)
    off_all: set[date] = set()
    off_grade: dict[int, set[date]] = defaultdict(set)
    for holiday in cal.holidays:
        span = {
            holiday.start + timedelta(days=k) for k in range((holiday.end - holiday.start).days + 1)
        }
        if holiday.grades:
            for g in holiday.grades:
                off_grade[g] |= span
        else:
            off_all |= span
    result: dict[int | None, list[date]] = {None: [d for d in days if d not in off_all]}
    for g in range(1, 12):
        result[g] = [d for d in result[None] if d not in off_grade.get(g, ())]
    return result


def plan_lessons(builder) -> None:
    """Lessons for every timetable entry of the year (``builder.lessons``: id(course) → the
    course's lessons in date order)."""
    days = school_days(builder)
    by_weekday: dict[int | None, dict[int, list[date]]] = {}
    for grade, dates in days.items():
        split: dict[int, list[date]] = defaultdict(list)
        for d in dates:
            split[d.isoweekday()].append(d)
        by_weekday[grade] = split
    main = {n: (s, e) for n, s, e in tt.MAIN_BELLS}
    first = {n: (s, e) for n, s, e in tt.GRADE_ONE_BELLS}
    school = builder.school
    lessons: dict[int, list] = defaultdict(list)
    for entry in builder.rows[TimetableEntry]:
        cls = class_of(entry.course)
        grade = cls.grade_level.number if cls is not None else None
        starts_at, ends_at = (first if grade == 1 else main).get(entry.number, (None, None))
        bucket = lessons[id(entry.course)]
        for day in by_weekday[grade].get(entry.weekday, ()):
            bucket.append(
                builder.row(
                    Lesson,
                    school=school,
                    course=entry.course,
                    date=day,
                    number=entry.number,
                    slot_date=day,
                    slot_number=entry.number,
                    starts_at=starts_at,
                    ends_at=ends_at,
                    room=entry.room,
                    teacher=entry.teacher,
                    substitute_for=None,
                    status=LessonStatus.PLANNED,
                    timetable_entry=entry,
                    origin=LessonOrigin.TIMETABLE,
                    kind=LessonKind.LESSON,
                    topic="",
                    plan_item=None,
                    topic_entered_at=None,
                )
            )
    for bucket in lessons.values():
        bucket.sort(key=lambda lesson: (lesson.date, lesson.number))
    builder.lessons = lessons


def past(builder, lessons: list) -> list:
    return [lesson for lesson in lessons if lesson.date < builder.today]


def plan_changes(builder) -> None:
    """A few cancellations and one substitution among the lessons before today."""
    rng = builder.rng
    first_monday = builder.today - timedelta(days=builder.today.weekday())
    recent = first_monday - timedelta(days=21)  # the last three weeks before this one
    candidates = [
        lesson
        for course_lessons in builder.lessons.values()
        for lesson in course_lessons
        if recent <= lesson.date < first_monday
    ]
    if not candidates:
        return
    for lesson, reason in zip(
        rng.sample(candidates, min(CANCELLATIONS, len(candidates))), CANCEL_REASONS, strict=False
    ):
        lesson.status = LessonStatus.CANCELLED
        lesson.cancel_reason = reason
    substitute_one(builder, candidates)


def substitute_one(builder, candidates: list) -> None:
    """The demo teacher's lesson (else any subject teacher's) taught by a colleague of the
    same department who is free in that slot."""
    department_of = {}
    for key, staff in builder.teachers.items():
        if key == "primary":
            continue
        for s in staff:
            department_of[id(s)] = key
    busy = builder.week.busy
    demo_teacher = builder.demo_classes[0].class_teacher
    ordered = sorted(
        (c for c in candidates if c.status != LessonStatus.CANCELLED),
        key=lambda c: (c.teacher is not demo_teacher, c.date, c.number),
    )
    for lesson in ordered:
        key = department_of.get(id(lesson.teacher))
        if key is None:
            continue
        slot = (lesson.date.isoweekday(), lesson.number)
        for colleague in builder.teachers[key]:
            if colleague is lesson.teacher or slot in busy.get(id(colleague), ()):
                continue
            lesson.substitute_for = lesson.teacher
            lesson.teacher = colleague
            lesson.substitution_reason = SUBSTITUTION_REASON
            builder.substitution = lesson
            return


def plan_topics(builder) -> None:
    """The held lessons before today follow their course's plan item by item."""
    tz = ZoneInfo(builder.school.timezone)
    for course_id, items in builder.course_items.items():
        queue = [(item, k) for item in items for k in range(item.hours)]
        held = [
            lesson
            for lesson in past(builder, builder.lessons.get(course_id, []))
            if lesson.status != LessonStatus.CANCELLED
        ]
        for lesson, (item, _) in zip(held, queue, strict=False):
            lesson.topic = item.topic
            lesson.plan_item = item
            lesson.kind = item.kind
            lesson.topic_entered_at = at(lesson.date, lesson.ends_at, tz)
