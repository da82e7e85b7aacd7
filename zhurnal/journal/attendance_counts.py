"""Attendance counted (issue 12, item 3; seed 002 §2.3 "анализ … посещаемости обучающихся";
issue 15: the class teacher's daily sheet): lessons and whole days missed, by reason (Н, Б, У;
late arrivals «ОП» apart), per student of a class and per class, over any period — the one
count the reports, the oversight's lagging students, the API and the class teacher's absence
sheet read.

Absences are counted as the journal shows them (``journal.queries.shown_attendance``, DESIGN §2
"two layers"): the class teacher's register turns a teacher's «Н» into its reason, and on a
whole day absent (a range, or a day of the sheet so recorded) every lesson of the day. A
student's lessons of a day are those of the courses they were on the list of that day — their
class's and their groups' — not cancelled. A whole day missed is a school day whose every
lesson the student missed; it counts under the register's reason when the register has one for
the day, else under the day's one reason, or «Н» when the lessons were missed for different
reasons and one was «Н» (then «Б», then «У»).

``class_attendance`` costs four SQL queries whatever the number of students or lessons: the
students on the lists, their classes, groups and register entries (one UNION ALL), the lessons
per list and day, and the teachers' entries per student, day and code.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q

from zhurnal.core.plans import custom_plans
from zhurnal.school.models import Enrollment, SchoolClass, Student
from zhurnal.school.rosters import overlapping, roster_spans
from zhurnal.timetable.models import Lesson, LessonStatus

from .averages import percent
from .models import Attendance, AttendanceCode
from .queries import absence_rows, register_reason

REASONS = (AttendanceCode.ABSENT, AttendanceCode.ILL, AttendanceCode.EXCUSED)
NAME_FIELDS = ("last_name", "first_name", "middle_name")


@dataclass
class AttendanceLine:
    """The attendance of a student (or of a class, summed) over the period."""

    lessons: int = 0  # lessons they had
    missed: Counter = field(default_factory=Counter)  # reason → lessons missed
    days: Counter = field(default_factory=Counter)  # reason → whole days missed
    late: int = 0

    @property
    def missed_total(self) -> int:
        return sum(self.missed[r] for r in REASONS)

    @property
    def days_total(self) -> int:
        return sum(self.days[r] for r in REASONS)

    @property
    def missed_share(self) -> Decimal | None:
        """Lessons missed, per cent of the lessons they had."""
        return percent(self.missed_total, self.lessons)

    def by_reason(self) -> list[int]:
        return [self.missed[r] for r in REASONS]

    def days_by_reason(self) -> list[int]:
        return [self.days[r] for r in REASONS]

    def __iadd__(self, other: AttendanceLine) -> AttendanceLine:
        self.lessons += other.lessons
        self.missed.update(other.missed)
        self.days.update(other.days)
        self.late += other.late
        return self


@dataclass
class StudentAttendance:
    student: Student
    line: AttendanceLine


@dataclass
class ClassAttendance:
    school_class: SchoolClass
    students: list[StudentAttendance]
    total: AttendanceLine


def _day_reason(codes: Counter, register: str | None) -> str:
    if register:
        return register
    missed = [r for r in REASONS if codes[r]]
    if len(missed) == 1:
        return missed[0]
    return next(r for r in REASONS if codes[r])


@custom_plans()
def class_attendance(
    school, classes: list[SchoolClass], start: date, end: date
) -> list[ClassAttendance]:
    """Per class (in the order given), its students on the list at some time of the period (in
    list order) with their attendance on the days they were in the class, and the class's
    total. Four queries."""
    if not classes:
        return []
    enrollments = list(
        Enrollment.objects.filter(overlapping(start, end), school_class__in=classes)
        .select_related("student")
        .only("school_class_id", "student_id", *(f"student__{n}" for n in NAME_FIELDS))
        .order_by(*(f"student__{n}" for n in NAME_FIELDS), "student_id")
    )
    students = {e.student_id: e.student for e in enrollments}
    if not students:
        return [ClassAttendance(c, [], AttendanceLine()) for c in classes]
    extra = absence_rows(students, start, end, school_id=school.pk)
    spans = roster_spans(students, start, end, extra=extra, school_id=school.pk)
    per_list = _lessons_per_list(school, spans, start, end)
    entered = _entered(school, students, start, end)
    days = sorted({day for (_kind, _ref, day) in per_list})
    # (student id, class id) → the student's attendance on the days they were in that class.
    lines: dict[tuple[int, int], AttendanceLine] = defaultdict(AttendanceLine)
    for student_id in students:
        _count_days(lines, student_id, spans[student_id], days, per_list, entered[student_id])
    result = []
    for school_class in classes:
        seen = set()
        rows = []
        total = AttendanceLine()
        for enrollment in enrollments:
            if enrollment.school_class_id != school_class.pk or enrollment.student_id in seen:
                continue
            seen.add(enrollment.student_id)
            line = lines.get((enrollment.student_id, school_class.pk), AttendanceLine())
            rows.append(StudentAttendance(enrollment.student, line))
            total += line
        result.append(ClassAttendance(school_class, rows, total))
    return result


def _lessons_per_list(school, spans, start: date, end: date) -> dict[tuple[str, int, date], int]:
    """Lessons (not cancelled) per list and day: a class's whole-class courses (``"c"``), a
    group's courses (``"g"``). One query."""
    class_ids = {s.ref_id for own in spans.values() for s in own.classes}
    group_ids = {s.ref_id for own in spans.values() for s in own.groups}
    per_list: dict[tuple[str, int, date], int] = {}
    for class_id, group_id, day, n in (
        Lesson.objects.filter(school=school, date__range=(start, end))
        .filter(Q(course__school_class_id__in=class_ids) | Q(course__group_id__in=group_ids))
        .exclude(status=LessonStatus.CANCELLED)
        .values_list("course__school_class_id", "course__group_id", "date")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        key = ("g", group_id, day) if group_id else ("c", class_id, day)
        per_list[key] = per_list.get(key, 0) + n
    return per_list


def _entered(school, students, start: date, end: date) -> dict[int, dict[date, Counter]]:
    """The teachers' attendance entries per student, day and code. One query."""
    entered: dict[int, dict[date, Counter]] = defaultdict(lambda: defaultdict(Counter))
    for student_id, day, code, n in (
        Attendance.objects.filter(
            school=school, student_id__in=list(students), lesson__date__range=(start, end)
        )
        .exclude(lesson__status=LessonStatus.CANCELLED)
        .values_list("student_id", "lesson__date", "code")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        entered[student_id][day][code] += n
    return entered


def _count_days(lines, student_id: int, own, days, per_list, entered) -> None:
    """Add a student's days to their line of the class they were in each day: the lessons of
    their lists, the shown codes (the register's reason standing for the lessons entered «Н»,
    and on a whole day absent for every lesson not entered as Б, У or ОП), the whole days
    missed."""
    for day in days:
        class_id = next((s.ref_id for s in own.classes if s.covers(day)), None)
        if class_id is None:
            continue
        had = per_list.get(("c", class_id, day), 0) + sum(
            per_list.get(("g", s.ref_id, day), 0) for s in own.groups if s.covers(day)
        )
        if not had:
            continue
        line = lines[(student_id, class_id)]
        line.lessons += had
        register = register_reason(own.extra, day) if own.extra else None
        shown = entered.get(day)
        if not shown and not register:
            continue  # present at every lesson: most days of most students
        codes = Counter(shown)
        if register:
            unexcused = codes[AttendanceCode.ABSENT]
            codes[AttendanceCode.ABSENT] = 0
            if register.whole_day:
                # Every lesson not entered as Б, У or ОП is missed for the register's reason.
                stand = sum(codes[c] for c in (*REASONS, AttendanceCode.LATE))
                codes[register.code] += had - stand
            else:
                codes[register.code] += unexcused  # the lessons entered «Н»
        line.late += codes[AttendanceCode.LATE]
        missed = sum(codes[reason] for reason in REASONS)
        line.missed.update({reason: codes[reason] for reason in REASONS if codes[reason]})
        if missed >= had:
            line.days[_day_reason(codes, register.code if register else None)] += 1
