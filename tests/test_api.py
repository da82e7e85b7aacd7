"""The REST API /api/v1/: bearer tokens, JSON errors, and every role × every endpoint
(DESIGN §4: "every role × every page and API endpoint, allowed and denied")."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from zhurnal.accounts.models import ApiToken, Role, hash_token
from zhurnal.api.api import endpoints
from zhurnal.audit.actor import Actor
from zhurnal.audit.models import AuditEvent
from zhurnal.journal import services as journal_services
from zhurnal.journal.defaults import ensure_work_types
from zhurnal.journal.models import GradeColumn, Homework, HomeworkAttachment
from zhurnal.oversight import services as oversight_services
from zhurnal.oversight.models import JournalRemark, RemarkStatus
from zhurnal.school import models as m

from .api_support import NOW, PREFIX, bearer, token_for
from .factories import (
    GradeLevelFactory,
    SchoolClassFactory,
    SchoolFactory,
    StaffFactory,
    StudentFactory,
    SubjectFactory,
    UserFactory,
    YearFactory,
    enroll,
    grant,
)
from .personas import PERSONAS

PASSWORD = "correct-horse-42"

STAFF = {"admin", "director", "deputy", "teacher", "class_teacher", "secretary", "hr"}
EVERYONE = set(PERSONAS)
# Personas with no role in the world's school: its ids are "not found" for them.
NOT_IN_SCHOOL = {"outsider", "nobody"}
ADMINISTRATION = {"admin", "director", "deputy"}

# (METHOD, path) -> personas allowed. Path parameters are the world's school and class 5А.
MATRIX: dict[tuple[str, str], set[str]] = {
    ("GET", "/me"): EVERYONE,
    ("GET", "/schools"): EVERYONE,
    ("GET", "/auth/tokens"): EVERYONE,
    ("DELETE", "/auth/tokens/{token_id}"): EVERYONE,
    ("DELETE", "/auth/token"): EVERYONE,
    ("GET", "/schools/{school_id}/structure"): STAFF,
    ("GET", "/schools/{school_id}/classes"): STAFF,
    ("GET", "/schools/{school_id}/classes/{class_id}"): {
        "admin",
        "director",
        "deputy",
        "secretary",
        "class_teacher",
    },
    ("GET", "/schools/{school_id}/staff"): STAFF,
    # The timetable (tests/test_api_timetable.py): the world's course, its lesson of 18.11.
    ("GET", "/schools/{school_id}/timetable/classes/{class_id}"): STAFF,
    ("GET", "/schools/{school_id}/timetable/groups/{group_id}"): STAFF,
    ("GET", "/schools/{school_id}/timetable/teachers/{staff_id}"): STAFF,
    ("GET", "/schools/{school_id}/timetable/rooms/{room}"): STAFF,
    ("GET", "/schools/{school_id}/courses/{course_id}/lessons"): {
        "admin",
        "director",
        "deputy",
        "teacher",
    },
    ("GET", "/schools/{school_id}/courses/{course_id}/plan"): {
        "admin",
        "director",
        "deputy",
        "teacher",
    },
    ("GET", "/schools/{school_id}/courses/{course_id}/fulfilment"): {
        "admin",
        "director",
        "deputy",
        "teacher",
    },
    ("GET", "/schools/{school_id}/fulfilment"): {"admin", "director", "deputy"},
    # The journal (tests/test_api_journal.py): the world's course, its lesson of 18.11, a
    # column of that lesson and a student of 6Б.
    ("GET", "/schools/{school_id}/work-types"): STAFF,
    ("GET", "/schools/{school_id}/courses/{course_id}/journal"): {
        "admin",
        "director",
        "deputy",
        "teacher",
    },
    ("POST", "/schools/{school_id}/lessons/{lesson_id}/columns"): {"teacher"},
    ("PUT", "/schools/{school_id}/columns/{column_id}/marks/{student_id}"): {"teacher"},
    ("PUT", "/schools/{school_id}/lessons/{lesson_id}/attendance/{student_id}"): {"teacher"},
    # Whether the lesson's attendance was taken ("everyone present"; tests/test_roll_call.py).
    ("POST", "/schools/{school_id}/lessons/{lesson_id}/roll-call"): {"teacher"},
    ("POST", "/schools/{school_id}/courses/{course_id}/journal/batch"): {
        "admin",
        "director",
        "deputy",
        "teacher",
    },
    ("PUT", "/schools/{school_id}/lessons/{lesson_id}/homework"): {"teacher"},
    ("PUT", "/schools/{school_id}/courses/{course_id}/period-marks/{student_id}"): {"teacher"},
    ("PUT", "/schools/{school_id}/lessons/{lesson_id}/topic"): {"teacher"},
    ("PUT", "/schools/{school_id}/lessons/{lesson_id}/substitution"): {"admin", "deputy"},
    ("POST", "/schools/{school_id}/lessons/{lesson_id}/cancellation"): {"admin", "deputy"},
    # The assessment schedule (tests/test_assessments.py): staff and the school's families.
    ("GET", "/schools/{school_id}/assessments"): STAFF | {"parent", "student"},
    # The diary (tests/test_diary.py) of the student persona (6Б, no class teacher): the
    # student themself and the administration; the parent (another family) gets 404.
    ("GET", "/schools/{school_id}/students/{student_id}/diary"): ADMINISTRATION | {"student"},
    ("GET", "/schools/{school_id}/students/{student_id}/marks"): ADMINISTRATION | {"student"},
    ("GET", "/schools/{school_id}/students/{student_id}/attendance"): ADMINISTRATION | {"student"},
    ("GET", "/schools/{school_id}/students/{student_id}/homework"): ADMINISTRATION | {"student"},
    # The absence register (tests/test_absence_sheet.py): the sheet of 5А for its class
    # teacher and the administration; a student's absences under the diary's rule.
    ("GET", "/schools/{school_id}/classes/{class_id}/absences/sheet"): ADMINISTRATION
    | {"class_teacher"},
    ("GET", "/schools/{school_id}/students/{student_id}/absences"): ADMINISTRATION | {"student"},
    # A homework attachment of the student persona's lesson (the world's course, 6Б).
    (
        "GET",
        "/schools/{school_id}/students/{student_id}/homework-attachments/{homework_attachment_id}",
    ): ADMINISTRATION | {"student"},
    # Messaging (tests/test_messaging.py): everyone in the school has an inbox and contacts; the
    # world's conversation is between the class teacher and the parent; a new one goes to the
    # director and the class teacher (a student may write to neither: not found).
    ("GET", "/schools/{school_id}/threads"): STAFF | {"parent", "student"},
    ("GET", "/schools/{school_id}/contacts"): STAFF | {"parent", "student"},
    ("POST", "/schools/{school_id}/threads"): STAFF | {"parent"},
    ("POST", "/schools/{school_id}/threads/files"): STAFF | {"parent"},
    ("GET", "/schools/{school_id}/threads/{thread_id}"): {"class_teacher", "parent"},
    ("POST", "/schools/{school_id}/threads/{thread_id}/messages"): {"class_teacher", "parent"},
    ("POST", "/schools/{school_id}/threads/{thread_id}/messages/files"): {
        "class_teacher",
        "parent",
    },
    ("GET", "/schools/{school_id}/message-attachments/{message_attachment_id}"): {
        "class_teacher",
        "parent",
    },
    # Notifications (tests/test_api_notifications.py): everyone with a role reads and marks
    # their own; the preferences are the user's, with a role in any school.
    ("GET", "/schools/{school_id}/notifications"): STAFF | {"parent", "student"},
    ("POST", "/schools/{school_id}/notifications/read"): STAFF | {"parent", "student"},
    ("GET", "/notifications/preferences"): EVERYONE - {"nobody"},
    ("PUT", "/notifications/preferences"): EVERYONE - {"nobody"},
    # Reports (tests/test_api_reports.py): the school's figures are the administration's; the
    # summary and attendance of class 5А its class teacher's too.
    ("GET", "/schools/{school_id}/reports/results"): ADMINISTRATION,
    ("GET", "/schools/{school_id}/classes/{class_id}/reports/summary"): ADMINISTRATION
    | {"class_teacher"},
    ("GET", "/schools/{school_id}/classes/{class_id}/reports/attendance"): ADMINISTRATION
    | {"class_teacher"},
    # The control of the journals (tests/test_api_reports.py): the indicators of the whole
    # school for the administration, of their own courses for a teacher; the world's remark
    # (``_remark``: the deputy's, on the course of 6Б, to the teacher) read by the
    # administration and its teacher, fixed by the teacher, reopened (once fixed, see PREPARE)
    # and accepted by the deputy and the director; the lagging students of the whole school;
    # the support log of the student persona (6Б): the administration, their subject teacher,
    # the student themself; recorded by the staff among them.
    ("GET", "/schools/{school_id}/control/indicators"): ADMINISTRATION
    | {"teacher", "class_teacher"},
    ("GET", "/schools/{school_id}/control/indicators/{key}/cases"): ADMINISTRATION
    | {"teacher", "class_teacher"},
    ("GET", "/schools/{school_id}/remarks"): ADMINISTRATION | {"teacher", "class_teacher"},
    ("POST", "/schools/{school_id}/remarks"): {"deputy", "director"},
    ("GET", "/schools/{school_id}/remarks/{remark_id}"): ADMINISTRATION | {"teacher"},
    ("POST", "/schools/{school_id}/remarks/{remark_id}/fix"): {"teacher"},
    ("POST", "/schools/{school_id}/remarks/{remark_id}/reopen"): {"deputy", "director"},
    ("POST", "/schools/{school_id}/remarks/{remark_id}/accept"): {"deputy", "director"},
    ("GET", "/schools/{school_id}/control/lagging"): ADMINISTRATION,
    ("GET", "/schools/{school_id}/students/{student_id}/support"): ADMINISTRATION
    | {"teacher", "student"},
    ("POST", "/schools/{school_id}/students/{student_id}/support"): ADMINISTRATION | {"teacher"},
    # The family's acknowledgement of term marks (tests/test_api_acknowledgements.py), of the
    # student persona (6Б, no guardian): read by who reads the diary; acknowledged by the
    # student's guardians only — none here (the parent, of another family: not found).
    ("GET", "/schools/{school_id}/students/{student_id}/acknowledgements"): ADMINISTRATION
    | {"student"},
    ("POST", "/schools/{school_id}/students/{student_id}/acknowledgements"): set(),
    # Announcements (tests/test_api_announcements.py): read by everyone in the school (each
    # their own audience's); published to 5А by the administration and its class teacher (the
    # teacher, who does not teach 5А, may not); the world's announcement to 5А (its file) read
    # by the staff and the parent of a child of 5А (the student persona, of 6Б: not found).
    ("GET", "/schools/{school_id}/announcements"): STAFF | {"parent", "student"},
    ("POST", "/schools/{school_id}/announcements"): ADMINISTRATION | {"class_teacher"},
    ("POST", "/schools/{school_id}/announcements/files"): ADMINISTRATION | {"class_teacher"},
    ("GET", "/schools/{school_id}/announcement-attachments/{announcement_attachment_id}"): STAFF
    | {"parent"},
    # Notes to students at the world's lesson (tests/test_api_notes.py): written by who keeps
    # it, read by who reads its journal.
    ("GET", "/schools/{school_id}/lessons/{lesson_id}/notes"): {
        "admin",
        "director",
        "deputy",
        "teacher",
    },
    ("POST", "/schools/{school_id}/lessons/{lesson_id}/notes"): {"teacher"},
    # The year end (tests/test_api_yearend.py): the checklists are the director's, the deputies'
    # and the secretary's; the promotion's preview of 5А (into the next year, see PREPARE) the
    # director's and the secretary's; so are closing the world's year and promoting 5А — last,
    # in this order: the promotion follows the closing, and a closed year refuses the writes
    # above.
    # The OneRoster package (tests/test_exchange.py): the director's.
    ("GET", "/schools/{school_id}/oneroster"): {"director"},
    ("GET", "/schools/{school_id}/year-end"): {"director", "deputy", "secretary"},
    ("GET", "/schools/{school_id}/classes/{class_id}/year-end"): {
        "director",
        "deputy",
        "secretary",
    },
    ("GET", "/schools/{school_id}/classes/{class_id}/promotion"): {"director", "secretary"},
    ("POST", "/schools/{school_id}/years/{year_id}/close"): {"director", "secretary"},
    ("POST", "/schools/{school_id}/classes/{class_id}/promotion"): {"director", "secretary"},
}
# Denied as "not found" to everyone not allowed: a conversation of others, a recipient one may
# not write to (ids cannot be probed).
HIDDEN = {
    ("POST", "/schools/{school_id}/threads"),
    ("POST", "/schools/{school_id}/threads/files"),
    ("GET", "/schools/{school_id}/threads/{thread_id}"),
    ("POST", "/schools/{school_id}/threads/{thread_id}/messages"),
    ("POST", "/schools/{school_id}/threads/{thread_id}/messages/files"),
    ("GET", "/schools/{school_id}/message-attachments/{message_attachment_id}"),
    ("GET", "/schools/{school_id}/announcement-attachments/{announcement_attachment_id}"),
}
# Sent as multipart/form-data (with files), not JSON.
MULTIPART = {
    ("POST", "/schools/{school_id}/threads/files"),
    ("POST", "/schools/{school_id}/threads/{thread_id}/messages/files"),
    ("POST", "/schools/{school_id}/announcements/files"),
}
# A parent or a student asking for another family's child: "not found" (tests/test_diary.py).
# The student of the paths is the student persona themself, so only the parent (of another
# family) is answered so; the student persona denied their own record gets 403.
FAMILY_NOT_FOUND = {
    ("GET", f"/schools/{{school_id}}/students/{{student_id}}/{tail}")
    for tail in (
        "diary",
        "marks",
        "attendance",
        "homework",
        "absences",
        "homework-attachments/{homework_attachment_id}",
        "support",
        "acknowledgements",
    )
} | {
    ("POST", f"/schools/{{school_id}}/students/{{student_id}}/{tail}")
    for tail in ("support", "acknowledgements")
}
# Answered the same to everyone (tested below).
PUBLIC = {("POST", "/auth/token")}


def endpoint_matrix() -> dict[tuple[str, str], set[str]]:
    """(METHOD, path) -> personas allowed, for the global access-matrix test."""
    return dict(MATRIX)


def path_ids(world, token_id: int) -> dict:
    """The path parameters of the matrix: the world's school, class 5А, course and lesson."""
    return {
        "school_id": world.school.pk,
        "class_id": world.class_5a.pk,
        "token_id": token_id,
        "group_id": world.group.pk,
        "staff_id": world.teacher_staff.pk,
        "room": "21",
        "course_id": world.course.pk,
        "lesson_id": world.lesson.pk,
        "column_id": _column(world).pk,
        "student_id": world.older_student.pk,
        "thread_id": _thread(world).pk,
        "message_attachment_id": _message_attachment(world).pk,
        "homework_attachment_id": _homework_attachment(world).pk,
        "announcement_attachment_id": _announcement_attachment(world).pk,
        "remark_id": _remark(world).pk,
        "key": "no_topic",
        "year_id": world.year.pk,
    }


