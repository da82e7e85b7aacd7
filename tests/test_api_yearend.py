"""The year end through the API (issue 13): the school's checklist by class with the year's
state (closed, when, by whom), a class's gaps each with the page where it is fixed, the
preview of a class's promotion. Who may call what is in the matrix of tests/test_api.py; here,
what the answers say."""

from __future__ import annotations

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from zhurnal.audit.actor import Actor
from zhurnal.school import models as m
from zhurnal.yearend import services
from zhurnal.yearend.queries import checklist

from .api_support import NOW, PREFIX, auth
from .factories import GradeLevelFactory, SchoolClassFactory, StudentFactory, YearFactory, enroll

pytestmark = pytest.mark.usefixtures("english")


def get(api, world, persona: str, path: str, **params):
    headers = auth(world.users[persona])
    with time_machine.travel(NOW, tick=False):
        return api.get(f"{PREFIX}/schools/{world.school.pk}{path}", params, **headers)


def test_the_schools_checklist_counts_the_gaps_of_each_class_as_the_page(api, world):
    response = get(api, world, "deputy", "/year-end")
    assert response.status_code == 200
    body = response.json()
    found = checklist(world.school, world.year, date(2026, 11, 20))
    assert body["year"] == {
        "id": world.year.pk,
        "title": world.year.title,
        "start": "2026-09-01",
        "end": "2027-05-31",
        "closed": False,
        "closed_at": None,
        "closed_by": None,
    }
    assert body["day"] == "2026-11-20"
    assert body["complete"] is False
    assert [k["key"] for k in body["kinds"]] == list(found.counts())
    assert body["counts"] == found.counts()
    rows = {row["school_class"]["name"]: row for row in body["classes"]}
    assert set(rows) == {"5А", "6Б"}
    assert rows["6Б"]["counts"] == found.classes[1].counts()
    assert rows["6Б"]["gaps"] == []  # a class's gaps are on its own endpoint


def test_a_closed_year_says_when_and_by_whom(api, world):
    with time_machine.travel(datetime(2026, 11, 20, 12, 0, tzinfo=ZoneInfo("Europe/Moscow"))):
        services.close_year(
            year=world.year,
            today=date(2026, 11, 20),
            accept_gaps=True,
            actor=Actor(world.users["secretary"]),
        )
    year = get(api, world, "director", "/year-end", year=world.year.pk).json()["year"]
    assert year["closed"] is True
    assert year["closed_at"].startswith("2026-11-20T09:00:00")
    secretary = world.users["secretary"]
    assert year["closed_by"] == {"id": secretary.pk, "name": secretary.display_name}


def test_a_year_of_another_school_is_not_found(api, world):
    foreign = m.AcademicYear.objects.get(school=world.other_school)
    assert get(api, world, "secretary", "/year-end", year=foreign.pk).status_code == 404


def test_a_classs_gaps_link_the_page_where_each_is_fixed(api, world):
    response = get(api, world, "secretary", f"/classes/{world.class_6b.pk}/year-end")
    assert response.status_code == 200
    body = response.json()
    assert body["school_class"] == {"id": world.class_6b.pk, "name": "6Б"}
    gaps = {gap["kind"]: gap for gap in body["gaps"]}
    assert set(gaps) == {"year_marks", "term_marks", "topics", "attendance", "plan"}
    course = world.course.pk
    assert gaps["year_marks"]["students"] == [world.older_student.short_name]
    assert gaps["year_marks"]["course"] == {"id": course, "subject": "Математика", "audience": "6Б"}
    term_1 = m.Term.objects.get(year=world.year, number=1)
    assert gaps["term_marks"]["term"]["id"] == term_1.pk
    assert gaps["term_marks"]["url"] == (
        f"{reverse('journal:course', args=[course])}?term={term_1.pk}"
    )
    assert (gaps["topics"]["url"], gaps["topics"]["action"]) == (
        reverse("lessons:course", args=[course]),
        "enter the topics",
    )
    assert gaps["plan"]["url"] == reverse("lessons:fulfilment", args=[course])


def test_the_promotion_preview_stands_before_the_next_year_then_names_it(api, world):
    path = f"/classes/{world.class_5a.pk}/promotion"
    early = get(api, world, "secretary", path).json()
    assert (early["new_year"], early["next_title"]) == (None, "2027/2028")
    assert [s["target"] for s in early["steps"]] == ["6А"]
    next_year = YearFactory(
        school=world.school, title="2027/2028", start=date(2027, 9, 1), end=date(2028, 5, 31)
    )
    body = get(api, world, "secretary", path).json()
    assert body["new_year"]["id"] == next_year.pk
    assert (body["grade"], body["target"]) == (5, "6А")
    assert body["steps"] == [
        {
            "student": {
                "id": world.student.pk,
                "name": world.student.full_name,
                "short_name": world.student.short_name,
            },
            "decision": "promote",
            "decision_label": "promote to the next grade",
            "target": "6А",
            "note": "Promoted to grade 6.",
        }
    ]
    assert body["errors"] == [] and body["done"] == []
    assert body["outcome"] == {"promote": 1, "conditional": 0, "keep": 0, "graduate": 0}


