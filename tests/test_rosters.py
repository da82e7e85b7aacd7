"""A student's lists over a period (``school.rosters.roster_spans``) with the journal's absence
register in the same hand-written statement (``journal.queries.absence_rows``), and the
register alone (``register_entries``): the rows as the ORM's querysets gave them, on SQLite
and on PostgreSQL (dates as dates, the kinds of the register's rows, the school's filter)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from zhurnal.audit.actor import Actor
from zhurnal.journal import services
from zhurnal.journal.queries import (
    ABSENCE_ROWS,
    DAY_ROWS,
    WHOLE_DAY_ROWS,
    absence_rows,
    register_entries,
)
from zhurnal.school import models as m
from zhurnal.school.rosters import Span, roster_spans

from .factories import StudentFactory, enroll
from .personas import build_world

MSK = ZoneInfo("Europe/Moscow")
SYSTEM = Actor.system()
START, END = date(2026, 11, 16), date(2026, 11, 22)


@pytest.fixture
def world(db):
    with time_machine.travel(datetime(2026, 11, 20, 10, 0, tzinfo=MSK), tick=False):
        world = build_world()
        # The younger student moves from 5А to 6Б on 18.11 and joins the English group.
        moved = m.Enrollment.objects.get(student=world.student, school_class=world.class_5a)
        moved.end = date(2026, 11, 17)
        moved.save()
        enroll(world.student, world.class_6b, start=date(2026, 11, 18))
        m.GroupMembership.objects.create(
            school=world.school, group=world.group, student=world.student, start=START
        )
        services.record_absence(
            student=world.student, start=START, end=date(2026, 11, 17), reason="Б", actor=SYSTEM
        )
        services.set_absence_days(
            school_class=world.class_6b,
            day=date(2026, 11, 19),
            rows=[services.DayRow(world.student, "У", True, "", 0)],
            actor=SYSTEM,
        )
        services.set_absence_days(
            school_class=world.class_6b,
            day=date(2026, 11, 20),
            rows=[services.DayRow(world.student, "Н", False, "", 0)],
            actor=SYSTEM,
        )
        yield world


def test_a_students_lists_and_register_come_in_one_statement(world):
    ids = [world.student.pk, world.older_student.pk]
    with CaptureQueriesContext(connection) as queries:
        school_id = world.school.pk
        extra = absence_rows(ids, START, END, school_id=school_id)
        spans = roster_spans(ids, START, END, extra=extra, school_id=school_id)
    assert len(queries) == 1
    own = spans[world.student.pk]
    assert own.classes == [
        Span(world.class_5a.pk, date(2026, 9, 1), date(2026, 11, 17), 5),
        Span(world.class_6b.pk, date(2026, 11, 18), None, 6),
    ]
    assert own.groups == [Span(world.group.pk, START, None)]
    absence = m.Student.objects.get(pk=world.student.pk).absences.get()
    kinds = sorted((kind, first, last, reason) for kind, _pk, first, last, reason in own.extra)
    assert kinds == [
        (DAY_ROWS, date(2026, 11, 20), date(2026, 11, 20), "Н"),
        (ABSENCE_ROWS, START, date(2026, 11, 17), "Б"),
        (WHOLE_DAY_ROWS, date(2026, 11, 19), date(2026, 11, 19), "У"),
    ]
    assert absence.pk in [pk for kind, pk, *_rest in own.extra if kind == ABSENCE_ROWS]
    assert spans[world.older_student.pk].classes == [
        Span(world.class_6b.pk, date(2026, 9, 1), None, 6)
    ]
    assert spans[world.older_student.pk].extra == []
    # Of another school's, none.
    other = world.other_school.pk
    elsewhere = roster_spans(
        ids, START, END, extra=absence_rows(ids, START, END, school_id=other), school_id=other
    )
    assert all(not s.classes and not s.groups and not s.extra for s in elsewhere.values())


def test_a_period_outside_the_rows_and_no_students(world):
    school_id = world.school.pk
    later = roster_spans(
        [world.student.pk], date(2027, 6, 1), date(2027, 6, 7), school_id=school_id
    )
    assert later[world.student.pk].groups == [Span(world.group.pk, START, None)]
    assert roster_spans([], START, END, school_id=school_id) == {}
    newcomer = StudentFactory(school=world.school)
    assert roster_spans([newcomer.pk], START, END, school_id=school_id)[newcomer.pk].classes == []


def test_the_register_alone(world):
    school_id = world.school.pk
    rows = register_entries(
        [world.student.pk, world.older_student.pk], START, END, school_id=school_id
    )
    assert set(rows) == {world.student.pk}
    assert sorted(
        (kind, first, reason) for kind, _pk, first, _last, reason in rows[world.student.pk]
    ) == [
        (DAY_ROWS, date(2026, 11, 20), "Н"),
        (ABSENCE_ROWS, START, "Б"),
        (WHOLE_DAY_ROWS, date(2026, 11, 19), "У"),
    ]
    assert register_entries([], START, END, school_id=school_id) == {}
    assert not register_entries(
        [world.student.pk], date(2026, 12, 1), date(2026, 12, 7), school_id=school_id
    )