def _column(world) -> GradeColumn:
    """A column of marks on the world's lesson (made once per world)."""
    work_type = ensure_work_types(world.school)[0]
    column = GradeColumn.objects.filter(lesson=world.lesson).first()
    return column or journal_services.add_column(
        lesson=world.lesson, work_type=work_type, actor=Actor.system()
    )


def _thread(world):
    """A conversation of the class teacher with the parent (made once per world)."""
    from zhurnal.messaging import services as messaging_services
    from zhurnal.messaging.models import Thread

    thread = Thread.objects.filter(school=world.school, subject="Matrix").first()
    return thread or messaging_services.start_thread(
        author=world.users["class_teacher"],
        school=world.school,
        recipients=[world.users["parent"].pk],
        subject="Matrix",
        body="Здравствуйте!",
    )


def _message_attachment(world):
    """A file the class teacher sent in the world's conversation (made once per world)."""
    from zhurnal.messaging import services as messaging_services
    from zhurnal.messaging.models import MessageAttachment

    thread = _thread(world)
    item = MessageAttachment.objects.filter(message__thread=thread).first()
    if item is None:
        messaging_services.reply(
            thread=thread,
            author=world.users["class_teacher"],
            body="Расписание во вложении.",
            files=[SimpleUploadedFile("расписание.pdf", b"%PDF-1.4")],
        )
        item = MessageAttachment.objects.get(message__thread=thread)
    return item


