"""Access entry points of messaging (``core.access``), shared by the pages and the API.

DESIGN §4: staff write to anyone in the school; parents to the teachers, class teachers and
administration of their children; students to their teachers and class teacher (``rules``,
the facts in ``queries.reach_of``). A conversation is read and answered by its participants
only; an announcement is published by the administration to the school, a parallel or a class,
by a teacher to the classes they lead or teach. What a user may not reach is not found (404),
so that ids cannot be probed; an announcement they may not publish is a 403.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404

from . import rules
from .models import (
    AnnouncementAttachment,
    Message,
    MessageAttachment,
    Scope,
    Thread,
    ThreadParticipant,
)
from .queries import announcements_for, reach_of


class RecipientNotFound(Http404):
    """A recipient the author may not write to: not found, whatever the reason (another
    family, another school, a made-up id)."""


def recipients_for(user, school, recipients: Iterable[int]) -> set[int]:
    """The ids of the users a new conversation goes to (the author left out), every one of
    whom the user may write to; ``RecipientNotFound`` otherwise."""
    recipient_ids = {int(r) for r in recipients} - {user.pk}
    if rules.refused_recipients(reach_of(user, school), recipient_ids):
        raise RecipientNotFound
    return recipient_ids


def check_audience(user, school, scope: str, school_class) -> None:
    """A 403 unless the user may publish to this audience (``rules.may_announce``): the
    administration anywhere, a teacher to a class they lead or teach. An unknown scope is left
    to the service's validation."""
    if scope not in Scope.values:
        return
    if scope == Scope.CLASS and school_class is None:
        return  # no class chosen: the service's validation says so ("Choose the class.")
    class_id = school_class.pk if scope == Scope.CLASS else None
    if not rules.may_announce(reach_of(user, school), scope, class_id):
        raise PermissionDenied


def thread_for(user, school, thread_id: int) -> Thread:
    """A conversation of the school the user takes part in; any other id is not found (a
    conversation of others is not even confirmed to exist)."""
    thread = (
        Thread.objects.filter(school=school, pk=thread_id, participants__user=user)
        .prefetch_related(
            Prefetch(
                "participants",
                queryset=ThreadParticipant.objects.select_related("user").order_by("pk"),
            ),
            Prefetch(
                "messages",
                queryset=Message.objects.select_related("author").prefetch_related("attachments"),
            ),
        )
        .first()
    )
    if thread is None:
        raise Http404
    return thread


def attachment_for(user, school, attachment_id) -> MessageAttachment:
    """An attachment of a message in a conversation of the school the user takes part in;
    any other id is not found, like the conversation itself (the page and the API)."""
    item = (
        MessageAttachment.objects.filter(
            school=school, pk=attachment_id, message__thread__participants__user=user
        )
        .only("id", "file", "name", "size")
        .first()
    )
    if item is None:
        raise Http404
    return item


def announcement_attachment_for(user, school, attachment_id) -> AnnouncementAttachment:
    """A file of an announcement the user may read (``announcements_for``); any other id is
    not found."""
    item = (
        AnnouncementAttachment.objects.filter(
            school=school,
            pk=attachment_id,
            announcement__in=announcements_for(user, school).values("pk"),
        )
        .only("id", "file", "name", "size")
        .first()
    )
    if item is None:
        raise Http404
    return item
