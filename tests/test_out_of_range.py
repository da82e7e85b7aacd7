"""Out-of-range input is refused with a clear message, never a server error (issue 16, finding 2;
``zhurnal.core.bounds``): a position past 64 bits, a week after 9999-12-31 or before year 1,
a timetable starting on the calendar's last days, «0» read as 1970-01-01."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from zhurnal.accounts.models import ApiToken
from zhurnal.core.forms import SchoolDateField
from zhurnal.school.forms import StaffPositionForm

from .personas import build_world

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Europe/Moscow"))
BIG = "9223372036854775808"  # 2**63: "bigint out of range" on PostgreSQL


@pytest.fixture
def world(db):
    with time_machine.travel(NOW, tick=False):
        yield build_world()


def _get(client, world, persona: str, path: str, language: str = "en"):
    token = ApiToken.issue(world.users[persona], "test")[1]
    return client.get(
        f"/api/v1/schools/{world.school.pk}{path}",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_COOKIE=f"django_language={language}",
    )


def _refusal(response, field: str) -> str:
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "validation_error"
    [detail] = [d for d in body["details"] if d["loc"][-1] == field]
    return detail["msg"]


@pytest.mark.parametrize("path", ["/threads", "/notifications"])
@pytest.mark.parametrize("offset", [BIG, "-1", "1000001"])
def test_an_offset_out_of_range_is_refused(client, world, path, offset):
    message = _refusal(_get(client, world, "parent", f"{path}?offset={offset}"), "offset")
    assert message == "The offset must be a whole number from 0 to 1000000."


def test_the_last_possible_offset_is_an_empty_page(client, world):
    assert _get(client, world, "parent", "/threads?offset=1000000").json() == []


@pytest.mark.parametrize(
    ("week", "message"),
    [
        ("9999-12-31", "The date 9999-12-31 is outside the years 2000–2100 a journal keeps."),
        ("0001-01-01", "The date 0001-01-01 is outside the years 2000–2100 a journal keeps."),
        ("0", "«0» is not a date; use the form YYYY-MM-DD."),
    ],
)
def test_a_diary_week_out_of_range_is_refused_by_the_api(client, world, week, message):
    path = f"/students/{world.student.pk}/diary?week={week}"
    assert _refusal(_get(client, world, "parent", path), "week") == message


def test_the_refusal_speaks_russian_by_default(client, world):
    path = f"/students/{world.student.pk}/diary?week=9999-12-31"
    response = _get(client, world, "parent", path, language="ru")
    assert _refusal(response, "week") == (
        "Дата 9999-12-31 вне лет 2000–2100, которые ведёт журнал."
    )
    assert response.json()["message"] == "Запрос содержит недопустимые данные."


@pytest.mark.parametrize(
    ("start", "message"),
    [
        ("9999-12-30", "The date 9999-12-30 is outside the years 2000–2100 a journal keeps."),
        ("0", "«0» is not a date; use the form YYYY-MM-DD."),
        ("1700000000", "«1700000000» is not a date; use the form YYYY-MM-DD."),
    ],
)
def test_a_timetable_start_out_of_range_or_a_number_is_refused(client, world, start, message):
    path = f"/timetable/classes/{world.class_5a.pk}?start={start}"
    assert _refusal(_get(client, world, "deputy", path), "start") == message


def test_a_date_in_a_body_is_bounded_too(client, world):
    token = ApiToken.issue(world.users["deputy"], "test")[1]
    response = client.post(
        f"/api/v1/schools/{world.school.pk}/remarks",
        {
            "course_id": world.course.pk,
            "teacher_id": world.teacher_staff.pk,
            "text": "…",
            "due": "9999-12-31",
        },
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_COOKIE="django_language=en",
    )
    assert "9999-12-31 is outside the years" in _refusal(response, "due")


def test_the_last_week_of_the_journals_years_is_served(client, world):
    path = f"/students/{world.student.pk}/diary?week=2100-12-31"
    assert _get(client, world, "parent", path).status_code == 200


@pytest.mark.parametrize("week", ["9999-12-31", "0001-01-01", "0", "someday"])
def test_the_parents_diary_page_refuses_a_week_out_of_range_and_shows_this_week(
    client, world, english, week
):
    client.force_login(world.users["parent"])
    url = reverse("diary:week", kwargs={"student_id": world.student.pk})
    with time_machine.travel(NOW, tick=False):
        response = client.get(url, {"week": week})
    assert response.status_code == 400
    [message] = [str(m) for m in response.context["messages"]]
    assert week[:4] in message and ("outside the years" in message or "not a date" in message)
    assert response.context["week"].monday.isoformat() == "2026-11-16"  # this week


def test_a_timetable_page_reports_a_day_out_of_range_and_shows_today(client, world, english):
    client.force_login(world.users["deputy"])
    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("timetable:substitutions"), {"start": "9999-12-31"})
    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert messages == ["The date 9999-12-31 is outside the years 2000–2100 a journal keeps."]


def test_a_date_field_of_a_page_is_bounded_but_a_career_may_start_before(world, english):
    field = SchoolDateField()
    assert field.clean("2100-12-31").year == 2100
    with pytest.raises(Exception, match="outside the years 2000–2100"):
        field.clean("9999-12-31")
    form = StaffPositionForm({"title": "учитель", "start": "1995-09-01"}, school=world.school)
    assert form.is_valid(), form.errors


def _send(client, world, persona: str, method: str, path: str, body: dict):
    token = ApiToken.issue(world.users[persona], "test")[1]
    return client.generic(
        method,
        f"/api/v1/schools/{world.school.pk}{path}",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_COOKIE="django_language=en",
    )


@pytest.mark.parametrize("big", [2**63, 2**64, 10**30])
@pytest.mark.parametrize("kind", ["marks", "attendance"])
def test_an_id_past_64_bits_in_a_batch_is_refused(client, world, big, kind):
    """Found by schemathesis (tests/test_api_fuzz.py): a batch naming a column, a lesson or a
    student past 64 bits was a server error (``OverflowError`` on SQLite, "bigint out of
    range" on PostgreSQL: Django guards ``=`` against such numbers, not ``IN``)."""
    if kind == "marks":
        item = {"column_id": big, "student_id": big, "value": "5", "version": 0}
    else:
        item = {"lesson_id": big, "student_id": big, "code": "Н", "version": 0}
    with time_machine.travel(NOW, tick=False):
        response = _send(
            client,
            world,
            "teacher",
            "POST",
            f"/courses/{world.course.pk}/journal/batch",
            {kind: [item]},
        )
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "validation_error"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/threads", {"recipients": [2**63], "subject": "s", "body": "t"}),
        ("/notifications/read", {"ids": [2**63]}),
    ],
)
def test_an_id_past_64_bits_in_a_list_of_a_body_is_refused(client, world, path, body):
    with time_machine.travel(NOW, tick=False):
        response = _send(client, world, "parent", "POST", path, body)
    assert response.status_code == 422, response.content