def _announcement_attachment(world):
    """A file of the class teacher's announcement to 5А (made once per world)."""
    from zhurnal.messaging import services as messaging_services
    from zhurnal.messaging.models import AnnouncementAttachment

    item = AnnouncementAttachment.objects.filter(school=world.school).first()
    if item is None:
        announcement = messaging_services.announce(
            author=world.users["class_teacher"],
            school=world.school,
            title="Родительское собрание",
            body="Собрание в четверг в 18:00, повестка во вложении.",
            scope="class",
            audience="both",
            school_class=world.class_5a,
            files=[SimpleUploadedFile("повестка.pdf", b"%PDF-1.4")],
        )
        item = announcement.attachments.get()
    return item


def _homework_attachment(world):
    """A file with the homework of the world's lesson, a lesson of the student persona."""
    item = HomeworkAttachment.objects.filter(homework__lesson=world.lesson).first()
    if item is None:
        homework = journal_services.set_homework(
            lesson=world.lesson, text="§ 4", version=0, actor=Actor(world.users["teacher"])
        )
        item = HomeworkAttachment.objects.create(
            school=world.school,
            homework=homework,
            name="задачи.pdf",
            size=8,
            file=SimpleUploadedFile("задачи.pdf", b"%PDF-1.4"),
        )
    return item


