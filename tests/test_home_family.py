"""The home page of a parent and of a student (issue 15: "what is new about my child"): per child
the new marks, today's and the next school day's homework, the unread messages, and a term
waiting for «Ознакомлен» with its one-tap button — the diary's service and audit, once on a
double tap; only the user's own children; a fixed number of queries whatever the data."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from zhurnal.audit.actor import Actor
from zhurnal.audit.models import AuditEvent
from zhurnal.diary.models import TermAcknowledgement
from zhurnal.journal import services as journal
from zhurnal.journal.defaults import ensure_work_types
from zhurnal.journal.models import GradeColumn, WorkType
from zhurnal.messaging import services as messaging
from zhurnal.school import models as m
from zhurnal.timetable.models import Lesson

from .factories import StudentFactory, enroll
from .personas import build_world

pytestmark = pytest.mark.usefixtures("english")

MSK = ZoneInfo("Europe/Moscow")
FRIDAY = date(2026, 11, 20)  # the world's "now"
MONDAY, TUESDAY = date(2026, 11, 16), date(2026, 11, 17)
NEXT_MONDAY, NEXT_TUESDAY = date(2026, 11, 23), date(2026, 11, 24)


def at(*args) -> time_machine.travel:
    return time_machine.travel(datetime(*args, tzinfo=MSK), tick=False)


@pytest.fixture
def world(db):
    with at(2026, 11, 20, 10, 0):
        world = build_world()
        ensure_work_types(world.school)
        yield world


def _teacher(world) -> Actor:
    return Actor(world.users["class_teacher"])


def _mark(world, day: date, value: str, code: str = "КР", student=None, title: str = ""):
    lesson = Lesson.objects.get(course=world.class_course, date=day)
    column = GradeColumn.objects.filter(lesson=lesson, work_type__code=code).first()
    if column is None:
        column = journal.add_column(
            lesson=lesson,
            work_type=WorkType.objects.get(school=world.school, code=code),
            title=title,
            actor=Actor.system(),
        )
    return journal.set_mark(
        column=column,
        student=student or world.student,
        value=value,
        version=0,
        actor=_teacher(world),
    )


def _homework(world, day: date, text: str):
    lesson = Lesson.objects.get(course=world.class_course, date=day)
    return journal.set_homework(lesson=lesson, text=text, version=0, actor=_teacher(world))


def _q1(world) -> m.Term:
    return m.Term.objects.get(school=world.school, kind="quarter", number=1)


def _term_mark(world, term, student=None, value="5"):
    journal.set_period_mark(
        course=world.class_course,
        student=student or world.student,
        kind="term",
        term=term,
        value=value,
        version=0,
        actor=_teacher(world),
    )


def _home(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def _ack_url(student, term) -> str:
    return reverse("diary:acknowledge", args=[student.pk, term.pk])


# --- what the page shows -----------------------------------------------------------------------


def test_the_parent_sees_the_new_marks_with_subject_date_kind_and_value(client, world):
    with at(2026, 11, 17, 15, 0):
        _mark(world, MONDAY, "5", "КР", title="Диктант")
        _mark(world, TUESDAY, "4", "У")
    with at(2026, 11, 20, 10, 0):
        html = _home(client, world.users["parent"])
    assert "New marks in the last 7 days" in html
    assert '<span class="mark">5</span> <span class="subject">Русский язык</span>' in html
    assert "«Диктант» · 16.11" in html
    assert ">У</abbr>" in html
    assert "17.11" in html


def test_marks_older_than_a_week_and_another_familys_are_not_news(client, world):
    other = StudentFactory(school=world.school, last_name="Чужой")
    enroll(other, world.class_5a)
    with at(2026, 11, 10, 12, 0):
        lesson = Lesson.objects.filter(course=world.class_course, date__lte=date(2026, 11, 10))
        assert lesson.exists()
        _mark(world, lesson.latest("date").date, "2", "СР")
    with at(2026, 11, 19, 12, 0):
        _mark(world, TUESDAY, "3", "КР", student=other)
    with at(2026, 11, 20, 10, 0):
        html = _home(client, world.users["parent"])
    assert 'class="mark"' not in html
    assert "No new marks." in html
    assert "Чужой" not in html


def test_homework_for_today_and_for_the_next_school_day(client, world):
    with at(2026, 11, 17, 15, 0):
        _homework(world, TUESDAY, "Упражнение 125")  # due at the next lesson, Monday 23.11
    with at(2026, 11, 20, 10, 0):
        # Friday: no lesson of 5А today; the next school day is Monday.
        html = _home(client, world.users["parent"])
        assert "For today" not in html
        assert "For monday, 23 November" in html
        assert "Упражнение 125" in html
    with at(2026, 11, 23, 7, 0):
        _homework(world, NEXT_MONDAY, "Правило на с. 48")  # set ahead, due Tuesday 24.11
        html = _home(client, world.users["parent"])
    assert "For today" in html and "Упражнение 125" in html
    assert "For tomorrow" in html and "Правило на с. 48" in html


def test_the_unread_messages_are_counted_with_a_link_to_the_inbox(client, world):
    with at(2026, 11, 20, 9, 0):
        for subject in ("Контрольная", "Экскурсия"):
            messaging.start_thread(
                author=world.users["class_teacher"],
                school=world.school,
                recipients=[world.users["parent"].pk],
                subject=subject,
                body="Здравствуйте!",
            )
    with at(2026, 11, 20, 10, 0):
        html = _home(client, world.users["parent"])
    assert f'<a href="{reverse("messaging:inbox")}">2 unread messages</a>' in html


def test_a_term_with_its_marks_in_waits_for_the_parents_acknowledgement(client, world):
    q1 = _q1(world)
    with at(2026, 11, 20, 10, 0):
        html = _home(client, world.users["parent"])
        assert _ack_url(world.student, q1) not in html  # no term mark yet: nothing to see
        _term_mark(world, q1)
        html = _home(client, world.users["parent"])
    assert f'action="{_ack_url(world.student, q1)}"' in html
    assert "csrfmiddlewaretoken" in html
    # The 2nd quarter is under way, without term marks: no prompt for it.
    assert _ack_url(world.student, world.term) not in html


def test_the_student_sees_their_own_news_without_an_acknowledgement(client, world):
    older = world.older_student
    with at(2026, 11, 20, 10, 0):
        lesson = Lesson.objects.get(course=world.course, date=date(2026, 11, 18))
        column = journal.add_column(
            lesson=lesson,
            work_type=WorkType.objects.get(school=world.school, code="СР"),
            actor=Actor.system(),
        )
        journal.set_mark(
            column=column,
            student=older,
            value="4",
            version=0,
            actor=Actor(world.users["teacher"]),
        )
        html = _home(client, world.users["student"])
    assert "My diary" in html
    assert '<span class="mark">4</span> <span class="subject">Математика</span>' in html
    assert "/acknowledge/" not in html
    assert world.student.last_name not in html  # the parent's child is not theirs


# --- the one-tap acknowledgement ---------------------------------------------------------------


def test_one_tap_acknowledges_once_audited_like_the_marks_page(client, world):
    q1 = _q1(world)
    with at(2026, 11, 20, 10, 0):
        _term_mark(world, q1)
        client.force_login(world.users["parent"])
        response = client.post(_ack_url(world.student, q1), {"action": "acknowledge"})
        assert response.status_code == 302
        assert response.url == f"{reverse('home')}#child-{world.student.pk}"
        # A double tap (or a second tab): nothing new, no second audit event.
        assert client.post(_ack_url(world.student, q1)).status_code == 302
        ack = TermAcknowledgement.objects.get()
        assert (ack.student, ack.term, ack.user) == (world.student, q1, world.users["parent"])
        events = AuditEvent.objects.filter(object_type="diary.termacknowledgement")
        assert events.count() == 1
        assert events.get().actor_id == world.users["parent"].pk
        page = client.get(reverse("home"), follow=True).content.decode()
    assert _ack_url(world.student, q1) not in page  # acknowledged: no more prompt
    assert "the term marks are acknowledged" in page


def test_acknowledging_too_early_is_refused_with_a_reason(client, world):
    with at(2026, 11, 20, 10, 0):  # the 2nd quarter runs, its marks are not in
        client.force_login(world.users["parent"])
        response = client.post(_ack_url(world.student, world.term), follow=True)
    assert not TermAcknowledgement.objects.exists()
    assert "once the term has ended or its marks are in" in response.content.decode()


def test_the_button_works_only_by_post_with_the_csrf_token(world):
    q1 = _q1(world)
    with at(2026, 11, 20, 10, 0):
        _term_mark(world, q1)
        client = Client(enforce_csrf_checks=True)
        client.force_login(world.users["parent"])
        assert client.get(_ack_url(world.student, q1)).status_code == 405
        assert client.post(_ack_url(world.student, q1)).status_code == 403
        assert not TermAcknowledgement.objects.exists()
        home = client.get(reverse("home"))
        token = home.cookies["csrftoken"].value
        response = client.post(_ack_url(world.student, q1), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert TermAcknowledgement.objects.count() == 1


@pytest.mark.parametrize(
    ("persona", "child", "status"),
    [
        ("parent", "older_student", 404),  # a forged child id: another family's child
        ("student", "student", 404),  # the student persona is another family
        ("student", "older_student", 403),  # a student does not acknowledge for the parents
        ("class_teacher", "student", 403),  # staff read the diary, never acknowledge
        ("director", "student", 403),
        ("outsider", "student", 404),  # another school
    ],
)
def test_only_a_guardian_acknowledges_and_only_for_their_child(
    client, world, persona, child, status
):
    q1 = _q1(world)
    with at(2026, 11, 20, 10, 0):
        _term_mark(world, q1)
        client.force_login(world.users[persona])
        assert client.post(_ack_url(getattr(world, child), q1)).status_code == status
    assert not TermAcknowledgement.objects.exists()


def test_a_term_of_another_school_or_year_is_not_found(client, world):
    other_year = m.AcademicYear.objects.create(
        school=world.school, start=date(2025, 9, 1), end=date(2026, 5, 31)
    )
    old = m.Term.objects.create(
        school=world.school,
        year=other_year,
        kind="quarter",
        number=4,
        start=date(2026, 4, 1),
        end=date(2026, 5, 31),
    )
    with at(2026, 11, 20, 10, 0):
        client.force_login(world.users["parent"])
        assert client.post(_ack_url(world.student, old)).status_code == 404
        assert (
            client.post(reverse("diary:acknowledge", args=[world.student.pk, 999999])).status_code
            == 404
        )
    assert not TermAcknowledgement.objects.exists()


# --- a fixed number of queries -----------------------------------------------------------------


def _count(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("home")).status_code == 200
    return len(ctx.captured_queries)


def test_the_family_home_page_costs_the_same_for_one_child_or_several_with_many_marks(
    client, world, django_assert_num_queries
):
    q1 = _q1(world)
    client.force_login(world.users["parent"])
    with at(2026, 11, 20, 10, 0):
        _mark(world, MONDAY, "5")
        _term_mark(world, q1)
        _homework(world, TUESDAY, "Упражнение 125")
        one = _count(client)
        # Two more children in 5А and 6Б, a group, marks in every column of the week.
        guardian = world.guardian
        for n, school_class in enumerate((world.class_5a, world.class_6b)):
            child = StudentFactory(school=world.school, last_name=f"Брат{n}")
            enroll(child, school_class)
            m.StudentGuardian.objects.create(
                school=world.school, student=child, guardian=guardian, relation="mother"
            )
            if school_class == world.class_5a:
                _term_mark(world, q1, student=child)
        children = list(m.StudentGuardian.objects.filter(guardian=guardian))
        assert len(children) == 3
        for link in children:
            if link.student.enrollments.filter(school_class=world.class_5a).exists():
                for code in ("У", "СР", "Д", "Т"):
                    _mark(world, MONDAY, "4", code, student=link.student)
                    _mark(world, TUESDAY, "3", code, student=link.student)
        several = _count(client)
        html = client.get(reverse("home")).content.decode()
    assert several == one
    # session, user, memberships, the family's students, their lists, classes, lessons, the
    # homework due, the marks, the terms, the term marks entered, the acknowledgements, and
    # the unread messages.
    assert one == 13
    assert html.count('class="child"') == 3
    assert html.count("/acknowledge/") == 2
    with at(2026, 11, 20, 10, 0), django_assert_num_queries(one):
        client.get(reverse("home"))
