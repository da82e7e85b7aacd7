"""Messages between users and announcements from staff (issue 5, DESIGN §4).

Append-only: a message is never edited or deleted once posted. Who may write to whom is decided
in ``rules.py`` (pure functions) and ``zhurnal.permissions`` ("messaging.*"); unread counts come
from ``ThreadParticipant.last_read_at``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from zhurnal.school.models import GradeLevel, School, SchoolClass


class Thread(models.Model):
    """A conversation of two or more users of one school."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    subject = models.CharField(pgettext_lazy("a message's subject line", "subject"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("started"))
    last_message_at = models.DateTimeField(_("last message"))

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        ordering = ["-last_message_at", "-pk"]

    def __str__(self) -> str:
        return self.subject


class ThreadParticipant(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="message_threads"
    )
    # Messages of others posted after this moment are unread; None: nothing read yet.
    last_read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.UniqueConstraint(fields=["thread", "user"], name="thread_participant_unique"),
        ]
        indexes = [models.Index(fields=["user", "school"], name="participant_user_school")]

    def __str__(self) -> str:
        return f"{self.user} — {self.thread}"


class Message(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(_("sent"))

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["thread", "created_at"], name="message_thread_time")]

    def __str__(self) -> str:
        return self.body[:50]


def attachment_upload_to(instance: MessageAttachment, filename: str) -> str:
    return f"messages/{instance.school_id}/{instance.message.thread_id}/{filename}"


class MessageAttachment(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_upload_to, max_length=300)
    name = models.CharField(_("name"), max_length=200)
    size = models.PositiveIntegerField(_("size"))

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


class Scope(models.TextChoices):
    CLASS = "class", _("a class")
    PARALLEL = "parallel", _("a parallel")
    SCHOOL = "school", _("the whole school")


class Audience(models.TextChoices):
    PARENTS = "parents", _("parents")
    STUDENTS = "students", _("students")
    BOTH = "both", _("parents and students")


class Announcement(models.Model):
    """An announcement from staff to a class, a parallel (grade level) or the whole school."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    scope = models.CharField(
        pgettext_lazy("a message's recipients", "to"), max_length=10, choices=Scope.choices
    )
    school_class = models.ForeignKey(
        SchoolClass,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("class"),
    )
    grade_level = models.ForeignKey(
        GradeLevel,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("parallel"),
    )
    audience = models.CharField(_("for"), max_length=10, choices=Audience.choices)
    created_at = models.DateTimeField(_("published"))

    class Meta:
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(scope="class", school_class__isnull=False, grade_level__isnull=True)
                | Q(scope="parallel", school_class__isnull=True, grade_level__isnull=False)
                | Q(scope="school", school_class__isnull=True, grade_level__isnull=True),
                name="announcement_scope_target",
            ),
        ]
        indexes = [
            models.Index(fields=["school", "created_at"], name="announcement_school_time"),
        ]

    def __str__(self) -> str:
        return self.title


def announcement_upload_to(instance: AnnouncementAttachment, filename: str) -> str:
    return f"announcements/{instance.school_id}/{instance.announcement_id}/{filename}"


class AnnouncementAttachment(models.Model):
    """A file published with an announcement (a timetable, an order, a form to fill in): for
    whoever may read the announcement, with the limits of message attachments."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    announcement = models.ForeignKey(
        Announcement, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to=announcement_upload_to, max_length=300)
    name = models.CharField(_("name"), max_length=200)
    size = models.PositiveIntegerField(_("size"))

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name
