"""The timetable pages (issue 3): bell schedules, the weekly grid, entries and their conflicts,
ending an entry mid-term, generation and its report, single-day changes, substitutions.

Access per role for every page is in tests/test_access_matrix.py; here the behaviour.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from zhurnal.timetable.models import (
    BellSchedule,
    Lesson,
    LessonOrigin,
    LessonStatus,
    TimetableEntry,
    Weekday,
)

from .factories import GradeLevelFactory, SchoolClassFactory, StaffFactory
from .personas import build_world

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Europe/Moscow"))


@pytest.fixture
def world(db):
    with time_machine.travel(NOW, tick=False):
        yield build_world()


def login(client, world, persona: str):
    """Log in as the persona, with the English interface (the language switch's cookie)."""
    client.force_login(world.users[persona])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def grid_url(**query) -> str:
    return reverse("timetable:grid") + "?" + "&".join(f"{k}={v}" for k, v in query.items())


def day_url(**query) -> str:
    return reverse("timetable:day") + "?" + "&".join(f"{k}={v}" for k, v in query.items())


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def entry_data(world, **changes) -> dict:
    data = {
        "action": "save",
        "course": world.class_course.pk,
        "weekday": Weekday.THURSDAY,
        "number": 4,
        "room": "12",
        "teacher": "",
        "parity": "every",
        "valid_from": "2026-11-23",
        "valid_to": "",
    }
    data.update(changes)
    return data


# --- the entry page and the grid ------------------------------------------------------------


def test_index_lists_the_classes_and_shows_manage_links_to_the_deputy_only(client, world):
    html = login(client, world, "teacher").get(reverse("timetable:index")).content.decode()
    assert f"?class_id={world.class_6b.pk}" in html
    assert f"?group_id={world.group.pk}" in html
    assert reverse("timetable:generate") not in html
    html = login(client, world, "deputy").get(reverse("timetable:index")).content.decode()
    assert reverse("timetable:generate") in html


def test_the_grid_shows_the_entries_of_the_class(client, world):
    response = login(client, world, "teacher").get(grid_url(class_id=world.class_6b.pk))
    assert response.status_code == 200
    html = response.content.decode()
    entries = TimetableEntry.objects.filter(course=world.course)
    assert entries.count() == 3
    for entry in entries:
        assert f'data-entry="{entry.pk}"' in html
    # 5А's entries are not in 6Б's week; teachers see no edit links.
    other = TimetableEntry.objects.filter(course=world.class_course).first()
    assert f'data-entry="{other.pk}"' not in html
    assert reverse("timetable:entry_edit", args=[world.entry.pk]) not in html
    # The kwarg form of the address shows the same week.
    url = reverse("timetable:grid_class", kwargs={"class_id": world.class_6b.pk})
    assert f'data-entry="{world.entry.pk}"' in client.get(url).content.decode()


def test_the_grid_of_a_group_shows_its_courses(client, world):
    from zhurnal.school.models import Course

    course = Course.objects.create(
        school=world.school, year=world.year, subject=world.course.subject, group=world.group
    )
    course.teachers.add(world.teacher_staff)
    entry = TimetableEntry.objects.create(
        school=world.school,
        year=world.year,
        course=course,
        teacher=world.teacher_staff,
        weekday=Weekday.THURSDAY,
        number=5,
        valid_from=world.year.start,
    )
    html = login(client, world, "deputy").get(grid_url(group_id=world.group.pk)).content.decode()
    assert f'data-entry="{entry.pk}"' in html
    # The subgroup's course is part of its class's week too.
    html = client.get(grid_url(class_id=world.class_5a.pk)).content.decode()
    assert f'data-entry="{entry.pk}"' in html


def test_the_grid_shows_what_is_valid_on_the_chosen_date(client, world):
    world.entry.valid_to = date(2026, 11, 30)
    world.entry.save()
    login(client, world, "deputy")
    before = client.get(grid_url(class_id=world.class_6b.pk, on="2026-11-25")).content.decode()
    after = client.get(grid_url(class_id=world.class_6b.pk, on="2026-12-02")).content.decode()
    assert f'data-entry="{world.entry.pk}"' in before
    assert f'data-entry="{world.entry.pk}"' not in after


def test_the_grid_refuses_forged_ids_and_reports_bad_dates(client, world):
    from zhurnal.school.models import SchoolClass

    login(client, world, "deputy")
    assert client.get(grid_url(class_id="abc")).status_code == 404
    assert client.get(grid_url(class_id=999999)).status_code == 404
    foreign = SchoolClassFactory(
        school=world.other_school,
        year=world.other_school.years.get(),
        grade_level=GradeLevelFactory(school=world.other_school, number=7),
    )
    assert SchoolClass.objects.filter(pk=foreign.pk).exists()
    assert client.get(grid_url(class_id=foreign.pk)).status_code == 404
    response = client.get(grid_url(class_id=world.class_6b.pk, on="31.02.2026"))
    assert response.status_code == 200
    assert any("YYYY-MM-DD" in m for m in messages_of(response))


def test_parents_and_students_cannot_open_the_grid(client, world):
    for persona in ("parent", "student", "nobody"):
        response = login(client, world, persona).get(grid_url(class_id=world.class_6b.pk))
        assert response.status_code == 403, persona


# --- entries ----------------------------------------------------------------------------------


def test_the_deputy_adds_an_entry(client, world):
    login(client, world, "deputy")
    url = reverse("timetable:entry_create") + f"?class_id={world.class_5a.pk}"
    assert client.get(url).status_code == 200
    response = client.post(url, entry_data(world))
    assert response.status_code == 302
    entry = TimetableEntry.objects.get(course=world.class_course, weekday=Weekday.THURSDAY)
    # No teacher chosen: the course's teacher.
    assert entry.teacher == world.class_teacher_staff
    assert (entry.number, entry.room, entry.valid_from) == (4, "12", date(2026, 11, 23))
    assert f"class_id={world.class_5a.pk}" in response["Location"]


def test_a_conflicting_entry_is_refused_with_the_clash_named_and_nothing_saved(client, world):
    login(client, world, "deputy")
    count = TimetableEntry.objects.count()
    url = reverse("timetable:entry_create") + f"?class_id={world.class_5a.pk}"
    # Петрова teaches 6Б on Wednesday, lesson 3: she cannot teach 5А then too.
    data = entry_data(
        world, weekday=Weekday.WEDNESDAY, number=3, teacher=world.teacher_staff.pk, room="21"
    )
    response = client.post(url, data)
    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    assert any("already teaches" in e for e in errors)
    assert any("Room 21" in e for e in errors)
    assert "already teaches" in response.content.decode()
    assert TimetableEntry.objects.count() == count


def test_a_conflicting_change_of_an_entry_leaves_it_as_it_was(client, world):
    login(client, world, "deputy")
    entry = TimetableEntry.objects.get(course=world.class_course, weekday=Weekday.TUESDAY)
    url = reverse("timetable:entry_edit", args=[entry.pk])
    data = entry_data(
        world,
        weekday=Weekday.WEDNESDAY,
        number=3,
        teacher=world.teacher_staff.pk,
        valid_from="2026-09-01",
    )
    response = client.post(url, data)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    entry.refresh_from_db()
    assert (entry.weekday, entry.number, entry.teacher) == (
        Weekday.TUESDAY,
        2,
        world.class_teacher_staff,
    )


def test_a_teacher_cannot_add_or_change_entries(client, world):
    login(client, world, "teacher")
    url = reverse("timetable:entry_create") + f"?class_id={world.class_5a.pk}"
    assert client.post(url, entry_data(world)).status_code == 403
    edit = reverse("timetable:entry_edit", args=[world.entry.pk])
    assert client.post(edit, {"action": "end", "last_day": "2026-11-30"}).status_code == 403
    world.entry.refresh_from_db()
    assert world.entry.valid_to is None


def test_ending_an_entry_from_a_date(client, world):
    login(client, world, "deputy")
    url = reverse("timetable:entry_edit", args=[world.entry.pk])
    response = client.post(url, {"action": "end", "last_day": "2026-11-30"})
    assert response.status_code == 302
    world.entry.refresh_from_db()
    assert world.entry.valid_to == date(2026, 11, 30)
    # The lessons already generated stay until the deputy regenerates.
    assert Lesson.objects.filter(timetable_entry=world.entry, date__gt="2026-11-30").exists()


def test_ending_an_entry_before_it_starts_deletes_it(client, world):
    login(client, world, "deputy")
    url = reverse("timetable:entry_edit", args=[world.entry.pk])
    client.post(url, {"action": "end", "last_day": "2026-08-31"})
    assert not TimetableEntry.objects.filter(pk=world.entry.pk).exists()
    world.lesson.refresh_from_db()
    assert world.lesson.timetable_entry_id is None


# --- bell schedules ---------------------------------------------------------------------------


def test_the_deputy_creates_a_bell_schedule_for_some_classes(client, world):
    login(client, world, "deputy")
    data = {
        "name": "Вторая смена",
        "classes": [world.class_5a.pk],
        "start_1": "13:30",
        "end_1": "14:15",
        "start_2": "14:25",
        "end_2": "15:10",
    }
    response = client.post(reverse("timetable:bells_create"), data)
    assert response.status_code == 302
    schedule = BellSchedule.objects.get(school=world.school, name="Вторая смена")
    assert list(schedule.classes.all()) == [world.class_5a]
    assert [(p.number, f"{p.start:%H:%M}") for p in schedule.periods.all()] == [
        (1, "13:30"),
        (2, "14:25"),
    ]
    # The list shows it to any member of staff.
    html = login(client, world, "teacher").get(reverse("timetable:bells")).content.decode()
    assert "Вторая смена" in html


def test_bell_times_in_the_wrong_order_are_refused(client, world):
    login(client, world, "deputy")
    url = reverse("timetable:bells_edit", args=[world.bells.pk])
    data = {"name": world.bells.name, "is_default": "on", "start_1": "09:00", "end_1": "08:00"}
    response = client.post(url, data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert world.bells.periods.count() == 7


def test_editing_a_bell_schedule_replaces_its_times(client, world):
    login(client, world, "deputy")
    url = reverse("timetable:bells_edit", args=[world.bells.pk])
    data = {"name": "Основное", "is_default": "on", "start_1": "08:00", "end_1": "08:40"}
    assert client.post(url, data).status_code == 302
    world.bells.refresh_from_db()
    assert world.bells.is_default
    assert [p.number for p in world.bells.periods.all()] == [1]


# --- generation -------------------------------------------------------------------------------


def test_generation_reports_counts_and_keeps_lessons_with_records(client, world):
    login(client, world, "deputy")
    url = reverse("timetable:generate")
    assert client.get(url).status_code == 200
    # The Wednesday entry ends on 30.11; a later lesson already has its topic.
    world.entry.valid_to = date(2026, 11, 30)
    world.entry.save()
    kept = Lesson.objects.get(course=world.course, date=date(2026, 12, 2), number=3)
    kept.topic = "Дроби"
    kept.save()
    empty = Lesson.objects.get(course=world.course, date=date(2026, 12, 9), number=3)
    response = client.post(url, {"term": world.term.pk})
    assert response.status_code == 200
    report = response.context["report"]
    assert report.created == 0
    assert report.deleted >= 1
    assert report.unchanged > 0
    assert [lesson.pk for lesson in response.context["needs_decision"]] == [kept.pk]
    assert f'data-lesson="{kept.pk}"' in response.content.decode()
    assert Lesson.objects.filter(pk=kept.pk).exists()
    assert not Lesson.objects.filter(pk=empty.pk).exists()


def test_generation_for_one_class_creates_its_new_lessons_only(client, world):
    TimetableEntry.objects.create(
        school=world.school,
        year=world.year,
        course=world.class_course,
        teacher=world.class_teacher_staff,
        weekday=Weekday.THURSDAY,
        number=4,
        valid_from=world.year.start,
    )
    login(client, world, "deputy")
    before = Lesson.objects.count()
    response = client.post(
        reverse("timetable:generate"), {"term": world.term.pk, "school_class": world.class_6b.pk}
    )
    assert response.context["report"].created == 0
    assert Lesson.objects.count() == before
    response = client.post(
        reverse("timetable:generate"), {"term": world.term.pk, "school_class": world.class_5a.pk}
    )
    created = response.context["report"].created
    assert created > 0
    assert Lesson.objects.count() == before + created


def test_generation_refuses_a_term_of_another_school(client, world):
    from zhurnal.school.models import Term

    other_year = world.other_school.years.get()
    foreign = Term.objects.create(
        school=world.other_school,
        year=other_year,
        kind="quarter",
        number=1,
        start=date(2026, 9, 1),
        end=date(2026, 10, 24),
    )
    login(client, world, "deputy")
    response = client.post(reverse("timetable:generate"), {"term": foreign.pk})
    assert response.status_code == 200
    assert response.context["report"] is None
    assert "term" in response.context["form"].errors


# --- one day ----------------------------------------------------------------------------------


def post_day(client, world, **data):
    return client.post(reverse("timetable:day"), {"day": "2026-11-18", **data})


def test_the_day_page_lists_the_lessons_of_the_date(client, world):
    response = login(client, world, "teacher").get(day_url(day="2026-11-18"))
    assert response.status_code == 200
    assert world.lesson in list(response.context["lessons"])
    assert 'name="action"' not in response.content.decode()
    response = client.get(day_url(day="2026-11-18", class_id=world.class_5a.pk))
    assert world.lesson not in list(response.context["lessons"])


def test_the_day_page_reports_a_bad_date(client, world):
    response = login(client, world, "deputy").get(day_url(day="2026-13-01"))
    assert response.status_code == 200
    assert response.context["day"] == date(2026, 11, 20)
    assert any("YYYY-MM-DD" in m for m in messages_of(response))


def test_a_substitution_from_the_day_page_gives_the_substitute_that_lesson(client, world):
    substitute = world.users["class_teacher"]
    lesson_page = reverse("lessons:lesson", args=[world.lesson.pk])
    assert login(client, world, "class_teacher").get(lesson_page).status_code == 403
    login(client, world, "deputy")
    response = post_day(
        client,
        world,
        action="substitute",
        lesson=world.lesson.pk,
        teacher=world.class_teacher_staff.pk,
        reason="болезнь",
    )
    assert response.status_code == 302
    world.lesson.refresh_from_db()
    assert world.lesson.teacher == world.class_teacher_staff
    assert world.lesson.substitute_for == world.teacher_staff
    assert world.lesson.substitution_reason == "болезнь"
    assert substitute.has_perm("timetable.keep_lesson", world.lesson)
    assert login(client, world, "class_teacher").get(lesson_page).status_code == 200
    # The report shows who taught instead of whom.
    report = client.get(reverse("timetable:substitutions") + "?start=2026-11-01&end=2026-11-30")
    assert list(report.context["lessons"]) == [world.lesson]
    assert report.context["totals"][0]["count"] == 1


def test_a_substitute_busy_at_that_time_is_refused(client, world):
    login(client, world, "deputy")
    post_day(
        client,
        world,
        action="extra",
        course=world.class_course.pk,
        date="2026-11-18",
        number=3,
    )
    extra = Lesson.objects.get(course=world.class_course, date=date(2026, 11, 18), number=3)
    assert extra.origin == LessonOrigin.EXTRA
    assert extra.teacher == world.class_teacher_staff
    response = post_day(
        client,
        world,
        action="substitute",
        lesson=world.lesson.pk,
        teacher=world.class_teacher_staff.pk,
        reason="",
    )
    assert response.status_code == 302
    world.lesson.refresh_from_db()
    assert world.lesson.teacher == world.teacher_staff
    page = client.get(response["Location"])
    assert any("at this time" in m for m in messages_of(page))


def test_cancel_and_restore(client, world):
    login(client, world, "deputy")
    post_day(client, world, action="cancel", lesson=world.lesson.pk, reason="  ")
    world.lesson.refresh_from_db()
    assert world.lesson.status == LessonStatus.PLANNED
    post_day(client, world, action="cancel", lesson=world.lesson.pk, reason="экскурсия")
    world.lesson.refresh_from_db()
    assert (world.lesson.status, world.lesson.cancel_reason) == ("cancelled", "экскурсия")
    post_day(client, world, action="restore", lesson=world.lesson.pk)
    world.lesson.refresh_from_db()
    assert world.lesson.status == LessonStatus.PLANNED
    assert world.lesson.cancel_reason == ""


def test_moving_a_lesson(client, world):
    login(client, world, "deputy")
    post_day(client, world, action="move", lesson=world.lesson.pk, date="2026-11-19", number=6)
    world.lesson.refresh_from_db()
    assert (world.lesson.date, world.lesson.number) == (date(2026, 11, 19), 6)
    assert f"{world.lesson.starts_at:%H:%M}" == "13:25"
    # A bad date changes nothing and says why.
    response = post_day(
        client, world, action="move", lesson=world.lesson.pk, date="19/11", number=2
    )
    world.lesson.refresh_from_db()
    assert world.lesson.number == 6
    assert response.status_code == 302


def test_day_changes_need_the_deputy_and_a_lesson_of_the_school(client, world):
    login(client, world, "teacher")
    response = post_day(client, world, action="cancel", lesson=world.lesson.pk, reason="x")
    assert response.status_code == 403
    login(client, world, "outsider")
    response = post_day(client, world, action="cancel", lesson=world.lesson.pk, reason="x")
    assert response.status_code == 404
    login(client, world, "deputy")
    assert post_day(client, world, action="cancel", lesson="1x", reason="x").status_code == 404
    assert post_day(client, world, action="drop", lesson=world.lesson.pk).status_code == 403
    world.lesson.refresh_from_db()
    assert world.lesson.status == LessonStatus.PLANNED


def test_a_substitute_from_another_school_is_not_found(client, world):
    stranger = StaffFactory(school=world.other_school)
    login(client, world, "deputy")
    response = post_day(
        client, world, action="substitute", lesson=world.lesson.pk, teacher=stranger.pk
    )
    assert response.status_code == 404
    world.lesson.refresh_from_db()
    assert world.lesson.substitute_for_id is None


def test_the_substitutions_report_orders_its_period(client, world):
    response = login(client, world, "deputy").get(
        reverse("timetable:substitutions") + "?start=2026-11-30&end=2026-11-01"
    )
    assert response.status_code == 200
    assert response.context["start"] == date(2026, 11, 1)
    assert messages_of(response)
