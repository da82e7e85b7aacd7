"""The journal's rules (DESIGN §4) for every persona: who reads a journal, who writes a
lesson's marks and attendance, period marks, the absence register, unlocks."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from zhurnal.audit.actor import Actor
from zhurnal.timetable import services as timetable_services

from .personas import PERSONAS, build_world


@pytest.fixture
def world(db):
    with time_machine.travel(datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Europe/Moscow"))):
        yield build_world()


def allowed(world, rule: str, obj) -> set[str]:
    return {name for name in PERSONAS if world.users[name].has_perm(rule, obj)}


def test_who_reads_a_journal(world):
    # Математика 6Б: its teacher and the administration; 6Б has no class teacher.
    assert allowed(world, "journal.view", world.course) == {
        "admin",
        "director",
        "deputy",
        "teacher",
    }
    # Русский 5А: taught by the class teacher of 5А.
    assert allowed(world, "journal.view", world.class_course) == {
        "admin",
        "director",
        "deputy",
        "class_teacher",
    }


def test_only_the_teacher_of_the_lesson_writes_its_marks_and_attendance(world):
    assert allowed(world, "journal.keep_lesson", world.lesson) == {"teacher"}
    assert allowed(world, "journal.keep_period_marks", world.course) == {"teacher"}


def test_a_substitute_writes_that_one_lesson_and_not_the_course(world):
    timetable_services.substitute(
        lesson=world.lesson, teacher=world.class_teacher_staff, reason="", actor=Actor.system()
    )
    world.lesson.refresh_from_db()
    assert allowed(world, "journal.keep_lesson", world.lesson) == {"class_teacher"}
    assert allowed(world, "journal.keep_period_marks", world.course) == {"teacher"}
    other = world.course.lessons.exclude(pk=world.lesson.pk).first()
    assert allowed(world, "journal.keep_lesson", other) == {"teacher"}


def test_the_class_teacher_keeps_the_absence_register_the_deputy_unlocks(world):
    assert allowed(world, "journal.keep_absences", world.class_5a) == {"class_teacher"}
    assert allowed(world, "journal.keep_absences", world.class_6b) == set()
    assert allowed(world, "journal.unlock", world.school) == {"deputy"}
    assert allowed(world, "journal.view_changes", world.school) == {"admin", "director", "deputy"}
    assert allowed(world, "journal.manage_settings", world.school) == {"admin", "deputy"}
