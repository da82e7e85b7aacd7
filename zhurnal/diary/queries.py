"""Read models of the electronic diary (issue 5): a student's week, the marks and the
attendance of a term, and the homework of the coming days. Each costs a fixed number of SQL
queries whatever the number of lessons, marks or courses (DESIGN §5; the week view ≤ 10 with
the request's own queries, tests/test_diary.py).

A student's lessons are those of the courses of their class and of their groups, on the dates
they belonged to them (``Enrollment`` and ``GroupMembership`` are dated, DESIGN §2).

Homework is set at a lesson (``journal.Homework``, entered after the lesson or ahead): the week
view shows it at the lesson that set it; the homework list shows it on the day it is due — the
course's next lesson — with the load of that day checked against the limits of СанПиН
1.2.3685-21 (table 6.6): grade 1 no homework; 2–3: 1.5 h; 4–5: 2 h; 6–8: 2.5 h; 9–11: 3.5 h.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import TypeVar

from django.db import connections, router
from django.db.models import CharField, DecimalField, Q, Value
from django.db.models.functions import Cast

from zhurnal.core.lookups import any_of_sql
from zhurnal.journal.absence_sheet import StudentAbsenceDay, absence_days_of
from zhurnal.journal.averages import forecast, thresholds_from_policy, weighted_average
from zhurnal.journal.freshness import cached
from zhurnal.journal.models import (
    Attendance,
    AttendanceCode,
    Homework,
    HomeworkAttachment,
    JournalPolicy,
    Mark,
    NoteKind,
    PeriodKind,
    PeriodMark,
    StudentNote,
)
from zhurnal.journal.policy import policy_of, scale_of, with_scale_rule
from zhurnal.journal.queries import NAME_FIELDS, absence_reason, absence_rows, shown_attendance
from zhurnal.journal.scales import ScaleKind
from zhurnal.school.models import Course, Student, Term
from zhurnal.school.rosters import RosterSpans, roster_spans
from zhurnal.timetable.models import Lesson, LessonStatus

T = TypeVar("T")

# СанПиН 1.2.3685-21, table 6.6: the daily homework time by grade, in minutes.
HOMEWORK_LIMITS = {1: 0, 2: 90, 3: 90, 4: 120, 5: 120, 6: 150, 7: 150, 8: 150}
SENIOR_HOMEWORK_LIMIT = 210  # grades 9–11
DAYS_SHOWN = 6  # Monday to Saturday


def homework_limit(grade: int | None) -> int | None:
    """The daily homework limit in minutes for a grade (None: grade unknown)."""
    if grade is None:
        return None
    return HOMEWORK_LIMITS.get(grade, SENIOR_HOMEWORK_LIMIT)


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


# The cache of the diary's read models (settings.CACHES: apart from the journal grids).
DIARY_CACHE = "diary"


# --- who the student is, when ----------------------------------------------------------------


def student_spans(student: Student, start: date, end: date) -> RosterSpans:
    """The student's classes, groups and absence-register entries overlapping a period, in
    ONE query (``school.rosters.roster_spans`` with the journal's absence rows)."""
    ids, school_id = [student.pk], student.school_id
    absences = absence_rows(ids, start, end, school_id=school_id)
    return roster_spans(ids, start, end, extra=absences, school_id=school_id)[student.pk]


def _student_lessons(
    student: Student, spans: RosterSpans, start: date, end: date, *related, only=()
):
    """The student's lessons from ``start`` to ``end`` (cancelled ones included), one query;
    ``only`` narrows the columns loaded (with ``related`` rows)."""
    if not spans.classes and not spans.groups:
        return []
    lessons = (
        Lesson.objects.filter(school_id=student.school_id, date__range=(start, end))
        .filter(spans.lessons_filter())
        .select_related("course__subject", *related)
        .order_by("date", "number", "pk")
    )
    if only:
        lessons = lessons.only(*only)
    return [lesson for lesson in lessons if spans.on_course(lesson.course, lesson.date)]


# What the week shows of a lesson: its teachers by name only (no personal card, DESIGN §3),
# its course as far as the student's list needs it, its homework.
WEEK_LESSON_FIELDS = (
    "id",
    "school_id",
    "course_id",
    "date",
    "number",
    "starts_at",
    "ends_at",
    "status",
    "cancel_reason",
    "topic",
    "teacher_id",
    "substitute_for_id",
    "course__school_class_id",
    "course__group_id",
    "course__subject__name",
    "course__subject__short_name",
    *(f"{who}__{name}" for who in ("teacher", "substitute_for") for name in NAME_FIELDS),
    "homework__text",
    "homework__links",
    "homework__minutes",
)


# --- the week --------------------------------------------------------------------------------


@dataclass
class DiaryMark:
    value: str
    work_type_code: str
    work_type_name: str
    weight: Decimal
    comment: str = ""
    title: str = ""


@dataclass
class DiaryNote:
    kind: str
    text: str

    @property
    def kind_label(self) -> str:
        return str(NoteKind(self.kind).label)


@dataclass
class DiaryLesson:
    lesson: Lesson
    homework: Homework | None
    attachments: list[HomeworkAttachment] = field(default_factory=list)
    marks: list[DiaryMark] = field(default_factory=list)
    attendance: str = ""
    notes: list[DiaryNote] = field(default_factory=list)

    @property
    def subject(self) -> str:
        return self.lesson.course.subject.name

    @property
    def cancelled(self) -> bool:
        return self.lesson.status == LessonStatus.CANCELLED

    @property
    def substituted(self) -> bool:
        return self.lesson.substitute_for_id is not None


@dataclass
class DiaryDay:
    day: date
    is_today: bool
    lessons: list[DiaryLesson]


@dataclass
class DiaryWeek:
    student: Student
    monday: date
    days: list[DiaryDay]

    @property
    def previous(self) -> date:
        return self.monday - timedelta(weeks=1)

    @property
    def next(self) -> date:
        return self.monday + timedelta(weeks=1)


def _entries(student: Student, lesson_ids: list[int]):
    """The student's marks (with work type and weight), attendance entries and notes, and the
    homework attachments of the lessons, in ONE query (a UNION ALL)."""
    none_text = Value("", output_field=CharField())
    none_weight = Value(None, output_field=DecimalField(max_digits=4, decimal_places=2))
    marks = (
        Mark.objects.filter(student=student, column__lesson_id__any_of=lesson_ids)
        .values_list(
            Value("m"),
            "column__lesson_id",
            "value",
            "comment",
            "column__work_type__code",
            "column__work_type__name",
            "column__title",
            "column__weight",
            "column__position",
        )
        .order_by()
    )
    attendance = (
        Attendance.objects.filter(student=student, lesson_id__any_of=lesson_ids)
        .values_list(
            Value("a"),
            "lesson_id",
            "code",
            none_text,
            none_text,
            none_text,
            none_text,
            none_weight,
            "pk",
        )
        .order_by()
    )
    notes = (
        StudentNote.objects.filter(student=student, lesson_id__any_of=lesson_ids)
        .values_list(
            Value("n"),
            "lesson_id",
            "kind",
            "text",
            none_text,
            none_text,
            none_text,
            none_weight,
            "pk",
        )
        .order_by()
    )
    # The homework attachments of the lessons too (size in the weight column).
    attachments = (
        HomeworkAttachment.objects.filter(homework__lesson_id__any_of=lesson_ids)
        .values_list(
            Value("f"),
            "homework__lesson_id",
            "name",
            "file",
            none_text,
            none_text,
            none_text,
            Cast("size", DecimalField(max_digits=12, decimal_places=2)),
            "pk",
        )
        .order_by()
    )
    rows = marks.union(attendance, notes, attachments, all=True)
    return sorted(rows, key=lambda r: (r[0], r[1], r[8]))


def week(student: Student, monday: date, *, today: date | None = None) -> DiaryWeek:
    """The student's week, Monday to Saturday: every lesson (cancelled ones marked, a
    substitute named) with its topic, homework and attachments, the student's marks with work
    type and weight, attendance as the journal shows it (the absence register applied) and the
    teachers' notes. Four queries; two while the week's journals are unchanged (the lessons and
    entries kept by the courses' versions, ``journal.freshness``)."""
    monday = monday_of(monday)
    last = monday + timedelta(days=DAYS_SHOWN - 1)
    spans = student_spans(student, monday, last)
    # The lessons and entries of the courses' versions: the same until a write to one of these
    # journals (a lesson, its homework and attachments, a mark, attendance, a note, the lists,
    # a teacher's or subject's name). The student's lists are in the key too; their absences
    # (applied below) are read afresh.
    facts = (
        student.pk,
        monday,
        tuple((s.ref_id, s.start, s.end) for s in spans.classes),
        tuple((s.ref_id, s.start, s.end) for s in spans.groups),
        _course_versions(student.school_id, spans),
    )
    items = cached(
        "diary-week",
        facts,
        lambda: _week_lessons(student, spans, monday, last),
        cache_name=DIARY_CACHE,
    )
    for item in items:
        if not item.cancelled:
            item.attendance = shown_attendance(
                item.attendance, absence_reason(spans, item.lesson.date)
            )
    by_day: dict[date, list[DiaryLesson]] = defaultdict(list)
    for item in items:
        by_day[item.lesson.date].append(item)
    days = [
        DiaryDay(day, day == today, by_day.get(day, []))
        for day in (monday + timedelta(days=n) for n in range(DAYS_SHOWN))
    ]
    return DiaryWeek(student=student, monday=monday, days=days)


def _course_versions(school_id: int, spans: RosterSpans) -> tuple[tuple[int, int], ...]:
    """(id, journal version) of the courses of the student's classes and groups, one
    hand-written statement (none without any): asked on every page of the diary, whose
    queryset took longer to compile than to run (docs/performance.md)."""
    if not spans.classes and not spans.groups:
        return ()
    using = router.db_for_read(Course)
    vendor = connections[using].vendor
    classes, class_params = any_of_sql("school_class_id", {s.ref_id for s in spans.classes}, vendor)
    groups, group_params = any_of_sql("group_id", {s.ref_id for s in spans.groups}, vendor)
    with connections[using].cursor() as cursor:
        cursor.execute(
            f"SELECT id, journal_version FROM {Course._meta.db_table} "  # noqa: S608
            f"WHERE school_id = %s AND ({classes} OR {groups}) ORDER BY id",
            [school_id, *class_params, *group_params],
        )
        return tuple(cursor.fetchall())


def _week_lessons(
    student: Student, spans: RosterSpans, monday: date, last: date
) -> list[DiaryLesson]:
    """The week's lessons with the student's entries in them, as kept in the cache (the
    absence register not yet applied): two queries (one without any lesson)."""
    lessons = _student_lessons(
        student,
        spans,
        monday,
        last,
        "teacher",
        "substitute_for",
        "homework",
        only=WEEK_LESSON_FIELDS,
    )
    items: dict[int, DiaryLesson] = {}
    for lesson in lessons:
        try:
            homework = lesson.homework
        except Homework.DoesNotExist:
            homework = None
        items[lesson.pk] = DiaryLesson(lesson=lesson, homework=homework)
    if items:
        for row in _entries(student, list(items)):
            kind, lesson_id = row[0], row[1]
            item = items[lesson_id]
            if kind == "m":
                item.marks.append(
                    DiaryMark(
                        value=row[2],
                        comment=row[3],
                        work_type_code=row[4],
                        work_type_name=row[5],
                        title=row[6],
                        weight=row[7],
                    )
                )
            elif kind == "a":
                item.attendance = row[2]
            elif kind == "f":
                item.attachments.append(
                    HomeworkAttachment(
                        pk=row[8],
                        school_id=student.school_id,
                        homework=item.homework,
                        name=row[2],
                        file=row[3],
                        size=int(row[7] or 0),
                    )
                )
            else:
                item.notes.append(DiaryNote(kind=row[2], text=row[3]))
    return list(items.values())


# --- marks of a term -------------------------------------------------------------------------


@dataclass
class TermMark:
    date: date
    value: str
    work_type_code: str
    work_type_name: str
    weight: Decimal
    comment: str = ""


@dataclass
class SubjectMarks:
    course: Course
    scale: str
    marks: list[TermMark] = field(default_factory=list)
    average: Decimal | None = None
    forecast: str | None = None
    period_marks: dict[str, PeriodMark] = field(default_factory=dict)

    @property
    def subject(self) -> str:
        return self.course.subject.name

    @property
    def term_mark(self) -> PeriodMark | None:
        return self.period_marks.get(PeriodKind.TERM)

    @property
    def ordered_period_marks(self) -> list[PeriodMark]:
        return [self.period_marks[k] for k in PeriodKind.values if k in self.period_marks]


def _student_courses(student: Student, spans: RosterSpans, term: Term):
    """The courses of the student's class and groups in the term's year, with the scale rule
    (one query), ordered by subject."""
    if not spans.classes and not spans.groups:
        return []
    courses = with_scale_rule(
        Course.objects.filter(school_id=student.school_id, year_id=term.year_id).filter(
            Q(school_class_id__any_of={s.ref_id for s in spans.classes})
            | Q(group_id__any_of={s.ref_id for s in spans.groups})
        ),
        student.school_id,
    ).select_related("subject")
    return sorted(
        (c for c in courses if spans.in_course(c, term.start, term.end)),
        key=lambda c: (c.subject.name, c.pk),
    )


def term_marks(
    student: Student, term: Term, *, policy: JournalPolicy | None = None
) -> list[SubjectMarks]:
    """Per subject: every mark of the term with date and work type, the weighted average and
    the forecast (as the journal computes them), and the period marks — the term's mark, the
    year, exam and final marks — visible as soon as entered. Four queries; two while the
    courses' journals are unchanged (the rest kept by their versions, ``journal.freshness``)."""
    policy = policy or policy_of(
        student.school if Student.school.is_cached(student) else student.school_id
    )
    spans = student_spans(student, term.start, term.end)
    courses = _student_courses(student, spans, term)
    if not courses:
        return []
    # The marks of the courses' versions (``journal.freshness``): the same until a write to
    # one of these journals (a mark, a column, a lesson, a period mark) or a work type.
    facts = (
        student.pk,
        term.pk,
        term.start,
        term.end,
        tuple((c.pk, c.journal_version, scale_of(c, policy)) for c in courses),
        repr(policy.forecast_thresholds),
    )
    subjects = cached(
        "diary-marks",
        facts,
        lambda: _term_marks(student, term, policy, courses),
        cache_name=DIARY_CACHE,
    )
    by_id = {c.pk: c for c in courses}
    for item in subjects:  # the request's own courses, not the cached copies
        item.course = by_id[item.course.pk]
    return subjects


def _term_marks(
    student: Student, term: Term, policy: JournalPolicy, courses: list[Course]
) -> list[SubjectMarks]:
    """``term_marks`` of the courses: two queries (the marks, the period marks)."""
    thresholds = thresholds_from_policy(policy.forecast_thresholds)
    subjects = {c.pk: SubjectMarks(course=c, scale=scale_of(c, policy)) for c in courses}
    weighted: dict[int, list[tuple]] = defaultdict(list)
    for mark in (
        Mark.objects.filter(
            student=student,
            column__lesson__course_id__any_of=list(subjects),
            column__lesson__date__range=(term.start, term.end),
        )
        .exclude(column__lesson__status=LessonStatus.CANCELLED)
        .select_related("column__lesson", "column__work_type")
        .order_by("column__lesson__date", "column__lesson__number", "column__position", "pk")
    ):
        column = mark.column
        subjects[column.lesson.course_id].marks.append(
            TermMark(
                date=column.lesson.date,
                value=mark.value,
                comment=mark.comment,
                work_type_code=column.work_type.code,
                work_type_name=column.work_type.name,
                weight=column.weight,
            )
        )
        weighted[column.lesson.course_id].append((mark.number, column.weight))
    period_marks = PeriodMark.objects.filter(student=student, course_id__any_of=list(subjects))
    for entry in period_marks.filter(Q(term=term) | Q(term__isnull=True)):
        subjects[entry.course_id].period_marks[entry.kind] = entry
    for course_id, item in subjects.items():
        item.average = weighted_average(weighted[course_id])
        item.forecast = forecast(
            item.scale, item.average, thresholds if item.scale == ScaleKind.FIVE else None
        )
    return list(subjects.values())


# --- attendance of a term --------------------------------------------------------------------

MISSED_CODES = (AttendanceCode.ABSENT, AttendanceCode.ILL, AttendanceCode.EXCUSED)


@dataclass
class AttendanceRow:
    subject: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def missed(self) -> int:
        return sum(self.counts.get(code, 0) for code in MISSED_CODES)

    def count(self, code: str) -> int:
        return self.counts.get(code, 0)


@dataclass
class AttendanceSummary:
    rows: list[AttendanceRow]
    total: AttendanceRow
    codes: tuple = tuple(AttendanceCode)
    # The days with an absence and the class teacher's reason of each (seed 002, 2.2.1).
    days: list[StudentAbsenceDay] = field(default_factory=list)


def attendance_summary(
    student: Student, term: Term, *, until: date | None = None
) -> AttendanceSummary:
    """Lessons missed by reason (Н, Б, У; late arrivals ОП counted apart), per subject and in
    total, over the term up to ``until`` (default its end), the absence register applied to
    every lesson it covers. Three queries."""
    end = min(term.end, until) if until else term.end
    spans = student_spans(student, term.start, end)
    lessons = [
        lesson
        for lesson in _student_lessons(student, spans, term.start, end)
        if lesson.status != LessonStatus.CANCELLED
    ]
    entered = (
        dict(
            Attendance.objects.filter(
                school_id=student.school_id,
                student=student,
                lesson_id__any_of=[x.pk for x in lessons],
            ).values_list("lesson_id", "code")
        )
        if lessons
        else {}
    )
    rows: dict[str, AttendanceRow] = {}
    total = AttendanceRow(subject="")
    for lesson in lessons:
        code = shown_attendance(entered.get(lesson.pk, ""), absence_reason(spans, lesson.date))
        if not code:
            continue
        row = rows.setdefault(lesson.course.subject.name, AttendanceRow(lesson.course.subject.name))
        row.counts[code] = row.counts.get(code, 0) + 1
        total.counts[code] = total.counts.get(code, 0) + 1
    return AttendanceSummary(
        rows=sorted(rows.values(), key=lambda r: r.subject),
        total=total,
        days=absence_days_of(spans, lessons, entered),
    )


# --- homework ahead --------------------------------------------------------------------------


@dataclass
class HomeworkItem:
    subject: str
    set_on: date
    homework: Homework
    attachments: list[HomeworkAttachment] = field(default_factory=list)


@dataclass
class HomeworkDay:
    day: date
    items: list[HomeworkItem]
    limit: int | None  # minutes, СанПиН 1.2.3685-21

    @property
    def minutes(self) -> int:
        return sum(item.homework.minutes or 0 for item in self.items)

    @property
    def over_limit(self) -> bool:
        return self.limit is not None and self.minutes > self.limit


# How far back homework may have been set for a lesson in the coming days.
LOOK_BACK_DAYS = 14


def homework_due_days(
    lessons: Iterable[tuple[int, date, T | None]], today: date
) -> list[tuple[date, date, T]]:
    """Each homework of ``lessons`` — (course id, date, homework or None), in date order,
    cancelled lessons left out — with the day it is due and the day it was set: due at the
    course's next lesson on a later day (a double lesson sets it once), from ``today`` on. No
    query."""
    by_course: dict[int, list[tuple[date, T | None]]] = defaultdict(list)
    for course_id, day, homework in lessons:
        by_course[course_id].append((day, homework))
    found: list[tuple[date, date, T]] = []
    for course_lessons in by_course.values():
        for index, (day, homework) in enumerate(course_lessons):
            if homework is None:
                continue
            due = next((later for later, _h in course_lessons[index + 1 :] if later > day), None)
            if due is not None and due >= today:
                found.append((due, day, homework))
    return found


def homework_ahead(student: Student, today: date, days: int = 7) -> list[HomeworkDay]:
    """The homework due in the coming ``days`` days from ``today`` (each set at a lesson and due
    at the course's next lesson), per day with the estimated minutes summed and the limit for
    the student's grade (shown when exceeded). Three queries."""
    start = today - timedelta(days=LOOK_BACK_DAYS)
    last = today + timedelta(days=days - 1)
    spans = student_spans(student, start, last)
    lessons = [
        lesson
        for lesson in _student_lessons(student, spans, start, last, "homework")
        if lesson.status != LessonStatus.CANCELLED
    ]
    due: dict[date, list[HomeworkItem]] = defaultdict(list)
    items: dict[int, HomeworkItem] = {}
    for day, set_on, lesson in homework_due_days(
        # A lesson without homework has no ``homework`` (its descriptor raises AttributeError).
        ((x.course_id, x.date, x if hasattr(x, "homework") else None) for x in lessons),
        today,
    ):
        item = HomeworkItem(lesson.course.subject.name, set_on, lesson.homework)
        due[day].append(item)
        items[lesson.homework.pk] = item
    if items:
        for attachment in HomeworkAttachment.objects.filter(homework_id__any_of=list(items)):
            items[attachment.homework_id].attachments.append(attachment)
    return [
        HomeworkDay(
            day, sorted(due[day], key=lambda i: i.subject), homework_limit(spans.grade_on(day))
        )
        for day in sorted(due)
    ]
