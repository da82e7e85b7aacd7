"""The teacher's day on the home page (issue 3): today's and this week's lessons, own and
substituted, each with its state and a link into the lesson."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from zhurnal.audit.actor import Actor
from zhurnal.home.sections import teacher_week
from zhurnal.journal import services as journal_services
from zhurnal.school import models as m
from zhurnal.timetable import services
from zhurnal.timetable.models import Lesson

from .factories import SchoolClassFactory, SubjectFactory
from .personas import build_world

# Messages are read by their English msgids here; Russian is checked in test_translations.py.
pytestmark = pytest.mark.usefixtures("english")

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Europe/Moscow"))  # a Friday


@pytest.fixture
def world(db):
    with time_machine.travel(NOW, tick=False):
        yield build_world()


def home(client, world, persona: str, when: datetime = NOW) -> str:
    with time_machine.travel(when, tick=False):
        client.force_login(world.users[persona])
        response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def section(html: str, heading_id: str) -> str:
    start = html.index(f'id="{heading_id}"')
    return html[start : html.index("</section>", start)]


def test_today_and_the_week_of_the_teacher(client, world):
    html = home(client, world, "teacher")
    today = section(html, "h-teacher-today")
    assert "20.11.2026" in today
    assert today.count("Математика — 6Б") == 1
    assert "08:30–09:15" in today
    week = section(html, "h-teacher-week")
    assert "16.11.2026" in week
    assert week.count("Математика — 6Б") == 3
    assert "10:30–11:15" in week
    # The class teacher's Русский 5А is not the teacher's.
    assert "Русский" not in week


def test_the_state_of_a_lesson_shows_its_topic(client, world):
    journal_services.record_topic(
        lesson=world.lesson, topic="Сложение дробей", actor=Actor.system()
    )
    week = section(home(client, world, "teacher"), "h-teacher-week")
    assert "✓" in week
    assert "Сложение дробей" in week
    assert "no topic yet" in week  # the other lessons of the week
    # No columns for what the journal does not keep yet.
    assert "Homework" not in week
    assert "Attendance" not in week


def test_a_substituted_lesson_is_on_the_substitutes_page_marked_instead_of(client, world):
    services.substitute(
        lesson=world.lesson,
        teacher=world.class_teacher_staff,
        reason="болезнь",
        actor=Actor.system(),
    )
    week = section(home(client, world, "class_teacher"), "h-teacher-week")
    assert "Математика — 6Б" in week
    assert f"instead of {world.teacher_staff.short_name}" in week
    # The course teacher sees who took it.
    own = section(home(client, world, "teacher"), "h-teacher-week")
    assert f"taken by {world.class_teacher_staff.short_name}" in own


def test_a_cancelled_lesson_is_struck_through(client, world):
    friday = Lesson.objects.get(course=world.course, date=date(2026, 11, 20))
    services.cancel_lesson(lesson=friday, reason="экскурсия", actor=Actor.system())
    today = section(home(client, world, "teacher"), "h-teacher-today")
    assert "lesson-cancelled" in today
    assert re.search(r"<s>\s*Математика — 6Б\s*</s>", today)
    assert "экскурсия" in today


def test_lessons_link_to_the_lesson_in_the_journal(client, world):
    """Straight into the lesson: attendance, marks, homework, and from there its topic."""
    url = reverse("journal:lesson", kwargs={"lesson_id": world.lesson.pk})
    week = section(home(client, world, "teacher"), "h-teacher-week")
    assert f'href="{url}"' in week


def test_on_sunday_the_coming_week_is_shown(client, world):
    sunday = datetime(2026, 11, 22, 12, 0, tzinfo=ZoneInfo("Europe/Moscow"))
    html = home(client, world, "teacher", sunday)
    assert "No lessons today." in section(html, "h-teacher-today")
    week = section(html, "h-teacher-week")
    assert "23.11.2026" in week
    assert week.count("Математика — 6Б") == 3


def test_saturday_is_this_week_in_a_six_day_school_and_the_next_in_a_five_day_one(world):
    saturday = date(2026, 11, 21)
    monday, days = teacher_week(world.school, world.teacher_staff.pk, saturday)
    assert monday == date(2026, 11, 23)
    assert [d.day for d in days] == [date(2026, 11, 23), date(2026, 11, 25), date(2026, 11, 27)]
    world.school.week_days = 6
    monday, days = teacher_week(world.school, world.teacher_staff.pk, saturday)
    assert monday == date(2026, 11, 16)
    assert not any(d.is_today for d in days)


def test_other_roles_have_no_teachers_day(client, world):
    html = home(client, world, "deputy")
    assert 'id="h-teacher-today"' not in html


def _home_queries(client, world) -> int:
    client.force_login(world.users["teacher"])
    with time_machine.travel(NOW, tick=False), CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("home")).status_code == 200
    return len(queries)


def test_the_teachers_day_takes_a_fixed_number_of_queries(
    client, world, django_assert_max_num_queries
):
    before = _home_queries(client, world)
    # A bigger week: another course, substitutions, topics, a cancellation.
    other_class = SchoolClassFactory(
        school=world.school, year=world.year, grade_level=world.class_6b.grade_level, letter="В"
    )
    other = m.Course.objects.create(
        school=world.school,
        year=world.year,
        subject=SubjectFactory(school=world.school, name="Геометрия"),
        school_class=other_class,
    )
    other.teachers.add(world.teacher_staff)
    for day in (16, 17, 18, 19, 20):
        services.add_extra_lesson(
            course=other, day=date(2026, 11, day), number=6, room="3", actor=Actor.system()
        )
    for lesson in Lesson.objects.filter(
        course=world.class_course, date__range=(date(2026, 11, 16), date(2026, 11, 22))
    ):
        services.substitute(
            lesson=lesson, teacher=world.teacher_staff, reason="", actor=Actor.system()
        )
    journal_services.record_topic(lesson=world.lesson, topic="Дроби", actor=Actor.system())
    services.cancel_lesson(
        lesson=Lesson.objects.get(course=world.course, date=date(2026, 11, 16)),
        reason="x",
        actor=Actor.system(),
    )
    assert _home_queries(client, world) == before
    client.force_login(world.users["teacher"])
    with time_machine.travel(NOW, tick=False), django_assert_max_num_queries(before):
        html = client.get(reverse("home")).content.decode()
    week = section(html, "h-teacher-week")
    assert week.count("Геометрия") == 5
    assert week.count("Русский язык — 5А") == 2
