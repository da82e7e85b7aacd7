"""Notifications (issue 5): what a user is told in the app and by e-mail, what they chose to
be told, and every e-mail's delivery with its attempts (a failing mail server loses nothing:
the delivery is retried and stays visible to the administrator)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from zhurnal.school.models import School, Student


class Kind(models.TextChoices):
    MARKS = "marks", _("new marks (one digest)")
    ABSENCE = "absence", _("an absence, on the same day")
    NOTE = "note", _("a note from a teacher")
    MESSAGE = "message", _("a new message")
    PERIOD_MARKS = "period_marks", _("term and year marks")
    ANNOUNCEMENT = "announcement", _("an announcement")
    REPORT = "report", _("the progress report every two weeks")
    ACKNOWLEDGEMENTS = "acknowledged", _("term marks acknowledged by families (one digest)")
    REMARK = "remark", _("remarks on the keeping of journals")
    PRELIMINARY = "preliminary", _("the preliminary report before a term ends")
    SUPPORT = "support", _("the school's work with a lagging student")
    BACKUP = "backup", _("a backup failed or is overdue")
    LOCKOUT = "lockout", _("a login locked after wrong passwords")


class Notification(models.Model):
    """One thing a user is told, shown in the app (the bell page)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "school", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return self.title


class Preference(models.Model):
    """A user's choice for one kind: in the app, by e-mail, both or neither (both by
    default: no row means both)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_prefs"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    in_app = models.BooleanField(_("in the app"), default=True)
    email = models.BooleanField(_("by e-mail"), default=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_pref_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.kind}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("waiting to be sent")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed, not retried any more")


class EmailDelivery(models.Model):
    """One e-mail to send: kept with its attempts and last error until it is sent (sent once:
    a retry after a success does nothing)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    to_address = models.EmailField(pgettext_lazy("a message's recipients", "to"))
    subject = models.CharField(pgettext_lazy("a message's subject line", "subject"), max_length=200)
    body = models.TextField(_("text"))
    attachment_name = models.CharField(max_length=200, blank=True)
    attachment = models.BinaryField(null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("e-mail delivery")
        verbose_name_plural = _("e-mail deliveries")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["school", "status"], name="delivery_status")]

    def __str__(self) -> str:
        return f"{self.to_address}: {self.subject}"


class DigestItem(models.Model):
    """A line waiting for the recipient's next digest (new marks are not mailed one by one),
    with the page it is about (the digest links to it when all its lines share one)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="+")
    text = models.CharField(max_length=300)
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["user", "sent_at"], name="digest_pending")]

    def __str__(self) -> str:
        return self.text


class DispatchedTask(models.Model):
    """A ``dispatch`` task whose event has been told: written in the handler's transaction,
    so that the task run again after a crash of its worker (``ops.worker``) tells no one a
    second time (issue 16, finding 4). Pruned with the task's row."""

    task = models.OneToOneField(
        "django_tasks_database.DBTaskResult",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("event told")
        verbose_name_plural = _("events told")

    def __str__(self) -> str:
        return str(self.task_id)