def _remark(world) -> JournalRemark:
    """The deputy's remark on the world's course (6Б) to the teacher (made once per world)."""
    remark = JournalRemark.objects.filter(school=world.school).order_by("pk").first()
    return remark or oversight_services.write_remark(
        course=world.course,
        teacher=world.teacher_staff,
        kind="topics",
        text="Не записаны темы уроков.",
        due=date(2026, 11, 27),
        actor=Actor(world.users["deputy"]),
        today=date(2026, 11, 20),
    )


def _remark_fixed(world) -> None:
    """Only a remark marked fixed is reopened: the teacher marks the world's remark so first
    (unless the teacher's own call did)."""
    remark = _remark(world)
    if remark.status == RemarkStatus.OPEN:
        oversight_services.fix_remark(
            remark=remark, comment="Темы записаны.", actor=Actor(world.users["teacher"])
        )


def _next_year(world) -> None:
    """A class is promoted into the next year: it exists (made once per world)."""
    m.AcademicYear.objects.get_or_create(
        school=world.school,
        title="2027/2028",
        defaults={"start": date(2027, 9, 1), "end": date(2028, 5, 31)},
    )


# What an endpoint's object must be before the call, so that the matrix tests the rule.
PREPARE = {
    ("POST", "/schools/{school_id}/remarks/{remark_id}/reopen"): _remark_fixed,
    ("GET", "/schools/{school_id}/classes/{class_id}/promotion"): _next_year,
    ("POST", "/schools/{school_id}/classes/{class_id}/promotion"): _next_year,
}


def _homework_version(world) -> int:
    homework = Homework.objects.filter(lesson=world.lesson).first()
    return homework.version if homework else 0


def write_bodies(world) -> dict[tuple[str, str], dict]:
    """Valid bodies of the writing endpoints, so that the matrix tests the rule, not the input."""
    lesson = "/schools/{school_id}/lessons/{lesson_id}"
    return {
        ("PUT", lesson + "/topic"): {"topic": "Сложение дробей"},
        ("PUT", lesson + "/substitution"): {
            "teacher_id": world.class_teacher_staff.pk,
            "reason": "болезнь",
        },
        ("POST", lesson + "/cancellation"): {"reason": "экскурсия"},
        ("POST", lesson + "/columns"): {"work_type_id": ensure_work_types(world.school)[0].pk},
        ("PUT", "/schools/{school_id}/columns/{column_id}/marks/{student_id}"): {
            "value": "5",
            "version": 0,
        },
        ("PUT", lesson + "/attendance/{student_id}"): {"code": "Н", "version": 0},
        ("POST", "/schools/{school_id}/courses/{course_id}/journal/batch"): {
            "marks": [],
            "attendance": [],
        },
        # The lesson's homework carries the matrix's attachment (``_homework_attachment``).
        ("PUT", lesson + "/homework"): {"text": "§ 5, № 1–3", "version": _homework_version(world)},
        ("POST", "/schools/{school_id}/threads"): {
            "recipients": [world.users["director"].pk, world.users["class_teacher"].pk],
            "subject": "Вопрос",
            "body": "Добрый день!",
        },
        ("POST", "/schools/{school_id}/threads/{thread_id}/messages"): {"body": "Спасибо!"},
        ("POST", "/schools/{school_id}/threads/files"): {
            "recipients": [world.users["director"].pk, world.users["class_teacher"].pk],
            "subject": "Справка",
            "body": "Справка во вложении.",
            "files": [SimpleUploadedFile("справка.pdf", b"%PDF-1.4")],
        },
        ("POST", "/schools/{school_id}/threads/{thread_id}/messages/files"): {
            "body": "Справка во вложении.",
            "files": [SimpleUploadedFile("справка.pdf", b"%PDF-1.4")],
        },
        ("POST", "/schools/{school_id}/notifications/read"): {"ids": None},
        ("PUT", "/notifications/preferences"): {
            "preferences": [{"kind": "marks", "in_app": True, "email": False}]
        },
        ("PUT", "/schools/{school_id}/courses/{course_id}/period-marks/{student_id}"): {
            "kind": "term",
            "term_id": world.term.pk,
            "value": "5",
            "version": 0,
        },
        ("POST", "/schools/{school_id}/remarks"): {
            "course_id": world.course.pk,
            "teacher_id": world.teacher_staff.pk,
            "kind": "homework",
            "text": "Не задано домашнее задание.",
        },
        ("POST", "/schools/{school_id}/remarks/{remark_id}/fix"): {"comment": "Темы записаны."},
        ("POST", "/schools/{school_id}/remarks/{remark_id}/reopen"): {
            "comment": "Не все темы.",
            "due": "2026-11-30",
        },
        ("POST", "/schools/{school_id}/remarks/{remark_id}/accept"): {"comment": ""},
        ("POST", "/schools/{school_id}/students/{student_id}/support"): {
            "kind": "parents",
            "text": "Беседа с мамой о пересдаче.",
        },
        ("POST", "/schools/{school_id}/students/{student_id}/acknowledgements"): {
            "term_id": world.term.pk
        },
        ("POST", "/schools/{school_id}/announcements"): {
            "title": "Экскурсия",
            "body": "В пятницу экскурсия в музей.",
            "scope": "class",
            "class_id": world.class_5a.pk,
        },
        ("POST", "/schools/{school_id}/announcements/files"): {
            "title": "Расписание каникул",
            "body": "Расписание во вложении.",
            "scope": "class",
            "class_id": world.class_5a.pk,
            "audience": "parents",
            "files": [SimpleUploadedFile("каникулы.pdf", b"%PDF-1.4")],
        },
        ("POST", lesson + "/notes"): {
            "student_id": world.older_student.pk,
            "kind": "praise",
            "text": "Отлично решил задачу у доски.",
        },
        ("POST", "/schools/{school_id}/years/{year_id}/close"): {"accept_gaps": True},
        ("POST", "/schools/{school_id}/classes/{class_id}/promotion"): {
            "order_number": "45-у",
            "order_date": "2027-06-20",
        },
    }


