"""An uploaded file kept between the preview and the commit (DESIGN §5 "Imports").

The parsed cells live here, server-side, so that the commit never trusts row data posted back
by the browser; the status makes a second commit of the same batch a no-op.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportKind(models.TextChoices):
    STUDENTS = "students", _("Class lists (students and guardians)")
    STAFF = "staff", _("Staff")
    TIMETABLE = "timetable", _("Timetable")
    PLAN = "plan", _("Thematic plan (КТП)")


class BatchStatus(models.TextChoices):
    DRAFT = "draft", _("awaiting confirmation")
    COMMITTED = "committed", _("imported")
    FAILED = "failed", _("failed, nothing saved")


class ImportBatch(models.Model):
    school = models.ForeignKey(
        "school.School", on_delete=models.CASCADE, related_name="import_batches"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ImportKind.choices)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="import_batches",
    )
    # The thematic plan a КТП file goes into (kind "plan" only).
    plan = models.ForeignKey(
        "planning.ThematicPlan",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("thematic plan"),
    )
    file_name = models.CharField(_("file"), max_length=255)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    committed_at = models.DateTimeField(_("imported at"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=BatchStatus.choices, default=BatchStatus.DRAFT
    )
    # [{"line": 2, "cells": {"<column key>": "<text>", ...}}, ...]; emptied after the commit
    # (152-FZ: the personal data now lives in the register, no need to keep a second copy).
    rows = models.JSONField(default=list, blank=True)
    columns = models.JSONField(default=list, blank=True)
    ignored_columns = models.JSONField(default=list, blank=True)
    # Counts after a commit, or the reason of a failure.
    summary = models.JSONField(null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["school", "uploaded_by", "status"], name="import_batch_owner"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.file_name} ({self.get_status_display()})"
