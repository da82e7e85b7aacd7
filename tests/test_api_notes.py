"""Notes to students through the API (issue 17, part 5): written on a lesson through
``journal.services.add_note`` by who keeps the lesson, read on the lesson by who reads its
journal and in the diary's week by the family. The access matrix is in tests/test_api.py;
here the allowed and denied sides, bad input and a double submit."""

from __future__ import annotations

import json

import pytest
from django_tasks_db.models import DBTaskResult

from zhurnal.audit.models import AuditEvent
from zhurnal.journal.models import StudentNote
from zhurnal.timetable.models import Lesson

from .api_support import PREFIX, auth
from .factories import StudentFactory


def notes_url(world, lesson=None) -> str:
    lesson = lesson or world.lesson
    return f"{PREFIX}/schools/{world.school.pk}/lessons/{lesson.pk}/notes"


def write(api, world, user, lesson=None, **fields):
    body = {
        "student_id": world.older_student.pk,
        "kind": "remark",
        "text": "Нет тетради.",
        **fields,
    }
    return api.post(
        notes_url(world, lesson), json.dumps(body), content_type="application/json", **auth(user)
    )


def test_the_teacher_writes_a_note_and_the_family_reads_it_in_the_diary(api, world):
    teacher = world.users["teacher"]
    response = write(api, world, teacher, kind="praise", text="Отлично  решил\nзадачу.")
    assert response.status_code == 201
    note = response.json()
    assert note["text"] == "Отлично решил задачу."  # spaces collapsed, as on the page
    assert (note["kind"], note["lesson_id"]) == ("praise", world.lesson.pk)
    assert note["student"]["id"] == world.older_student.pk
    assert note["author"]["id"] == teacher.pk
    # On the lesson, for who reads the journal.
    listed = api.get(notes_url(world), **auth(world.users["deputy"]))
    assert [n["id"] for n in listed.json()] == [note["id"]]
    # In the diary's week of the student (the lesson of Wednesday 18.11).
    diary = api.get(
        f"{PREFIX}/schools/{world.school.pk}/students/{world.older_student.pk}/diary",
        {"week": "2026-11-16"},
        **auth(world.users["student"]),
    ).json()
    (lesson,) = [x for d in diary["days"] for x in d["lessons"] if x["id"] == world.lesson.pk]
    assert lesson["notes"] == [{"kind": "praise", "text": "Отлично решил задачу."}]
    assert AuditEvent.objects.filter(action="note.add").count() == 1


def test_a_double_submit_saves_one_note(api, world):
    teacher = world.users["teacher"]
    first = write(api, world, teacher)
    again = write(api, world, teacher)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["id"] == first.json()["id"]
    assert StudentNote.objects.count() == 1
    assert AuditEvent.objects.filter(action="note.add").count() == 1
    # The family is told once: one notice queued (in the note's transaction), not two.
    assert [t.args_kwargs["args"] for t in DBTaskResult.objects.all()] == [
        ["note_added", first.json()["id"]]
    ]
    # Another note on the same lesson is another note.
    assert write(api, world, teacher, text="Забыл форму.").json()["id"] != first.json()["id"]


@pytest.mark.parametrize("persona", ["class_teacher", "deputy", "parent", "student"])
def test_only_who_keeps_the_lesson_writes_its_notes(api, world, persona):
    response = write(api, world, world.users[persona])
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not StudentNote.objects.exists()


@pytest.mark.parametrize("persona", ["class_teacher", "parent", "student", "hr"])
def test_who_does_not_read_the_journal_does_not_read_the_lessons_notes(api, world, persona):
    assert api.get(notes_url(world), **auth(world.users[persona])).status_code == 403


def test_forged_ids_are_not_found(api, world):
    teacher = world.users["teacher"]
    other_student = StudentFactory(school=world.other_school)
    assert write(api, world, teacher, student_id=other_student.pk).status_code == 404
    assert write(api, world, teacher, student_id=999_999).status_code == 404
    forged = f"{PREFIX}/schools/{world.school.pk}/lessons/999999/notes"
    response = api.post(
        forged,
        json.dumps({"student_id": world.older_student.pk, "kind": "remark", "text": "x"}),
        content_type="application/json",
        **auth(teacher),
    )
    assert response.status_code == 404
    assert api.get(forged, **auth(teacher)).status_code == 404
    outsider = world.users["outsider"]
    assert api.get(notes_url(world), **auth(outsider)).status_code == 404
    assert not StudentNote.objects.exists()


@pytest.mark.parametrize(
    ("fields", "code", "where"),
    [
        ({"kind": "insult"}, "validation_error", ["body", "data", "kind"]),
        ({"student_id": "Иванов"}, "validation_error", ["body", "data", "student_id"]),
        ({"student_id": 0}, "validation_error", ["body", "data", "student_id"]),
        ({"text": None}, "validation_error", ["body", "data", "text"]),
        ({"text": "   "}, "empty", None),
        ({"text": "x" * 1001}, "too_long", None),
    ],
)
def test_bad_input_is_refused_clearly(api, world, fields, code, where):
    response = write(api, world, world.users["teacher"], **fields)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == code
    assert body["message"]
    if where:
        assert body["details"][0]["loc"] == where
    assert not StudentNote.objects.exists()


def test_a_student_not_on_the_lessons_list_is_refused(api, world):
    # The parent's child is in 5А, the lesson is 6Б's.
    response = write(api, world, world.users["teacher"], student_id=world.student.pk)
    assert response.status_code == 422
    assert response.json()["code"] == "not_on_list"


def test_a_note_on_another_courses_lesson_is_refused_to_the_teacher(api, world):
    lesson = Lesson.objects.filter(course=world.class_course).first()
    response = write(api, world, world.users["teacher"], lesson=lesson)
    assert response.status_code == 403
