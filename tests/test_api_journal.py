"""The journal through the API (issue 4): the same rules, codes and audit as the pages."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from zhurnal.audit.actor import Actor
from zhurnal.audit.models import AuditAction, AuditEvent
from zhurnal.journal import services
from zhurnal.journal.defaults import ensure_work_types
from zhurnal.journal.models import Mark
from zhurnal.school import models as m

from .api_support import NOW, PREFIX, auth
from .factories import StudentFactory, enroll

MSK = ZoneInfo("Europe/Moscow")


@pytest.fixture(autouse=True)
def now(world):
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def api():
    """A client asking for Russian: these tests read the refusals as a Russian user gets them."""
    return Client(HTTP_ACCEPT_LANGUAGE="ru")


@pytest.fixture
def column(world):
    kr = next(t for t in ensure_work_types(world.school) if t.code == "КР")
    return services.add_column(lesson=world.lesson, work_type=kr, actor=Actor.system())


def call(api, world, persona, method, path, body=None, **params):
    headers = auth(world.users[persona])
    url = f"{PREFIX}/schools/{world.school.pk}{path}"
    if body is None:
        return api.get(url, params, **headers)
    return api.generic(method, url, json.dumps(body), content_type="application/json", **headers)


def put_mark(api, world, column, value, version=0, student=None, **extra):
    student = student or world.older_student
    return call(
        api,
        world,
        "teacher",
        "PUT",
        f"/columns/{column.pk}/marks/{student.pk}",
        {"value": value, "version": version, **extra},
    )


def test_the_journal_of_a_course_for_the_current_term(api, world, column):
    put_mark(api, world, column, "4")
    services.set_attendance(
        lesson=world.lesson, student=world.older_student, code="Н", version=0, actor=Actor.system()
    )
    services.record_absence(
        student=world.older_student,
        start=world.lesson.date,
        end=world.lesson.date,
        reason="У",
        actor=Actor.system(),
    )
    body = call(api, world, "deputy", "GET", f"/courses/{world.course.pk}/journal").json()
    assert body["term_id"] == world.term.pk
    assert body["scale"] == "five"
    lesson = next(x for x in body["lessons"] if x["id"] == world.lesson.pk)
    assert lesson["columns"][0]["work_type"]["code"] == "КР"
    assert [s["id"] for s in body["students"]] == [world.older_student.pk]
    assert body["marks"] == [
        {
            "column_id": column.pk,
            "student_id": world.older_student.pk,
            "value": "4",
            "comment": "",
            "version": 1,
            "late": False,
        }
    ]
    assert body["attendance"][0] | {"late": None} == {
        "lesson_id": world.lesson.pk,
        "student_id": world.older_student.pk,
        "code": "Н",
        "shown": "У",
        "version": 1,
        "late": None,
    }
    assert body["summaries"] == [
        {"student_id": world.older_student.pk, "average": "4.00", "forecast": "4"}
    ]


def test_a_term_of_another_school_is_not_found(api, world):
    other_year = m.AcademicYear.objects.get(school=world.other_school)
    term = m.Term.objects.create(
        school=world.other_school, year=other_year, kind="quarter", number=1,
        start=other_year.start, end=other_year.start.replace(month=10, day=30),
    )  # fmt: skip
    response = call(
        api, world, "deputy", "GET", f"/courses/{world.course.pk}/journal", term_id=term.pk
    )
    assert response.status_code == 404


def test_reading_the_journal_takes_a_fixed_number_of_queries(api, world, column):
    def count() -> int:
        headers = auth(world.users["teacher"])
        url = f"{PREFIX}/schools/{world.school.pk}/courses/{world.course.pk}/journal"
        api.get(url, **headers)
        with CaptureQueriesContext(connection) as queries:
            assert api.get(url, **headers).status_code == 200
        return len(queries)

    before = count()
    for i in range(12):
        student = StudentFactory(school=world.school, last_name=f"Ученик{i}")
        enroll(student, world.class_6b)
        put_mark(api, world, column, "5", student=student)
        services.set_attendance(
            lesson=world.lesson, student=student, code="ОП", version=0, actor=Actor.system()
        )
    assert count() == before <= 12


def test_a_mark_outside_the_scale_is_refused_in_russian_with_its_code(api, world, column):
    response = put_mark(api, world, column, "7")
    assert response.status_code == 422
    assert response.json()["code"] == "out_of_scale"
    assert "от 1 до 5" in response.json()["message"]
    assert not Mark.objects.exists()


def test_the_second_of_two_saves_on_the_same_version_is_stale(api, world, column):
    assert put_mark(api, world, column, "4").json()["version"] == 1
    stale = put_mark(api, world, column, "5", version=0)
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale"
    assert stale.json()["current"] == {"value": "4", "version": 1}
    # The same value again is a double submit, not a conflict.
    assert put_mark(api, world, column, "4", version=0).status_code == 200


def test_a_later_correction_asks_for_a_reason(api, world, column):
    put_mark(api, world, column, "3")
    with time_machine.travel(datetime(2026, 11, 21, 9, 0, tzinfo=MSK), tick=False):
        refused = put_mark(api, world, column, "4", version=1)
        assert refused.status_code == 422
        assert refused.json()["code"] == "reason_required"
        done = put_mark(api, world, column, "4", version=1, reason="Пересдача")
    assert done.json()["value"] == "4"
    event = AuditEvent.objects.filter(action=AuditAction.MARK_SET).latest("at")
    assert (event.reason, event.actor) == ("Пересдача", world.users["teacher"])


def test_deleting_a_mark_answers_an_empty_cell(api, world, column):
    put_mark(api, world, column, "2")
    body = put_mark(api, world, column, "", version=1).json()
    assert (body["value"], body["version"]) == (None, 0)


def test_attendance_and_homework_and_period_marks(api, world):
    lesson = f"/lessons/{world.lesson.pk}"
    attendance = call(
        api,
        world,
        "teacher",
        "PUT",
        f"{lesson}/attendance/{world.older_student.pk}",
        {"code": "б", "version": 0},
    )
    assert attendance.json()["code"] == "Б"
    homework = call(
        api, world, "teacher", "PUT", f"{lesson}/homework", {"text": "§ 7", "version": 0}
    )
    assert homework.json()["text"] == "§ 7"
    removed = call(api, world, "teacher", "PUT", f"{lesson}/homework", {"text": "", "version": 1})
    assert removed.status_code == 200 and removed.json() is None
    period = call(
        api,
        world,
        "teacher",
        "PUT",
        f"/courses/{world.course.pk}/period-marks/{world.older_student.pk}",
        {"kind": "term", "term_id": world.term.pk, "value": "н/а", "version": 0},
    )
    assert period.json()["value"] == "н/а"
    bad_code = call(
        api,
        world,
        "teacher",
        "PUT",
        f"{lesson}/attendance/{world.older_student.pk}",
        {"code": "Х", "version": 1},
    )
    assert bad_code.status_code == 422 and bad_code.json()["code"] == "invalid"


def test_no_mark_or_attendance_on_a_future_lesson_through_the_api(api, world, column):
    """No backdating the other way either: a lesson after today takes no entry (its topic
    and homework may be entered ahead)."""
    ahead = world.course.lessons.filter(date__gt=world.lesson.date.replace(day=20)).first()
    attendance = call(
        api,
        world,
        "teacher",
        "PUT",
        f"/lessons/{ahead.pk}/attendance/{world.older_student.pk}",
        {"code": "Н", "version": 0},
    )
    assert attendance.status_code == 422
    assert attendance.json()["code"] == "future_lesson"
    assert attendance.json()["message"] == (
        "Отметки и посещаемость вносятся в день урока или позже, не заранее."
    )
    future_column = services.add_column(
        lesson=ahead, work_type=column.work_type, actor=Actor.system()
    )
    mark = call(
        api,
        world,
        "teacher",
        "PUT",
        f"/columns/{future_column.pk}/marks/{world.older_student.pk}",
        {"value": "5", "version": 0},
    )
    assert (mark.status_code, mark.json()["code"]) == (422, "future_lesson")
    homework = call(
        api, world, "teacher", "PUT", f"/lessons/{ahead.pk}/homework", {"text": "§ 8", "version": 0}
    )
    assert homework.status_code == 200
    assert not Mark.objects.exists()


def test_a_batch_answers_every_item_and_a_refusal_keeps_the_others(api, world, column):
    other_column = services.add_column(
        lesson=world.class_course.lessons.first(),
        work_type=column.work_type,
        actor=Actor.system(),
    )
    response = call(
        api,
        world,
        "teacher",
        "POST",
        f"/courses/{world.course.pk}/journal/batch",
        {
            "marks": [
                {"column_id": column.pk, "student_id": world.older_student.pk, "value": "5",
                 "version": 0},
                {"column_id": column.pk, "student_id": world.student.pk, "value": "5",
                 "version": 0},
                {"column_id": other_column.pk, "student_id": world.older_student.pk,
                 "value": "5", "version": 0},
            ],
            "attendance": [
                {"lesson_id": world.lesson.pk, "student_id": world.older_student.pk,
                 "code": "ОП", "version": 0},
            ],
        },
    )  # fmt: skip
    body = response.json()
    assert [item["ok"] for item in body["marks"]] == [True, False, False]
    assert body["marks"][0]["current"] == {"value": "5", "version": 1}
    assert body["marks"][1]["code"] == "not_on_list"  # world.student is in 5А
    assert body["marks"][2]["code"] == "not_found"  # a column of another course
    assert body["attendance"][0]["ok"] is True
    assert Mark.objects.count() == 1


def test_the_director_reads_but_cannot_write_a_batch_item(api, world, column):
    response = call(
        api,
        world,
        "director",
        "POST",
        f"/courses/{world.course.pk}/journal/batch",
        {
            "marks": [
                {"column_id": column.pk, "student_id": world.older_student.pk, "value": "5",
                 "version": 0}
            ]
        },
    )  # fmt: skip
    assert response.json()["marks"][0]["code"] == "permission_denied"
    assert not Mark.objects.exists()