def get(client: Client, path: str, raw: str | None = None, **params):
    headers = bearer(raw) if raw else {}
    return client.get(PREFIX + path, params, **headers)


def post_token(client: Client, username: str, password: str = PASSWORD, **extra):
    return client.post(
        PREFIX + "/auth/token",
        {"username": username, "password": password, **extra},
        content_type="application/json",
    )


# --- the matrix ------------------------------------------------------------------------------


def test_every_endpoint_is_in_the_matrix():
    listed = {(method, path) for method, path, _perm in endpoints()}
    assert listed == set(MATRIX) | PUBLIC


def test_school_endpoints_publish_their_permission():
    perms = {(method, path): perm for method, path, perm in endpoints()}
    assert perms[("GET", "/schools/{school_id}/staff")] == "school.view_staff"
    assert perms[("GET", "/schools/{school_id}/classes/{class_id}")] == "school.view_class"
    assert perms[("GET", "/schools/{school_id}/structure")] == "school.view_structure"


# Allowed calls that create a record.
CREATED = {
    ("POST", "/schools/{school_id}/lessons/{lesson_id}/columns"),
    ("POST", "/schools/{school_id}/threads"),
    ("POST", "/schools/{school_id}/threads/{thread_id}/messages"),
    ("POST", "/schools/{school_id}/threads/{thread_id}/messages/files"),
    ("POST", "/schools/{school_id}/threads/files"),
    ("POST", "/schools/{school_id}/remarks"),
    ("POST", "/schools/{school_id}/students/{student_id}/support"),
    ("POST", "/schools/{school_id}/announcements"),
    ("POST", "/schools/{school_id}/announcements/files"),
    ("POST", "/schools/{school_id}/lessons/{lesson_id}/notes"),
}


def _expected(persona: str, method: str, path: str) -> int:
    if persona in MATRIX[(method, path)]:
        if method == "DELETE":
            return 204
        return 201 if (method, path) in CREATED else 200
    if "{school_id}" in path and persona in NOT_IN_SCHOOL:
        return 404
    if (method, path) in HIDDEN:
        return 404
    if (method, path) in FAMILY_NOT_FOUND and persona == "parent":
        return 404
    return 403


@pytest.mark.parametrize("persona", PERSONAS)
def test_endpoint_access_for_every_role(api, world, persona):
    user = world.users[persona]
    raw = token_for(user)
    spare = ApiToken.issue(user, "spare")[0]
    ids = path_ids(world, spare.pk)
    bodies = write_bodies(world)
    # Revoking the request's own token goes last.
    order = sorted(MATRIX, key=lambda key: key == ("DELETE", "/auth/token"))
    results, expected = {}, {}
    for method, path in order:
        body = bodies.get((method, path))
        if (method, path) in PREPARE:
            PREPARE[(method, path)](world)
        url = PREFIX + path.format(**ids)
        if (method, path) in MULTIPART:
            response = api.post(url, body, **bearer(raw))
        else:
            extra = {"data": json.dumps(body), "content_type": "application/json"} if body else {}
            response = api.generic(method, url, **extra, **bearer(raw))
        results[(method, path)] = response.status_code
        expected[(method, path)] = _expected(persona, method, path)
        if response.status_code >= 400:
            assert response.json()["code"], (method, path)
    assert results == expected


def test_every_endpoint_refuses_a_request_without_token(api, world):
    ids = path_ids(world, 1)
    for method, path in MATRIX:
        response = api.generic(method, PREFIX + path.format(**ids))
        assert response.status_code == 401, (method, path)
        assert response.json()["code"] == "not_authenticated"
        assert response["WWW-Authenticate"].startswith("Bearer")


def test_the_outsider_reads_their_own_school(api, world):
    raw = token_for(world.users["outsider"])
    school_id = world.other_school.pk
    for path in ("structure", "classes", "staff"):
        assert get(api, f"/schools/{school_id}/{path}", raw).status_code == 200, path


def test_the_teacher_reads_the_class_they_teach_but_names_only(api, world):
    raw = token_for(world.users["teacher"])
    response = get(api, f"/schools/{world.school.pk}/classes/{world.class_6b.pk}", raw)
    assert response.status_code == 200
    (student,) = response.json()["students"]
    assert student["last_name"] == world.older_student.last_name
    assert student["birth_date"] is None
    assert student["personal_file_number"] is None
    assert student["gender"] is None


@pytest.mark.parametrize("persona", ["admin", "secretary", "class_teacher"])
def test_roles_that_may_open_cards_get_personal_fields(api, world, persona):
    raw = token_for(world.users[persona])
    response = get(api, f"/schools/{world.school.pk}/classes/{world.class_5a.pk}", raw)
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "5А"
    assert body["on"] == "2026-11-20"
    assert body["class_teacher"]["last_name"] == "Смирнова"
    (student,) = body["students"]
    assert student["id"] == world.student.pk
    assert student["birth_date"] == "2015-04-01"
    assert student["personal_file_number"] == world.student.personal_file_number


