"""What the backups keep: one server-wide record per backup run (``BackupRun``).

Backups are of the whole server — one database and one folder of uploaded files for every
school on it — so a run belongs to no school (seed 002 §4.2, §5.2: the administrator's weekly
and term-end copies)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RunState(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    OK = "ok", _("written to every destination")
    PARTIAL = "partial", _("written to some destinations only")
    FAILED = "failed", _("failed")


class Trigger(models.TextChoices):
    COMMAND = "command", _("the zhurnal backup command")
    MANUAL = "manual", _("started by the administrator")
    WEEKLY = "weekly", _("on schedule")
    TERM_END = "term_end", _("after a term ended")


class BackupRun(models.Model):
    """One backup: when, why, its name (the folder's in every destination), its size, and for
    each destination whether it was written — ``destinations`` is a list of
    ``{"path": str, "ok": bool, "error": str}``, in the configured order."""

    trigger = models.CharField(_("started by"), max_length=10, choices=Trigger.choices)
    state = models.CharField(_("state"), max_length=8, choices=RunState.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    name = models.CharField(_("name"), max_length=100, blank=True)
    size = models.BigIntegerField(_("size, bytes"), default=0)
    destinations = models.JSONField(_("destinations"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("backup")
        verbose_name_plural = _("backups")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["state", "created_at"], name="backup_run_state")]

    def __str__(self) -> str:
        return self.name or f"backup {self.pk}"

    @property
    def failed_destinations(self) -> list[dict]:
        return [entry for entry in self.destinations if not entry.get("ok")]
