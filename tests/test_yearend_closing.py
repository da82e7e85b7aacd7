"""Closing the year (issue 13; seed 002 §6.2.3, regulation 3.1): the checklist finds every
kind of gap in a bounded number of queries, closing needs the closer's confirmation while gaps
remain, a closed year's journal refuses every write until a deputy unlocks the course, and only
the secretary and the director close (the deputies see the checklist)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from zhurnal.audit.actor import Actor
from zhurnal.audit.models import AuditAction, AuditEvent
from zhurnal.journal import services as journal
from zhurnal.journal.models import PeriodKind, PeriodMark, WorkType
from zhurnal.oversight.models import JournalRemark
from zhurnal.school import models as m
from zhurnal.timetable.models import Lesson
from zhurnal.yearend import services
from zhurnal.yearend.queries import GapKind, checklist

from .factories import SchoolClassFactory, StudentFactory, enroll
from .personas import build_world

pytestmark = pytest.mark.usefixtures("english")

MSK = ZoneInfo("Europe/Moscow")


def at(*args) -> time_machine.travel:
    return time_machine.travel(datetime(*args, tzinfo=MSK), tick=False)


@pytest.fixture
def world(db):
    with at(2026, 11, 20, 10, 0):
        yield build_world()


def close(world, **kwargs):
    kwargs.setdefault("accept_gaps", True)
    return services.close_year(
        year=world.year, today=date(2026, 11, 20), actor=Actor(world.users["secretary"]), **kwargs
    )


def kinds(found, course) -> dict[str, int]:
    return {g.kind: g.count for g in found.gaps if g.course == course}


def test_the_checklist_finds_missing_marks_topics_attendance_plan_and_remarks(world):
    with at(2026, 11, 20, 10, 0):
        JournalRemark.objects.create(
            school=world.school,
            course=world.course,
            author=world.users["deputy"],
            teacher=world.teacher_staff,
            kind="topics",
            text="Нет тем уроков",
            due=date(2026, 11, 27),
            created_at=datetime(2026, 11, 20, tzinfo=MSK),
        )
        found = checklist(world.school, world.year, date(2026, 11, 20))
    gaps = kinds(found, world.course)
    held = Lesson.objects.filter(course=world.course, date__lte=date(2026, 11, 20)).count()
    assert gaps[GapKind.YEAR_MARKS] == 1  # the older student of 6Б
    assert gaps[GapKind.TERM_MARKS] == 1  # the 1st quarter is over; the 2nd is not
    assert gaps[GapKind.TOPICS] == held
    assert gaps[GapKind.ATTENDANCE] == held
    assert gaps[GapKind.PLAN] > 0
    assert gaps[GapKind.REMARKS] == 1
    year_gap = next(
        g for g in found.gaps if g.kind == GapKind.YEAR_MARKS and g.course == world.course
    )
    assert year_gap.students == (world.older_student.short_name,)
    assert not found.complete


def test_entered_marks_leave_the_checklist(world):
    term_1 = m.Term.objects.get(year=world.year, number=1)
    for kind, term in ((PeriodKind.YEAR, None), (PeriodKind.TERM, term_1)):
        PeriodMark.objects.create(
            school=world.school,
            course=world.course,
            student=world.older_student,
            kind=kind,
            term=term,
            value="5",
            entered_at=datetime(2026, 11, 20, tzinfo=MSK),
            changed_at=datetime(2026, 11, 20, tzinfo=MSK),
        )
    found = checklist(world.school, world.year, date(2026, 11, 20))
    gaps = kinds(found, world.course)
    assert GapKind.YEAR_MARKS not in gaps
    assert GapKind.TERM_MARKS not in gaps


def test_the_checklist_of_a_school_takes_the_same_queries_whatever_its_size(world):
    def queries() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        school = m.School.objects.get(pk=world.school.pk)  # its policy not read yet
        with CaptureQueriesContext(connection) as captured:
            checklist(school, world.year, date(2026, 11, 20))
        return len(captured)

    small = queries()
    for letter in "ВГДЕ":
        school_class = SchoolClassFactory(
            school=world.school,
            year=world.year,
            grade_level=world.class_5a.grade_level,
            letter=letter,
        )
        course = m.Course.objects.create(
            school=world.school,
            year=world.year,
            subject=world.course.subject,
            school_class=school_class,
        )
        for _n in range(5):
            enroll(StudentFactory(school=world.school), school_class, date(2026, 9, 1))
        PeriodMark.objects.create(
            school=world.school,
            course=course,
            student=world.student,
            kind=PeriodKind.YEAR,
            value="4",
            entered_at=datetime(2026, 11, 20, tzinfo=MSK),
            changed_at=datetime(2026, 11, 20, tzinfo=MSK),
        )
    assert queries() == small == 13


def test_closing_with_gaps_needs_the_closers_confirmation(world):
    with pytest.raises(ValidationError, match="still has gaps"):
        close(world, accept_gaps=False)
    world.year.refresh_from_db()
    assert world.year.closed_at is None
    with at(2026, 11, 20, 12, 0):
        close(world)
    world.year.refresh_from_db()
    assert world.year.is_closed
    event = AuditEvent.objects.get(action=AuditAction.YEAR_CLOSED)
    assert event.actor == world.users["secretary"]
    assert event.after["gaps"][GapKind.YEAR_MARKS] == 2
    with pytest.raises(ValidationError, match="closed already"):
        close(world)


@pytest.fixture
def column(world):
    work_type = WorkType.objects.create(school=world.school, code="У", name="Устный ответ")
    with at(2026, 11, 20, 10, 0):
        return journal.add_column(
            lesson=world.lesson, work_type=work_type, actor=Actor(world.users["teacher"])
        )


def test_a_closed_years_journal_refuses_every_write_until_a_deputy_unlocks(world, column):
    teacher = Actor(world.users["teacher"])
    with at(2026, 11, 20, 12, 0):
        close(world)
        lesson = world.lesson
        writes = {
            "mark": lambda: journal.set_mark(
                column=column, student=world.older_student, value="5", version=0, actor=teacher
            ),
            "attendance": lambda: journal.set_attendance(
                lesson=lesson, student=world.older_student, code="Н", version=0, actor=teacher
            ),
            "roll call": lambda: journal.take_roll_call(lesson=lesson, actor=teacher),
            "topic": lambda: journal.record_topic(lesson=lesson, topic="Дроби", actor=teacher),
            "homework": lambda: journal.set_homework(
                lesson=lesson, text="№ 1", version=0, actor=teacher
            ),
            "column": lambda: journal.add_column(
                lesson=lesson, work_type=column.work_type, actor=teacher
            ),
            "year mark": lambda: journal.set_period_mark(
                course=world.course,
                student=world.older_student,
                kind=PeriodKind.YEAR,
                term=None,
                value="5",
                version=0,
                actor=teacher,
            ),
        }
        for name, write in writes.items():
            with pytest.raises(ValidationError) as refused:
                write()
            assert refused.value.code == "year_closed", name
            assert "The academic year is closed" in refused.value.messages[0], name
        journal.unlock(
            course=world.course,
            start=lesson.date,
            end=lesson.date,
            days=2,
            reason="Исправление после пересдачи",
            actor=Actor(world.users["deputy"]),
        )
        assert (
            journal.set_mark(
                column=column, student=world.older_student, value="5", version=0, actor=teacher
            ).value
            == "5"
        )
        assert journal.record_topic(lesson=lesson, topic="Дроби", actor=teacher).topic == "Дроби"
    assert AuditEvent.objects.filter(action=AuditAction.JOURNAL_UNLOCKED).count() == 1


def test_an_open_year_writes_as_before(world, column):
    with at(2026, 11, 20, 12, 0):
        mark = journal.set_mark(
            column=column,
            student=world.older_student,
            value="4",
            version=0,
            actor=Actor(world.users["teacher"]),
        )
    assert mark.value == "4"


def test_reopening_needs_a_reason_and_is_audited(world):
    with at(2026, 11, 20, 12, 0):
        close(world)
    with pytest.raises(ValidationError, match="reason"):
        services.reopen_year(year=world.year, reason="  ", actor=Actor(world.users["director"]))
    services.reopen_year(
        year=world.year, reason="Закрыт по ошибке", actor=Actor(world.users["director"])
    )
    world.year.refresh_from_db()
    assert not world.year.is_closed
    event = AuditEvent.objects.get(action=AuditAction.YEAR_REOPENED)
    assert event.reason == "Закрыт по ошибке"


# --- pages and who may use them -------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [("secretary", 302), ("director", 302), ("deputy", 403), ("teacher", 403), ("admin", 403)],
)
def test_only_the_secretary_and_the_director_close_the_year(client, world, persona, status):
    client.force_login(world.users[persona])
    with at(2026, 11, 20, 12, 0):
        response = client.post(
            reverse("yearend:close"), {"year": world.year.pk, "accept_gaps": "on"}
        )
    assert response.status_code == status
    world.year.refresh_from_db()
    assert world.year.is_closed is (status == 302)


@pytest.mark.parametrize(
    ("persona", "status"),
    [("secretary", 302), ("director", 302), ("deputy", 403), ("parent", 403)],
)
def test_only_the_secretary_and_the_director_reopen_the_year(client, world, persona, status):
    with at(2026, 11, 20, 12, 0):
        close(world)
    client.force_login(world.users[persona])
    response = client.post(reverse("yearend:reopen"), {"year": world.year.pk, "reason": "Ошибка"})
    assert response.status_code == status
    world.year.refresh_from_db()
    assert world.year.is_closed is (status != 302)


def test_closing_without_confirmation_tells_the_gaps_and_keeps_the_year_open(client, world):
    client.force_login(world.users["secretary"])
    with at(2026, 11, 20, 12, 0):
        response = client.post(reverse("yearend:close"), {"year": world.year.pk}, follow=True)
    assert "still has gaps" in response.content.decode()
    world.year.refresh_from_db()
    assert not world.year.is_closed


def test_a_year_of_another_school_is_not_found(client, world):
    other_year = m.AcademicYear.objects.get(school=world.other_school)
    client.force_login(world.users["secretary"])
    response = client.post(reverse("yearend:close"), {"year": other_year.pk, "accept_gaps": "on"})
    assert response.status_code == 404
    assert client.get(reverse("yearend:index"), {"year": other_year.pk}).status_code == 404


def test_the_class_checklist_links_every_gap_to_where_it_is_fixed(client, world):
    client.force_login(world.users["deputy"])
    with at(2026, 11, 20, 12, 0):
        page = client.get(reverse("yearend:class_checklist", args=[world.class_6b.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert reverse("journal:course", args=[world.course.pk]) in html
    assert reverse("lessons:course", args=[world.course.pk]) in html
    assert reverse("lessons:fulfilment", args=[world.course.pk]) in html
    assert world.older_student.short_name in html


def test_the_school_checklist_page_is_bounded_in_queries(
    client, world, django_assert_max_num_queries
):
    client.force_login(world.users["secretary"])
    with at(2026, 11, 20, 12, 0), django_assert_max_num_queries(32):
        page = client.get(reverse("yearend:index"))
    assert page.status_code == 200
    assert "Close the year" in page.content.decode()


def test_the_deputy_unlocks_a_course_of_a_closed_year_from_the_unlocks_page(client, world):
    with at(2026, 11, 20, 12, 0):
        close(world)
    client.force_login(world.users["deputy"])
    url = f"{reverse('journal_control:unlocks')}?year={world.year.pk}"
    with at(2026, 11, 20, 12, 0):
        page = client.get(url)
        assert "is closed: its journals are read-only" in page.content.decode()
        response = client.post(
            url,
            {
                "course": world.course.pk,
                "start": "2026-11-18",
                "end": "2026-11-18",
                "days": 2,
                "reason": "Пересдача",
            },
        )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action=AuditAction.JOURNAL_UNLOCKED).count() == 1


def test_the_journal_of_a_closed_year_says_it_is_read_only(client, world):
    client.force_login(world.users["teacher"])
    url = reverse("journal:course", args=[world.course.pk])
    notice = "The academic year is closed: its journal is read-only."
    with at(2026, 11, 20, 12, 0):
        assert notice not in client.get(url).content.decode()
        close(world)
        assert notice in client.get(url).content.decode()


def test_the_absence_register_refuses_the_dates_of_a_closed_year(world):
    with at(2026, 11, 20, 12, 0):
        close(world)
    with pytest.raises(ValidationError, match="The academic year 2026/2027 is closed"):
        journal.record_absence(
            student=world.student,
            start=date(2027, 5, 25),
            end=date(2027, 6, 5),
            reason="Б",
            actor=Actor(world.users["class_teacher"]),
        )