def test_the_roster_is_the_one_of_the_requested_date(api, world):
    m.Enrollment.objects.filter(student=world.student).update(start=date(2026, 12, 1))
    raw = token_for(world.users["admin"])
    url = f"/schools/{world.school.pk}/classes/{world.class_5a.pk}"
    assert get(api, url, raw).json()["students"] == []
    later = get(api, url, raw, on="2026-12-01").json()
    assert [s["id"] for s in later["students"]] == [world.student.pk]
    assert later["on"] == "2026-12-01"


def test_a_bad_date_is_a_validation_error_with_details(api, world):
    raw = token_for(world.users["admin"])
    url = f"/schools/{world.school.pk}/classes/{world.class_5a.pk}"
    response = get(api, url, raw, on="20.11.2026")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["message"]
    assert body["details"][0]["loc"] == ["query", "on"]


@pytest.mark.parametrize(
    ("persona", "personal"),
    [("admin", True), ("hr", True), ("director", True), ("teacher", False), ("secretary", False)],
)
def test_staff_personal_fields_only_for_roles_that_open_staff_cards(api, world, persona, personal):
    world.teacher_staff.birth_date = date(1980, 2, 3)
    world.teacher_staff.phone = "+7 900 000-00-00"
    world.teacher_staff.save()
    m.StaffPosition.objects.create(
        school=world.school, staff=world.teacher_staff, title="учитель математики"
    )
    raw = token_for(world.users[persona])
    response = get(api, f"/schools/{world.school.pk}/staff", raw)
    assert response.status_code == 200
    row = next(s for s in response.json() if s["id"] == world.teacher_staff.pk)
    assert row["positions"][0]["title"] == "учитель математики"
    assert row["staff_number"] == world.teacher_staff.staff_number
    if personal:
        assert row["birth_date"] == "1980-02-03"
        assert row["phone"] == "+7 900 000-00-00"
    else:
        assert row["birth_date"] is None
        assert row["phone"] is None
        assert row["email"] is None


def test_ids_of_another_school_are_not_found(api, world):
    raw = token_for(world.users["admin"])
    other_year = m.AcademicYear.objects.get(school=world.other_school)
    other_class = SchoolClassFactory(school=world.other_school, year=other_year)
    school_id = world.school.pk
    assert get(api, f"/schools/{school_id}/classes/{other_class.pk}", raw).status_code == 404
    assert get(api, f"/schools/{school_id}/classes", raw, year_id=other_year.pk).status_code == 404
    assert get(api, f"/schools/{school_id}/structure", raw, year_id=other_year.pk).status_code == (
        404
    )
    response = get(api, f"/schools/{world.other_school.pk}/structure", raw)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert get(api, "/schools/999999/staff", raw).status_code == 404


def test_revoking_another_users_token_by_id_is_not_found(api, world):
    victim = ApiToken.issue(world.users["teacher"], "phone")[0]
    raw = token_for(world.users["admin"])
    response = api.delete(f"{PREFIX}/auth/tokens/{victim.pk}", **bearer(raw))
    assert response.status_code == 404
    victim.refresh_from_db()
    assert victim.revoked_at is None


def test_forbidden_is_json_with_a_code(api, world):
    raw = token_for(world.users["parent"])
    response = get(api, f"/schools/{world.school.pk}/structure", raw)
    assert response.status_code == 403
    assert response.json() == {
        "code": "permission_denied",
        "message": "У вас нет доступа к этим данным.",
    }


# --- content of the reads --------------------------------------------------------------------


def test_me_shows_roles_children_classes_and_own_card(api, world):
    parent = get(api, "/me", token_for(world.users["parent"])).json()
    (school,) = parent["schools"]
    assert school["id"] == world.school.pk
    assert school["roles"] == [Role.PARENT]
    (child,) = school["children"]
    assert child["id"] == world.student.pk
    assert child["school_class"]["name"] == "5А"

    student = get(api, "/me", token_for(world.users["student"])).json()
    assert student["schools"][0]["student_id"] == world.older_student.pk
    assert student["schools"][0]["children"] == []

    class_teacher = get(api, "/me", token_for(world.users["class_teacher"])).json()
    assert class_teacher["username"] == "class_teacher"
    (led,) = class_teacher["schools"][0]["led_classes"]
    assert led == {"id": world.class_5a.pk, "name": "5А", "year_id": world.year.pk}

    nobody = get(api, "/me", token_for(world.users["nobody"])).json()
    assert nobody["schools"] == []


def test_schools_lists_only_the_users_schools(api, world):
    grant(world.users["teacher"], world.other_school, Role.PARENT)
    body = get(api, "/schools", token_for(world.users["teacher"])).json()
    assert [(s["id"], s["roles"]) for s in body] == [
        (world.school.pk, ["teacher"]),
        (world.other_school.pk, ["parent"]),
    ]


def test_structure_lists_the_year_and_its_contents(api, world):
    # The world has quarters 1–2 and the autumn holiday; make the holiday grade 5's only.
    holiday = m.Holiday.objects.get(school=world.school, title="Осенние каникулы")
    holiday.grade_levels.add(world.class_5a.grade_level)
    m.CurriculumLine.objects.create(
        school=world.school,
        year=world.year,
        subject=world.course.subject,
        grade_level=world.class_6b.grade_level,
        hours_per_week="5.0",
    )
    body = get(api, f"/schools/{world.school.pk}/structure", token_for(world.users["teacher"]))
    body = body.json()
    assert body["year_id"] == world.year.pk
    (year,) = body["years"]
    assert [t["number"] for t in year["terms"]] == [1, 2]
    assert year["holidays"][0]["grade_levels"] == [5]
    assert [g["number"] for g in body["grade_levels"]] == [5, 6]
    assert body["subjects"][0]["name"] == "Математика"
    assert body["curriculum"][0]["hours_per_week"] == 5.0
    course = body["courses"][0]
    assert [c["audience"] for c in body["courses"]] == ["6Б", "5А"]
    assert course["teachers"][0]["last_name"] == "Петрова"
    assert body["groups"][0]["school_class_id"] == world.class_5a.pk


