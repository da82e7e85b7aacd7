"""The secret .ics feeds of a teacher's and a class's timetable (issue 3), parsed back with the
``icalendar`` library; the pages that create and revoke their addresses."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import time_machine
from django.urls import reverse

from zhurnal.audit.actor import Actor
from zhurnal.audit.models import AuditEvent
from zhurnal.journal import services as journal_services
from zhurnal.school import models as m
from zhurnal.timetable import ical, services
from zhurnal.timetable.models import CalendarFeed, Lesson

from .factories import SchoolClassFactory, SubjectFactory
from .personas import build_world

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Europe/Moscow"))


@pytest.fixture
def world(db):
    with time_machine.travel(NOW, tick=False):
        yield build_world()


def fetch(client, feed: CalendarFeed):
    return client.get(reverse("feeds:ics", kwargs={"token": feed.token}))


def parse(response) -> list[icalendar.Event]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(response.content)
    return list(calendar.walk("VEVENT"))


def by_uid(events) -> dict[str, icalendar.Event]:
    return {str(e["UID"]): e for e in events}


def test_teacher_feed_has_own_lessons_with_times_room_and_topic(client, world):
    journal_services.record_topic(
        lesson=world.lesson, topic="Сложение дробей", actor=Actor.system()
    )
    feed = ical.create_feed(school=world.school, staff=world.teacher_staff, actor=Actor.system())
    response = fetch(client, feed)
    calendar = icalendar.Calendar.from_ical(response.content)
    assert calendar["VERSION"] == "2.0"
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Moscow"]
    events = by_uid(parse(response))
    event = events[f"lesson-{world.lesson.pk}@zhurnal"]
    tz = ZoneInfo("Europe/Moscow")
    assert event.decoded("DTSTART") == datetime(2026, 11, 18, 10, 30, tzinfo=tz)
    assert event.decoded("DTEND") == datetime(2026, 11, 18, 11, 15, tzinfo=tz)
    assert event["DTSTART"].params["TZID"] == "Europe/Moscow"
    assert str(event["SUMMARY"]) == "Математика — 6Б"
    assert str(event["LOCATION"]) == "21"
    assert str(event["DESCRIPTION"]) == "Сложение дробей"
    # Only the teacher's course: three lessons a week.
    courses = {str(e["SUMMARY"]) for e in events.values()}
    assert courses == {"Математика — 6Б"}


def test_the_window_is_two_weeks_back_and_eight_weeks_ahead(client, world):
    feed = ical.create_feed(school=world.school, staff=world.teacher_staff, actor=Actor.system())
    with time_machine.travel(NOW, tick=False):
        events = parse(fetch(client, feed))
    days = sorted(e.decoded("DTSTART").date() for e in events)
    start, end = date(2026, 11, 6), date(2027, 1, 15)
    assert ical.window(world.school, date(2026, 11, 20)) == (start, end)
    assert days[0] >= start
    assert days[-1] <= end
    expected = Lesson.objects.filter(teacher=world.teacher_staff, date__range=(start, end)).count()
    assert len(events) == expected > 10


def test_times_are_in_the_schools_time_zone(client, world):
    world.school.timezone = "Asia/Yekaterinburg"
    world.school.save()
    feed = ical.create_feed(school=world.school, staff=world.teacher_staff, actor=Actor.system())
    events = by_uid(parse(fetch(client, feed)))
    event = events[f"lesson-{world.lesson.pk}@zhurnal"]
    assert event["DTSTART"].params["TZID"] == "Asia/Yekaterinburg"
    start = event.decoded("DTSTART")
    assert start.astimezone(ZoneInfo("UTC")) == datetime(
        2026, 11, 18, 5, 30, tzinfo=ZoneInfo("UTC")
    )


def test_substituted_lessons_move_to_the_substitutes_feed_and_cancelled_ones_go(client, world):
    services.substitute(
        lesson=world.lesson,
        teacher=world.class_teacher_staff,
        reason="болезнь",
        actor=Actor.system(),
    )
    friday = Lesson.objects.get(course=world.course, date=date(2026, 11, 20))
    services.cancel_lesson(lesson=friday, reason="экскурсия", actor=Actor.system())
    own = ical.create_feed(school=world.school, staff=world.teacher_staff, actor=Actor.system())
    substitute = ical.create_feed(
        school=world.school, staff=world.class_teacher_staff, actor=Actor.system()
    )
    own_uids = set(by_uid(parse(fetch(client, own))))
    assert f"lesson-{world.lesson.pk}@zhurnal" not in own_uids
    assert f"lesson-{friday.pk}@zhurnal" not in own_uids
    theirs = by_uid(parse(fetch(client, substitute)))
    event = theirs[f"lesson-{world.lesson.pk}@zhurnal"]
    assert str(event["SUMMARY"]) == "Математика — 6Б"
    assert "Петрова" in str(event["DESCRIPTION"])


def test_class_feed_has_the_class_and_its_subgroups_lessons(client, world):
    english = m.Course.objects.create(
        school=world.school,
        year=world.year,
        subject=SubjectFactory(school=world.school, name="Английский язык"),
        group=world.group,
    )
    english.teachers.add(world.teacher_staff)
    extra = services.add_extra_lesson(
        course=english, day=date(2026, 11, 19), number=5, room="12", actor=Actor.system()
    )
    feed = ical.create_feed(school=world.school, school_class=world.class_5a, actor=Actor.system())
    events = by_uid(parse(fetch(client, feed)))
    summaries = {str(e["SUMMARY"]) for e in events.values()}
    assert summaries == {"Русский язык", "Английский язык (Англ. 1)"}
    event = events[f"lesson-{extra.pk}@zhurnal"]
    assert str(event["LOCATION"]) == "12"
    assert "Петрова" in str(event["DESCRIPTION"])
    # No lesson of 6Б.
    assert not any(str(e["SUMMARY"]).startswith("Математика") for e in events.values())


def test_the_uid_of_a_moved_lesson_stays(client, world):
    feed = ical.create_feed(school=world.school, staff=world.teacher_staff, actor=Actor.system())
    uid = f"lesson-{world.lesson.pk}@zhurnal"
    services.move_lesson(
        lesson=world.lesson, day=date(2026, 11, 19), number=6, actor=Actor.system()
    )
    event = by_uid(parse(fetch(client, feed)))[uid]
    assert event.decoded("DTSTART").date() == date(2026, 11, 19)


def test_a_revoked_or_unknown_token_is_not_found(client, world):
    feed = ical.create_feed(school=world.school, staff=world.teacher_staff, actor=Actor.system())
    assert fetch(client, feed).status_code == 200
    ical.revoke_feed(feed=feed, actor=Actor.system())
    assert fetch(client, feed).status_code == 404
    response = client.get(reverse("feeds:ics", kwargs={"token": "no-such-token"}))
    assert response.status_code == 404


def test_a_new_address_replaces_the_old_one(client, world):
    old = ical.create_feed(school=world.school, staff=world.teacher_staff, actor=Actor.system())
    new = ical.create_feed(school=world.school, staff=world.teacher_staff, actor=Actor.system())
    assert old.token != new.token
    assert len(new.token) >= 40
    assert fetch(client, old).status_code == 404
    assert fetch(client, new).status_code == 200


def test_the_feed_of_a_teacher_who_left_stops(client, world):
    feed = ical.create_feed(school=world.school, staff=world.teacher_staff, actor=Actor.system())
    world.teacher_staff.is_active = False
    world.teacher_staff.save()
    assert fetch(client, feed).status_code == 404


def test_the_feed_takes_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    feed = ical.create_feed(school=world.school, school_class=world.class_5a, actor=Actor.system())
    for lesson in Lesson.objects.filter(course=world.class_course)[:6]:
        services.substitute(
            lesson=lesson, teacher=world.teacher_staff, reason="", actor=Actor.system()
        )
    with django_assert_max_num_queries(3):
        parse(fetch(client, feed))


# --- the pages -------------------------------------------------------------------------------


def test_a_teacher_creates_and_revokes_their_address(client, world):
    client.force_login(world.users["teacher"])
    url = reverse("feeds:index")
    page = client.get(url)
    assert page.status_code == 200
    assert b'value="create"' in page.content
    response = client.post(url, {"action": "create"})
    assert response.status_code == 302
    feed = CalendarFeed.objects.get(staff=world.teacher_staff, revoked_at__isnull=True)
    assert feed.created_by == world.users["teacher"]
    page = client.get(url)
    assert feed.token.encode() in page.content
    assert fetch(client, feed).status_code == 200
    client.post(url, {"action": "revoke"})
    feed.refresh_from_db()
    assert feed.revoked_at is not None
    assert fetch(client, feed).status_code == 404
    actions = list(
        AuditEvent.objects.filter(object_type="timetable.calendarfeed")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "update"]


def test_the_class_teacher_manages_their_class_feed_and_the_index_links_it(client, world):
    client.force_login(world.users["class_teacher"])
    index = client.get(reverse("feeds:index"))
    url = reverse("feeds:class", kwargs={"class_id": world.class_5a.pk})
    assert url.encode() in index.content
    # Not a class they lead.
    other = reverse("feeds:class", kwargs={"class_id": world.class_6b.pk})
    assert other.encode() not in index.content
    assert client.post(other, {"action": "create"}).status_code == 403
    assert client.post(url, {"action": "create"}).status_code == 302
    feed = CalendarFeed.objects.get(school_class=world.class_5a, revoked_at__isnull=True)
    assert feed.kind == "class"
    assert feed.token.encode() in client.get(url).content


def test_the_deputy_sees_every_class_and_a_teacher_cannot_post_for_a_class(client, world):
    client.force_login(world.users["deputy"])
    index = client.get(reverse("feeds:index"))
    for school_class in (world.class_5a, world.class_6b):
        assert reverse("feeds:class", kwargs={"class_id": school_class.pk}).encode() in (
            index.content
        )
    client.force_login(world.users["teacher"])
    url = reverse("feeds:class", kwargs={"class_id": world.class_6b.pk})
    assert client.post(url, {"action": "create"}).status_code == 403
    assert not CalendarFeed.objects.filter(school_class=world.class_6b).exists()


def test_a_class_of_another_school_is_not_found(client, world):
    foreign = SchoolClassFactory(
        school=world.other_school, year=m.AcademicYear.objects.get(school=world.other_school)
    )
    client.force_login(world.users["deputy"])
    url = reverse("feeds:class", kwargs={"class_id": foreign.pk})
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "create"}).status_code == 404


def test_the_pages_need_a_login_but_the_feed_does_not(client, world):
    assert client.get(reverse("feeds:index")).status_code == 302
    feed = ical.create_feed(school=world.school, staff=world.teacher_staff, actor=Actor.system())
    assert fetch(client, feed).status_code == 200


def test_families_cannot_reach_the_feed_pages(client, world):
    for persona in ("parent", "student"):
        client.force_login(world.users[persona])
        assert client.get(reverse("feeds:index")).status_code == 403
        assert client.post(reverse("feeds:index"), {"action": "create"}).status_code == 403
    assert not CalendarFeed.objects.exists()


def test_a_staff_member_of_another_school_only(client, world):
    """The outsider's feed page is of their own school; a feed there does not show our lessons."""
    client.force_login(world.users["outsider"])
    client.post(reverse("feeds:index"), {"action": "create"})
    feed = CalendarFeed.objects.get()
    assert feed.school == world.other_school
    assert parse(fetch(client, feed)) == []


def test_a_feed_lesson_without_bell_times_is_an_all_day_event(client, world):
    Lesson.objects.filter(pk=world.lesson.pk).update(starts_at=None, ends_at=None)
    feed = ical.create_feed(school=world.school, staff=world.teacher_staff, actor=Actor.system())
    event = by_uid(parse(fetch(client, feed)))[f"lesson-{world.lesson.pk}@zhurnal"]
    assert event.decoded("DTSTART") == date(2026, 11, 18)
    assert event.decoded("DTEND") == date(2026, 11, 18) + timedelta(days=1)
