"""The control indicators (issue 12, item 1) on a week of 5А worked out by hand, their levels,
their cases and their bounded cost.

Mathematics, 7–9.12.2026 (one hour a week: the quarter's norm of 3 marks prorated to 3 lessons
is 1 mark):

| lesson | topic | homework | attendance | marks |
|---|---|---|---|---|
| 7.12 №1 | «Дроби» | set, 100 minutes | roll call | Аксенов 5, oral, late |
| 8.12 №1 | — | — | — | |
| 9.12 №1, a test | late | late | Аксенов «Н», late | Борисова 4, written, late; Дмитриева «•» |
| 9.12 №2 | cancelled: not counted | | | |

Russian: 7.12 (homework of 60 minutes, due 8.12), 8.12, 9.12 №2 a test, each with a topic,
homework and a roll call. On 8.12 5А has 100 + 60 = 160 minutes of homework due, over the
2 hours of the 5th grade (СанПиН 1.2.3685-21).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from zhurnal.assessments.queries import school_schedule
from zhurnal.audit.models import AuditAction, AuditEvent
from zhurnal.journal.models import (
    Attendance,
    GradeColumn,
    Homework,
    Mark,
    RollCall,
    ScaleRule,
    WorkCategory,
    WorkType,
)
from zhurnal.journal.scales import ScaleKind
from zhurnal.oversight import cases, levels
from zhurnal.oversight.indicators import Scope, control
from zhurnal.school import models as m
from zhurnal.timetable.models import Lesson, LessonKind, LessonOrigin, LessonStatus

from .factories import StudentFactory
from .reports_world import ENTERED, MSK, build_reports_world, plan_statements

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
START, END, TODAY = date(2026, 12, 7), date(2026, 12, 9), date(2026, 12, 10)


@pytest.fixture
def week():
    rw = build_reports_world()
    school = rw.school
    written = WorkType.objects.create(
        school=school, code="КР", name="Контрольная", category=WorkCategory.WRITTEN
    )
    oral = WorkType.objects.get(school=school, code="У")
    oral.category = WorkCategory.ORAL
    oral.save()

    def lesson(course, day, number, **extra):
        return Lesson.objects.create(
            school=school,
            course=course,
            date=day,
            number=number,
            teacher=rw.teacher,
            origin=LessonOrigin.EXTRA,
            **extra,
        )

    def homework(at, minutes=None, late=False):
        Homework.objects.create(
            school=school,
            lesson=at,
            text="Упр. 1",
            minutes=minutes,
            late=late,
            entered_at=ENTERED,
            changed_at=ENTERED,
        )

    def roll_call(at):
        RollCall.objects.create(school=school, lesson=at, entered_at=ENTERED)

    def mark(at, student, value, work_type, late=False):
        column = GradeColumn.objects.create(
            school=school, lesson=at, work_type=work_type, weight=Decimal(1)
        )
        Mark.objects.create(
            school=school,
            column=column,
            student=rw.students[student],
            value=value,
            number=Decimal(value) if value.isdigit() else None,
            late=late,
            entered_at=ENTERED,
            changed_at=ENTERED,
        )

    m1 = lesson(rw.maths, date(2026, 12, 7), 1, topic="Дроби")
    homework(m1, minutes=100)
    roll_call(m1)
    mark(m1, "Аксенов", "5", oral, late=True)
    lesson(rw.maths, date(2026, 12, 8), 1)
    m3 = lesson(rw.maths, date(2026, 12, 9), 1, topic="Контрольная", topic_late=True)
    m3.kind = LessonKind.TEST
    m3.save()
    homework(m3, late=True)
    Attendance.objects.create(
        school=school,
        lesson=m3,
        student=rw.students["Аксенов"],
        code="Н",
        late=True,
        entered_at=ENTERED,
        changed_at=ENTERED,
    )
    mark(m3, "Борисова", "4", written, late=True)
    mark(m3, "Дмитриева", "•", written)
    lesson(rw.maths, date(2026, 12, 9), 2, status=LessonStatus.CANCELLED)
    for day, number, minutes, kind in (
        (date(2026, 12, 7), 2, 60, LessonKind.LESSON),
        (date(2026, 12, 8), 2, None, LessonKind.LESSON),
        (date(2026, 12, 9), 2, None, LessonKind.TEST),
    ):
        r = lesson(rw.russian, day, number, topic="Тема", kind=kind)
        homework(r, minutes=minutes)
        roll_call(r)
    # A mark changed after the grace window, with its reason; one changed on its day, without.
    with time_machine.travel(datetime(2026, 12, 8, 12, 0, tzinfo=MSK)):
        for reason in ("исправлена после пересдачи", ""):
            AuditEvent.objects.create(
                school=school,
                action=AuditAction.MARK_SET,
                object_type="journal.mark",
                object_id="1",
                course=rw.maths,
                student=rw.students["Борисова"],
                before={"value": "3"},
                after={"value": "4"},
                reason=reason,
            )
    return rw


def scope(rw, **narrow) -> Scope:
    return Scope(school=rw.school, year=rw.year, start=START, end=END, today=TODAY, **narrow)


def test_the_hand_worked_indicators_of_a_journal(week):
    data = control(scope(week))
    maths = data.courses[week.maths.pk]
    assert maths.lessons == 3  # the cancelled lesson is not counted
    assert {key: n for key, n in maths.counts.items() if n} == {
        "no_topic": 1,
        "late_topic": 1,
        "no_roll_call": 1,
        "late_attendance": 1,
        "no_homework": 1,
        "late_homework": 1,
        "late_oral": 1,
        "late_written": 1,
        "no_marks": 3,  # Воронин, Григорьева (on the list until 10.12), Дмитриева («•»)
        "one_mark": 2,
        "below_norm": 3,  # the norm by now is one mark
        "owed": 1,
        "corrections": 1,  # the change on its own day gave no reason
        "breaches": sum(week.maths.pk in b.course_ids for b in data.breaches),
    }
    assert maths.students == 5
    assert any(b.code == "same_day" for b in data.breaches)
    russian = data.courses[week.russian.pk]
    assert russian.counts["no_topic"] == 0 and russian.counts["no_roll_call"] == 0


def test_a_classs_homework_over_the_sanpin_limit(week):
    data = control(scope(week))
    assert [(d.school_class.name, d.day, d.minutes, d.limit) for d in data.overload] == [
        ("5А", date(2026, 12, 8), 160, 120)
    ]
    assert data.overload[0].subjects == ["Математика", "Русский язык"]


def test_the_levels_sum_the_courses_and_share_the_students(week):
    data = control(scope(week))
    by_class = {row.label: row for row in levels.rows_by(data, "class")}
    five_a = by_class["5А"]
    assert five_a.counts["no_topic"] == 1 and five_a.counts["overload"] == 1
    assert five_a.params == {"class": week.class_5a.pk}
    by_teacher = {row.label: row for row in levels.rows_by(data, "teacher")}
    # The chess elective has no teacher yet: its journal is counted under «no teacher».
    assert list(by_teacher) == [week.teacher.short_name, "no teacher"]
    assert "overload" not in by_teacher[week.teacher.short_name].counts
    whole = levels.total(data)
    assert whole.counts["overload"] == 1
    assert whole.share("no_marks") == pytest.approx(
        Decimal(100) * whole.counts["no_marks"] / whole.students, abs=Decimal("0.05")
    )


def test_a_scope_narrows_the_journals(week):
    data = control(scope(week, course=week.maths))
    assert list(data.courses) == [week.maths.pk]
    assert data.overload == []  # a class's homework is not one course's
    data = control(scope(week, teacher=week.teacher, grade=10))
    assert list(data.courses) == [week.algebra.pk]


@pytest.mark.parametrize(
    ("key", "rows"),
    [
        ("no_topic", 1),
        ("no_roll_call", 1),
        ("late_attendance", 1),
        ("late_oral", 1),
        ("late_written", 1),
        ("no_marks", 3),
        ("below_norm", 3),
        ("owed", 1),
        ("corrections", 1),
        ("overload", 1),
    ],
)
def test_each_figure_opens_its_cases(week, key, rows):
    data = control(scope(week, school_class=week.class_5a))
    table = cases.cases(data, key)
    maths_rows = [r for r in table.rows if key == "overload" or "Математика" in r[1].text]
    assert len(maths_rows) == rows


def test_the_indicators_cost_the_same_whatever_the_school(week):
    # The school as a request has it: loaded with its policy (accounts.memberships).
    week.school = m.School.objects.select_related("journal_policy").get(pk=week.school.pk)
    with CaptureQueriesContext(connection) as small:
        control(scope(week))
    for _ in range(30):
        student = StudentFactory(school=week.school)
        m.Enrollment.objects.create(
            school=week.school, student=student, school_class=week.class_5a, start=week.year.start
        )
    more = m.Course.objects.create(
        school=week.school, year=week.year, subject=week.maths.subject, school_class=week.class_10a
    )
    more.teachers.add(week.teacher)
    with CaptureQueriesContext(connection) as large:
        control(scope(week))
    assert len(large) == len(small) == 18 + plan_statements()


def test_a_journal_without_marks_counts_no_students_figures(week):
    """An extracurricular course (Разговоры о важном) and one on the scale «no marks» give no
    marks: their students are not «without marks» nor below the norm."""
    talks = m.Course.objects.create(
        school=week.school,
        year=week.year,
        subject=m.Subject.objects.create(school=week.school, name="Разговоры о важном"),
        school_class=week.class_5a,
        kind=m.CourseKind.EXTRACURRICULAR,
    )
    art = m.Course.objects.create(
        school=week.school,
        year=week.year,
        subject=m.Subject.objects.create(school=week.school, name="ИЗО"),
        school_class=week.class_5a,
    )
    ScaleRule.objects.create(school=week.school, subject=art.subject, scale=ScaleKind.NONE)
    data = control(scope(week))
    for course in (talks, art):
        own = data.courses[course.pk]
        assert (own.students, own.counts["no_marks"], own.counts["below_norm"]) == (0, 0, 0)
    assert data.courses[week.maths.pk].students == 5


def test_a_breach_counts_once_for_its_class_and_once_per_journal(week):
    data = control(scope(week))
    same_day = [b for b in data.breaches if b.code == "same_day"]
    assert len(same_day) == 1 and len(same_day[0].course_ids) == 2
    by_class = {row.label: row for row in levels.rows_by(data, "class")}
    assert by_class["5А"].counts["breaches"] == len(
        [b for b in data.breaches if b.class_id == week.class_5a.pk]
    )
    by_course = {row.params.get("course"): row for row in levels.rows_by(data, "course")}
    assert by_course[week.maths.pk].counts["breaches"] >= 1
    assert by_course[week.russian.pk].counts["breaches"] >= 1
    (teacher,) = [r for r in levels.rows_by(data, "teacher") if r.params]
    assert teacher.counts["breaches"] == len(data.breaches)  # one teacher, each breach once
    assert levels.total(data).counts["breaches"] == len(data.breaches)


def test_a_period_over_two_quarters_reads_the_year_once(week):
    """A period across the autumn holidays finds the breaches of both quarters' schedules
    dated in it, at the cost of a period in one quarter: the year's assessments are read once,
    not once per term."""
    for course, number in ((week.maths, 3), (week.russian, 4)):  # two tests on 20.10 (Q1)
        Lesson.objects.create(
            school=week.school,
            course=course,
            date=date(2026, 10, 20),
            number=number,
            teacher=week.teacher,
            origin=LessonOrigin.EXTRA,
            kind=LessonKind.TEST,
        )
    week.school = m.School.objects.select_related("journal_policy").get(pk=week.school.pk)
    with CaptureQueriesContext(connection) as one_quarter:
        control(scope(week))
    wide = Scope(school=week.school, year=week.year, start=date(2026, 10, 1), end=END, today=TODAY)
    with CaptureQueriesContext(connection) as two_quarters:
        data = control(wide)
    assert len(two_quarters) == len(one_quarter)
    quarters = m.Term.objects.filter(year=week.year, kind="quarter", number__in=(1, 2))
    expected = {
        (b.code, b.class_id, b.date)
        for term in quarters
        for b in school_schedule(week.school, term).breaches
        if wide.start <= b.date <= wide.end
    }
    assert {(b.code, b.class_id, b.date) for b in data.breaches} == expected
    assert ("same_day", week.class_5a.pk, date(2026, 10, 20)) in expected
