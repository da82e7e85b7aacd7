"""The journal grid from the cache (issue 14, ``journal.freshness``): a second read costs no
query, and after every kind of write the grid shows the new state at once — a mark set and
deleted, attendance, a roll call, a column, homework, a period mark, an arrival and a
departure, a group's new member, a lesson cancelled, an absence in the register, a day of
the class teacher's absence sheet, a student renamed. The diary's marks of a term and its
week, kept by the same versions, likewise (the week: also a homework attachment, a teacher's
note, a topic, a subject or teacher renamed)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import caches
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from zhurnal.audit.actor import Actor
from zhurnal.diary import queries as diary_queries
from zhurnal.diary.queries import term_marks
from zhurnal.journal import services
from zhurnal.journal.freshness import cached_grid
from zhurnal.journal.models import PeriodKind, WorkType
from zhurnal.journal.policy import with_scale_rule
from zhurnal.school import models as m
from zhurnal.school.services import set_group_members
from zhurnal.timetable.services import cancel_lesson

from .factories import StudentFactory, enroll
from .personas import build_world

MSK = ZoneInfo("Europe/Moscow")
SYSTEM = Actor.system()


@pytest.fixture
def world(db):
    with time_machine.travel(datetime(2026, 11, 20, 10, 0, tzinfo=MSK), tick=False):
        world = build_world()
        world.work_type = WorkType.objects.create(school=world.school, code="КР", name="КР")
        yield world


def fresh(course):
    """The course as the journal's page loads it: afresh (its version with it), the school with
    its policy."""
    return with_scale_rule(m.Course.objects.select_related("school__journal_policy")).get(
        pk=course.pk
    )


def grid(world, course=None):
    return cached_grid(fresh(course or world.course), world.term)


def row_of(data, student):
    return next((r for r in data.rows if r.student.pk == student.pk), None)


def cell_of(data, student, lesson):
    index = [gl.lesson.pk for gl in data.lessons].index(lesson.pk)
    return row_of(data, student).cells[index]


def marks_of(data, student, lesson) -> list[str]:
    return [e.value for e in cell_of(data, student, lesson).marks.values()]


def test_a_second_read_comes_from_the_cache(world):
    grid(world)
    course = fresh(world.course)
    with CaptureQueriesContext(connection) as queries:
        again = cached_grid(course, world.term)
    assert len(queries) == 0
    assert again.course is course and again.term is world.term  # the request's own objects
    assert [r.student.pk for r in again.rows] == [world.older_student.pk]


def _mark(world):
    column = services.add_column(lesson=world.lesson, work_type=world.work_type, actor=SYSTEM)
    services.set_mark(
        column=column, student=world.older_student, value="4", version=0, actor=SYSTEM
    )
    return lambda data: marks_of(data, world.older_student, world.lesson) == ["4"]


def _mark_deleted(world):
    column = services.add_column(lesson=world.lesson, work_type=world.work_type, actor=SYSTEM)
    services.set_mark(
        column=column, student=world.older_student, value="4", version=0, actor=SYSTEM
    )
    assert marks_of(grid(world), world.older_student, world.lesson) == ["4"]  # now cached
    services.set_mark(column=column, student=world.older_student, value="", version=1, actor=SYSTEM)
    return lambda data: marks_of(data, world.older_student, world.lesson) == []


def _attendance(world):
    services.set_attendance(
        lesson=world.lesson, student=world.older_student, code="Н", version=0, actor=SYSTEM
    )
    return lambda data: cell_of(data, world.older_student, world.lesson).attendance == "Н"


def _roll_call(world):
    services.take_roll_call(lesson=world.lesson, actor=SYSTEM)
    return lambda data: (
        next(gl for gl in data.lessons if gl.lesson.pk == world.lesson.pk).roll_call is not None
    )


def _column(world):
    services.add_column(lesson=world.lesson, work_type=world.work_type, actor=SYSTEM)
    return lambda data: (
        [len(gl.columns) for gl in data.lessons if gl.lesson.pk == world.lesson.pk] == [1]
    )


def _homework(world):
    services.set_homework(lesson=world.lesson, text="№ 125", version=0, actor=SYSTEM)
    return lambda data: (
        next(gl for gl in data.lessons if gl.lesson.pk == world.lesson.pk).homework.text == "№ 125"
    )


def _period_mark(world):
    services.set_period_mark(
        course=world.course,
        student=world.older_student,
        kind=PeriodKind.TERM,
        term=world.term,
        value="5",
        version=0,
        actor=SYSTEM,
    )
    return lambda data: (
        [e.value for e in row_of(data, world.older_student).period_marks.values()] == ["5"]
    )


def _arrival(world):
    newcomer = StudentFactory(school=world.school, last_name="Алексеев")
    enroll(newcomer, world.class_6b, start=date(2026, 11, 19))
    return lambda data: row_of(data, newcomer) is not None


def _departure(world):
    enrollment = m.Enrollment.objects.get(student=world.older_student, school_class=world.class_6b)
    enrollment.end = date(2026, 11, 10)
    enrollment.save()
    return lambda data: row_of(data, world.older_student).left == date(2026, 11, 10)


def _lesson_cancelled(world):
    cancel_lesson(lesson=world.lesson, reason="карантин", actor=SYSTEM)
    return lambda data: world.lesson.pk not in [gl.lesson.pk for gl in data.lessons]


def _absence(world):
    services.set_attendance(
        lesson=world.lesson, student=world.older_student, code="Н", version=0, actor=SYSTEM
    )
    # Cached with the teacher's «Н».
    assert cell_of(grid(world), world.older_student, world.lesson).attendance == "Н"
    services.record_absence(
        student=world.older_student,
        start=date(2026, 11, 18),
        end=date(2026, 11, 18),
        reason="Б",
        actor=SYSTEM,
    )
    return lambda data: cell_of(data, world.older_student, world.lesson).attendance == "Б"


def _absence_day(world):
    services.set_attendance(
        lesson=world.lesson, student=world.older_student, code="Н", version=0, actor=SYSTEM
    )
    assert cell_of(grid(world), world.older_student, world.lesson).attendance == "Н"
    services.set_absence_days(
        school_class=world.class_6b,
        day=date(2026, 11, 18),
        rows=[services.DayRow(world.older_student, "У", False, "", 0)],
        actor=SYSTEM,
    )
    return lambda data: cell_of(data, world.older_student, world.lesson).attendance == "У"


def _renamed(world):
    world.older_student.last_name = "Новикова"
    world.older_student.save()
    return lambda data: row_of(data, world.older_student).student.last_name == "Новикова"


WRITES: dict[str, Callable] = {
    "mark": _mark,
    "mark deleted": _mark_deleted,
    "attendance": _attendance,
    "roll call": _roll_call,
    "column": _column,
    "homework": _homework,
    "period mark": _period_mark,
    "arrival": _arrival,
    "departure": _departure,
    "lesson cancelled": _lesson_cancelled,
    "absence in the register": _absence,
    "a day of the absence sheet": _absence_day,
    "student renamed": _renamed,
}


@pytest.mark.parametrize("write", list(WRITES))
def test_every_kind_of_write_shows_at_once(world, write):
    with time_machine.travel(datetime(2026, 11, 20, 10, 0, tzinfo=MSK), tick=False):
        grid(world)  # the grid before, in the cache
        shows = WRITES[write](world)
        assert shows(grid(world)), write


def test_a_groups_new_member_shows_at_once(world):
    """``set_group_members`` adds members with ``bulk_create`` (no model signals)."""
    english = m.Course.objects.create(
        school=world.school,
        year=world.year,
        subject=m.Subject.objects.create(school=world.school, name="Английский язык"),
        group=world.group,
    )
    with time_machine.travel(datetime(2026, 11, 20, 10, 0, tzinfo=MSK), tick=False):
        assert grid(world, english).rows == []
        set_group_members(
            group=world.group,
            student_ids={world.student.pk},
            since=date(2026, 11, 5),
            members_on=date(2026, 11, 20),
            actor=SYSTEM,
        )
        assert [r.student.pk for r in grid(world, english).rows] == [world.student.pk]


# --- the diary's marks of a term, kept by the same versions ------------------------------------


def diary_marks(world) -> dict[str, list[str]]:
    student = m.Student.objects.select_related("school__journal_policy").get(
        pk=world.older_student.pk
    )
    return {s.subject: [mark.value for mark in s.marks] for s in term_marks(student, world.term)}


def test_the_diarys_marks_come_from_the_cache_and_show_a_new_mark_at_once(world):
    with time_machine.travel(datetime(2026, 11, 20, 10, 0, tzinfo=MSK), tick=False):
        assert diary_marks(world) == {"Математика": []}
        with CaptureQueriesContext(connection) as queries:
            diary_marks(world)
        assert len(queries) == 3  # the student, the lists, the courses: no marks read
        column = services.add_column(lesson=world.lesson, work_type=world.work_type, actor=SYSTEM)
        services.set_mark(
            column=column, student=world.older_student, value="4", version=0, actor=SYSTEM
        )
        assert diary_marks(world) == {"Математика": ["4"]}
        world.work_type.name = "Контрольная работа"
        world.work_type.save()
        student = m.Student.objects.get(pk=world.older_student.pk)
        (subject,) = term_marks(student, world.term)
        assert subject.marks[0].work_type_name == "Контрольная работа"


def diary_subject(world):
    student = m.Student.objects.select_related("school__journal_policy").get(
        pk=world.older_student.pk
    )
    subjects = term_marks(student, world.term)
    return subjects[0] if subjects else None


def _marks_mark(world):
    _mark(world)
    return lambda subject: [x.value for x in subject.marks] == ["4"]


def _marks_mark_deleted(world):
    _mark_deleted(world)
    return lambda subject: subject.marks == [] and subject.average is None


def _marks_period_mark(world):
    _period_mark(world)
    return lambda subject: subject.term_mark is not None and subject.term_mark.value == "5"


def _marks_lesson_cancelled(world):
    _mark(world)
    assert [x.value for x in diary_subject(world).marks] == ["4"]  # now cached
    cancel_lesson(lesson=world.lesson, reason="карантин", actor=SYSTEM)
    return lambda subject: subject.marks == []


def _marks_departure(world):
    _departure(world)  # left on 10.11, before the term's lessons of the course
    return lambda subject: subject is None or subject.marks == []


def _marks_subject_renamed(world):
    _week_subject_renamed(world)
    return lambda subject: subject.subject == "Математика (углублённая)"


MARKS_WRITES: dict[str, Callable] = {
    "mark": _marks_mark,
    "mark deleted": _marks_mark_deleted,
    "period mark": _marks_period_mark,
    "lesson cancelled": _marks_lesson_cancelled,
    "departure": _marks_departure,
    "subject renamed": _marks_subject_renamed,
}


@pytest.mark.parametrize("write", list(MARKS_WRITES))
def test_every_kind_of_write_shows_in_the_diarys_marks_at_once(world, write):
    with time_machine.travel(datetime(2026, 11, 20, 10, 0, tzinfo=MSK), tick=False):
        diary_subject(world)  # the term's marks before, in the cache
        shows = MARKS_WRITES[write](world)
        assert shows(diary_subject(world)), write


# --- the diary's week, kept by the same versions ----------------------------------------------

MONDAY = date(2026, 11, 16)  # the week of world.lesson (Wednesday 18.11)


def diary_week(world):
    student = m.Student.objects.get(pk=world.older_student.pk)
    return diary_queries.week(student, MONDAY, today=date(2026, 11, 20))


def week_item(week, lesson):
    items = [i for day in week.days for i in day.lessons if i.lesson.pk == lesson.pk]
    return items[0] if items else None


def _week_mark(world):
    _mark(world)
    return lambda week: [m.value for m in week_item(week, world.lesson).marks] == ["4"]


def _week_attendance(world):
    _attendance(world)
    return lambda week: week_item(week, world.lesson).attendance == "Н"


def _week_homework(world):
    services.set_homework(lesson=world.lesson, text="№ 125", version=0, actor=SYSTEM)
    return lambda week: week_item(week, world.lesson).homework.text == "№ 125"


def _week_attachment(world):
    homework = services.set_homework(lesson=world.lesson, text="№ 125", version=0, actor=SYSTEM)
    assert week_item(diary_week(world), world.lesson).attachments == []  # now cached
    upload = SimpleUploadedFile("задачи.pdf", b"%PDF-1.4 tasks", content_type="application/pdf")
    services.attach_files(homework=homework, files=[upload], actor=SYSTEM)
    return lambda week: (
        [a.name for a in week_item(week, world.lesson).attachments] == ["задачи.pdf"]
    )


def _week_note(world):
    services.add_note(
        lesson=world.lesson,
        student=world.older_student,
        kind="praise",
        text="Молодец",
        actor=SYSTEM,
    )
    return lambda week: [n.text for n in week_item(week, world.lesson).notes] == ["Молодец"]


def _week_topic(world):
    services.record_topic(lesson=world.lesson, topic="Дроби", actor=SYSTEM)
    return lambda week: week_item(week, world.lesson).lesson.topic == "Дроби"


def _week_cancelled(world):
    cancel_lesson(lesson=world.lesson, reason="карантин", actor=SYSTEM)
    return lambda week: week_item(week, world.lesson).cancelled


def _week_absence(world):
    _absence(world)  # the teacher's «Н», then the register's «Б» for the day
    return lambda week: week_item(week, world.lesson).attendance == "Б"


def _week_departure(world):
    _departure(world)
    return lambda week: week_item(week, world.lesson) is None


def _week_subject_renamed(world):
    subject = world.course.subject
    subject.name = "Математика (углублённая)"
    subject.save()
    return lambda week: week_item(week, world.lesson).subject == "Математика (углублённая)"


def _week_teacher_renamed(world):
    world.teacher_staff.last_name = "Иванова"
    world.teacher_staff.save()
    return lambda week: week_item(week, world.lesson).lesson.teacher.last_name == "Иванова"


WEEK_WRITES: dict[str, Callable] = {
    "mark": _week_mark,
    "attendance": _week_attendance,
    "homework": _week_homework,
    "homework attachment": _week_attachment,
    "note": _week_note,
    "topic": _week_topic,
    "lesson cancelled": _week_cancelled,
    "absence in the register": _week_absence,
    "departure": _week_departure,
    "subject renamed": _week_subject_renamed,
    "teacher renamed": _week_teacher_renamed,
}


def test_the_diarys_week_comes_from_the_cache(world):
    with time_machine.travel(datetime(2026, 11, 20, 10, 0, tzinfo=MSK), tick=False):
        before = diary_week(world)
        student = m.Student.objects.get(pk=world.older_student.pk)
        with CaptureQueriesContext(connection) as queries:
            again = diary_queries.week(student, MONDAY, today=date(2026, 11, 20))
        assert len(queries) == 2  # the lists with absences, the courses' versions
        assert [i.lesson.pk for d in again.days for i in d.lessons] == [
            i.lesson.pk for d in before.days for i in d.lessons
        ]
        assert week_item(again, world.lesson) is not None


@pytest.mark.parametrize("write", list(WEEK_WRITES))
def test_every_kind_of_write_shows_in_the_diarys_week_at_once(world, write):
    with time_machine.travel(datetime(2026, 11, 20, 10, 0, tzinfo=MSK), tick=False):
        diary_week(world)  # the week before, in the cache
        shows = WEEK_WRITES[write](world)
        assert shows(diary_week(world)), write


# --- the page: its grid rendered from the cache -------------------------------------------------


def grid_table(client, world) -> str:
    """The head and body of the course's grid as the page serves them."""
    url = reverse("journal:course", args=[world.course.pk])
    response = client.get(f"{url}?term={world.term.pk}")
    assert response.status_code == 200
    html = response.content.decode()
    return html[html.index("<thead>") : html.index("</tbody>")]


@pytest.mark.parametrize("write", list(WRITES))
def test_the_pages_rendered_grid_shows_every_kind_of_write_at_once(client, world, write):
    """The page keeps its grid rendered (``freshness.cached_rendering``): after each kind of
    write it serves what it renders afresh with the caches emptied, and not what it served
    before."""
    client.force_login(world.users["teacher"])
    with time_machine.travel(datetime(2026, 11, 20, 10, 0, tzinfo=MSK), tick=False):
        before = grid_table(client, world)
        WRITES[write](world)
        after = grid_table(client, world)
        caches["journal"].clear()
        assert after == grid_table(client, world), write
        assert after != before, write


def test_the_rendered_grid_is_kept_per_what_the_reader_may_edit(client, world):
    """The teacher's cells are editable, the deputy's of the same journal are not, whichever
    of them opened it first."""
    editable = 'class="c m e'
    with time_machine.travel(datetime(2026, 11, 20, 10, 0, tzinfo=MSK), tick=False):
        for login, may_edit in (("teacher", True), ("deputy", False), ("teacher", True)):
            client.force_login(world.users[login])
            assert (editable in grid_table(client, world)) is may_edit, login
