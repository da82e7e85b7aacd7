"""The electronic diary (issue 5): a student's week, marks, attendance and homework for the
parent and the student; another family's child is not found (page and API); the term marks'
acknowledgement and the class teacher's list; a fixed number of SQL queries."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from zhurnal.accounts.models import ApiToken, Role
from zhurnal.audit.actor import Actor
from zhurnal.audit.models import AuditEvent
from zhurnal.diary import queries
from zhurnal.diary.models import TermAcknowledgement
from zhurnal.journal import services as journal
from zhurnal.journal.defaults import ensure_work_types
from zhurnal.journal.models import GradeColumn, HomeworkAttachment, WorkType
from zhurnal.school import models as m
from zhurnal.timetable.models import Lesson
from zhurnal.timetable.services import cancel_lesson, substitute

from .factories import GuardianFactory, StudentFactory, UserFactory, enroll, grant
from .personas import PERSONAS, build_world

pytestmark = pytest.mark.usefixtures("english")

MSK = ZoneInfo("Europe/Moscow")
MONDAY = date(2026, 11, 16)  # the world's "now" is Friday 20.11.2026
PAGES = ("diary:week", "diary:marks", "diary:attendance", "diary:homework")


def at(*args) -> time_machine.travel:
    return time_machine.travel(datetime(*args, tzinfo=MSK), tick=False)


@pytest.fixture
def world(db):
    with at(2026, 11, 20, 10, 0):
        world = build_world()
        ensure_work_types(world.school)
        yield world


def _lesson(world, day: date) -> Lesson:
    return Lesson.objects.get(course=world.class_course, date=day)


def _work_type(world, code: str) -> WorkType:
    return WorkType.objects.get(school=world.school, code=code)


def _mark(world, lesson, value, code="КР", student=None):
    column = GradeColumn.objects.filter(lesson=lesson, work_type__code=code).first()
    if column is None:
        column = journal.add_column(
            lesson=lesson, work_type=_work_type(world, code), actor=Actor.system()
        )
    return journal.set_mark(
        column=column,
        student=student or world.student,
        value=value,
        version=0,
        actor=Actor(world.users["class_teacher"]),
    )


def _fill_week(world):
    """Monday 16.11: Русский (КР 5, homework, praise), Tuesday 17.11: Русский absent (Н) under
    an illness in the register (shown Б) and substituted; Monday 23.11 cancelled."""
    actor = Actor(world.users["class_teacher"])
    monday = _lesson(world, MONDAY)
    monday.topic = "Имя существительное"
    monday.save()
    _mark(world, monday, "5", "КР")
    _mark(world, monday, "4", "У")
    journal.set_homework(
        lesson=monday,
        text="Упр. 12",
        links=["https://example.org/task"],
        minutes=40,
        version=0,
        actor=actor,
    )
    journal.add_note(
        lesson=monday, student=world.student, kind="praise", text="Молодец", actor=actor
    )
    tuesday = _lesson(world, MONDAY + timedelta(days=1))
    journal.set_attendance(lesson=tuesday, student=world.student, code="Н", version=0, actor=actor)
    journal.record_absence(
        student=world.student, start=tuesday.date, end=tuesday.date, reason="Б", actor=actor
    )
    substitute(lesson=tuesday, teacher=world.teacher_staff, reason="болезнь", actor=Actor.system())
    return monday, tuesday


# --- access ------------------------------------------------------------------------------------


def _expected(persona: str) -> int:
    """world.student (5А) is the parent's child; the class teacher leads 5А."""
    if persona in {"parent", "class_teacher", "admin", "director", "deputy"}:
        return 200
    if persona in {"student", "outsider"}:  # another family's child / another school
        return 404
    return 403


@pytest.mark.parametrize("name", PAGES)
def test_every_diary_page_for_every_role(client, world, name):
    url = reverse(name, kwargs={"student_id": world.student.pk})
    results = {}
    with at(2026, 11, 20, 10, 0):
        for persona in PERSONAS:
            client.force_login(world.users[persona])
            results[persona] = client.get(url).status_code
    assert results == {p: _expected(p) for p in PERSONAS}


