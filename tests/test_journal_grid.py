"""The journal grid of a course for a term (issue 4): list order, arrivals and departures,
attendance in two layers, weighted averages and forecasts, period marks — in a fixed number of
queries whatever the size."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from zhurnal.audit.actor import Actor
from zhurnal.journal import services
from zhurnal.journal.models import WorkCategory, WorkType
from zhurnal.journal.policy import with_scale_rule
from zhurnal.journal.queries import RegisterReason, journal_grid, shown_attendance
from zhurnal.school import models as m

from .factories import StudentFactory, enroll
from .personas import build_world

MSK = ZoneInfo("Europe/Moscow")


@pytest.fixture
def world(db):
    with time_machine.travel(datetime(2026, 11, 20, 10, 0, tzinfo=MSK), tick=False):
        yield build_world()


@pytest.fixture
def now():
    with time_machine.travel(datetime(2026, 11, 20, 10, 0, tzinfo=MSK), tick=False):
        yield


def _student(world, last_name, start=None, end=None):
    student = StudentFactory(school=world.school, last_name=last_name)
    enrollment = enroll(student, world.class_6b, start=start)
    if end is not None:
        enrollment.end = end
        enrollment.save()
    return student


RANGE_Б, RANGE_У = RegisterReason("Б", True), RegisterReason("У", True)
DAY_У, DAY_Н, WHOLE_DAY_Н = (
    RegisterReason("У", False),
    RegisterReason("Н", False),
    RegisterReason("Н", True),
)


@pytest.mark.parametrize(
    ("teacher", "absence", "shown"),
    [
        ("", None, ""),
        ("Н", None, "Н"),
        ("Н", RANGE_Б, "Б"),
        ("", RANGE_У, "У"),
        ("ОП", RANGE_Б, "ОП"),
        # A day of the class teacher's sheet: its reason for the lessons entered «Н» only …
        ("Н", DAY_У, "У"),
        ("", DAY_У, ""),
        ("Б", DAY_Н, "Б"),
        # … or for every lesson of the day when recorded as a whole day.
        ("", WHOLE_DAY_Н, "Н"),
        ("ОП", WHOLE_DAY_Н, "ОП"),
    ],
)
def test_the_absence_register_turns_an_unexcused_absence_into_its_reason(teacher, absence, shown):
    assert shown_attendance(teacher, absence) == shown


def test_the_grid_in_list_order_with_arrivals_departures_marks_and_forecast(world, now):
    arrived = _student(world, "Алексеев", start=date(2026, 11, 17))
    left = _student(world, "Яковлева", end=date(2026, 11, 12))
    test = WorkType.objects.create(school=world.school, code="КР", name="КР", weight=Decimal(2))
    oral = WorkType.objects.create(
        school=world.school, code="У", name="У", category=WorkCategory.ORAL
    )
    column = services.add_column(lesson=world.lesson, work_type=test, actor=Actor.system())
    oral_column = services.add_column(lesson=world.lesson, work_type=oral, actor=Actor.system())
    for student, value in ((world.older_student, "5"), (arrived, "3")):
        services.set_mark(
            column=column, student=student, value=value, version=0, actor=Actor.system()
        )
    services.set_mark(
        column=oral_column, student=world.older_student, value="4", version=0, actor=Actor.system()
    )
    services.set_attendance(
        lesson=world.lesson, student=arrived, code="Н", version=0, actor=Actor.system()
    )
    services.record_absence(
        student=arrived,
        start=date(2026, 11, 18),
        end=date(2026, 11, 18),
        reason="Б",
        actor=Actor.system(),
    )

    grid = journal_grid(world.course, world.term)
    names = [row.student.last_name for row in grid.rows]
    assert names == sorted(names)
    assert set(names) == {"Алексеев", "Яковлева", world.older_student.last_name}
    rows = {row.student.pk: row for row in grid.rows}
    position = [gl.lesson.pk for gl in grid.lessons].index(world.lesson.pk)

    older = rows[world.older_student.pk]
    assert older.cells[position].marks[column.pk].value == "5"
    # (5·2 + 4·1) / 3 = 4.67 → 5
    assert (older.average, older.forecast) == (Decimal("4.67"), "5")

    newcomer = rows[arrived.pk]
    assert newcomer.joined == date(2026, 11, 17) and newcomer.left is None
    assert newcomer.cells[position].attendance == "Б"  # the register's reason over the «Н»
    assert newcomer.cells[position].teacher_attendance.code == "Н"
    assert not newcomer.cells[0].on_list  # the term's first lesson was before the arrival
    assert (newcomer.average, newcomer.forecast) == (Decimal("3.00"), "3")

    gone = rows[left.pk]
    assert gone.left == date(2026, 11, 12)
    assert not gone.cells[position].on_list
    assert (gone.average, gone.forecast) == (None, None)


def test_the_year_forecast_is_the_mean_of_the_term_marks(world, now):
    """The year mark's cell suggests the mean of the term marks; until this (last) term's mark
    is entered, its forecast stands in for it."""
    from zhurnal.journal.models import PeriodKind, PeriodMark

    first, last = m.Term.objects.filter(year=world.year).order_by("start")
    assert last == world.term
    test = WorkType.objects.create(school=world.school, code="КР", name="КР")
    column = services.add_column(lesson=world.lesson, work_type=test, actor=Actor.system())
    services.set_mark(
        column=column, student=world.older_student, value="5", version=0, actor=Actor.system()
    )
    PeriodMark.objects.create(
        school=world.school,
        course=world.course,
        student=world.older_student,
        kind=PeriodKind.TERM,
        term=first,
        value="3",
        number=Decimal(3),
        entered_at=datetime(2026, 10, 24, 12, 0, tzinfo=MSK),
        changed_at=datetime(2026, 10, 24, 12, 0, tzinfo=MSK),
    )

    def year_forecast() -> str | None:
        grid = journal_grid(world.course, world.term, year_terms=[first, last])
        return grid.rows[0].year_forecast

    # (3 + the forecast 5) / 2 = 4.00 → 4
    assert year_forecast() == "4"
    services.set_period_mark(
        course=world.course,
        student=world.older_student,
        kind=PeriodKind.TERM,
        term=last,
        value="4",
        version=0,
        actor=Actor.system(),
    )
    # (3 + 4) / 2 = 3.50 → 4; the grid of a term that is not the last one has none.
    assert year_forecast() == "4"
    assert journal_grid(world.course, world.term).rows[0].year_forecast is None


def test_the_grid_takes_a_fixed_number_of_queries(world, now):
    def count() -> int:
        course = with_scale_rule(
            m.Course.objects.select_related("school__journal_policy", "school_class")
        ).get(pk=world.course.pk)
        with CaptureQueriesContext(connection) as queries:
            journal_grid(course, world.term)
        return len(queries)

    test = WorkType.objects.create(school=world.school, code="КР", name="КР")
    small = count()
    students = [_student(world, f"Ученик{i:02d}") for i in range(10)]
    lessons = world.course.lessons.filter(date__lte=date(2026, 11, 20)).order_by("date")[:6]
    for lesson in lessons:
        column = services.add_column(lesson=lesson, work_type=test, actor=Actor.system())
        for student in students:
            services.set_mark(
                column=column, student=student, value="4", version=0, actor=Actor.system()
            )
            services.set_attendance(
                lesson=lesson, student=student, code="ОП", version=0, actor=Actor.system()
            )
    assert count() == small <= 7
