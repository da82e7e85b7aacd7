"""Programme fulfilment: planned to date, held, cancelled, the lag and the items not covered,
per course and for the deputy's overview (issue 3)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from zhurnal.audit.actor import Actor
from zhurnal.journal import services as journal_services
from zhurnal.planning.models import CoursePlan, PlanItem, ThematicPlan
from zhurnal.planning.queries import course_fulfilment, fulfilment_overview
from zhurnal.school import models as m
from zhurnal.timetable.models import Lesson
from zhurnal.timetable.services import add_extra_lesson, cancel_lesson

from .personas import build_world, keeper

# Messages are read by their English msgids here; Russian is checked in test_translations.py.
pytestmark = pytest.mark.usefixtures("english")

DAY = date(2026, 11, 20)


@pytest.fixture
def world(db):
    with time_machine.travel(datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Europe/Moscow"))):
        yield build_world()


def _prepare(world):
    """Five lessons filled from the plan (items 1, 2, 3, 3, 4), the 18.11 lesson cancelled."""
    teacher = world.users["teacher"]
    journal_services.fill_topics(
        course=world.course,
        start=date(2026, 11, 1),
        count=5,
        may_keep=keeper(teacher),
        actor=Actor(teacher),
    )
    cancel_lesson(lesson=world.lesson, reason="карантин", actor=Actor(world.users["deputy"]))


def test_fulfilment_numbers(world):
    _prepare(world)
    data = course_fulfilment(world.course, day=DAY)
    # Mon, Wed, Fri from 06.11 to 20.11: 7 lessons from the timetable, one cancelled.
    assert (data.scheduled, data.planned, data.held, data.cancelled, data.extra) == (7, 7, 6, 1, 0)
    assert data.lag == 1
    assert (data.plan_hours, data.covered, data.remaining) == (40, 5, 35)
    assert data.lessons_left == 16 and not data.can_finish
    # Due by now: the first 7 plan hours, items 1–6 (item 3 and 6 are of 2 hours).
    # 5 and 6 are not covered; 20.11 is held without a topic.
    assert [(i.position, i.hours, i.covered) for i in data.not_covered] == [(5, 1, 0), (6, 2, 0)]
    assert data.plan_id == world.plan.pk


def test_an_extra_lesson_makes_up_the_lag(world):
    _prepare(world)
    add_extra_lesson(
        course=world.course, day=date(2026, 11, 19), number=6, actor=Actor(world.users["deputy"])
    )
    data = course_fulfilment(world.course, day=DAY)
    assert (data.held, data.extra, data.lag) == (7, 1, 0)


def test_topics_entered_ahead_do_not_count_as_covered(world):
    teacher = world.users["teacher"]
    journal_services.fill_topics(
        course=world.course,
        start=date(2026, 11, 23),
        count=3,
        may_keep=keeper(teacher),
        actor=Actor(teacher),
    )
    data = course_fulfilment(world.course, day=DAY)
    assert data.covered == 0
    assert [i.position for i in data.not_covered] == [1, 2, 3, 4, 5, 6]
    # A week later they are held and covered.
    later = course_fulfilment(world.course, day=date(2026, 11, 27))
    assert later.covered == 3


def test_an_item_whose_planned_date_has_come_is_due(world):
    PlanItem.objects.filter(plan=world.plan, position=20).update(planned_date=date(2026, 11, 15))
    PlanItem.objects.filter(plan=world.plan, position=21).update(planned_date=date(2026, 12, 15))
    data = course_fulfilment(world.course, day=DAY)
    positions = [i.position for i in data.not_covered]
    assert 20 in positions and 21 not in positions


def test_planned_hours_are_capped_at_the_plan(world):
    PlanItem.objects.filter(plan=world.plan, position__gt=3).delete()  # 4 hours left
    data = course_fulfilment(world.course, day=DAY)
    assert (data.scheduled, data.planned, data.lag) == (7, 4, -3)


def test_a_course_without_a_plan(world):
    data = course_fulfilment(world.class_course, day=DAY)
    assert data.plan_id is None and data.plan_hours == 0
    # Monday and Tuesday from 05.11: 9, 10, 16, 17 (05.11 is a Thursday).
    assert (data.planned, data.held, data.not_covered) == (4, 4, [])


def test_the_overview_lists_every_course_the_most_behind_first(world):
    _prepare(world)
    rows = fulfilment_overview(world.school, world.year, day=DAY)
    assert [r.course for r in rows] == [world.course, world.class_course]
    assert rows[0].fulfilment.lag == 1
    only_5a = fulfilment_overview(world.school, world.year, day=DAY, school_class=world.class_5a)
    assert [r.course for r in only_5a] == [world.class_course]


def test_the_overview_takes_subgroup_courses_of_a_class(world):
    course = m.Course.objects.create(
        school=world.school, year=world.year, subject=world.course.subject, group=world.group
    )
    rows = fulfilment_overview(world.school, world.year, day=DAY, school_class=world.class_5a)
    assert {r.course for r in rows} == {world.class_course, course}


def test_the_overview_costs_the_same_queries_for_many_courses(world):
    def count():
        with CaptureQueriesContext(connection) as queries:
            fulfilment_overview(world.school, world.year, day=DAY)
        return len(queries)

    few = count()
    for n in range(8):
        school_class = m.SchoolClass.objects.create(
            school=world.school,
            year=world.year,
            grade_level=world.class_6b.grade_level,
            letter=f"Х{n}",
        )
        course = m.Course.objects.create(
            school=world.school,
            year=world.year,
            subject=world.course.subject,
            school_class=school_class,
        )
        course.teachers.add(world.teacher_staff)
        plan = ThematicPlan.objects.create(
            school=world.school,
            year=world.year,
            subject=world.course.subject,
            grade_level=world.class_6b.grade_level,
            title=f"Копия {n}",
            owner_course=course,
        )
        item = PlanItem.objects.create(school=world.school, plan=plan, position=1, topic="Т")
        CoursePlan.objects.create(school=world.school, course=course, plan=plan)
        Lesson.objects.create(
            school=world.school,
            course=course,
            date=date(2026, 11, 10),
            number=n % 7 + 1,
            teacher=world.teacher_staff,
            origin="extra",
            plan_item=item,
            topic="Т",
        )
    assert count() == few <= 6


def test_the_fulfilment_page(client, world):
    _prepare(world)
    client.force_login(world.users["teacher"])
    page = client.get(reverse("lessons:fulfilment", kwargs={"course_id": world.course.pk}))
    assert page.status_code == 200
    text = page.content.decode()
    assert "1 lesson behind" in text
    assert "Тема 6" in text
    assert page.context["data"].lag == 1


def test_the_class_teacher_reads_fulfilment_of_their_class(client, world):
    client.force_login(world.users["class_teacher"])
    url = reverse("lessons:fulfilment", kwargs={"course_id": world.class_course.pk})
    assert client.get(url).status_code == 200
    # …but not of another class's course, nor the school's overview.
    url = reverse("lessons:fulfilment", kwargs={"course_id": world.course.pk})
    assert client.get(url).status_code == 403
    assert client.get(reverse("lessons:overview")).status_code == 403


def test_the_overview_page_for_the_deputy(client, world, django_assert_max_num_queries):
    _prepare(world)
    client.force_login(world.users["deputy"])
    url = reverse("lessons:overview")
    client.get(url)
    with django_assert_max_num_queries(20):
        page = client.get(url)
    assert [r.course for r in page.context["rows"]] == [world.course, world.class_course]
    assert page.context["behind"] == 1
    page = client.get(url, {"class": world.class_5a.pk})
    assert [r.course for r in page.context["rows"]] == [world.class_course]
    # A class of another school is not found.
    other_year = m.AcademicYear.objects.get(school=world.other_school)
    foreign = m.SchoolClass.objects.create(
        school=world.other_school,
        year=other_year,
        grade_level=m.GradeLevel.objects.create(school=world.other_school, number=5),
        letter="А",
    )
    assert client.get(url, {"class": foreign.pk}).status_code == 404
