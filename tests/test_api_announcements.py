"""Announcements through the API (issue 17, part 5): the list each user may read, publishing
(JSON, or multipart with files) through ``messaging.services.announce`` under
``messaging.announce`` and the audience's rule (``messaging.access.check_audience``), and a
file's download (``announcement_attachment_for``). The access matrix is in tests/test_api.py;
here both sides of the audience rule, bad input and a double submit."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from zhurnal.messaging.models import Announcement, AnnouncementAttachment
from zhurnal.school import models as m

from .api_support import NOW, PREFIX, auth
from .factories import GradeLevelFactory, SchoolClassFactory


def base(world) -> str:
    return f"{PREFIX}/schools/{world.school.pk}/announcements"


def publish(api, world, user, **fields):
    body = {"title": "Экскурсия", "body": "В пятницу в музей.", "scope": "class", **fields}
    return api.post(base(world), json.dumps(body), content_type="application/json", **auth(user))


def publish_files(api, world, user, files, **fields):
    data = {"title": "Каникулы", "body": "Расписание во вложении.", "scope": "class", **fields}
    return api.post(base(world) + "/files", {**data, "files": files}, **auth(user))


def listed(api, world, user) -> list[dict]:
    response = api.get(base(world), **auth(user))
    assert response.status_code == 200
    return response.json()["items"]


def test_the_class_teacher_publishes_to_the_class_and_its_family_reads_it(api, world):
    response = publish(api, world, world.users["class_teacher"], class_id=world.class_5a.pk)
    assert response.status_code == 201
    body = response.json()
    assert body["school_class"]["name"] == "5А"
    assert (body["scope"], body["audience"], body["grade_level"]) == ("class", "both", None)
    assert body["author"]["id"] == world.users["class_teacher"].pk
    # The parent of a child of 5А reads it; the student of 6Б does not; staff read everything.
    assert [a["id"] for a in listed(api, world, world.users["parent"])] == [body["id"]]
    assert listed(api, world, world.users["student"]) == []
    assert [a["id"] for a in listed(api, world, world.users["hr"])] == [body["id"]]


def test_a_double_submit_publishes_once(api, world):
    author = world.users["class_teacher"]
    first = publish(api, world, author, class_id=world.class_5a.pk)
    again = publish(api, world, author, class_id=world.class_5a.pk)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["id"] == first.json()["id"]
    assert Announcement.objects.filter(school=world.school).count() == 1
    # The same words later are a new announcement (a reminder), not a double submit.
    with time_machine.travel(NOW + timedelta(minutes=11), tick=False):
        later = publish(api, world, author, class_id=world.class_5a.pk)
    assert later.json()["id"] != first.json()["id"]


def test_files_are_published_and_downloaded_by_the_audience_only(api, world):
    response = publish_files(
        api,
        world,
        world.users["class_teacher"],
        [SimpleUploadedFile("каникулы.pdf", b"%PDF-1.4 holidays")],
        class_id=world.class_5a.pk,
        audience="parents",
    )
    assert response.status_code == 201
    (attachment,) = response.json()["attachments"]
    assert attachment["name"] == "каникулы.pdf"
    path = attachment["download"]
    assert path == (
        f"{PREFIX}/schools/{world.school.pk}/announcement-attachments/{attachment['id']}"
    )
    download = api.get(path, **auth(world.users["parent"]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 holidays"
    assert api.get(path, **auth(world.users["student"])).status_code == 404
    assert api.get(path, **auth(world.users["outsider"])).status_code == 404
    forged = f"{PREFIX}/schools/{world.school.pk}/announcement-attachments/999999"
    assert api.get(forged, **auth(world.users["parent"])).status_code == 404


def test_a_refused_file_publishes_nothing(api, world):
    files = [SimpleUploadedFile(f"f{i}.pdf", b"%PDF") for i in range(6)]
    response = publish_files(
        api, world, world.users["class_teacher"], files, class_id=world.class_5a.pk
    )
    assert response.status_code == 422
    assert response.json()["code"] == "too_many_files"
    bad = publish_files(
        api,
        world,
        world.users["class_teacher"],
        [SimpleUploadedFile("run.exe", b"MZ")],
        class_id=world.class_5a.pk,
    )
    assert (bad.status_code, bad.json()["code"]) == (422, "file_type")
    assert not Announcement.objects.exists()
    assert not AnnouncementAttachment.objects.exists()


def test_a_teacher_publishes_to_the_classes_they_teach_only(api, world):
    teacher = world.users["teacher"]  # teaches 6Б
    assert publish(api, world, teacher, class_id=world.class_6b.pk).status_code == 201
    refused = publish(api, world, teacher, class_id=world.class_5a.pk)
    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")
    assert publish(api, world, teacher, scope="school").status_code == 403
    grade = m.GradeLevel.objects.get(school=world.school, number=6)
    assert publish(api, world, teacher, scope="parallel", grade_level_id=grade.pk).status_code == (
        403
    )


def test_the_administration_publishes_to_a_parallel_and_the_school(api, world):
    deputy = world.users["deputy"]
    grade = m.GradeLevel.objects.get(school=world.school, number=5)
    parallel = publish(api, world, deputy, scope="parallel", grade_level_id=grade.pk)
    assert parallel.status_code == 201
    assert parallel.json()["grade_level"] == {"id": grade.pk, "number": 5}
    school = publish(api, world, deputy, scope="school", title="Карантин", audience="students")
    assert school.status_code == 201
    assert school.json()["school_class"] is None
    # The student persona (6Б) reads the school's announcement for students, not 5's parallel.
    assert [a["id"] for a in listed(api, world, world.users["student"])] == [school.json()["id"]]


@pytest.mark.parametrize("persona", ["parent", "student", "secretary", "hr"])
def test_who_may_not_announce_is_refused(api, world, persona):
    response = publish(api, world, world.users[persona], class_id=world.class_5a.pk)
    assert response.status_code == 403
    assert not Announcement.objects.exists()


def test_another_schools_class_or_parallel_is_not_found(api, world):
    other_year = m.AcademicYear.objects.get(school=world.other_school)
    other_grade = GradeLevelFactory(school=world.other_school, number=5)
    other_class = SchoolClassFactory(
        school=world.other_school, year=other_year, grade_level=other_grade, letter="В"
    )
    admin = world.users["admin"]
    assert publish(api, world, admin, class_id=other_class.pk).status_code == 404
    response = publish(api, world, admin, scope="parallel", grade_level_id=other_grade.pk)
    assert response.status_code == 404
    assert not Announcement.objects.exists()


CLASS_5A = "the world's class 5А"


@pytest.mark.parametrize(
    ("fields", "code", "where"),
    [
        ({"scope": "galaxy"}, "validation_error", ["body", "data", "scope"]),
        ({"audience": "everyone"}, "validation_error", ["body", "data", "audience"]),
        ({"class_id": "5А"}, "validation_error", ["body", "data", "class_id"]),
        ({"class_id": 2**63}, "validation_error", ["body", "data", "class_id"]),
        ({"class_id": CLASS_5A, "title": "   "}, "empty", None),
        ({"class_id": CLASS_5A, "body": "x" * 10_001}, "too_long", None),
        ({}, "class", None),  # scope class without a class
        ({"scope": "parallel"}, "parallel", None),  # no parallel
    ],
)
def test_bad_input_is_refused_clearly(api, world, fields, code, where):
    fields = {k: world.class_5a.pk if v == CLASS_5A else v for k, v in fields.items()}
    response = publish(api, world, world.users["admin"], **fields)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == code
    assert body["message"]
    if where:
        assert body["details"][0]["loc"] == where
    assert not Announcement.objects.exists()


def test_the_list_is_paged(api, world):
    admin = world.users["admin"]
    for n in range(3):
        publish(api, world, admin, scope="school", title=f"Объявление {n}")
    response = api.get(base(world), {"offset": 1, "limit": 1}, **auth(admin))
    body = response.json()
    assert (body["total"], body["offset"], body["limit"]) == (3, 1, 1)
    assert [a["title"] for a in body["items"]] == ["Объявление 1"]
    assert api.get(base(world), {"offset": -1}, **auth(admin)).status_code == 422