@pytest.mark.parametrize("name", PAGES)
def test_the_student_reads_their_own_diary_but_the_parent_not_another_familys(client, world, name):
    url = reverse(name, kwargs={"student_id": world.older_student.pk})
    with at(2026, 11, 20, 10, 0):
        client.force_login(world.users["student"])
        assert client.get(url).status_code == 200
        client.force_login(world.users["parent"])
        assert client.get(url).status_code == 404


def test_a_student_below_the_schools_age_cannot_read_even_their_own_diary(client, world):
    young_user = UserFactory(username="young")
    world.student.user = young_user
    world.student.save()
    grant(young_user, world.school, Role.STUDENT)
    with at(2026, 11, 20, 10, 0):
        assert not young_user.has_perm("diary.view", world.student)
        # The login itself is refused below the age (accounts/backends.py): no diary page.
        client.force_login(young_user)
        url = reverse("diary:week", kwargs={"student_id": world.student.pk})
        response = client.get(url)
    # The session's user is refused too (the backend's get_user): anonymous, sent to log in.
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={url}"
    # With another role the login works, and the diary rule itself hides the page: a family
    # member without the right gets a 404 (diary_student), not the diary.
    grant(young_user, world.school, Role.PARENT)
    with at(2026, 11, 20, 10, 0):
        client.force_login(young_user)
        assert client.get(url).status_code == 404


def test_the_index_sends_a_student_to_their_diary_and_lists_a_parents_children(client, world):
    second = StudentFactory(school=world.school, first_name="Пётр", birth_date=date(2012, 1, 1))
    enroll(second, world.class_6b)
    m.StudentGuardian.objects.create(
        school=world.school, student=second, guardian=world.guardian, relation="mother"
    )
    with at(2026, 11, 20, 10, 0):
        client.force_login(world.users["student"])
        response = client.get(reverse("diary:index"))
        assert response.status_code == 302
        # Opened at today's day (issue 5: on a phone the days are stacked).
        week = reverse("diary:week", args=[world.older_student.pk])
        assert response["Location"] == f"{week}#today"
        client.force_login(world.users["parent"])
        response = client.get(reverse("diary:index"))
        assert response.status_code == 200
        html = response.content.decode()
        assert f'href="{reverse("diary:week", args=[world.student.pk])}#today"' in html
        assert f'href="{reverse("diary:week", args=[second.pk])}#today"' in html
        # The switcher between the children on every diary page.
        page = client.get(reverse("diary:marks", args=[world.student.pk])).content.decode()
        assert reverse("diary:marks", args=[second.pk]) in page
        for persona in ("teacher", "admin", "nobody"):
            client.force_login(world.users[persona])
            assert client.get(reverse("diary:index")).status_code == 403


def test_a_child_in_another_school_is_listed_with_the_school_switch(client, world):
    other_guardian = GuardianFactory(school=world.other_school, user=world.users["parent"])
    child = StudentFactory(school=world.other_school, first_name="Ольга")
    m.StudentGuardian.objects.create(
        school=world.other_school, student=child, guardian=other_guardian, relation="mother"
    )
    grant(world.users["parent"], world.other_school, Role.PARENT)
    client.force_login(world.users["parent"])
    with at(2026, 11, 20, 10, 0):
        html = client.get(reverse("diary:index")).content.decode()
        assert "Ольга" in html and reverse("diary:week", args=[child.pk]) in html
        # In the current school the other school's child is not found until switched.
        assert client.get(reverse("diary:week", args=[child.pk])).status_code == 404
        client.post(
            reverse("accounts:switch_school"), {"school": world.other_school.pk, "next": "/"}
        )
        assert client.get(reverse("diary:week", args=[child.pk])).status_code == 200


def test_the_home_page_links_each_child_to_the_diary(client, world):
    client.force_login(world.users["parent"])
    with at(2026, 11, 20, 10, 0):
        html = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("diary:week", args=[world.student.pk])}#today"' in html


# --- the week ----------------------------------------------------------------------------------