def test_classes_list_counts_students_of_today(api, world):
    StudentFactory(school=world.school)  # not enrolled
    left = StudentFactory(school=world.school)
    m.Enrollment.objects.create(
        school=world.school,
        student=left,
        school_class=world.class_5a,
        start=date(2026, 9, 1),
        end=date(2026, 10, 1),
    )
    body = get(api, f"/schools/{world.school.pk}/classes", token_for(world.users["deputy"]))
    body = body.json()
    assert body["year"]["id"] == world.year.pk
    assert body["on"] == "2026-11-20"
    counts = {c["name"]: c["student_count"] for c in body["classes"]}
    assert counts == {"5А": 1, "6Б": 1}
    assert body["classes"][0]["class_teacher"]["last_name"] == "Смирнова"


# --- tokens ----------------------------------------------------------------------------------


def test_a_token_is_issued_for_the_right_password_and_only_its_hash_is_stored(api, world):
    response = post_token(api, "teacher", name="phone")
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["username"] == "teacher"
    assert body["name"] == "phone"
    stored = ApiToken.objects.get(pk=body["id"])
    assert stored.key_hash == hash_token(body["token"])
    assert body["token"] not in stored.key_hash
    assert get(api, "/me", body["token"]).json()["username"] == "teacher"
    assert AuditEvent.objects.filter(object_type="accounts.apitoken", object_id=str(stored.pk))


@pytest.mark.parametrize("username", ["teacher", "no-such-user"])
def test_a_wrong_password_or_unknown_user_is_refused(api, world, username):
    response = post_token(api, username, "wrong-password")
    assert response.status_code == 401
    assert response.json() == {
        "code": "invalid_credentials",
        "message": "Неверный логин или пароль.",
    }
    assert not ApiToken.objects.exists()


def test_an_inactive_user_gets_no_token(api, world):
    world.users["teacher"].is_active = False
    world.users["teacher"].save()
    assert post_token(api, "teacher").json()["code"] == "invalid_credentials"


def test_a_one_time_password_must_be_changed_on_the_web_first(api, world):
    user = world.users["teacher"]
    user.must_change_password = True
    user.save()
    response = post_token(api, "teacher")
    assert response.status_code == 403
    assert response.json()["code"] == "password_change_required"
    assert not ApiToken.objects.exists()


def test_an_existing_token_stops_working_when_a_password_change_is_required(api, world):
    raw = token_for(world.users["teacher"])
    world.users["teacher"].must_change_password = True
    world.users["teacher"].save()
    response = get(api, "/me", raw)
    assert response.status_code == 403
    assert response.json()["code"] == "password_change_required"


def test_an_underage_student_gets_no_token(api, world):
    young = UserFactory(username="young")
    StudentFactory(school=world.school, user=young, birth_date=date(2014, 1, 1))
    grant(young, world.school, Role.STUDENT)
    response = post_token(api, "young")
    assert response.status_code == 403
    assert response.json()["code"] == "student_underage"
    # A wrong password for the same user says nothing about age.
    assert post_token(api, "young", "wrong-password").json()["code"] == "invalid_credentials"
    assert not ApiToken.objects.exists()


def test_a_student_of_age_gets_a_token(api, world):
    assert post_token(api, "student").status_code == 200


