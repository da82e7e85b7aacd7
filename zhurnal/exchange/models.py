"""What the exchange keeps: a school's consent to share its students' demographics in the
OneRoster package, and each upload of the package to the regional system with its delivery
state (seed 001, step 17)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhurnal.school.models import School


class ExchangePolicy(models.Model):
    """The school's choices for the data it exchanges. Without a row: no demographics.

    152-FZ: the students' birth dates and sex leave the school only when the school decided so
    (the director, with the document the consent rests on)."""

    school = models.OneToOneField(School, on_delete=models.CASCADE, related_name="+")
    share_demographics = models.BooleanField(
        _("share the students' birth dates and sex (demographics)"), default=False
    )
    consent_document = models.CharField(_("document of the consent"), max_length=200, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    changed_at = models.DateTimeField(_("changed"), null=True, blank=True)

    class Meta:
        verbose_name = _("data exchange settings")
        verbose_name_plural = _("data exchange settings")

    def __str__(self) -> str:
        return str(self.school)


class UploadState(models.TextChoices):
    PENDING = "pending", _("pending")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")


class UploadTrigger(models.TextChoices):
    SCHEDULE = "schedule", _("on schedule")
    MANUAL = "manual", _("started by the administrator")


class RegionalUpload(models.Model):
    """One upload of the school's OneRoster package to the regional system: pending until
    sent, retried after a pause on each failure (``services.RETRY_PAUSES``), failed after the
    last attempt; the last error is kept for the administrator."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    trigger = models.CharField(_("started by"), max_length=10, choices=UploadTrigger.choices)
    state = models.CharField(
        _("state"), max_length=8, choices=UploadState.choices, default=UploadState.PENDING
    )
    destination = models.CharField(_("destination"), max_length=500)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    size = models.PositiveIntegerField(_("size, bytes"), default=0)
    sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("regional upload")
        verbose_name_plural = _("regional uploads")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["school", "state", "created_at"], name="regional_upload_state")
        ]

    def __str__(self) -> str:
        return f"{self.school}: {self.get_state_display()}"
