"""The journal pages (issue 4): a course's grid for a term, one lesson's sheet, and the JSON
endpoint every cell saves through — who may read and write, the rules' refusals as clear
messages, no lost update, the reason asked after the grace window, forged ids, and a fixed
number of queries for the grid whatever its size."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import caches
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from zhurnal.accounts.models import Role
from zhurnal.audit.actor import Actor
from zhurnal.audit.models import AuditAction, AuditEvent
from zhurnal.journal.defaults import ensure_work_types
from zhurnal.journal.models import (
    Absence,
    Attendance,
    GradeColumn,
    Homework,
    Mark,
    PeriodMark,
    StudentNote,
    WorkType,
)
from zhurnal.timetable.models import Lesson
from zhurnal.timetable.services import cancel_lesson, substitute

from .factories import StaffFactory, StudentFactory, UserFactory, enroll, grant
from .personas import build_world

MSK = ZoneInfo("Europe/Moscow")


def at(*args) -> time_machine.travel:
    return time_machine.travel(datetime(*args, tzinfo=MSK), tick=False)


@pytest.fixture
def world(db):
    with at(2026, 11, 20, 10, 0):
        world = build_world()
        ensure_work_types(world.school)
        yield world


def _editable(html: str) -> bool:
    """Some cell of the HTML is editable (class ``e``, see journal/rendering.py)."""
    return bool(re.search(r'class="c [amp] e[ "]', html))


def _login(client, world, persona):
    client.force_login(world.users[persona])
    return client


def _grid_url(world):
    return reverse("journal:course", kwargs={"course_id": world.course.pk})


def _save(client, **data):
    data.setdefault("version", 0)
    response = client.post(
        reverse("journal:cell"), data=json.dumps(data), content_type="application/json"
    )
    return response.status_code, response.json()


def _mark(client, world, value, *, column=None, lesson=None, version=0, **extra):
    return _save(
        client,
        kind="mark",
        lesson=(lesson or world.lesson).pk,
        column=column,
        student=world.older_student.pk,
        value=value,
        version=version,
        term=world.term.pk,
        **extra,
    )


# --- the grid -------------------------------------------------------------------------------


def test_the_teacher_sees_the_grid_with_editable_past_lessons_only(client, world):
    _login(client, world, "teacher")
    with at(2026, 11, 20, 10, 0):
        response = client.get(_grid_url(world))
    assert response.status_code == 200
    html = response.content.decode()
    assert world.older_student.last_name in html
    past = f'data-l="{world.lesson.pk}"'
    assert past in html
    future = Lesson.objects.filter(course=world.course, date__gt=date(2026, 11, 20)).first()
    cells = [c for c in html.split("<td ") if f'data-l="{future.pk}"' in c]
    assert cells and all(not _editable(c) for c in cells)
    own = [c for c in html.split("<td ") if past in c]
    assert own and all(_editable(c) for c in own)


def test_the_deputy_reads_every_journal_but_writes_nothing(client, world):
    _login(client, world, "deputy")
    with at(2026, 11, 20, 10, 0):
        html = client.get(_grid_url(world)).content.decode()
        assert not _editable(html)
        status, answer = _mark(client, world, "5")
    assert status == 403 and answer["code"] == "forbidden"
    assert not Mark.objects.exists()


@pytest.mark.parametrize("persona", ["parent", "student", "secretary", "hr", "class_teacher"])
def test_who_may_not_open_a_course_journal(client, world, persona):
    """The class teacher here leads 5А; the course is 6Б's. Parents and students never reach
    a journal (DESIGN §4)."""
    _login(client, world, persona)
    assert client.get(_grid_url(world)).status_code == 403


def test_a_course_of_another_school_is_not_found(client, world):
    _login(client, world, "outsider")
    assert client.get(_grid_url(world)).status_code == 404


def test_the_term_is_chosen_and_a_forged_term_falls_back_to_the_current_one(client, world):
    _login(client, world, "teacher")
    with at(2026, 11, 20, 10, 0):
        ok = client.get(_grid_url(world), {"term": world.term.pk})
        forged = client.get(_grid_url(world), {"term": "999999"})
        junk = client.get(_grid_url(world), {"term": "<x>"})
    assert ok.status_code == forged.status_code == junk.status_code == 200
    assert forged.context["term"] == world.term


def test_the_grid_takes_a_fixed_number_of_queries(client, world):
    _login(client, world, "teacher")

    def count() -> int:
        caches["journal"].clear()  # the grid built, not taken from the cache
        with at(2026, 11, 20, 10, 0), CaptureQueriesContext(connection) as queries:
            assert client.get(_grid_url(world)).status_code == 200
        return len(queries)

    client.get(_grid_url(world))  # the session's first touch is not the page's cost
    small = count()
    with at(2026, 11, 20, 10, 0):
        for _n in range(10):
            student = StudentFactory(school=world.school)
            enroll(student, world.course.school_class)
        work_type = WorkType.objects.filter(school=world.school).first()
        for lesson in Lesson.objects.filter(course=world.course, date__lte=date(2026, 11, 20)):
            GradeColumn.objects.create(
                school=world.school, lesson=lesson, work_type=work_type, weight=1
            )
    assert count() == small
    print("journal page queries:", small)
    assert small <= 13


# --- saving a cell --------------------------------------------------------------------------


def test_a_mark_typed_into_a_lesson_without_columns_makes_its_column(client, world):
    _login(client, world, "teacher")
    with at(2026, 11, 20, 10, 0):
        status, answer = _mark(client, world, "5")
        assert status == 200, answer
        assert (answer["value"], answer["version"], answer["work_type"]) == ("5", 1, "У")
        assert answer["average"] == "5.00" and answer["forecast"] == "5"
        column = GradeColumn.objects.get(lesson=world.lesson)
        assert answer["column"] == column.pk
        # A second student in the same empty column (the page has not learned the id yet)
        # lands in the same column, not in a new one.
        other = StudentFactory(school=world.school)
        enroll(other, world.course.school_class)
        status, answer = _save(
            client,
            kind="mark",
            lesson=world.lesson.pk,
            student=other.pk,
            value="4",
            term=world.term.pk,
        )
    assert status == 200 and answer["column"] == column.pk
    assert GradeColumn.objects.filter(lesson=world.lesson).count() == 1


def test_a_value_outside_the_scale_is_refused_in_russian(client, world):
    _login(client, world, "teacher")
    with at(2026, 11, 20, 10, 0):
        status, answer = _mark(client, world, "7")
    assert status == 422 and answer["code"] == "out_of_scale"
    assert "шкал" in answer["message"]
    assert not Mark.objects.exists()


def test_no_lost_update_the_second_save_sees_the_current_value(client, world):
    _login(client, world, "teacher")
    with at(2026, 11, 20, 10, 0):
        _status, first = _mark(client, world, "4")
        column = first["column"]
        # Two tabs opened the page when the cell was at version 1.
        assert _mark(client, world, "5", column=column, version=1)[0] == 200
        status, answer = _mark(client, world, "3", column=column, version=1)
    assert status == 409 and answer["code"] == "stale"
    assert answer["current"] == {"value": "5", "version": 2}
    assert Mark.objects.get().value == "5"


def test_a_correction_on_a_later_day_asks_for_the_reason_and_audits_it(client, world):
    _login(client, world, "teacher")
    with at(2026, 11, 20, 10, 0):
        _status, first = _mark(client, world, "3")
    with at(2026, 11, 23, 9, 0):
        _login(client, world, "teacher")  # a new day, a new session
        status, answer = _mark(client, world, "4", column=first["column"], version=1)
        assert status == 422 and answer["code"] == "reason_required"
        assert Mark.objects.get().value == "3"
        status, answer = _mark(
            client, world, "4", column=first["column"], version=1, reason="Пересдача"
        )
    assert status == 200 and answer["value"] == "4"
    event = AuditEvent.objects.filter(action=AuditAction.MARK_SET).latest("pk")
    assert (event.before["value"], event.after["value"], event.reason) == ("3", "4", "Пересдача")


def test_a_double_submit_changes_nothing(client, world):
    _login(client, world, "teacher")
    with at(2026, 11, 20, 10, 0):
        _status, first = _mark(client, world, "5")
        status, again = _mark(client, world, "5", column=first["column"], version=0)
    assert status == 200 and again["version"] == 1
    assert AuditEvent.objects.filter(action=AuditAction.MARK_SET).count() == 1


def test_attendance_shows_the_documented_reason_of_the_absence_register(client, world):
    _login(client, world, "teacher")
    with at(2026, 11, 20, 10, 0):
        status, answer = _save(
            client,
            kind="attendance",
            lesson=world.lesson.pk,
            student=world.older_student.pk,
            value="н",
        )
        assert status == 200 and (answer["value"], answer["shown"]) == ("Н", "Н")
        Absence.objects.create(
            school=world.school,
            student=world.older_student,
            start=world.lesson.date,
            end=world.lesson.date,
            reason="Б",
            entered_by=world.users["class_teacher"],
            entered_at=datetime(2026, 11, 20, 10, 0, tzinfo=MSK),
        )
        status, answer = _save(
            client,
            kind="attendance",
            lesson=world.lesson.pk,
            student=world.older_student.pk,
            value="",
            version=1,
        )
        assert status == 200 and answer["shown"] == "Б"
        status, answer = _save(
            client,
            kind="attendance",
            lesson=world.lesson.pk,
            student=world.older_student.pk,
            value="X",
            version=0,
        )
    assert status == 422 and "Н, Б, У" in answer["message"]


def test_no_attendance_on_a_future_lesson(client, world):
    _login(client, world, "teacher")
    future = Lesson.objects.filter(course=world.course, date__gt=date(2026, 11, 20)).first()
    with at(2026, 11, 20, 10, 0):
        status, answer = _save(
            client,
            kind="attendance",
            lesson=future.pk,
            student=world.older_student.pk,
            value="Н",
        )
    assert status == 422 and answer["code"] == "future_lesson"
    assert not Attendance.objects.exists()


def test_the_term_mark_is_saved_only_by_the_teachers_action(client, world):
    _login(client, world, "teacher")
    with at(2026, 11, 20, 10, 0):
        _mark(client, world, "5")
        html = client.get(_grid_url(world)).content.decode()
        assert 'data-k="term"' in html and 'data-f="5"' in html
        assert not PeriodMark.objects.exists()  # the forecast is shown, not saved
        status, answer = _save(
            client,
            kind="period",
            course=world.course.pk,
            student=world.older_student.pk,
            period_kind="term",
            term=world.term.pk,
            value="5",
        )
    assert status == 200 and answer["value"] == "5"
    assert PeriodMark.objects.get().value == "5"


def test_the_deputy_may_not_enter_a_term_mark(client, world):
    _login(client, world, "deputy")
    with at(2026, 11, 20, 10, 0):
        status, _answer = _save(
            client,
            kind="period",
            course=world.course.pk,
            student=world.older_student.pk,
            period_kind="term",
            term=world.term.pk,
            value="5",
        )
    assert status == 403


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        json.dumps([1, 2]),
        json.dumps({"kind": "nonsense", "value": "5", "version": 0}),
        json.dumps({"kind": "mark", "value": 5, "version": 0}),
        json.dumps({"kind": "mark", "value": "5", "version": "x"}),
    ],
)
def test_malformed_requests_get_a_clear_answer(client, world, body):
    _login(client, world, "teacher")
    response = client.post(reverse("journal:cell"), data=body, content_type="application/json")
    assert response.status_code in (400, 422)
    assert response.json()["message"]


def test_forged_ids_are_not_found(client, world):
    _login(client, world, "teacher")
    stranger = StudentFactory(school=world.other_school)
    with at(2026, 11, 20, 10, 0):
        assert (
            _save(client, kind="mark", lesson=world.lesson.pk, student=stranger.pk, value="5")[0]
            == 404
        )
        assert (
            _save(client, kind="mark", column=987654, student=world.older_student.pk, value="5")[0]
            == 404
        )
        assert (
            _save(client, kind="attendance", lesson="x", student=world.older_student.pk, value="Н")[
                0
            ]
            == 404
        )


@pytest.mark.parametrize("persona", ["parent", "student", "outsider", "class_teacher"])
def test_who_may_not_write_a_cell(client, world, persona):
    _login(client, world, persona)
    with at(2026, 11, 20, 10, 0):
        status, _answer = _mark(client, world, "5")
    assert status in (403, 404)
    assert not Mark.objects.exists()


def test_a_cell_needs_a_login(client, world):
    response = client.post(reverse("journal:cell"), data="{}", content_type="application/json")
    assert response.status_code == 302


# --- one lesson -----------------------------------------------------------------------------


def _lesson_url(lesson):
    return reverse("journal:lesson", kwargs={"lesson_id": lesson.pk})


def test_the_substitute_keeps_that_lesson_and_nothing_else(client, world):
    substitute_user = UserFactory()
    staff = StaffFactory(school=world.school, user=substitute_user, last_name="Заменова")
    grant(substitute_user, world.school, Role.TEACHER)
    with at(2026, 11, 20, 10, 0):
        substitute(lesson=world.lesson, teacher=staff, reason="Болезнь", actor=Actor.system())
    client.force_login(substitute_user)
    with at(2026, 11, 20, 10, 0):
        page = client.get(_lesson_url(world.lesson))
        assert page.status_code == 200 and _editable(page.content.decode())
        status, _answer = _save(
            client,
            kind="attendance",
            lesson=world.lesson.pk,
            student=world.older_student.pk,
            value="Н",
        )
        assert status == 200
        other = Lesson.objects.filter(course=world.course).exclude(pk=world.lesson.pk).first()
        assert client.get(_lesson_url(other)).status_code == 403
        assert client.get(_grid_url(world)).status_code == 403
    # ...and the course's own teacher no longer writes that lesson.
    _login(client, world, "teacher")
    with at(2026, 11, 20, 10, 0):
        page = client.get(_lesson_url(world.lesson)).content.decode()
        assert not _editable(page)


def test_a_column_with_its_work_type_is_added_from_the_lesson(client, world):
    _login(client, world, "teacher")
    work_type = WorkType.objects.get(school=world.school, code="КР")
    with at(2026, 11, 20, 10, 0):
        response = client.post(
            reverse("journal:add_column", kwargs={"lesson_id": world.lesson.pk}),
            {"work_type": work_type.pk, "weight": "", "title": "Дроби", "next": _grid_url(world)},
        )
    assert response.status_code == 302 and response["Location"] == _grid_url(world)
    column = GradeColumn.objects.get(lesson=world.lesson)
    assert (column.work_type, column.weight, column.title) == (work_type, 2, "Дроби")


def test_a_foreign_next_address_is_ignored(client, world):
    _login(client, world, "teacher")
    work_type = WorkType.objects.get(school=world.school, code="У")
    with at(2026, 11, 20, 10, 0):
        response = client.post(
            reverse("journal:add_column", kwargs={"lesson_id": world.lesson.pk}),
            {"work_type": work_type.pk, "next": "https://evil.example/"},
        )
    assert response["Location"] == _lesson_url(world.lesson)


def test_homework_with_links_and_an_attachment(client, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    _login(client, world, "teacher")
    url = reverse("journal:homework", kwargs={"lesson_id": world.lesson.pk})
    upload = SimpleUploadedFile("задание.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    with at(2026, 11, 20, 10, 0):
        response = client.post(
            url,
            {
                "text": "№ 125, 126",
                "links": "https://resh.edu.ru/subject/lesson/1/\n",
                "minutes": "30",
                "version": "0",
                "files": upload,
            },
        )
        assert response.status_code == 302
        homework = Homework.objects.get(lesson=world.lesson)
        assert (homework.text, homework.links, homework.minutes) == (
            "№ 125, 126",
            ["https://resh.edu.ru/subject/lesson/1/"],
            30,
        )
        attached = homework.attachments.get()
        assert attached.name == "задание.pdf"
        assert AuditEvent.objects.filter(
            object_type="journal.homeworkattachment", object_id=str(attached.pk)
        ).exists()
        download = reverse("journal:attachment", kwargs={"attachment_id": attached.pk})
        assert b"".join(client.get(download).streaming_content) == b"%PDF-1.4 test"
        _login(client, world, "parent")
        assert client.get(download).status_code == 403
        _login(client, world, "outsider")
        assert client.get(download).status_code == 404
        _login(client, world, "teacher")
        # A second tab still at version 0: refused, what is saved stays.
        client.post(url, {"text": "Другое", "links": "", "version": "0"})
        assert Homework.objects.get(lesson=world.lesson).text == "№ 125, 126"
        bad = client.post(
            url, {"text": "x", "links": "javascript:alert(1)", "version": "1"}, follow=True
        )
    assert "javascript" in bad.content.decode()  # named in the refusal
    assert Homework.objects.get(lesson=world.lesson).links == [
        "https://resh.edu.ru/subject/lesson/1/"
    ]


def test_an_attachment_of_a_forbidden_kind_is_refused(client, world):
    _login(client, world, "teacher")
    url = reverse("journal:homework", kwargs={"lesson_id": world.lesson.pk})
    with at(2026, 11, 20, 10, 0):
        client.post(
            url,
            {"text": "Читать", "version": "0", "files": SimpleUploadedFile("run.exe", b"MZ")},
        )
    assert not Homework.objects.exists()


def test_a_note_to_a_student(client, world):
    _login(client, world, "teacher")
    with at(2026, 11, 20, 10, 0):
        response = client.post(
            reverse("journal:note", kwargs={"lesson_id": world.lesson.pk}),
            {"student": world.older_student.pk, "kind": "praise", "text": "Отличная работа"},
        )
        forged = client.post(
            reverse("journal:note", kwargs={"lesson_id": world.lesson.pk}),
            {"student": world.student.pk, "kind": "remark", "text": "Не из этого класса"},
        )
    assert response.status_code == forged.status_code == 302
    assert StudentNote.objects.get().text == "Отличная работа"


def test_the_class_teacher_reads_a_lesson_of_their_class(client, world):
    _login(client, world, "class_teacher")
    lesson = Lesson.objects.filter(course=world.class_course).first()
    assert client.get(_lesson_url(lesson)).status_code == 200
    assert client.get(_lesson_url(world.lesson)).status_code == 403


def test_the_class_teacher_reads_every_journal_of_their_class_read_only(client, world):
    """DESIGN §4: the class teacher of 5А reads the journals of 5А's courses that others
    teach, whole class or subgroup, and writes none of them."""
    from zhurnal.school.models import Course

    english = Course.objects.create(
        school=world.school,
        year=world.year,
        subject=world.course.subject,
        group=world.group,  # a subgroup of 5А
    )
    whole_class = Course.objects.create(
        school=world.school,
        year=world.year,
        subject=world.course.subject,
        school_class=world.class_5a,
    )
    for course in (english, whole_class):
        course.teachers.add(world.teacher_staff)
    class_teacher = world.users["class_teacher"]
    for course in (english, whole_class):
        assert class_teacher.has_perm("journal.view", course)
        assert not class_teacher.has_perm("journal.keep_period_marks", course)
    _login(client, world, "class_teacher")
    with at(2026, 11, 20, 10, 0):
        for course in (english, whole_class):
            page = client.get(reverse("journal:course", kwargs={"course_id": course.pk}))
            assert page.status_code == 200
            assert not _editable(page.content.decode())
        # 6Б is not theirs: its journal stays closed.
        assert client.get(_grid_url(world)).status_code == 403


def test_a_late_entry_is_flagged(client, world):
    """Attendance is due by 24:00 on the lesson day (seed 002): entered two days later, it is
    saved and flagged."""
    _login(client, world, "teacher")
    with at(2026, 11, 20, 10, 0):
        status, answer = _save(
            client,
            kind="attendance",
            lesson=world.lesson.pk,
            student=world.older_student.pk,
            value="Н",
        )
    assert status == 200 and answer["late"] is True
    assert world.lesson.date + timedelta(days=2) == date(2026, 11, 20)


def test_the_list_of_journals_shows_what_each_may_open(client, world):
    with at(2026, 11, 20, 10, 0):
        _login(client, world, "teacher")
        own = client.get(reverse("journal:index")).content.decode()
        _login(client, world, "deputy")
        every = client.get(reverse("journal:index")).content.decode()
    course_url = _grid_url(world)
    class_course_url = reverse("journal:course", kwargs={"course_id": world.class_course.pk})
    assert course_url in own and class_course_url not in own
    assert course_url in every and class_course_url in every


def test_the_grid_scripts_texts_come_from_the_javascript_catalogue(client, db):
    response = client.get(reverse("javascript-catalog"))
    assert response.status_code == 200
    assert "javascript" in response["Content-Type"]
    assert json.dumps("Сохранено.") in response.content.decode()  # Russian by default


# --- the grid's side pane of a lesson ---------------------------------------------------------


def _pane(client, lesson, data=None, **headers):
    url = reverse("journal:lesson_pane", kwargs={"lesson_id": lesson.pk})
    headers = {"HX-Request": "true", **headers}
    if data is None:
        return client.get(url, headers=headers)
    return client.post(url, data, headers=headers)


def test_the_grid_opens_a_lessons_pane_from_its_date(client, world):
    _login(client, world, "teacher")
    with at(2026, 11, 20, 10, 0):
        grid = client.get(_grid_url(world)).content.decode()
        pane = _pane(client, world.lesson)
    pane_url = reverse("journal:lesson_pane", kwargs={"lesson_id": world.lesson.pk})
    assert f'hx-get="{pane_url}" hx-target="#lesson-pane"' in grid
    assert '<aside id="lesson-pane"' in grid
    html = pane.content.decode()
    assert pane.status_code == 200 and "<html" not in html  # a fragment
    for action in ("topic", "homework", "note"):
        assert f'name="action" value="{action}"' in html


def test_the_pane_keeps_the_topic_homework_and_notes(client, world):
    _login(client, world, "teacher")
    with at(2026, 11, 18, 15, 0):
        topic = _pane(client, world.lesson, {"action": "topic", "topic": "Сложение дробей"})
        homework = _pane(
            client,
            world.lesson,
            {"action": "homework", "text": "№ 215", "links": "", "minutes": "20", "version": "0"},
        )
        note = _pane(
            client,
            world.lesson,
            {
                "action": "note",
                "student": world.older_student.pk,
                "kind": "praise",
                "text": "Отличная работа у доски",
            },
        )
    for answer in (topic, homework, note):
        assert 'class="pane-outcome ok"' in answer.content.decode()
    html = note.content.decode()
    assert "Сложение дробей" in html and "№ 215" in html and "Отличная работа у доски" in html
    world.lesson.refresh_from_db()
    assert world.lesson.topic == "Сложение дробей"
    assert world.lesson.homework.minutes == 20
    assert StudentNote.objects.get(lesson=world.lesson).text == "Отличная работа у доски"


def test_a_refused_pane_form_keeps_what_was_typed(client, world):
    _login(client, world, "teacher")
    with at(2026, 11, 18, 15, 0):
        html = _pane(
            client,
            world.lesson,
            {"action": "homework", "text": "№ 215", "links": "не ссылка", "version": "0"},
        ).content.decode()
    assert 'class="pane-outcome err"' in html
    assert "№ 215" in html and "не ссылка" in html
    assert not Homework.objects.exists()


def test_readers_see_the_pane_without_forms_and_cannot_post(client, world):
    with at(2026, 11, 20, 10, 0):
        _login(client, world, "deputy")
        html = _pane(client, world.lesson).content.decode()
        assert 'name="action"' not in html
        refused = _pane(client, world.lesson, {"action": "topic", "topic": "Чужая тема"})
        assert refused.status_code == 403
        _login(client, world, "class_teacher")  # neither teaches 6Б nor leads it
        assert _pane(client, world.lesson).status_code == 403
        _login(client, world, "parent")
        assert _pane(client, world.lesson).status_code == 403
    world.lesson.refresh_from_db()
    assert world.lesson.topic == ""


def test_the_pane_without_htmx_is_the_lessons_page(client, world):
    _login(client, world, "teacher")
    with at(2026, 11, 20, 10, 0):
        url = reverse("journal:lesson_pane", kwargs={"lesson_id": world.lesson.pk})
        html = client.get(url).content.decode()
    assert "<html" in html and 'class="journal sheet"' in html


def test_a_substitute_reads_the_pane_of_their_cancelled_lesson(client, world):
    substitute_user = UserFactory()
    staff = StaffFactory(school=world.school, user=substitute_user, last_name="Заменова")
    grant(substitute_user, world.school, Role.TEACHER)
    with at(2026, 11, 20, 10, 0):
        substitute(lesson=world.lesson, teacher=staff, reason="Болезнь", actor=Actor.system())
        cancel_lesson(lesson=world.lesson, reason="Карантин", actor=Actor.system())
    client.force_login(substitute_user)
    with at(2026, 11, 20, 10, 0):
        pane = _pane(client, world.lesson)
        assert pane.status_code == 200 and 'name="action"' not in pane.content.decode()
        refused = _pane(client, world.lesson, {"action": "topic", "topic": "Дроби"})
        assert refused.status_code == 403


def test_a_pane_form_sent_without_scripts_saves_and_returns_to_the_lesson(client, world):
    _login(client, world, "teacher")
    url = reverse("journal:lesson_pane", kwargs={"lesson_id": world.lesson.pk})
    with at(2026, 11, 18, 15, 0):
        response = client.post(
            url, {"action": "homework", "text": "№ 300", "links": "", "version": "0"}
        )
    assert response.status_code == 302 and response["Location"] == _lesson_url(world.lesson)
    assert Homework.objects.get(lesson=world.lesson).text == "№ 300"


def test_a_save_in_the_last_terms_grid_answers_the_year_marks_new_suggestion(client, world):
    """The year mark's suggestion (the mean of the term marks) follows each saved mark and
    term mark, in the same number of queries as without it."""
    first = world.term.year.terms.order_by("start").first()
    PeriodMark.objects.create(
        school=world.school,
        course=world.course,
        student=world.older_student,
        kind="term",
        term=first,
        value="3",
        number=3,
        entered_at=datetime(2026, 10, 24, 12, 0, tzinfo=MSK),
        changed_at=datetime(2026, 10, 24, 12, 0, tzinfo=MSK),
    )
    _login(client, world, "teacher")
    with at(2026, 11, 20, 10, 0):
        html = client.get(_grid_url(world)).content.decode()
        assert 'data-k="year"' in html
        _mark(client, world, "4")  # the lesson's first mark makes its column
        column = GradeColumn.objects.get(lesson=world.lesson).pk
        with CaptureQueriesContext(connection) as plain:
            _status, answer = _mark(client, world, "3", column=column, version=1)
        assert "year_forecast" not in answer
        with CaptureQueriesContext(connection) as with_year:
            _status, answer = _mark(client, world, "5", column=column, version=2, year=1)
        # (3 + the forecast 5) / 2 = 4
        assert (answer["forecast"], answer["year_forecast"]) == ("5", "4")
        assert len(with_year) == len(plain)
        _status, answer = _save(
            client,
            kind="period",
            course=world.course.pk,
            student=world.older_student.pk,
            period_kind="term",
            term=world.term.pk,
            value="2",
            year=1,
        )
    # (3 + 2) / 2 = 2.5 → 3
    assert answer["year_forecast"] == "3"