def test_the_week_shows_lessons_topic_homework_marks_attendance_notes(client, world):
    with at(2026, 11, 20, 10, 0):
        monday, _tuesday = _fill_week(world)
        diary = queries.week(world.student, MONDAY, today=date(2026, 11, 20))
    assert [d.day for d in diary.days] == [MONDAY + timedelta(days=n) for n in range(6)]
    assert diary.days[4].is_today
    first = diary.days[0].lessons[0]
    assert first.lesson == monday and first.subject == "Русский язык"
    assert first.lesson.topic == "Имя существительное"
    assert first.homework.text == "Упр. 12" and first.homework.minutes == 40
    assert first.homework.links == ["https://example.org/task"]
    assert [(x.value, x.work_type_code, x.weight) for x in first.marks] == [
        ("5", "КР", Decimal("2.00")),
        ("4", "У", Decimal("1.00")),
    ]
    assert [(n.kind, n.text) for n in first.notes] == [("praise", "Молодец")]
    assert first.attendance == ""
    second = diary.days[1].lessons[0]
    assert second.attendance == "Б"  # the teacher's Н under the register's illness
    assert second.substituted and second.lesson.teacher == world.teacher_staff
    # Only the courses of the student's class: 6Б's mathematics is not in 5А's diary.
    assert all(i.lesson.course == world.class_course for d in diary.days for i in d.lessons)


def test_the_week_page_marks_cancelled_and_substituted_lessons_and_today(client, world):
    with at(2026, 11, 20, 10, 0):
        _fill_week(world)
        cancel_lesson(
            lesson=_lesson(world, date(2026, 11, 23)), reason="карантин", actor=Actor.system()
        )
        client.force_login(world.users["parent"])
        url = reverse("diary:week", args=[world.student.pk])
        html = client.get(url).content.decode()
        assert 'id="today"' in html and "Имя существительное" in html
        # The week tab leads to this week at today's day (the fragment scrolls a phone there).
        assert f'href="{url}#today" aria-current="page"' in html
        assert "Substitution: " in html and "Упр. 12" in html and "Молодец" in html
        assert "КР" in html
        next_week = client.get(url, {"week": "2026-11-23"}).content.decode()
    assert "cancelled" in next_week and "карантин" in next_week
    assert 'id="today"' not in next_week
    # Another week: the "Today" button opens this week at today's day.
    assert f'href="{url}#today">Today</a>' in next_week
    assert "?week=2026-11-16" in next_week  # previous week


def test_the_week_escapes_what_teachers_typed(client, world):
    with at(2026, 11, 20, 10, 0):
        monday, _tuesday = _fill_week(world)
        monday.topic = '<script>alert("x")</script>'
        monday.save()
        client.force_login(world.users["parent"])
        url = reverse("diary:week", args=[world.student.pk])
        html = client.get(url).content.decode()
    assert '<script>alert("x")</script>' not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert 'href="https://example.org/task" rel="noopener noreferrer"' in html
    assert '<span class="label">Topic:</span>' in html and "(~40 min)" in html
    assert 'title="Контрольная работа, weight 2"' in html


def test_the_week_follows_dated_class_and_group_membership(world):
    """A student who joins a group on Tuesday sees its lessons from Tuesday on."""
    group_course = m.Course.objects.create(
        school=world.school, year=world.year, subject=world.class_course.subject, group=world.group
    )
    for day, number in ((MONDAY, 6), (MONDAY + timedelta(days=2), 6)):
        Lesson.objects.create(
            school=world.school,
            course=group_course,
            date=day,
            number=number,
            teacher=world.class_teacher_staff,
            origin="extra",
        )
    m.GroupMembership.objects.create(
        school=world.school, group=world.group, student=world.student, start=MONDAY + timedelta(1)
    )
    diary = queries.week(world.student, MONDAY)
    group_days = [d.day for d in diary.days for i in d.lessons if i.lesson.course == group_course]
    assert group_days == [MONDAY + timedelta(days=2)]


