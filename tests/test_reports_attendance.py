"""The attendance report (issue 12): lessons and whole days missed by reason, the absence
register applied as the journal shows it, worked out by hand on one day of reports_world."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from zhurnal.journal.attendance_counts import class_attendance
from zhurnal.journal.models import Absence, Attendance, AttendanceCode
from zhurnal.timetable.models import Lesson, LessonOrigin, LessonStatus

from .reports_world import ENTERED, build_reports_world, plan_statements

pytestmark = pytest.mark.django_db
DAY = date(2026, 12, 2)


@pytest.fixture
def rw():
    world = build_reports_world()

    def lesson(course, number, **extra):
        return Lesson.objects.create(
            school=world.school,
            course=course,
            date=DAY,
            number=number,
            teacher=world.teacher,
            origin=LessonOrigin.EXTRA,
            **extra,
        )

    maths = lesson(world.maths, 1)
    russian = lesson(world.russian, 2)
    pe = lesson(world.pe, 3)
    english = lesson(world.english[0], 4)  # group 1: Аксенов and Борисова
    # A cancelled lesson is nobody's lesson.
    lesson(world.maths, 5, status=LessonStatus.CANCELLED)

    def mark(student, lesson, code):
        Attendance.objects.create(
            school=world.school,
            lesson=lesson,
            student=world.students[student],
            code=code,
            entered_at=ENTERED,
            changed_at=ENTERED,
        )

    for each in (maths, russian, pe, english):
        mark("Аксенов", each, AttendanceCode.ABSENT)
    mark("Борисова", maths, AttendanceCode.ABSENT)
    mark("Борисова", russian, AttendanceCode.LATE)
    Absence.objects.create(
        school=world.school,
        student=world.students["Борисова"],
        start=date(2026, 12, 1),
        end=date(2026, 12, 3),
        reason="Б",
        entered_at=ENTERED,
    )
    mark("Дмитриева", pe, AttendanceCode.EXCUSED)
    return world


def lines(rw):
    data = class_attendance(rw.school, [rw.class_5a], DAY, DAY)[0]
    return data, {row.student.last_name: row.line for row in data.students}


def test_a_day_every_lesson_of_which_was_missed_is_a_whole_day(rw):
    _data, own = lines(rw)
    aksenov = own["Аксенов"]
    assert (aksenov.lessons, aksenov.missed_total, aksenov.by_reason()) == (4, 4, [4, 0, 0])
    assert aksenov.days_by_reason() == [1, 0, 0]


def test_the_register_turns_the_teachers_absent_and_no_entry_into_its_reason(rw):
    _data, own = lines(rw)
    borisova = own["Борисова"]
    # «Н» on maths and no entry on PE and English become «Б»; the late arrival stands.
    assert (borisova.by_reason(), borisova.late) == ([0, 3, 0], 1)
    assert borisova.days_total == 0  # she came to Russian, late


def test_lessons_are_those_of_the_students_lists_that_day(rw):
    _data, own = lines(rw)
    # Group 2 has no lesson that day; the cancelled lesson counts for nobody.
    assert own["Воронин"].lessons == 3 and own["Воронин"].missed_total == 0
    assert own["Дмитриева"].by_reason() == [0, 0, 1]
    assert own["Григорьева"].lessons == 3  # on the list until 10.12


def test_the_class_total_and_the_share_missed(rw):
    data, _own = lines(rw)
    total = data.total
    assert total.lessons == 4 + 4 + 3 + 3 + 3
    assert total.by_reason() == [4, 3, 1]
    assert total.missed_share == Decimal("47.1")  # 8 of 17
    assert total.days_by_reason() == [1, 0, 0]


def test_the_report_costs_four_queries(rw, django_assert_num_queries):
    with django_assert_num_queries(4 + plan_statements()):
        class_attendance(rw.school, [rw.class_5a, rw.class_10a], DAY, date(2026, 12, 28))
