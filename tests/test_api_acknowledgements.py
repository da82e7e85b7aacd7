"""The family's acknowledgement of term marks through the API (issue 17, part 5): the state of
every term of a child's class, and «Ознакомлен» through the diary's service
(``diary.services.acknowledge_term``) under ``diary.acknowledge`` — idempotent on a double
submit. The access matrix is in tests/test_api.py; here the allowed side (the parent of the
world's child of 5А) and the refusals."""

from __future__ import annotations

import json
from datetime import date

import pytest
import time_machine

from zhurnal.audit.models import AuditEvent
from zhurnal.diary.models import TermAcknowledgement
from zhurnal.diary.services import student_acknowledgements
from zhurnal.school import models as m
from zhurnal.school.calendar import class_terms

from .api_support import NOW, PREFIX, auth
from .factories import YearFactory


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def url(world, student=None) -> str:
    student = student or world.student
    return f"{PREFIX}/schools/{world.school.pk}/students/{student.pk}/acknowledgements"


def acknowledge(api, world, user, body, student=None):
    return api.post(
        url(world, student), json.dumps(body), content_type="application/json", **auth(user)
    )


def first_quarter(world) -> m.Term:
    return m.Term.objects.get(school=world.school, year=world.year, kind="quarter", number=1)


def test_the_parent_sees_which_terms_await_their_acknowledgement(api, world):
    response = api.get(url(world), **auth(world.users["parent"]))
    assert response.status_code == 200
    body = response.json()
    assert body["student_id"] == world.student.pk
    assert body["year_id"] == world.year.pk
    assert body["may_acknowledge"] is True
    first, second = body["terms"]
    # The 1st quarter has ended: it may be acknowledged and waits for the parent.
    assert first["term"]["number"] == 1
    assert first["title"] == first_quarter(world).title
    assert (first["open"], first["awaiting"], first["acknowledged"]) == (True, True, False)
    assert first["acknowledged_by"] == []
    # The 2nd quarter runs and has no term marks yet.
    assert second["term"]["id"] == world.term.pk
    assert (second["marks_entered"], second["open"], second["awaiting"]) == (False, False, False)


def test_the_parent_acknowledges_a_term_and_a_double_submit_changes_nothing(api, world):
    parent = world.users["parent"]
    term = first_quarter(world)
    response = acknowledge(api, world, parent, {"term_id": term.pk})
    assert response.status_code == 200
    body = response.json()
    assert body["term"]["id"] == term.pk
    assert (body["acknowledged"], body["awaiting"]) == (True, False)
    (who,) = body["acknowledged_by"]
    assert who["user_id"] == parent.pk
    again = acknowledge(api, world, parent, {"term_id": term.pk})
    assert again.status_code == 200
    assert again.json()["acknowledged_by"] == body["acknowledged_by"]
    assert TermAcknowledgement.objects.filter(student=world.student, term=term).count() == 1
    assert AuditEvent.objects.filter(action="term.acknowledge").count() == 1
    state = api.get(url(world), **auth(parent)).json()["terms"][0]
    assert (state["acknowledged"], state["awaiting"]) == (True, False)


def test_the_class_teacher_reads_who_acknowledged_but_may_not_acknowledge(api, world):
    term = first_quarter(world)
    acknowledge(api, world, world.users["parent"], {"term_id": term.pk})
    teacher = world.users["class_teacher"]
    body = api.get(url(world), **auth(teacher)).json()
    assert body["may_acknowledge"] is False
    first = body["terms"][0]
    assert [a["user_id"] for a in first["acknowledged_by"]] == [world.users["parent"].pk]
    assert first["awaiting"] is False
    refused = acknowledge(api, world, teacher, {"term_id": term.pk})
    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"


def test_a_running_term_without_marks_is_too_early(api, world):
    response = acknowledge(api, world, world.users["parent"], {"term_id": world.term.pk})
    assert response.status_code == 422
    assert response.json()["code"] == "too_early"
    assert not TermAcknowledgement.objects.exists()


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"term_id": "first"}, 422, "validation_error"),
        ({"term_id": 0}, 422, "validation_error"),
        ({}, 422, "validation_error"),
        ({"term_id": 2**63}, 422, "validation_error"),
        ({"term_id": 999_999}, 404, "not_found"),
    ],
)
def test_bad_input_is_refused_clearly(api, world, body, status, code):
    response = acknowledge(api, world, world.users["parent"], body)
    assert response.status_code == status
    assert response.json()["code"] == code
    if code == "validation_error":
        assert response.json()["details"][0]["loc"][:2] == ["body", "data"]


def test_another_schools_term_is_not_found_and_a_term_not_the_students_is_refused(api, world):
    parent = world.users["parent"]
    other_year = YearFactory(
        school=world.other_school, title="2025/2026", start=date(2025, 9, 1), end=date(2026, 5, 31)
    )
    foreign = m.Term.objects.create(
        school=world.other_school,
        year=other_year,
        kind="quarter",
        number=1,
        start=date(2025, 9, 1),
        end=date(2025, 10, 24),
    )
    assert acknowledge(api, world, parent, {"term_id": foreign.pk}).status_code == 404
    half = m.Term.objects.create(
        school=world.school,
        year=world.year,
        kind="half",
        number=1,
        start=date(2026, 9, 1),
        end=date(2026, 12, 28),
    )
    response = acknowledge(api, world, parent, {"term_id": half.pk})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"


def test_another_familys_child_is_not_found_and_the_student_may_not_acknowledge(api, world):
    term = first_quarter(world)
    parent = world.users["parent"]
    other_child = acknowledge(api, world, parent, {"term_id": term.pk}, world.older_student)
    assert other_child.status_code == 404
    assert api.get(url(world, world.older_student), **auth(parent)).status_code == 404
    own = acknowledge(api, world, world.users["student"], {"term_id": term.pk}, world.older_student)
    assert own.status_code == 403
    forged = f"{PREFIX}/schools/{world.school.pk}/students/999999/acknowledgements"
    assert api.get(forged, **auth(parent)).status_code == 404


def test_the_state_of_every_term_is_read_in_two_queries(world, django_assert_num_queries):
    terms = class_terms(world.class_5a)
    assert len(terms) == 2
    with django_assert_num_queries(2):
        states = student_acknowledgements(world.student, terms, date(2026, 11, 20))
    assert [s.open for s in states] == [True, False]
