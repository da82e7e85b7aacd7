"""A student's secret .ics feed of their lessons and homework (issue 5), parsed back with the
``icalendar`` library; the diary page (``diary:calendar``) where the family creates, renews and
stops the address."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import icalendar
import pytest
import time_machine
from django.urls import reverse

from zhurnal.audit.actor import Actor
from zhurnal.audit.models import AuditEvent
from zhurnal.journal import services as journal
from zhurnal.school import models as m
from zhurnal.timetable import ical, services
from zhurnal.timetable.models import CalendarFeed, FeedKind, Lesson

from .factories import StudentFactory, SubjectFactory, enroll
from .personas import build_world

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Europe/Moscow"))


@pytest.fixture
def world(db):
    with time_machine.travel(NOW, tick=False):
        yield build_world()


def fetch(client, feed: CalendarFeed):
    return client.get(reverse("feeds:ics", kwargs={"token": feed.token}))


def events_of(client, feed: CalendarFeed) -> dict[str, icalendar.Event]:
    with time_machine.travel(NOW, tick=False):
        response = fetch(client, feed)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(response.content)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def uid(lesson: Lesson) -> str:
    return f"lesson-{lesson.pk}@zhurnal"


def page(world):
    return reverse("diary:calendar", kwargs={"student_id": world.student.pk})


def test_the_students_feed_has_their_lessons_with_the_homework(client, world):
    lesson = Lesson.objects.get(course=world.class_course, date=date(2026, 11, 16))
    lesson.topic = "Имя существительное"
    lesson.room = "14"
    lesson.save()
    journal.set_homework(
        lesson=lesson,
        text="Упр. 12",
        links=["https://example.org/task"],
        minutes=40,
        version=0,
        actor=Actor(world.users["class_teacher"]),
    )
    feed = ical.create_feed(school=world.school, student=world.student, actor=Actor.system())
    assert feed.kind == FeedKind.STUDENT
    events = events_of(client, feed)
    event = events[uid(lesson)]
    assert str(event["SUMMARY"]) == "Русский язык"
    assert str(event["LOCATION"]) == "14"
    description = str(event["DESCRIPTION"])
    assert "Имя существительное" in description
    assert "Смирнова" in description  # the teacher
    assert "Упр. 12" in description
    assert "https://example.org/task" in description
    assert "40" in description
    tz = ZoneInfo("Europe/Moscow")
    assert event.decoded("DTSTART").tzinfo is not None
    assert event.decoded("DTSTART").astimezone(tz).date() == date(2026, 11, 16)
    # Only the student's class (5А): no lesson of 6Б's mathematics.
    assert {str(e["SUMMARY"]) for e in events.values()} == {"Русский язык"}
    start, end = ical.window(world.school, date(2026, 11, 20))
    expected = Lesson.objects.filter(course=world.class_course, date__range=(start, end)).count()
    assert len(events) == expected > 10


def test_cancelled_lessons_are_left_out(client, world):
    tuesday = Lesson.objects.get(course=world.class_course, date=date(2026, 11, 17))
    services.cancel_lesson(lesson=tuesday, reason="экскурсия", actor=Actor.system())
    feed = ical.create_feed(school=world.school, student=world.student, actor=Actor.system())
    events = events_of(client, feed)
    assert uid(tuesday) not in events
    assert events  # the other lessons are there


def test_group_lessons_follow_the_dated_membership(client, world):
    english = m.Course.objects.create(
        school=world.school,
        year=world.year,
        subject=SubjectFactory(school=world.school, name="Английский язык"),
        group=world.group,
    )
    english.teachers.add(world.teacher_staff)
    before = services.add_extra_lesson(
        course=english, day=date(2026, 11, 16), number=6, actor=Actor.system()
    )
    after = services.add_extra_lesson(
        course=english, day=date(2026, 11, 19), number=6, actor=Actor.system()
    )
    m.GroupMembership.objects.create(
        school=world.school, group=world.group, student=world.student, start=date(2026, 11, 18)
    )
    # A classmate outside the group does not get the group's lessons.
    classmate = StudentFactory(school=world.school, birth_date=date(2015, 2, 2))
    enroll(classmate, world.class_5a)
    events = events_of(
        client, ical.create_feed(school=world.school, student=world.student, actor=Actor.system())
    )
    assert uid(after) in events
    assert str(events[uid(after)]["SUMMARY"]) == "Английский язык (Англ. 1)"
    assert uid(before) not in events  # before the student joined the group
    theirs = events_of(
        client, ical.create_feed(school=world.school, student=classmate, actor=Actor.system())
    )
    assert uid(after) not in theirs


def test_a_stopped_or_replaced_address_is_not_found(client, world):
    old = ical.create_feed(school=world.school, student=world.student, actor=Actor.system())
    new = ical.create_feed(school=world.school, student=world.student, actor=Actor.system())
    assert fetch(client, old).status_code == 404
    assert fetch(client, new).status_code == 200
    ical.revoke_feed(feed=new, actor=Actor.system())
    assert fetch(client, new).status_code == 404


def test_the_feed_takes_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    feed = ical.create_feed(school=world.school, student=world.student, actor=Actor.system())
    for lesson in Lesson.objects.filter(course=world.class_course)[:6]:
        journal.set_homework(
            lesson=lesson, text="Упр.", version=0, actor=Actor(world.users["class_teacher"])
        )
    with django_assert_max_num_queries(4):
        events_of(client, feed)


# --- the page --------------------------------------------------------------------------------


def test_the_parent_creates_renews_and_stops_the_address(client, world):
    client.force_login(world.users["parent"])
    response = client.get(page(world))
    assert response.status_code == 200
    assert response.context["address"] is None
    # The diary links the page.
    week = client.get(reverse("diary:week", kwargs={"student_id": world.student.pk}))
    assert page(world) in week.content.decode()

    response = client.post(page(world), {"action": "create"})
    assert response.status_code == 302
    first = CalendarFeed.objects.get(student=world.student, revoked_at__isnull=True)
    assert first.created_by == world.users["parent"]
    response = client.get(page(world))
    assert first.token in response.content.decode()
    assert fetch(client, first).status_code == 200

    client.post(page(world), {"action": "create"})
    second = CalendarFeed.objects.get(student=world.student, revoked_at__isnull=True)
    assert second.token != first.token
    assert fetch(client, first).status_code == 404

    client.post(page(world), {"action": "revoke"})
    assert not CalendarFeed.objects.filter(student=world.student, revoked_at__isnull=True)
    assert fetch(client, second).status_code == 404
    assert AuditEvent.objects.filter(object_id=str(second.pk)).count() >= 2


def test_the_student_of_age_manages_their_own_address(client, world):
    client.force_login(world.users["student"])
    url = reverse("diary:calendar", kwargs={"student_id": world.older_student.pk})
    assert client.get(url).status_code == 200
    client.post(url, {"action": "create"})
    assert CalendarFeed.objects.filter(student=world.older_student, revoked_at__isnull=True)


def test_another_familys_student_is_not_found(client, world):
    client.force_login(world.users["student"])  # another family
    assert client.get(page(world)).status_code == 404
    assert client.post(page(world), {"action": "create"}).status_code == 404
    client.force_login(world.users["parent"])
    other = reverse("diary:calendar", kwargs={"student_id": world.older_student.pk})
    assert client.get(other).status_code == 404
    assert client.post(other, {"action": "create"}).status_code == 404
    assert not CalendarFeed.objects.filter(kind=FeedKind.STUDENT).exists()


def test_staff_who_read_the_diary_cannot_see_or_make_the_address(client, world):
    client.force_login(world.users["class_teacher"])
    assert client.get(page(world)).status_code == 403
    assert client.post(page(world), {"action": "create"}).status_code == 403
    week = client.get(reverse("diary:week", kwargs={"student_id": world.student.pk}))
    assert week.status_code == 200
    assert page(world) not in week.content.decode()


def test_an_unknown_action_is_refused(client, world):
    client.force_login(world.users["parent"])
    assert client.post(page(world), {"action": "steal"}).status_code == 403