def test_bad_token_requests_are_validation_errors(api, world):
    response = api.post(
        PREFIX + "/auth/token", {"username": "teacher"}, content_type="application/json"
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert ["body", "data", "password"] in [d["loc"] for d in body["details"]]
    response = api.post(PREFIX + "/auth/token", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"


def test_five_failures_lock_the_api_login_even_for_the_right_password(api, world):
    for attempt in range(1, 5):
        response = post_token(api, "teacher", "wrong-password")
        assert response.json()["code"] == "invalid_credentials", attempt
    response = post_token(api, "teacher", "wrong-password")
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json()["code"] == "locked_out"
    response = post_token(api, "teacher")
    assert response.status_code == 429
    assert response.json()["code"] == "locked_out"
    assert not ApiToken.objects.exists()
    # Username + address: another user from the same address is not locked.
    assert post_token(api, "director").status_code == 200


def test_the_lockout_ends_after_the_cool_off(api, world):
    for _ in range(5):
        post_token(api, "teacher", "wrong-password")
    with time_machine.travel(NOW + timedelta(minutes=16), tick=False):
        assert post_token(api, "teacher").status_code == 200


def test_a_success_forgets_earlier_failures(api, world):
    for _ in range(4):
        post_token(api, "teacher", "wrong-password")
    assert post_token(api, "teacher").status_code == 200
    for _ in range(4):
        post_token(api, "teacher", "wrong-password")
    assert post_token(api, "teacher").status_code == 200


def test_revoking_the_token_ends_it(api, world):
    raw = token_for(world.users["teacher"])
    other = token_for(world.users["teacher"])
    response = api.delete(PREFIX + "/auth/token", **bearer(raw))
    assert response.status_code == 204
    response = get(api, "/me", raw)
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"
    assert get(api, "/me", other).status_code == 200  # the other device stays logged in


def test_revoking_a_token_by_id_and_listing_tokens(api, world):
    raw = token_for(world.users["teacher"])
    lost = ApiToken.issue(world.users["teacher"], "lost phone")[0]
    listed = get(api, "/auth/tokens", raw).json()
    assert {t["name"]: t["current"] for t in listed} == {"test": True, "lost phone": False}
    assert api.delete(f"{PREFIX}/auth/tokens/{lost.pk}", **bearer(raw)).status_code == 204
    assert [t["name"] for t in get(api, "/auth/tokens", raw).json()] == ["test"]


def test_logout_everywhere_revokes_api_tokens(api, world):
    raw = token_for(world.users["teacher"])
    browser = Client()
    browser.force_login(world.users["teacher"])
    assert browser.post(reverse("accounts:logout_everywhere")).status_code == 302
    assert get(api, "/me", raw).status_code == 401


@pytest.mark.parametrize(
    "header",
    ["Bearer not-a-token", "Bearer " + "x" * 500, "Bearer "],
)
def test_a_wrong_token_is_refused(api, world, header):
    response = api.get(PREFIX + "/me", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["code"] in {"invalid_token", "not_authenticated"}


def test_another_scheme_is_not_authenticated(api, world):
    raw = token_for(world.users["teacher"])
    response = api.get(PREFIX + "/me", HTTP_AUTHORIZATION=f"Token {raw}")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_session_cookie_is_not_enough(api, world):
    api.force_login(world.users["admin"])
    assert get(api, "/me").status_code == 401


def test_last_use_is_written_at_most_once_a_minute(api, world):
    api_token, raw = ApiToken.issue(world.users["teacher"], "phone")
    with time_machine.travel(NOW, tick=False) as traveller:
        get(api, "/me", raw)
        api_token.refresh_from_db()
        assert api_token.last_used_at == NOW
        traveller.shift(timedelta(seconds=30))
        get(api, "/me", raw)
        api_token.refresh_from_db()
        assert api_token.last_used_at == NOW
        traveller.shift(timedelta(seconds=31))
        get(api, "/me", raw)
        api_token.refresh_from_db()
        assert api_token.last_used_at == NOW + timedelta(seconds=61)


# --- OpenAPI and unknown addresses ------------------------------------------------------------


def test_openapi_document_lists_every_path_and_schema(api, db):
    response = api.get(PREFIX + "/openapi.json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["info"]["title"] == "Zhurnal API"
    paths = set(schema["paths"])
    assert {PREFIX + path for _m, path in MATRIX} | {PREFIX + "/auth/token"} <= paths
    components = schema["components"]
    assert {"MeOut", "StructureOut", "ClassDetailOut", "StaffOut", "ErrorOut"} <= set(
        components["schemas"]
    )
    assert components["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"
    staff = schema["paths"][PREFIX + "/schools/{school_id}/staff"]["get"]
    assert set(staff["responses"]) >= {"200", "401", "403", "404"}


def test_no_docs_page_that_would_load_a_cdn(api, db):
    assert api.get(PREFIX + "/docs").status_code == 404


def test_an_unknown_address_is_a_json_404(api, db):
    response = api.get(PREFIX + "/no-such-thing")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


# --- bounded queries -------------------------------------------------------------------------


def _school_of_size(n: int):
    """A school with n classes of 3n students, n teachers with positions, n courses, n terms."""
    school = SchoolFactory()
    year = YearFactory(school=school, start=date(2026, 9, 1), end=date(2027, 5, 31))
    admin = grant(UserFactory(), school, Role.ADMIN)
    StaffFactory(school=school, user=admin)
    for i in range(n):
        grade = GradeLevelFactory(school=school, number=i + 1)
        teacher = StaffFactory(school=school)
        m.StaffPosition.objects.create(school=school, staff=teacher, title="учитель")
        m.StaffPosition.objects.create(school=school, staff=teacher, title="методист")
        school_class = SchoolClassFactory(
            school=school, year=year, grade_level=grade, letter="А", class_teacher=teacher
        )
        subject = SubjectFactory(school=school, name=f"Предмет {i}")
        course = m.Course.objects.create(
            school=school, year=year, subject=subject, school_class=school_class
        )
        course.teachers.add(teacher)
        m.CurriculumLine.objects.create(
            school=school, year=year, subject=subject, grade_level=grade, hours_per_week=2
        )
        m.Group.objects.create(
            school=school, year=year, name=f"Группа {i}", school_class=school_class
        )
        m.Term.objects.create(
            school=school,
            year=year,
            kind="quarter",
            number=i + 1,
            start=date(2026, 9, 1),
            end=date(2026, 10, 1),
        )
        holiday = m.Holiday.objects.create(
            school=school,
            year=year,
            title=f"Каникулы {i}",
            start=date(2026, 11, 1),
            end=date(2026, 11, 2),
        )
        holiday.grade_levels.add(grade)
        for _ in range(3 * n):
            enroll(StudentFactory(school=school), school_class)
    return school, admin, m.SchoolClass.objects.filter(school=school).first()


def _query_counts(client: Client, school, admin, school_class) -> dict[str, int]:
    raw = token_for(admin)
    get(client, "/me", raw)  # writes last_used_at once
    paths = {
        "me": "/me",
        "schools": "/schools",
        "structure": f"/schools/{school.pk}/structure",
        "classes": f"/schools/{school.pk}/classes",
        "class": f"/schools/{school.pk}/classes/{school_class.pk}",
        "staff": f"/schools/{school.pk}/staff",
    }
    counts = {}
    for name, path in paths.items():
        with CaptureQueriesContext(connection) as queries:
            assert get(client, path, raw).status_code == 200, name
        counts[name] = len(queries)
    return counts


def test_list_endpoints_run_a_fixed_number_of_queries(api, db, django_assert_max_num_queries):
    with time_machine.travel(NOW, tick=False):
        small = _query_counts(api, *_school_of_size(1))
        large_school = _school_of_size(4)
        large = _query_counts(api, *large_school)
        assert small == large
        raw = token_for(large_school[1])
        get(api, "/me", raw)  # writes last_used_at once
        school_id = large_school[0].pk
        for path, limit in (("structure", 17), ("classes", 8), ("staff", 8)):
            with django_assert_max_num_queries(limit):
                get(api, f"/schools/{school_id}/{path}", raw)
        with django_assert_max_num_queries(8):
            get(api, f"/schools/{school_id}/classes/{large_school[2].pk}", raw)