def _measure(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_week_costs_a_fixed_number_of_queries(client, world):
    client.force_login(world.users["parent"])
    url = reverse("diary:week", args=[world.student.pk])
    with at(2026, 11, 20, 10, 0):
        small = _measure(client, url)
        _fill_week(world)
        # More lessons, marks, homework with attachments and notes the same week.
        for day in (MONDAY, MONDAY + timedelta(days=3), MONDAY + timedelta(days=4)):
            lesson = Lesson.objects.create(
                school=world.school,
                course=world.class_course,
                date=day,
                number=5,
                teacher=world.class_teacher_staff,
                origin="extra",
            )
            _mark(world, lesson, "3", "СР")
            homework = journal.set_homework(
                lesson=lesson, text="§ 3", version=0, actor=Actor(world.users["class_teacher"])
            )
            HomeworkAttachment.objects.create(
                school=world.school,
                homework=homework,
                name="a.pdf",
                size=3,
                file=SimpleUploadedFile("a.pdf", b"pdf"),
            )
        big = _measure(client, url)
    assert big == small
    # session, user, memberships, the parent's children, the student, the week (3), and the
    # header's unread-messages count.
    assert big <= 10
    html = client.get(url).content.decode()
    assert "a.pdf" in html


# --- marks, attendance, homework ---------------------------------------------------------------


def test_the_marks_page_shows_weighted_average_forecast_and_period_marks(client, world):
    with at(2026, 11, 20, 10, 0):
        _fill_week(world)  # КР (weight 2) 5, У (weight 1) 4
        journal.set_period_mark(
            course=world.class_course,
            student=world.student,
            kind="term",
            term=world.term,
            value="5",
            version=0,
            actor=Actor(world.users["class_teacher"]),
        )
        subjects = queries.term_marks(world.student, world.term)
        client.force_login(world.users["parent"])
        html = client.get(reverse("diary:marks", args=[world.student.pk])).content.decode()
    (russian,) = subjects
    assert russian.average == Decimal("4.67") and russian.forecast == "5"
    assert [(x.date, x.value, x.work_type_code) for x in russian.marks] == [
        (MONDAY, "5", "КР"),
        (MONDAY, "4", "У"),
    ]
    assert russian.term_mark.value == "5"
    assert "Weighted average: <strong>4.67</strong>" in html
    assert "forecast: <strong>5</strong>" in html
    assert "term mark: <strong>5</strong>" in html


def test_the_marks_page_shows_year_exam_and_final_marks(client, world):
    actor = Actor(world.users["class_teacher"])
    with at(2026, 11, 20, 10, 0):
        _fill_week(world)
        for kind, term, value in (
            ("term", world.term, "5"),
            ("year", None, "4"),
            ("exam", None, "5"),
            ("final", None, "4"),
        ):
            journal.set_period_mark(
                course=world.class_course,
                student=world.student,
                kind=kind,
                term=term,
                value=value,
                version=0,
                actor=actor,
            )
        client.force_login(world.users["parent"])
        html = client.get(reverse("diary:marks", args=[world.student.pk])).content.decode()
        # The year's marks are shown with every term of the year (they have no term).
        first = m.Term.objects.get(school=world.school, number=1)
        first_html = client.get(
            reverse("diary:marks", args=[world.student.pk]), {"term": first.pk}
        ).content.decode()
    expected = (
        "term mark: <strong>5</strong> · year mark: <strong>4</strong> · "
        "exam mark: <strong>5</strong> · final mark: <strong>4</strong>"
    )
    assert expected in html
    assert "year mark: <strong>4</strong>" in first_html
    assert "term mark:" not in first_html


def test_the_attendance_summary_counts_missed_lessons_by_reason(world):
    with at(2026, 11, 20, 10, 0):
        _fill_week(world)
        journal.set_attendance(
            lesson=_lesson(world, date(2026, 11, 9)),
            student=world.student,
            code="Н",
            version=0,
            actor=Actor(world.users["class_teacher"]),
        )
        journal.set_attendance(
            lesson=_lesson(world, date(2026, 11, 10)),
            student=world.student,
            code="ОП",
            version=0,
            actor=Actor(world.users["class_teacher"]),
        )
        summary = queries.attendance_summary(world.student, world.term, until=date(2026, 11, 20))
    (row,) = summary.rows
    assert row.subject == "Русский язык"
    assert row.counts == {"Б": 1, "Н": 1, "ОП": 1}
    assert row.missed == 2 and summary.total.missed == 2


def test_homework_ahead_sums_minutes_per_day_and_flags_the_limit(client, world):
    actor = Actor(world.users["class_teacher"])
    with at(2026, 11, 20, 10, 0):
        # Set on Tuesday 17.11, due at the next lesson: Monday 23.11 (5А, grade 5: 120 min).
        journal.set_homework(
            lesson=_lesson(world, date(2026, 11, 17)),
            text="Сочинение",
            minutes=150,
            version=0,
            actor=actor,
        )
        days = queries.homework_ahead(world.student, date(2026, 11, 20), days=7)
        client.force_login(world.users["parent"])
        html = client.get(reverse("diary:homework", args=[world.student.pk])).content.decode()
    (day,) = days
    assert day.day == date(2026, 11, 23) and day.minutes == 150
    assert day.limit == 120 and day.over_limit
    assert "Сочинение" in html and "СанПиН" in html


@pytest.mark.parametrize(
    ("grade", "limit"),
    [(1, 0), (2, 90), (3, 90), (4, 120), (5, 120), (8, 150), (9, 210), (11, 210)],
)
def test_homework_limits_by_grade(grade, limit):
    assert queries.homework_limit(grade) == limit


def _monday_attachment(world) -> HomeworkAttachment:
    """A file with the homework of Monday's lesson of 5А (the parent's child's class)."""
    homework = journal.set_homework(
        lesson=_lesson(world, MONDAY),
        text="§ 1",
        version=0,
        actor=Actor(world.users["class_teacher"]),
    )
    return HomeworkAttachment.objects.create(
        school=world.school,
        homework=homework,
        name="task.pdf",
        size=3,
        file=SimpleUploadedFile("task.pdf", b"pdf"),
    )


def test_an_attachment_is_downloaded_only_through_the_childs_diary(client, world):
    with at(2026, 11, 20, 10, 0):
        item = _monday_attachment(world)
        client.force_login(world.users["parent"])
        own = reverse("diary:attachment", args=[world.student.pk, item.pk])
        assert client.get(own).status_code == 200
        client.force_login(world.users["student"])  # 6Б: not their lesson, not their child
        assert client.get(own).status_code == 404
        mine = reverse("diary:attachment", args=[world.older_student.pk, item.pk])
        assert client.get(mine).status_code == 404


def test_the_api_downloads_an_attachment_only_through_the_childs_diary(client, world):
    with at(2026, 11, 20, 10, 0):
        item = _monday_attachment(world)
        school = world.school.pk
        week = _api(
            client, world.users["parent"], f"/schools/{school}/students/{world.student.pk}/diary"
        )
        listed = [
            a
            for day in week.json()["days"]
            for lesson in day["lessons"]
            if lesson["homework"]
            for a in lesson["homework"]["attachments"]
        ]
        download = (
            f"/api/v1/schools/{school}/students/{world.student.pk}/homework-attachments/{item.pk}"
        )
        assert [(a["name"], a["download"]) for a in listed] == [("task.pdf", download)]
        own = _api(client, world.users["parent"], download.removeprefix("/api/v1"))
        assert own.status_code == 200 and b"".join(own.streaming_content) == b"pdf"
        # Another family's child (404, not told), and the student's own path to a lesson
        # that is not theirs (404).
        assert (
            _api(client, world.users["student"], download.removeprefix("/api/v1")).status_code
            == 404
        )
        mine = f"/schools/{school}/students/{world.older_student.pk}/homework-attachments/{item.pk}"
        assert _api(client, world.users["student"], mine).status_code == 404


# --- acknowledgement of term marks -------------------------------------------------------------


def test_a_parent_acknowledges_the_term_marks_and_the_class_teacher_sees_it(client, world):
    url = reverse("diary:marks", args=[world.student.pk])
    client.force_login(world.users["parent"])
    with at(2026, 11, 20, 10, 0):
        # During the term, before its marks are in: no button, a POST changes nothing.
        html = client.get(url).content.decode()
        assert 'value="acknowledge"' not in html
        client.post(url, {"action": "acknowledge"})
        assert not TermAcknowledgement.objects.exists()
    with at(2026, 12, 29, 18, 0):
        client.force_login(world.users["parent"])
        html = client.get(url, {"term": world.term.pk}).content.decode()
        assert 'value="acknowledge"' in html
        response = client.post(f"{url}?term={world.term.pk}", {"action": "acknowledge"})
        assert response.status_code == 302
        client.post(f"{url}?term={world.term.pk}", {"action": "acknowledge"})  # twice: once
        ack = TermAcknowledgement.objects.get()
        assert (ack.student, ack.term) == (world.student, world.term)
        assert ack.user == world.users["parent"]
        assert AuditEvent.objects.filter(object_type="diary.termacknowledgement").count() == 1
        assert "Acknowledged" in client.get(url, {"term": world.term.pk}).content.decode()
        board = reverse("diary:acknowledgements", args=[world.class_5a.pk])
        client.force_login(world.users["class_teacher"])
        page = client.get(board, {"term": world.term.pk})
        assert page.status_code == 200
        assert page.context["done"] == 1
        (row,) = page.context["rows"]
        assert row.student == world.student and row.acknowledged
        # Staff cannot acknowledge for the parent.
        assert client.post(f"{url}?term={world.term.pk}").status_code == 403


def test_the_button_comes_with_the_term_marks_before_the_term_ends(client, world):
    with at(2026, 11, 20, 10, 0):
        _fill_week(world)
        journal.set_period_mark(
            course=world.class_course,
            student=world.student,
            kind="term",
            term=world.term,
            value="5",
            version=0,
            actor=Actor(world.users["class_teacher"]),
        )
        client.force_login(world.users["parent"])
        html = client.get(reverse("diary:marks", args=[world.student.pk])).content.decode()
    assert 'value="acknowledge"' in html


def test_the_class_teacher_sees_who_has_not_acknowledged(client, world):
    other = StudentFactory(school=world.school, last_name="Безответова")
    enroll(other, world.class_5a)
    with at(2026, 12, 29, 18, 0):
        client.force_login(world.users["class_teacher"])
        page = client.get(reverse("diary:acknowledgements", args=[world.class_5a.pk]))
    assert page.context["done"] == 0
    assert {r.student.pk: r.acknowledged for r in page.context["rows"]} == {
        world.student.pk: False,
        other.pk: False,
    }
    assert "not acknowledged" in page.content.decode()


def test_the_class_teacher_finds_the_acknowledgements_from_home_and_the_class_page(client, world):
    """The class teacher (5А) has a link per class led, on the home page and on the class's
    page; a teacher who does not lead the class (6Б's mathematics) has none."""
    board = reverse("diary:acknowledgements", args=[world.class_5a.pk])
    with at(2026, 12, 29, 18, 0):
        client.force_login(world.users["class_teacher"])
        assert f'href="{board}"' in client.get(reverse("home")).content.decode()
        page = client.get(reverse("school:class_detail", args=[world.class_5a.pk]))
        assert f'href="{board}"' in page.content.decode()
        assert client.get(board).status_code == 200
        client.force_login(world.users["teacher"])
        assert "/acknowledgements/" not in client.get(reverse("home")).content.decode()
        page = client.get(reverse("school:class_detail", args=[world.class_6b.pk]))
        assert page.status_code == 200
        assert "/acknowledgements/" not in page.content.decode()
        # The administration reads the list too, so its class page links to it; the secretary
        # sees the class but not the list.
        client.force_login(world.users["deputy"])
        page = client.get(reverse("school:class_detail", args=[world.class_5a.pk]))
        assert f'href="{board}"' in page.content.decode()
        client.force_login(world.users["secretary"])
        page = client.get(reverse("school:class_detail", args=[world.class_5a.pk]))
        assert page.status_code == 200 and "/acknowledgements/" not in page.content.decode()


def test_the_class_page_asks_no_query_for_the_acknowledgements_link(client, world):
    """The permission comes from the request's cached context: the class teacher's class page
    costs the same queries with the link as the secretary's without it (but for the one query
    of the progress report's "last informed" line, which only the class teacher sees)."""
    url = reverse("school:class_detail", args=[world.class_5a.pk])
    counts = {}
    report_queries = {}
    with at(2026, 12, 29, 18, 0):
        for persona in ("class_teacher", "secretary"):
            client.force_login(world.users[persona])
            client.get(url)
            with CaptureQueriesContext(connection) as queries_run:
                html = client.get(url).content.decode()
            report_queries[persona] = sum(
                "diary_progressreportissue" in q["sql"] for q in queries_run.captured_queries
            )
            counts[persona] = len(queries_run) - report_queries[persona]
            assert ("/acknowledgements/" in html) == (persona == "class_teacher")
    assert counts["class_teacher"] == counts["secretary"], counts
    assert report_queries == {"class_teacher": 1, "secretary": 0}


# --- the API -----------------------------------------------------------------------------------

API_PATHS = ("diary", "marks", "attendance", "homework")


def _api(client, user, path):
    raw = ApiToken.issue(user, "t")[1]
    return client.get(f"/api/v1{path}", HTTP_AUTHORIZATION=f"Bearer {raw}")


@pytest.mark.parametrize("tail", API_PATHS)
def test_the_api_gives_the_parent_their_child_and_hides_another_familys(client, world, tail):
    base = f"/schools/{world.school.pk}/students/{{}}/{tail}"
    cases = [
        ("parent", world.student, 200),
        ("parent", world.older_student, 404),
        ("student", world.student, 404),
        ("teacher", world.student, 403),
        ("class_teacher", world.student, 200),
    ]
    with at(2026, 11, 20, 10, 0):
        for persona, student, status in cases:
            response = _api(client, world.users[persona], base.format(student.pk))
            assert response.status_code == status, persona


def test_the_api_week_carries_marks_attendance_and_homework(client, world):
    with at(2026, 11, 20, 10, 0):
        _fill_week(world)
        response = _api(
            client,
            world.users["parent"],
            f"/schools/{world.school.pk}/students/{world.student.pk}/diary?week=2026-11-16",
        )
    data = response.json()
    assert data["monday"] == "2026-11-16"
    first = data["days"][0]["lessons"][0]
    assert first["subject"] == "Русский язык" and first["topic"] == "Имя существительное"
    assert first["homework"]["text"] == "Упр. 12"
    assert [(x["value"], x["work_type_code"]) for x in first["marks"]] == [("5", "КР"), ("4", "У")]
    second = data["days"][1]["lessons"][0]
    assert second["attendance"] == "Б" and second["substitute_for"]


def test_the_marks_of_a_term_are_escaped_and_localised_as_the_template_did(settings):
    """``rendering.subjects_html`` builds the marks page's subjects in Python (issue 14): every
    text escaped, the average in the user's number format, a dash without marks."""
    from django.utils import translation

    from zhurnal.diary.queries import SubjectMarks, TermMark
    from zhurnal.diary.rendering import subjects_html

    course = m.Course(subject=m.Subject(name="<i>Химия</i>"))
    mark = TermMark(
        date=date(2026, 11, 16),
        value="5",
        work_type_code="КР",
        work_type_name="Контрольная",
        weight=Decimal("2.00"),
        comment='"<script>"',
    )
    subjects = [
        SubjectMarks(course=course, scale="five", marks=[mark], average=Decimal("4.67")),
        SubjectMarks(course=course, scale="five"),
    ]
    with translation.override("ru"):
        html = str(subjects_html(subjects))
        empty = str(subjects_html([]))
    assert "<i>" not in html and "&lt;i&gt;Химия&lt;/i&gt;" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'title="Контрольная, вес 2: &quot;&lt;script&gt;&quot;"' in html
    assert '<small class="muted">16.11</small>' in html
    assert "<strong>4,67</strong>" in html and "<strong>—</strong>" in html
    assert "Отметок пока нет." in html
    assert empty.startswith('<p class="muted">')
