"""Notifications through the API (issue 5, for a mobile app): the user's in-app notifications
in a school (newest first, paged, with the unread count), marking them read (all, or some by
id), and the user's choices of what they are told, in the app and by e-mail, per kind of event
— through the same services and rules as the pages (``zhurnal.notifications``).

Rule: ``notifications.use`` (anyone with a role in the school). A user only ever sees and marks
their own notifications: ids of others are ignored, so they cannot be probed. The preferences
belong to the user, not to a school: they need the rule in at least one of the user's schools.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from zhurnal.accounts.access import school_for
from zhurnal.accounts.memberships import memberships_of
from zhurnal.notifications import services
from zhurnal.notifications.models import Kind, Notification

from .auth import token_auth
from .errors import COMMON_ERRORS, ApiError
from .params import Id, Offset

router = Router(auth=token_auth, tags=["notifications"])
PERM = {"x-permission": "notifications.use"}
MAX_LIMIT = 100


class NotificationOut(Schema):
    id: int
    kind: str = Field(description="One of the kinds of /notifications/preferences")
    title: str
    body: str
    link: str = Field(description="A page of the web interface (a path), or empty")
    created_at: datetime
    read_at: datetime | None = None


class NotificationPageOut(Schema):
    total: int = Field(description="All the user's notifications in the school")
    unread: int = Field(description="Those not read yet")
    offset: int
    limit: int
    items: list[NotificationOut]


class ReadIn(Schema):
    ids: list[Id] | None = Field(
        default=None, description="The notifications to mark read; omitted or null: all"
    )


class ReadOut(Schema):
    marked: int = Field(description="Notifications marked read by this call")
    unread: int = Field(description="Unread notifications left")


class PreferenceOut(Schema):
    kind: str
    label: str
    in_app: bool
    email: bool


class PreferenceIn(Schema):
    kind: str
    in_app: bool
    email: bool


class PreferencesIn(Schema):
    preferences: list[PreferenceIn] = Field(
        description="The kinds to change; kinds not listed keep their choice"
    )


def _own(request: HttpRequest, school):
    return Notification.objects.filter(user=request.user, school=school)


@router.get(
    "/schools/{school_id}/notifications",
    response={200: NotificationPageOut, **COMMON_ERRORS},
    summary="The user's notifications in a school, newest first, with the unread count",
    description=(
        "`offset` and `limit` (at most 100) page through them; `unread_only=true` lists the "
        "unread ones. Reading the list does not mark them read (POST .../notifications/read). "
        "Three SQL queries a page."
    ),
    openapi_extra=PERM,
)
def notifications(
    request: HttpRequest,
    school_id: int,
    offset: Offset = 0,
    limit: int = 50,
    unread_only: bool = False,
):
    school = school_for(request.user, school_id, "notifications.use")
    offset, limit = max(0, offset), max(1, min(limit, MAX_LIMIT))
    own = _own(request, school)
    listed = own.filter(read_at__isnull=True) if unread_only else own
    rows = listed.order_by("-created_at", "-pk")[offset : offset + limit]
    return NotificationPageOut(
        total=listed.count(),
        unread=services.unread_count(request.user, school),
        offset=offset,
        limit=limit,
        items=[
            NotificationOut(
                id=n.pk,
                kind=n.kind,
                title=n.title,
                body=n.body,
                link=n.link,
                created_at=n.created_at,
                read_at=n.read_at,
            )
            for n in rows
        ],
    )


@router.post(
    "/schools/{school_id}/notifications/read",
    response={200: ReadOut, **COMMON_ERRORS},
    summary="Mark the user's notifications read: all of them, or those of `ids`",
    description="Ids that are not the user's unread notifications in the school are ignored.",
    openapi_extra=PERM,
)
def mark_read(request: HttpRequest, school_id: int, payload: ReadIn):
    school = school_for(request.user, school_id, "notifications.use")
    if payload.ids is None:
        marked = services.mark_all_read(request.user, school)
    else:
        marked = services.mark_read(request.user, school, payload.ids[:1000])
    return ReadOut(marked=marked, unread=services.unread_count(request.user, school))


def _may_use(request: HttpRequest) -> None:
    """The rule in at least one of the user's schools (their schools come with the request's
    context: no query per school)."""
    user = request.user
    if not any(user.has_perm("notifications.use", m.school) for m in memberships_of(user).values()):
        raise PermissionDenied


def _preferences_out(user) -> list[PreferenceOut]:
    chosen = services.preferences(user)
    return [
        PreferenceOut(
            kind=kind, label=str(label), in_app=chosen[kind].in_app, email=chosen[kind].email
        )
        for kind, label in Kind.choices
    ]


@router.get(
    "/notifications/preferences",
    response={200: list[PreferenceOut], **COMMON_ERRORS},
    summary="What the user is told, in the app and by e-mail, per kind of event",
    openapi_extra=PERM,
)
def get_preferences(request: HttpRequest):
    _may_use(request)
    return _preferences_out(request.user)


@router.put(
    "/notifications/preferences",
    response={200: list[PreferenceOut], **COMMON_ERRORS},
    summary="Change what the user is told, per kind of event",
    description="An unknown kind is refused whole (422 `unknown_kind`); nothing is changed.",
    openapi_extra=PERM,
)
def put_preferences(request: HttpRequest, payload: PreferencesIn):
    _may_use(request)
    chosen = {}
    for row in payload.preferences:
        if row.kind not in Kind.values:
            raise ApiError(
                422, "unknown_kind", _("Unknown kind: %(kind)s") % {"kind": row.kind[:40]}
            )
        chosen[row.kind] = services.Choice(in_app=row.in_app, email=row.email)
    services.set_preferences(request.user, chosen)
    return _preferences_out(request.user)
