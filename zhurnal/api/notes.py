"""Notes to students through the API (issue 17, for a mobile app): a teacher's remark, praise
or message to the parents about a student at a lesson (DESIGN §2 ``StudentNote``), written
and read on the lesson — through the same entry point and service as the lesson's page
(``journal.access.journal_lesson_for``, ``journal.services.add_note``). The family reads the
notes in the diary's week (``GET …/students/{student_id}/diary``: each lesson's ``notes``).

Rules: ``journal.keep_lesson`` writes a lesson's notes (a substitute: that lesson only);
whoever reads the lesson in the journal (``journal.view`` on its course, or keeps it) reads
them. Never a parent or a student here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from zhurnal.accounts.access import school_for
from zhurnal.audit.actor import Actor
from zhurnal.journal import services
from zhurnal.journal.access import KEEP, READ, cell_student, journal_lesson_for
from zhurnal.journal.models import StudentNote
from zhurnal.journal.queries import lesson_notes

from .auth import token_auth
from .errors import COMMON_ERRORS, ApiError
from .params import Id

router = Router(auth=token_auth, tags=["journal"])

NoteKindName = Literal["remark", "praise", "message"]


class NoteStudentRef(Schema):
    id: int
    short_name: str = Field(description="'Иванова А.'")


class NoteAuthorRef(Schema):
    id: int = Field(description="User id")
    name: str


class NoteOut(Schema):
    id: int
    lesson_id: int
    student: NoteStudentRef
    kind: NoteKindName = Field(description="remark, praise or message (to the parents)")
    text: str
    author: NoteAuthorRef | None = Field(description="null for an imported note")
    entered_at: datetime


class NoteIn(Schema):
    student_id: Id
    kind: NoteKindName
    text: str = Field(description="At most 1000 characters; spaces are collapsed")


def _note_out(note: StudentNote) -> NoteOut:
    author = note.entered_by
    return NoteOut(
        id=note.pk,
        lesson_id=note.lesson_id,
        student=NoteStudentRef(id=note.student.pk, short_name=note.student.short_name),
        kind=note.kind,
        text=note.text,
        author=NoteAuthorRef(id=author.pk, name=author.display_name) if author else None,
        entered_at=note.entered_at,
    )


@router.get(
    "/schools/{school_id}/lessons/{lesson_id}/notes",
    response={200: list[NoteOut], **COMMON_ERRORS},
    summary="The notes to students at a lesson",
    description="In list order, with who wrote each and when. Two SQL queries and the lesson's.",
    openapi_extra={"x-permission": READ},
)
def notes(request: HttpRequest, school_id: int, lesson_id: int):
    school = school_for(request.user, school_id, "school.enter")
    lesson = journal_lesson_for(request.user, school, lesson_id, READ)
    return [_note_out(note) for note in lesson_notes(lesson)]


@router.post(
    "/schools/{school_id}/lessons/{lesson_id}/notes",
    response={201: NoteOut, **COMMON_ERRORS},
    summary="Write a note to a student at a lesson (remark, praise, message to the parents)",
    description=(
        "The student must be on the lesson's list on its date (422 `not_on_list`); the family "
        "sees the note in the diary and is told. Refusals: 422 `empty`, `too_long`, and a "
        "closed year's journal (`year_closed`). The same note sent again (a double submit) answers "
        "the note already saved; nothing is written or told twice."
    ),
    openapi_extra={"x-permission": KEEP},
)
def add_note(request: HttpRequest, school_id: int, lesson_id: int, data: NoteIn):
    school = school_for(request.user, school_id, "school.enter")
    lesson = journal_lesson_for(request.user, school, lesson_id, KEEP)
    student = cell_student(school, data.student_id)
    try:
        note = services.add_note(
            lesson=lesson, student=student, kind=data.kind, text=data.text, actor=Actor.of(request)
        )
    except ValidationError as error:
        code = getattr(error, "code", None) or "invalid"
        raise ApiError(422, code, " ".join(str(m) for m in error.messages)) from error
    return Status(201, _note_out(note))
