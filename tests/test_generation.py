"""Lessons from the timetable (issue 3): holidays and non-school days skipped, week parity,
safe regeneration that keeps documented lessons (a topic, marks, attendance, homework)."""

from __future__ import annotations

from datetime import date, datetime
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
import time_machine

from zhurnal.audit.actor import Actor
from zhurnal.journal import services as journal
from zhurnal.journal import services as journal_services
from zhurnal.journal.defaults import ensure_work_types
from zhurnal.school import models as m
from zhurnal.timetable import services
from zhurnal.timetable.generation import generate_lessons
from zhurnal.timetable.models import Lesson, TimetableEntry, WeekParity

from .personas import build_world

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Europe/Moscow"))


@pytest.fixture
def world(db):
    with time_machine.travel(NOW, tick=False):
        yield build_world()


def regenerate(world):
    return generate_lessons(
        school=world.school, year=world.year, start=world.term.start, end=world.term.end
    )


def dates(world, course=None):
    course = course or world.course
    return sorted(Lesson.objects.filter(course=course).values_list("date", flat=True))


def test_lessons_fall_on_the_timetable_weekdays_of_the_term_only(world):
    days = dates(world)
    assert days[0] == date(2026, 11, 6)  # the term starts on Thursday 05.11: Friday comes first
    assert days[-1] == date(2026, 12, 28)
    assert {d.isoweekday() for d in days} == {1, 3, 5}
    assert all(world.term.start <= d <= world.term.end for d in days)


def test_holidays_are_skipped(world):
    m.Holiday.objects.create(
        school=world.school,
        year=world.year,
        title="День Конституции",
        start=date(2026, 12, 11),
        end=date(2026, 12, 11),
    )
    report = regenerate(world)
    assert date(2026, 12, 11) not in dates(world)
    assert report.deleted == 1  # that Friday's Математика 6Б (5А has no Friday lesson)
    assert report.created == 0


def test_regenerating_twice_changes_nothing(world):
    first = regenerate(world)
    second = regenerate(world)
    assert (first.created, first.deleted, second.created, second.deleted, second.updated) == (
        0,
        0,
        0,
        0,
        0,
    )
    assert second.unchanged == Lesson.objects.filter(school=world.school).count()


def test_an_odd_week_entry_gives_lessons_every_other_week(world):
    entry = TimetableEntry.objects.get(pk=world.entry.pk)  # Wednesday, lesson 3
    entry.parity = WeekParity.ODD
    entry.save()
    regenerate(world)
    wednesdays = [d for d in dates(world) if d.isoweekday() == 3]
    weeks = [d.isocalendar().week for d in wednesdays]
    assert wednesdays and len({w % 2 for w in weeks}) == 1
    gaps = {(b - a).days for a, b in pairwise(wednesdays)}
    assert gaps == {14}


@pytest.mark.parametrize("record", ["topic", "mark", "attendance", "homework"])
def test_a_documented_lesson_is_kept_and_reported_when_its_slot_goes(world, record):
    lesson = world.lesson  # Wednesday 18.11, from world.entry
    if record == "topic":
        journal_services.record_topic(lesson=lesson, topic="Сложение дробей", actor=Actor.system())
    elif record == "mark":
        column = journal.add_column(
            lesson=lesson, work_type=ensure_work_types(world.school)[0], actor=Actor.system()
        )
        journal.set_mark(
            column=column, student=world.older_student, value="5", version=0, actor=Actor.system()
        )
    elif record == "attendance":
        journal.set_attendance(
            lesson=lesson, student=world.older_student, code="Н", version=0, actor=Actor.system()
        )
    else:
        journal.set_homework(lesson=lesson, text="№ 1", version=0, actor=Actor.system())
    # The Wednesday entry ends before the term: its lessons are no longer wanted.
    services.end_entry(entry=world.entry, last_day=date(2026, 11, 1), actor=Actor.system())
    report = regenerate(world)
    assert [kept.pk for kept in report.needs_decision] == [lesson.pk]
    assert Lesson.objects.filter(pk=lesson.pk).exists()
    # Every other Wednesday lesson of the term is gone.
    assert [d for d in dates(world) if d.isoweekday() == 3] == [date(2026, 11, 18)]
