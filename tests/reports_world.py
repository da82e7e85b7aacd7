"""A small school whose term results are worked out by hand (issue 12: "every formula is tested
against values worked out by hand on a small fixture").

Class 5А (quarters), the 2nd quarter (5.11–28.12.2026):

| student | maths | Russian (no term marks yet) | PE (pass/fail) | English (groups) |
|---|---|---|---|---|
| Аксенов | 5 | forecast of 5, 4 → 4.50 → «5» | зач | 5 (group 1) |
| Борисова | 4 | forecast of 3, 4, 3 → 3.33 → «3» | зач | 4 (group 1) |
| Воронин, arrived 20.11 | forecast of 4 (×1), 5 (×2) → «5» | no marks | осв | none (group 2) |
| Григорьева, left 10.12 | — not counted — | | | |
| Дмитриева | н/а | forecast of 2, 3 → 2.50 → «3» | незач | none (group 2) |

Class 10А (halves): Ефимов has «4» in algebra for the 1st half-year, which closes with the
2nd quarter; the class is not in the report of the 1st quarter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import connection

from zhurnal.journal.models import (
    GradeColumn,
    Mark,
    PeriodKind,
    PeriodMark,
    ScaleRule,
    WorkType,
)
from zhurnal.journal.scales import ScaleKind
from zhurnal.school import models as m
from zhurnal.timetable.models import Lesson, LessonOrigin

from .factories import (
    GradeLevelFactory,
    SchoolClassFactory,
    SchoolFactory,
    StaffFactory,
    StudentFactory,
    SubjectFactory,
    YearFactory,
)

MSK = ZoneInfo("Europe/Moscow")
ENTERED = datetime(2026, 12, 1, 12, 0, tzinfo=MSK)
AFTER_Q2 = date(2027, 1, 12)


@dataclass
class ReportsWorld:
    school: m.School
    year: m.AcademicYear
    q1: m.Term
    q2: m.Term
    h1: m.Term
    class_5a: m.SchoolClass
    class_10a: m.SchoolClass
    maths: m.Course
    russian: m.Course
    pe: m.Course
    algebra: m.Course
    english: tuple[m.Course, m.Course]
    teacher: m.Staff
    students: dict[str, m.Student]


def build_reports_world() -> ReportsWorld:
    school = SchoolFactory(short_name="СОШ № 5")
    year = YearFactory(school=school, start=date(2026, 9, 1), end=date(2027, 5, 31))
    g5 = GradeLevelFactory(school=school, number=5)
    g10 = GradeLevelFactory(school=school, number=10, term_kind=m.TermKind.HALF)

    def term(kind, number, start, end):
        return m.Term.objects.create(
            school=school, year=year, kind=kind, number=number, start=start, end=end
        )

    q1 = term("quarter", 1, date(2026, 9, 1), date(2026, 10, 24))
    q2 = term("quarter", 2, date(2026, 11, 5), date(2026, 12, 28))
    term("quarter", 3, date(2027, 1, 11), date(2027, 3, 20))
    term("quarter", 4, date(2027, 3, 30), date(2027, 5, 31))
    h1 = term("half", 1, date(2026, 9, 1), date(2026, 12, 28))
    term("half", 2, date(2027, 1, 11), date(2027, 5, 31))
    teacher = StaffFactory(school=school, last_name="Иванова")
    class_5a = SchoolClassFactory(school=school, year=year, grade_level=g5, letter="А")
    class_10a = SchoolClassFactory(school=school, year=year, grade_level=g10, letter="А")

    def course(name, school_class):
        c = m.Course.objects.create(
            school=school,
            year=year,
            subject=SubjectFactory(school=school, name=name),
            school_class=school_class,
        )
        c.teachers.add(teacher)
        return c

    maths = course("Математика", class_5a)
    russian = course("Русский язык", class_5a)
    pe = course("Физическая культура", class_5a)
    ScaleRule.objects.create(school=school, subject=pe.subject, scale=ScaleKind.PASS_FAIL)
    algebra = course("Алгебра", class_10a)
    # English in two subgroups: a course each.
    english = SubjectFactory(school=school, name="Английский язык")
    groups = []
    for name in ("Англ. 1", "Англ. 2"):
        group = m.Group.objects.create(
            school=school, year=year, name=name, school_class=class_5a, subject=english
        )
        c = m.Course.objects.create(school=school, year=year, subject=english, group=group)
        c.teachers.add(teacher)
        groups.append((group, c))
    # An elective is not counted.
    m.Course.objects.create(
        school=school,
        year=year,
        subject=SubjectFactory(school=school, name="Шахматы"),
        school_class=class_5a,
        kind=m.CourseKind.ELECTIVE,
    )

    students = {}
    for name, start, end in (
        ("Аксенов", None, None),
        ("Борисова", None, None),
        ("Воронин", date(2026, 11, 20), None),
        ("Григорьева", None, date(2026, 12, 10)),
        ("Дмитриева", None, None),
    ):
        student = StudentFactory(school=school, last_name=name)
        m.Enrollment.objects.create(
            school=school,
            student=student,
            school_class=class_5a,
            start=start or year.start,
            end=end,
        )
        students[name] = student
    efimov = StudentFactory(school=school, last_name="Ефимов")
    m.Enrollment.objects.create(
        school=school, student=efimov, school_class=class_10a, start=year.start
    )
    students["Ефимов"] = efimov
    for (group, _course), names in zip(
        groups, (("Аксенов", "Борисова"), ("Воронин", "Дмитриева", "Григорьева")), strict=True
    ):
        for name in names:
            m.GroupMembership.objects.create(
                school=school,
                group=group,
                student=students[name],
                start=date(2026, 11, 20) if name == "Воронин" else year.start,
            )

    oral = WorkType.objects.create(school=school, code="У", name="Устный ответ")
    number = iter(range(1, 10_000))

    def marks(course, day, *values, weight=1):
        lesson = Lesson.objects.create(
            school=school,
            course=course,
            date=day,
            number=next(number) % 7 + 1,
            teacher=teacher,
            origin=LessonOrigin.EXTRA,
        )
        column = GradeColumn.objects.create(
            school=school, lesson=lesson, work_type=oral, weight=Decimal(weight)
        )
        for student_name, value in values:
            Mark.objects.create(
                school=school,
                column=column,
                student=students[student_name],
                value=value,
                number=Decimal(value) if value.isdigit() else None,
                entered_at=ENTERED,
                changed_at=ENTERED,
            )

    # Mathematics: Воронин's marks after his arrival; Григорьева's before she left.
    marks(maths, date(2026, 11, 24), ("Воронин", "4"), ("Григорьева", "3"))
    marks(maths, date(2026, 12, 1), ("Воронин", "5"), weight=2)
    # Russian: no term marks, forecasts only; a «•» counts as a mark, not in the average.
    marks(russian, date(2026, 11, 10), ("Аксенов", "5"), ("Борисова", "3"), ("Дмитриева", "2"))
    marks(russian, date(2026, 11, 17), ("Аксенов", "4"), ("Борисова", "4"), ("Дмитриева", "3"))
    marks(russian, date(2026, 11, 24), ("Борисова", "3"), ("Дмитриева", "•"))
    # A mark of the 1st quarter does not count in the 2nd.
    marks(russian, date(2026, 10, 1), ("Аксенов", "2"))

    def period_mark(course, student_name, value, term):
        PeriodMark.objects.create(
            school=school,
            course=course,
            student=students[student_name],
            kind=PeriodKind.TERM,
            term=term,
            value=value,
            number=Decimal(value) if value.isdigit() else None,
            entered_at=ENTERED,
            changed_at=ENTERED,
        )

    period_mark(maths, "Аксенов", "5", q2)
    period_mark(maths, "Борисова", "4", q2)
    period_mark(maths, "Дмитриева", "н/а", q2)
    period_mark(maths, "Григорьева", "3", q2)
    for name, value in (
        ("Аксенов", "зач"),
        ("Борисова", "зач"),
        ("Воронин", "осв"),
        ("Дмитриева", "незач"),
    ):
        period_mark(pe, name, value, q2)
    period_mark(algebra, "Ефимов", "4", h1)
    period_mark(groups[0][1], "Аксенов", "5", q2)
    period_mark(groups[0][1], "Борисова", "4", q2)
    return ReportsWorld(
        school=school,
        year=year,
        q1=q1,
        q2=q2,
        h1=h1,
        class_5a=class_5a,
        class_10a=class_10a,
        maths=maths,
        russian=russian,
        pe=pe,
        algebra=algebra,
        english=(groups[0][1], groups[1][1]),
        teacher=teacher,
        students=students,
    )


def plan_statements() -> int:
    """The ``SET`` and ``RESET`` of ``core.plans.custom_plans`` around a school-wide read
    model: two statements more on PostgreSQL, none on SQLite."""
    return 2 if connection.vendor == "postgresql" else 0
