"""Writes of messaging, one function per use case: validation (texts; attachments: size, type,
number), transaction, and the hooks notifications plug into (``on_message_posted``,
``on_announcement``), called after commit. Who may write to whom and publish what the callers
have checked (``access``).

Messages are append-only: nothing here edits or deletes one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from zhurnal.notifications.dispatch import emit
from zhurnal.school.models import GradeLevel, School, SchoolClass

from . import queries, rules
from .models import (
    Announcement,
    AnnouncementAttachment,
    Audience,
    Message,
    MessageAttachment,
    Scope,
    Thread,
    ThreadParticipant,
)

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_FILE_MB = MAX_FILE_BYTES // (1024 * 1024)
MAX_FILES = 5
ATTACHMENT_EXTENSIONS = (
    "pdf",
    "doc",
    "docx",
    "odt",
    "rtf",
    "txt",
    "xls",
    "xlsx",
    "ods",
    "jpg",
    "jpeg",
    "png",
    "gif",
    "zip",
)
MAX_SUBJECT = 200
MAX_BODY = 10_000
# An announcement the author publishes again within this time, word for word to the same
# audience, is a double submit (a double click, a phone's retry), not a second one.
REPEAT_WINDOW = timedelta(minutes=10)


# --- hooks for notifications (issue 5, "Notifications": they plug in here) -------------------


def on_message_posted(message: Message) -> None:
    """Called once a message is committed: the other participants are notified."""
    emit("message_posted", message.pk)


def on_announcement(announcement: Announcement) -> None:
    """Called once an announcement is committed: its audience is notified."""
    emit("announcement_published", announcement.pk)


# --- validation ------------------------------------------------------------------------------


def check_files(files: Sequence) -> None:
    """Refuse too many files, a file too big, or a type that cannot be attached."""
    errors = []
    if len(files) > MAX_FILES:
        errors.append(
            ValidationError(
                ngettext(
                    "At most %(n)d file can be attached to a message.",
                    "At most %(n)d files can be attached to a message.",
                    MAX_FILES,
                )
                % {"n": MAX_FILES},
                code="too_many_files",
            )
        )
    for upload in files:
        name = upload.name or ""
        extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if extension not in ATTACHMENT_EXTENSIONS:
            errors.append(
                ValidationError(
                    _("«%(name)s»: files of this type cannot be attached (allowed: %(types)s).")
                    % {"name": name, "types": ", ".join(ATTACHMENT_EXTENSIONS)},
                    code="file_type",
                )
            )
        elif upload.size > MAX_FILE_BYTES:
            errors.append(
                ValidationError(
                    _("«%(name)s» is larger than %(mb)d MB.") % {"name": name, "mb": MAX_FILE_MB},
                    code="file_too_big",
                )
            )
    if errors:
        raise ValidationError(errors)


def _check_text(subject: str | None, body: str) -> tuple[str | None, str]:
    body = (body or "").strip()
    if not body:
        raise ValidationError(_("Write the message."), code="empty")
    if len(body) > MAX_BODY:
        raise ValidationError(
            ngettext(
                "The message is longer than %(n)d character.",
                "The message is longer than %(n)d characters.",
                MAX_BODY,
            )
            % {"n": MAX_BODY},
            code="too_long",
        )
    if subject is not None:
        subject = subject.strip()
        if not subject:
            raise ValidationError(_("Give the conversation a subject."), code="empty")
        if len(subject) > MAX_SUBJECT:
            raise ValidationError(
                ngettext(
                    "The subject is longer than %(n)d character.",
                    "The subject is longer than %(n)d characters.",
                    MAX_SUBJECT,
                )
                % {"n": MAX_SUBJECT},
                code="too_long",
            )
    return subject, body


def _post(thread: Thread, author, body: str, files: Sequence, now) -> Message:
    message = Message.objects.create(
        school_id=thread.school_id, thread=thread, author=author, body=body, created_at=now
    )
    for upload in files:
        MessageAttachment.objects.create(
            school_id=thread.school_id,
            message=message,
            file=upload,
            name=(upload.name or "")[:200],
            size=upload.size,
        )
    transaction.on_commit(lambda: on_message_posted(message))
    return message


# --- use cases -------------------------------------------------------------------------------


def start_thread(
    *,
    author,
    school: School,
    recipients: Iterable[int],
    subject: str,
    body: str,
    files: Sequence = (),
) -> Thread:
    """Start a conversation with users of the school (``recipients``: the author may write to
    each of them, ``access.recipients_for``)."""
    recipient_ids = set(recipients) - {author.pk}
    if not recipient_ids:
        raise ValidationError(_("Choose at least one recipient."), code="no_recipients")
    reach = queries.reach_of(author, school)
    subject, body = _check_text(subject, body)
    check_files(files)
    if reach.is_staff and len(recipient_ids) > 1:
        families = queries.families_of(school, recipient_ids | {author.pk})
        if not rules.one_family(families):
            raise ValidationError(
                _(
                    "A conversation may include only one family: write to each family "
                    "separately, or publish an announcement."
                ),
                code="families",
            )
    now = timezone.now()
    with transaction.atomic():
        thread = Thread.objects.create(
            school=school, subject=subject, created_by=author, created_at=now, last_message_at=now
        )
        ThreadParticipant.objects.bulk_create(
            [ThreadParticipant(school=school, thread=thread, user=author, last_read_at=now)]
            + [
                ThreadParticipant(school=school, thread=thread, user_id=user_id)
                for user_id in sorted(recipient_ids)
            ]
        )
        _post(thread, author, body, files, now)
    return thread


def reply(*, thread: Thread, author, body: str, files: Sequence = ()) -> Message:
    """Answer in a conversation the author takes part in (``access.thread_for``)."""
    _subject, body = _check_text(None, body)
    check_files(files)
    now = timezone.now()
    with transaction.atomic():
        message = _post(thread, author, body, files, now)
        Thread.objects.filter(pk=thread.pk).update(last_message_at=now)
        ThreadParticipant.objects.filter(thread=thread, user=author).update(last_read_at=now)
    thread.last_message_at = now
    return message


def mark_read(*, thread: Thread, user) -> None:
    """Everything in the conversation is read by the user now."""
    ThreadParticipant.objects.filter(thread=thread, user=user).update(last_read_at=timezone.now())


def announce(
    *,
    author,
    school: School,
    title: str,
    body: str,
    scope: str,
    audience: str,
    school_class: SchoolClass | None = None,
    grade_level: GradeLevel | None = None,
    files: Sequence = (),
) -> Announcement:
    """Publish an announcement, with files if any (the limits of message attachments), to the
    school, a parallel or a class — an audience the author may reach (``access.
    check_audience``). The same announcement (title, text, audience) by the same author within
    ``REPEAT_WINDOW`` is a double submit: the one published is answered, nothing is published
    or told again (the author's row is locked, so two at once publish one)."""
    if scope not in Scope.values:
        raise ValidationError(_("Choose whom the announcement is for."), code="scope")
    if audience not in Audience.values:
        raise ValidationError(_("Choose whom the announcement is for."), code="audience")
    if scope == Scope.CLASS:
        if school_class is None or school_class.school_id != school.pk:
            raise ValidationError(_("Choose the class."), code="class")
        grade_level = None
    elif scope == Scope.PARALLEL:
        if grade_level is None or grade_level.school_id != school.pk:
            raise ValidationError(_("Choose the parallel."), code="parallel")
        school_class = None
    else:
        school_class = grade_level = None
    title, body = _check_text(title, body)
    check_files(files)
    with transaction.atomic():
        get_user_model().objects.select_for_update().filter(pk=author.pk).first()
        same = Announcement.objects.filter(
            school=school,
            author_id=author.pk,
            title=title,
            body=body,
            scope=scope,
            audience=audience,
            school_class=school_class,
            grade_level=grade_level,
            created_at__gte=timezone.now() - REPEAT_WINDOW,
        ).first()
        if same is not None:
            return same  # already published (a double submit)
        announcement = Announcement.objects.create(
            school=school,
            author=author,
            title=title,
            body=body,
            scope=scope,
            audience=audience,
            school_class=school_class,
            grade_level=grade_level,
            created_at=timezone.now(),
        )
        for upload in files:
            AnnouncementAttachment.objects.create(
                school=school,
                announcement=announcement,
                file=upload,
                name=(upload.name or "")[:200],
                size=upload.size,
            )
        transaction.on_commit(lambda: on_announcement(announcement))
    return announcement
