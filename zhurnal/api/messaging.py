"""Messages through the API (issue 5, for a mobile app): the conversations of the user with
unread counts, one conversation (reading it marks it read), a new conversation, a reply, and
the address book — through the same services and rules as the pages (``zhurnal.messaging``).

Rules: ``messaging.use`` (anyone with a role in the school); recipients by
``messaging.write_to`` (DESIGN §4: staff to anyone in the school, parents to the teachers,
class teachers and administration of their children, students to their teachers and class
teacher). A conversation the user does not take part in, and a recipient they may not write to,
are 404 — whatever the reason, so that ids cannot be probed. Attachments (with the page's
limits: size, type, number) go with a reply sent as ``multipart/form-data``; each one is
downloaded from its ``download`` path by the participants of its conversation only.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest
from ninja import Field, File, Form, Router, Schema, Status, UploadedFile

from zhurnal.accounts.access import school_for
from zhurnal.core.files import stored_file_response
from zhurnal.messaging import access, queries, services

from .auth import token_auth
from .errors import COMMON_ERRORS, ApiError
from .params import Id, Offset
from .schemas import AttachmentOut

router = Router(auth=token_auth, tags=["messaging"])
PERM = {"x-permission": "messaging.use"}


class PersonRef(Schema):
    id: int = Field(description="User id")
    name: str


class ThreadSummaryOut(Schema):
    id: int
    subject: str
    last_message_at: datetime
    unread: int = Field(description="Messages of others not read yet")
    last_body: str
    participants: list[PersonRef]


class MessageOut(Schema):
    id: int
    author: PersonRef
    body: str
    created_at: datetime
    attachments: list[AttachmentOut]


class ThreadOut(Schema):
    id: int
    subject: str
    participants: list[PersonRef]
    messages: list[MessageOut]


class ThreadIn(Schema):
    recipients: list[Id] = Field(description="User ids from /contacts")
    subject: str
    body: str


class ReplyIn(Schema):
    body: str


class ContactOut(Schema):
    id: int = Field(description="User id")
    name: str
    detail: str


class ContactGroupOut(Schema):
    title: str
    contacts: list[ContactOut]


def _person(user) -> PersonRef:
    return PersonRef(id=user.pk, name=user.display_name)


def refused(error: ValidationError) -> ApiError:
    """422 with the code of the first refusal (a list of them for attachments) and every
    message."""
    codes = [e.code for e in getattr(error, "error_list", [error]) if getattr(e, "code", None)]
    return ApiError(422, codes[0] if codes else "invalid", " ".join(str(m) for m in error.messages))


def _attachment_out(attachment) -> AttachmentOut:
    return AttachmentOut(
        id=attachment.pk,
        name=attachment.name,
        size=attachment.size,
        download=f"/api/v1/schools/{attachment.school_id}/message-attachments/{attachment.pk}",
    )


def _message_out(message) -> MessageOut:
    return MessageOut(
        id=message.pk,
        author=_person(message.author),
        body=message.body,
        created_at=message.created_at,
        attachments=[_attachment_out(a) for a in message.attachments.all()],
    )


def _thread_out(thread) -> ThreadOut:
    return ThreadOut(
        id=thread.pk,
        subject=thread.subject,
        participants=[_person(p.user) for p in thread.participants.all()],
        messages=[_message_out(m) for m in thread.messages.all()],
    )


@router.get(
    "/schools/{school_id}/threads",
    response={200: list[ThreadSummaryOut], **COMMON_ERRORS},
    summary="The user's conversations, newest first, with unread counts",
    description="`offset` and `limit` (at most 100) page through them; three SQL queries a page.",
    openapi_extra=PERM,
)
def threads(request: HttpRequest, school_id: int, offset: Offset = 0, limit: int = 50):
    school = school_for(request.user, school_id, "messaging.use")
    limit = max(1, min(limit, 100))
    rows = queries.inbox(request.user, school)[max(0, offset) : max(0, offset) + limit]
    return [
        ThreadSummaryOut(
            id=row.thread.pk,
            subject=row.thread.subject,
            last_message_at=row.thread.last_message_at,
            unread=row.unread,
            last_body=row.last_body or "",
            participants=[_person(p.user) for p in row.thread.participants.all()],
        )
        for row in rows
    ]


# ``int:``: "threads/files" (POST, a new conversation with files) is not a conversation id.
@router.get(
    "/schools/{school_id}/threads/{int:thread_id}",
    response={200: ThreadOut, **COMMON_ERRORS},
    summary="One conversation; reading it marks it read",
    openapi_extra=PERM,
)
def thread(request: HttpRequest, school_id: int, thread_id: int):
    school = school_for(request.user, school_id, "messaging.use")
    conversation = access.thread_for(request.user, school, thread_id)
    services.mark_read(thread=conversation, user=request.user)
    return _thread_out(conversation)


@router.post(
    "/schools/{school_id}/threads",
    response={201: ThreadOut, **COMMON_ERRORS},
    summary="Start a conversation",
    description=(
        "Recipients must be among the user's contacts (GET /contacts); any other id is 404. "
        "Staff writing to several people may include one family only (422 `families`)."
    ),
    openapi_extra=PERM,
)
def start(request: HttpRequest, school_id: int, payload: ThreadIn):
    return _start(request, school_id, payload.recipients, payload.subject, payload.body, ())


@router.post(
    "/schools/{school_id}/threads/files",
    response={201: ThreadOut, **COMMON_ERRORS},
    summary="Start a conversation with attachments (multipart/form-data)",
    description=(
        "Form fields `recipients` (repeated user ids), `subject`, `body` and `files` "
        "(repeated), with the rules of POST /threads and the limits of attachments (422 "
        "`too_many_files`, `file_too_big`, `file_type`: nothing is sent)."
    ),
    openapi_extra=PERM,
)
def start_with_files(
    request: HttpRequest,
    school_id: int,
    recipients: Form[list[int]],
    subject: Form[str],
    body: Form[str],
    files: File[list[UploadedFile]],
):
    return _start(request, school_id, recipients, subject, body, files)


def _start(request: HttpRequest, school_id: int, recipients, subject: str, body: str, files):
    school = school_for(request.user, school_id, "messaging.use")
    try:
        created = services.start_thread(
            author=request.user,
            school=school,
            recipients=access.recipients_for(request.user, school, recipients),
            subject=subject,
            body=body,
            files=files,
        )
    except ValidationError as error:
        raise refused(error) from error
    return Status(201, _thread_out(access.thread_for(request.user, school, created.pk)))


@router.post(
    "/schools/{school_id}/threads/{thread_id}/messages",
    response={201: MessageOut, **COMMON_ERRORS},
    summary="Reply in a conversation",
    openapi_extra=PERM,
)
def post_reply(request: HttpRequest, school_id: int, thread_id: int, payload: ReplyIn):
    school = school_for(request.user, school_id, "messaging.use")
    conversation = access.thread_for(request.user, school, thread_id)
    try:
        message = services.reply(thread=conversation, author=request.user, body=payload.body)
    except ValidationError as error:
        raise refused(error) from error
    return Status(201, _message_out(message))


@router.post(
    "/schools/{school_id}/threads/{thread_id}/messages/files",
    response={201: MessageOut, **COMMON_ERRORS},
    summary="Reply with attachments (multipart/form-data)",
    description=(
        "Form fields `body` and `files` (one to five files, each at most 10 MB, of the types "
        "the pages accept: documents, spreadsheets, PDF, images, archives). A refused file "
        "is 422 (`too_many_files`, `file_too_big`, `file_type`) and nothing is sent."
    ),
    openapi_extra=PERM,
)
def post_reply_with_files(
    request: HttpRequest,
    school_id: int,
    thread_id: int,
    body: Form[str],
    files: File[list[UploadedFile]],
):
    school = school_for(request.user, school_id, "messaging.use")
    conversation = access.thread_for(request.user, school, thread_id)
    try:
        message = services.reply(thread=conversation, author=request.user, body=body, files=files)
    except ValidationError as error:
        raise refused(error) from error
    return Status(201, _message_out(message))


@router.get(
    "/schools/{school_id}/message-attachments/{message_attachment_id}",
    response=COMMON_ERRORS,
    summary="Download an attachment of a message",
    description="For the participants of its conversation; any other id is 404.",
    openapi_extra={**PERM, "responses": {"200": {"description": "The file"}}},
)
def message_attachment(
    request: HttpRequest, school_id: int, message_attachment_id: int
) -> FileResponse:
    school = school_for(request.user, school_id, "messaging.use")
    item = access.attachment_for(request.user, school, message_attachment_id)
    return stored_file_response(item.file, item.name)


@router.get(
    "/schools/{school_id}/contacts",
    response={200: list[ContactGroupOut], **COMMON_ERRORS},
    summary="The address book: whom the user may write to, grouped",
    openapi_extra=PERM,
)
def contacts(request: HttpRequest, school_id: int):
    school = school_for(request.user, school_id, "messaging.use")
    return [
        ContactGroupOut(
            title=group.title,
            contacts=[
                ContactOut(id=c.user_id, name=c.name, detail=c.detail) for c in group.contacts
            ],
        )
        for group in queries.address_book(request.user, school)
    ]
