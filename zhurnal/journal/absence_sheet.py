"""Read models of the class teacher's daily absence sheet (seed 002, regulation 2.2.1; issue 15):
a class on a date — each student enrolled that day with the attendance the subject teachers
entered at each of the day's lessons and the register's reason of the day — and the term's
counts per student.

``class_day`` costs five queries whatever the class's size: the class list of the day, the
students' lists and register rows of the day (one UNION ALL, ``school.rosters.roster_spans``),
the class's lessons of the day, the teachers' entries, the days of the sheet (with their
versions and documents). ``absence_sheet`` adds the term (one query) and the term's counts
(``attendance_counts.class_attendance``: four queries, two more on PostgreSQL).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from zhurnal.school.calendar import class_terms, pick_term
from zhurnal.school.courses import of_class
from zhurnal.school.models import Enrollment, SchoolClass, Student, Term
from zhurnal.school.rosters import RosterSpans, enrolled_on, overlapping, roster_spans
from zhurnal.timetable.models import Lesson, LessonStatus

from .attendance_counts import AttendanceLine, class_attendance
from .models import AbsenceDay, Attendance, AttendanceCode, DayReason
from .queries import (
    ABSENCE_ROWS,
    RegisterReason,
    absence_reason,
    absence_rows,
    register_reason,
    shown_attendance,
)

# The teachers' codes of an absence (ОП, a late arrival, is not one).
MISSED = (AttendanceCode.ABSENT, AttendanceCode.ILL, AttendanceCode.EXCUSED)


@dataclass
class SheetCell:
    """A student's lesson at one lesson number of the day: the teacher's code and what the
    journal shows (the register applied); ``lesson`` None when the student had no lesson at
    that number (another subgroup's)."""

    lesson: Lesson | None
    entered: str = ""
    shown: str = ""


@dataclass
class SheetRow:
    student: Student
    cells: list[SheetCell]
    day: AbsenceDay | None  # the day of the sheet, when recorded
    range: tuple[date, date, str] | None  # a range of the register covering the day
    register: RegisterReason | None  # what the register says of the day (day, else range)
    line: AttendanceLine = field(default_factory=AttendanceLine)  # the term's counts

    @property
    def lessons(self) -> int:
        return sum(1 for c in self.cells if c.lesson is not None)

    @property
    def missed(self) -> int:
        """The day's lessons missed, as the journal shows them."""
        return sum(1 for c in self.cells if c.shown in MISSED)

    @property
    def absent(self) -> bool:
        """Absent at some lesson of the day, by a teacher's entry or the register."""
        return self.missed > 0 or bool(self.register and self.register.whole_day)

    @property
    def reason(self) -> str:
        """The reason the sheet's select shows: the day's, else the covering range's."""
        return self.register.code if self.register else ""

    @property
    def reason_label(self) -> str:
        return DayReason(self.reason).label if self.reason else ""

    @property
    def whole_day(self) -> bool:
        """The sheet's "whole day" box: as recorded, a range's day, or every lesson missed."""
        if self.register is not None:
            return self.register.whole_day
        return self.lessons > 0 and self.missed == self.lessons

    @property
    def document(self) -> str:
        return self.day.document if self.day else ""

    @property
    def version(self) -> int:
        return self.day.version if self.day else 0

    @property
    def needs_reason(self) -> bool:
        """Absent, and the class teacher has not recorded the reason yet."""
        return self.absent and self.register is None


@dataclass
class ClassDay:
    school_class: SchoolClass
    day: date
    numbers: list[int]  # the lesson numbers of the class's day, in order
    rows: list[SheetRow]
    subjects: list[str] = field(default_factory=list)  # per number: its subjects

    @property
    def columns(self) -> list[tuple[int, str]]:
        return list(zip(self.numbers, self.subjects, strict=True))

    @property
    def absent(self) -> list[SheetRow]:
        return [row for row in self.rows if row.absent]


@dataclass
class AbsenceSheet:
    class_day: ClassDay
    term: Term | None
    counted_until: date | None  # the term's counts run from its start to this day


def class_day(school_class: SchoolClass, day: date) -> ClassDay:
    """The class on ``day`` (``classes_day`` of one class). Five queries (one without any
    student)."""
    return classes_day([school_class], day)[0]


def classes_day(classes: list[SchoolClass], day: date) -> list[ClassDay]:
    """Each class on ``day`` (in the order given): its students enrolled that day (list order),
    each with their lessons of the day by lesson number (the class's and their subgroups', not
    cancelled), the teachers' codes and the shown codes, and the register's reason of the day.
    Five queries whatever the number of classes and students (one without any student)."""
    enrollments = list(
        Enrollment.objects.filter(enrolled_on(day), school_class__in=classes)
        .select_related("student")
        .order_by(*(f"student__{n}" for n in ("last_name", "first_name", "middle_name")), "pk")
    )
    if not enrollments:
        return [ClassDay(c, day, [], []) for c in classes]
    ids = [e.student_id for e in enrollments]
    school_id = classes[0].school_id
    spans = roster_spans(
        ids, day, day, extra=absence_rows(ids, day, day, school_id=school_id), school_id=school_id
    )
    lessons = list(
        Lesson.objects.filter(
            of_class(SchoolClass.objects.filter(pk__in=[c.pk for c in classes]), "course__"),
            # The school's lessons of the day, not the region's (the index on school and date).
            school_id=classes[0].school_id,
            date=day,
        )
        .exclude(status=LessonStatus.CANCELLED)
        .select_related("course__subject", "course__group")
        .order_by("number", "pk")
    )
    entered = (
        {
            (student_id, lesson_id): code
            for student_id, lesson_id, code in Attendance.objects.filter(
                lesson__in=lessons, student_id__in=ids
            ).values_list("student_id", "lesson_id", "code")
        }
        if lessons
        else {}
    )
    days = {d.student_id: d for d in AbsenceDay.objects.filter(student_id__in=ids, date=day)}
    result = []
    for school_class in classes:
        own_lessons = [x for x in lessons if _class_id(x) == school_class.pk]
        students = [e.student for e in enrollments if e.school_class_id == school_class.pk]
        result.append(_class_day(school_class, day, students, own_lessons, spans, entered, days))
    return result


def _class_id(lesson: Lesson) -> int | None:
    course = lesson.course
    return course.school_class_id or (course.group.school_class_id if course.group else None)


def _class_day(school_class, day, students, lessons, spans, entered, days) -> ClassDay:
    numbers = sorted({lesson.number for lesson in lessons})
    subjects = [
        ", ".join(
            dict.fromkeys(
                x.course.subject.short_name or x.course.subject.name
                for x in lessons
                if x.number == number
            )
        )
        for number in numbers
    ]
    rows = []
    for student in students:
        own = spans[student.pk]
        register = register_reason(own.extra, day) if own.extra else None
        covering = next(
            (
                (first, last, reason)
                for kind, _pk, first, last, reason in sorted(own.extra, key=lambda r: -r[1])
                if kind == ABSENCE_ROWS and first <= day <= last
            ),
            None,
        )
        cells = []
        for number in numbers:
            lesson = next(
                (x for x in lessons if x.number == number and own.on_course(x.course, day)),
                None,
            )
            if lesson is None:
                cells.append(SheetCell(None))
                continue
            code = entered.get((student.pk, lesson.pk), "")
            cells.append(SheetCell(lesson, code, shown_attendance(code, register)))
        rows.append(SheetRow(student, cells, days.get(student.pk), covering, register))
    return ClassDay(school_class, day, numbers, rows, subjects)


def sheet_term(school_class: SchoolClass, day: date) -> Term | None:
    """The term of the class's grade level containing ``day`` (else the nearest). One query."""
    return pick_term(class_terms(school_class), None, day)


def absence_sheet(school_class: SchoolClass, day: date, today: date) -> AbsenceSheet:
    """The daily sheet (``class_day``) with each student's counts of the term containing the
    day, from its start to the day (never beyond today): lessons and whole days missed by
    reason. Ten queries whatever the class's size (twelve on PostgreSQL)."""
    sheet = class_day(school_class, day)
    term = sheet_term(school_class, day)
    until = None
    if term is not None and term.start <= min(day, today):
        until = min(day, today, term.end)
        counted = class_attendance(school_class.school, [school_class], term.start, until)[0]
        lines = {s.student.pk: s.line for s in counted.students}
        for row in sheet.rows:
            row.line = lines.get(row.student.pk, AttendanceLine())
    return AbsenceSheet(sheet, term, until)


def school_day_before(day: date, week_days: int) -> date:
    """The school day before ``day`` (a 5- or 6-day week; holidays are not skipped)."""
    day -= timedelta(days=1)
    while day.isoweekday() > week_days:
        day -= timedelta(days=1)
    return day


def school_day_after(day: date, week_days: int) -> date:
    """The school day after ``day``."""
    day += timedelta(days=1)
    while day.isoweekday() > week_days:
        day += timedelta(days=1)
    return day


@dataclass
class StudentAbsenceDay:
    """A day a student missed lessons or was late, or the register recorded a reason for."""

    day: date
    register: RegisterReason | None
    document: str
    lessons: list[tuple[Lesson, str, str]]  # (lesson, the teacher's code, the shown code)

    @property
    def missed(self) -> int:
        return sum(1 for _lesson, _entered, shown in self.lessons if shown in MISSED)


def student_absences(student: Student, start: date, end: date) -> list[StudentAbsenceDay]:
    """The student's days from ``start`` to ``end`` with an absence, a late arrival or a
    reason of the register, each with its lessons (those of the student's lists that day, not
    cancelled) and the codes as the journal shows them. Four queries whatever the period."""
    ids, school_id = [student.pk], student.school_id
    extra = absence_rows(ids, start, end, school_id=school_id)
    spans = roster_spans(ids, start, end, extra=extra, school_id=school_id)[student.pk]
    lessons = [
        lesson
        for lesson in Lesson.objects.filter(
            spans.lessons_filter(), school_id=student.school_id, date__range=(start, end)
        )
        .exclude(status=LessonStatus.CANCELLED)
        .select_related("course__subject")
        .order_by("date", "number", "pk")
        if spans.on_course(lesson.course, lesson.date)
    ]
    entered = (
        dict(
            Attendance.objects.filter(student=student, lesson__in=lessons).values_list(
                "lesson_id", "code"
            )
        )
        if lessons
        else {}
    )
    documents = dict(
        AbsenceDay.objects.filter(student=student, date__range=(start, end))
        .exclude(document="")
        .values_list("date", "document")
    )
    return absence_days_of(spans, lessons, entered, documents)


def absence_days_of(
    spans: RosterSpans,
    lessons: list[Lesson],
    entered: dict[int, str],
    documents: dict[date, str] | None = None,
) -> list[StudentAbsenceDay]:
    """A student's days with an absence, a late arrival or a reason of the register, from what
    a caller read already: their lists and register rows (``spans``), their lessons (not
    cancelled) and the teachers' codes by lesson. No query."""
    by_day: dict[date, list[Lesson]] = {}
    for lesson in lessons:
        by_day.setdefault(lesson.date, []).append(lesson)
    result = []
    for day in sorted(by_day):
        register = absence_reason(spans, day)
        rows = []
        for lesson in sorted(by_day[day], key=lambda x: (x.number, x.pk)):
            code = entered.get(lesson.pk, "")
            rows.append((lesson, code, shown_attendance(code, register)))
        if register is not None or any(shown for _lesson, _code, shown in rows):
            document = (documents or {}).get(day, "")
            result.append(StudentAbsenceDay(day, register, document, rows))
    return result


@dataclass
class WeekCell:
    """A student's day in the week's summary: lessons had and missed (as shown), late
    arrivals, the register's reason; ``enrolled`` False on a day they were not in the class."""

    enrolled: bool
    lessons: int = 0
    missed: int = 0
    late: int = 0
    register: RegisterReason | None = None

    @property
    def needs_reason(self) -> bool:
        return self.missed > 0 and self.register is None


@dataclass
class ClassWeek:
    school_class: SchoolClass
    days: list[date]
    rows: list[tuple[Student, list[WeekCell]]]


def class_week(school_class: SchoolClass, first: date, last: date) -> ClassWeek:
    """The class's days from ``first`` to ``last`` at a glance: per student enrolled at some
    time of them (list order) and day, the lessons had and missed as the journal shows them,
    late arrivals and the register's reason. Four queries whatever the class's size."""
    days = [date.fromordinal(n) for n in range(first.toordinal(), last.toordinal() + 1)]
    enrollments = list(
        Enrollment.objects.filter(overlapping(first, last), school_class=school_class)
        .select_related("student")
        .order_by(*(f"student__{n}" for n in ("last_name", "first_name", "middle_name")), "pk")
    )
    students = list({e.student_id: e.student for e in enrollments}.values())
    if not students:
        return ClassWeek(school_class, days, [])
    ids = [s.pk for s in students]
    school_id = school_class.school_id
    extra = absence_rows(ids, first, last, school_id=school_id)
    spans = roster_spans(ids, first, last, extra=extra, school_id=school_id)
    lessons = list(
        Lesson.objects.filter(
            of_class(school_class, "course__"),
            school_id=school_class.school_id,
            date__range=(first, last),
        )
        .exclude(status=LessonStatus.CANCELLED)
        .select_related("course")
    )
    entered = (
        {
            (student_id, lesson_id): code
            for student_id, lesson_id, code in Attendance.objects.filter(
                lesson__in=lessons, student_id__in=ids
            ).values_list("student_id", "lesson_id", "code")
        }
        if lessons
        else {}
    )
    rows = []
    for student in students:
        own = spans[student.pk]
        cells = []
        for day in days:
            if not any(s.ref_id == school_class.pk and s.covers(day) for s in own.classes):
                cells.append(WeekCell(False))
                continue
            register = absence_reason(own, day)
            cell = WeekCell(True, register=register)
            for lesson in lessons:
                if lesson.date != day or not own.on_course(lesson.course, day):
                    continue
                shown = shown_attendance(entered.get((student.pk, lesson.pk), ""), register)
                cell.lessons += 1
                cell.missed += shown in MISSED
                cell.late += shown == AttendanceCode.LATE
            cells.append(cell)
        rows.append((student, cells))
    return ClassWeek(school_class, days, rows)
