"""Announcements through the API (issue 17, for a mobile app): the announcements the user may
read with their files, publishing one (with files as ``multipart/form-data``), and a file's
download — through the same read model, entry points and service as the pages under
``/messages/announcements/`` (``zhurnal.messaging``).

Rules: reading is ``messaging.use`` (anyone with a role in the school) over
``messaging.queries.announcements_for`` — staff read every announcement of the school, a parent
those to their children's class, parallel or school for parents, a student those to their own
for students. Publishing is ``messaging.announce`` (the administration and teachers) and the
audience's rule ``messaging.access.check_audience`` (DESIGN §4: the administration to the
school, a parallel or a class; a teacher to a class they lead or teach; else 403). A file of an
announcement the user may not read is not found (``announcement_attachment_for``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest
from ninja import Field, File, Form, Router, Schema, Status, UploadedFile

from zhurnal.accounts.access import school_for
from zhurnal.core.access import in_school
from zhurnal.core.files import stored_file_response
from zhurnal.messaging import access, queries, services
from zhurnal.messaging.models import Announcement
from zhurnal.school.models import GradeLevel, SchoolClass

from .auth import token_auth
from .errors import COMMON_ERRORS
from .messaging import PersonRef, refused
from .params import Id, Offset
from .schemas import AttachmentOut, ClassRef

router = Router(auth=token_auth, tags=["announcements"])
READ = {"x-permission": "messaging.use"}
PUBLISH = {"x-permission": "messaging.announce"}

ScopeName = Literal["class", "parallel", "school"]
AudienceName = Literal["parents", "students", "both"]


class GradeLevelRef(Schema):
    id: int
    number: int = Field(description="The grade, 1–11")


class AnnouncementOut(Schema):
    id: int
    title: str
    body: str
    author: PersonRef
    scope: ScopeName = Field(description="To a class, a parallel or the whole school")
    audience: AudienceName = Field(description="For parents, students or both")
    school_class: ClassRef | None = Field(description="With scope `class`")
    grade_level: GradeLevelRef | None = Field(description="With scope `parallel`")
    created_at: datetime
    attachments: list[AttachmentOut]


class AnnouncementPageOut(Schema):
    total: int
    offset: int
    limit: int
    items: list[AnnouncementOut]


class AnnouncementIn(Schema):
    title: str
    body: str
    scope: ScopeName
    audience: AudienceName = "both"
    class_id: Id | None = Field(None, description="With scope `class`")
    grade_level_id: Id | None = Field(None, description="With scope `parallel`")


def _attachment_out(item) -> AttachmentOut:
    return AttachmentOut(
        id=item.pk,
        name=item.name,
        size=item.size,
        download=f"/api/v1/schools/{item.school_id}/announcement-attachments/{item.pk}",
    )


def _announcement_out(item: Announcement) -> AnnouncementOut:
    school_class = item.school_class
    grade_level = item.grade_level
    return AnnouncementOut(
        id=item.pk,
        title=item.title,
        body=item.body,
        author=PersonRef(id=item.author.pk, name=item.author.display_name),
        scope=item.scope,
        audience=item.audience,
        school_class=(
            ClassRef(id=school_class.pk, name=school_class.name, year_id=school_class.year_id)
            if school_class
            else None
        ),
        grade_level=(
            GradeLevelRef(id=grade_level.pk, number=grade_level.number) if grade_level else None
        ),
        created_at=item.created_at,
        attachments=[_attachment_out(a) for a in item.attachments.all()],
    )


@router.get(
    "/schools/{school_id}/announcements",
    response={200: AnnouncementPageOut, **COMMON_ERRORS},
    summary="The announcements the user may read, newest first, with their files",
    description=(
        "Staff read every announcement of the school; a parent those to their children's "
        "class, parallel or school for parents; a student those to their own for students. "
        "`offset` and `limit` (at most 100, default 50) page through them."
    ),
    openapi_extra=READ,
)
def announcements(request: HttpRequest, school_id: int, offset: Offset = 0, limit: int = 50):
    school = school_for(request.user, school_id, "messaging.use")
    limit = max(1, min(limit, 100))
    readable = queries.announcements_for(request.user, school)
    page = readable.prefetch_related("attachments")[offset : offset + limit]
    return AnnouncementPageOut(
        total=readable.count(),
        offset=offset,
        limit=limit,
        items=[_announcement_out(item) for item in page],
    )


@router.post(
    "/schools/{school_id}/announcements",
    response={201: AnnouncementOut, **COMMON_ERRORS},
    summary="Publish an announcement",
    description=(
        "To a class (`class_id`), a parallel (`grade_level_id`) or the whole school, for "
        "parents, students or both; the audience is told. The administration publishes "
        "anywhere, a teacher to a class they lead or teach (else 403). Refusals: 422 `empty`, "
        "`too_long`, `class` (no class), `parallel` (no parallel). The same announcement "
        "sent again within 10 minutes (a double submit) answers the one published."
    ),
    openapi_extra=PUBLISH,
)
def publish(request: HttpRequest, school_id: int, data: AnnouncementIn):
    return _publish(request, school_id, data, ())


@router.post(
    "/schools/{school_id}/announcements/files",
    response={201: AnnouncementOut, **COMMON_ERRORS},
    summary="Publish an announcement with files (multipart/form-data)",
    description=(
        "Form fields `title`, `body`, `scope`, `audience`, `class_id` or `grade_level_id`, and "
        "`files` (repeated: at most 5 files of 10 MB each, of the types messages accept), with "
        "the rules of POST /announcements; a refused file is 422 (`too_many_files`, "
        "`file_too_big`, `file_type`) and nothing is published."
    ),
    openapi_extra=PUBLISH,
)
def publish_with_files(
    request: HttpRequest,
    school_id: int,
    data: Form[AnnouncementIn],
    files: File[list[UploadedFile]],
):
    return _publish(request, school_id, data, files)


def _publish(request: HttpRequest, school_id: int, data: AnnouncementIn, files):
    school = school_for(request.user, school_id, "messaging.announce")
    school_class = (
        in_school(school, SchoolClass.objects.select_related("grade_level"), pk=data.class_id)
        if data.class_id is not None and data.scope == "class"
        else None
    )
    grade_level = (
        in_school(school, GradeLevel, pk=data.grade_level_id)
        if data.grade_level_id is not None and data.scope == "parallel"
        else None
    )
    access.check_audience(request.user, school, data.scope, school_class)
    try:
        published = services.announce(
            author=request.user,
            school=school,
            title=data.title,
            body=data.body,
            scope=data.scope,
            audience=data.audience,
            school_class=school_class,
            grade_level=grade_level,
            files=files,
        )
    except ValidationError as error:
        raise refused(error) from error
    return Status(201, _announcement_out(published))


@router.get(
    "/schools/{school_id}/announcement-attachments/{announcement_attachment_id}",
    response=COMMON_ERRORS,
    summary="Download a file of an announcement",
    description="For whoever may read the announcement; any other id is 404.",
    openapi_extra={**READ, "responses": {"200": {"description": "The file"}}},
)
def announcement_attachment(
    request: HttpRequest, school_id: int, announcement_attachment_id: int
) -> FileResponse:
    school = school_for(request.user, school_id, "messaging.use")
    item = access.announcement_attachment_for(request.user, school, announcement_attachment_id)
    return stored_file_response(item.file, item.name)