def test_the_preview_of_a_graduating_class_names_the_missing_final_marks(api, world):
    YearFactory(
        school=world.school, title="2027/2028", start=date(2027, 9, 1), end=date(2028, 5, 31)
    )
    class_11 = SchoolClassFactory(
        school=world.school,
        year=world.year,
        grade_level=GradeLevelFactory(school=world.school, number=11),
        letter="А",
    )
    graduate = StudentFactory(school=world.school)
    enroll(graduate, class_11, date(2026, 9, 1))
    m.Course.objects.create(
        school=world.school, year=world.year, subject=world.course.subject, school_class=class_11
    )
    body = get(api, world, "director", f"/classes/{class_11.pk}/promotion").json()
    assert [s["decision"] for s in body["steps"]] == ["graduate"]
    assert body["errors"] == [
        f"{graduate.short_name} graduates without a final mark in: Математика. "
        "Enter the final marks first."
    ]


def test_the_schools_checklist_takes_the_same_queries_whatever_its_size(api, world):
    headers = auth(world.users["deputy"])

    def queries() -> int:
        with time_machine.travel(NOW, tick=False), CaptureQueriesContext(connection) as seen:
            response = api.get(f"{PREFIX}/schools/{world.school.pk}/year-end", **headers)
        assert response.status_code == 200
        return len(seen)

    queries()  # the token's first use is recorded once
    small = queries()
    for letter in "ВГД":
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
        course.teachers.add(world.teacher_staff)
        for _n in range(4):
            enroll(StudentFactory(school=world.school), school_class, date(2026, 9, 1))
    assert queries() == small


# --- the writes: closing the year, promoting a class -------------------------------------------


def send(api, world, persona: str, path: str, body: dict):
    headers = auth(world.users[persona])
    with time_machine.travel(NOW, tick=False):
        return api.post(
            f"{PREFIX}/schools/{world.school.pk}{path}",
            json.dumps(body),
            content_type="application/json",
            **headers,
        )


def test_closing_the_year_needs_the_gaps_accepted_and_is_done_once(api, world):
    path = f"/years/{world.year.pk}/close"
    refused = send(api, world, "secretary", path, {})
    assert refused.status_code == 409
    assert refused.json()["code"] == "gaps"
    assert not m.AcademicYear.objects.get(pk=world.year.pk).is_closed
    done = send(api, world, "secretary", path, {"accept_gaps": True})
    assert done.status_code == 200
    assert done.json()["closed"] is True
    assert done.json()["closed_by"]["id"] == world.users["secretary"].pk
    again = send(api, world, "director", path, {"accept_gaps": True})
    assert (again.status_code, again.json()["code"]) == (409, "closed_already")


def test_the_deputy_may_not_close_the_year(api, world):
    response = send(api, world, "deputy", f"/years/{world.year.pk}/close", {"accept_gaps": True})
    assert response.status_code == 403
    assert not m.AcademicYear.objects.get(pk=world.year.pk).is_closed


@pytest.fixture
def next_year(world):
    return YearFactory(
        school=world.school, title="2027/2028", start=date(2027, 9, 1), end=date(2028, 5, 31)
    )


ORDER = {"order_number": "45-у", "order_date": "2027-06-20"}


def test_a_class_is_promoted_by_its_order_after_the_closing_and_only_once(api, world, next_year):
    path = f"/classes/{world.class_5a.pk}/promotion"
    early = send(api, world, "secretary", path, ORDER)
    assert (early.status_code, early.json()["code"]) == (409, "year_open")
    send(api, world, "secretary", f"/years/{world.year.pk}/close", {"accept_gaps": True})
    refused = send(
        api,
        world,
        "secretary",
        path,
        {**ORDER, "decisions": [{"student_id": world.student.pk, "decision": "conditional"}]},
    )
    assert refused.status_code == 409
    assert refused.json()["code"] == "refused"
    assert "name the academic debt" in refused.json()["message"]
    assert not m.Movement.objects.exists()

    body = {
        **ORDER,
        "decisions": [
            {"student_id": world.student.pk, "decision": "conditional", "debt": "математика"}
        ],
    }
    done = send(api, world, "secretary", path, body)
    assert done.status_code == 200
    assert [(s["decision"], s["target"]) for s in done.json()["steps"]] == [("conditional", "6А")]
    movement = m.Movement.objects.get(student=world.student)
    assert (movement.order_number, movement.to_class.name, movement.to_class.year) == (
        "45-у",
        "6А",
        next_year,
    )
    again = send(api, world, "secretary", path, body).json()
    assert again["steps"] == []
    assert again["done"] == [{"name": world.student.short_name, "place": "6А"}]
    assert m.Movement.objects.count() == 1


def test_a_promotion_names_only_students_of_the_class(api, world, next_year):
    send(api, world, "secretary", f"/years/{world.year.pk}/close", {"accept_gaps": True})
    response = send(
        api,
        world,
        "secretary",
        f"/classes/{world.class_5a.pk}/promotion",
        {**ORDER, "decisions": [{"student_id": world.older_student.pk, "decision": "keep"}]},
    )
    assert response.status_code == 422
    assert not m.Movement.objects.exists()


def test_a_promotion_waits_for_the_next_year(api, world):
    send(api, world, "secretary", f"/years/{world.year.pk}/close", {"accept_gaps": True})
    response = send(api, world, "director", f"/classes/{world.class_5a.pk}/promotion", ORDER)
    assert (response.status_code, response.json()["code"]) == (409, "no_next_year")
