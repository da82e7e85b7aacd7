"""What operations keep: the record of the daily jobs that ran (``ops.daily``)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from zhurnal.core.daily import NAME_MAX_LENGTH
from zhurnal.school.models import School


class RunStatus(models.TextChoices):
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed; tried again at the next run of the day")


class DailyRun(models.Model):
    """A daily job (``core.daily``) run for one school on one of its days: the runner's
    guarantee of once per school and day (the unique constraint is the claim: the row is
    inserted before the job runs, so a second runner at the same time skips it), and what an
    operator reads to see that it ran."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    job = models.CharField(_("job"), max_length=NAME_MAX_LENGTH)
    day = models.DateField(_("date"))
    status = models.CharField(_("status"), max_length=8, choices=RunStatus.choices)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=1)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    summary = models.TextField(_("what it did"), blank=True)
    error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("daily job run")
        verbose_name_plural = _("daily job runs")
        ordering = ["-day", "job", "school_id"]
        constraints = [
            models.UniqueConstraint(fields=["school", "job", "day"], name="daily_run_once"),
        ]

    def __str__(self) -> str:
        return f"{self.job} {self.school_id} {self.day}: {self.status}"


class WorkerBeat(models.Model):
    """A worker process that is alive: its id (the one django-tasks-db adds to the
    ``worker_ids`` of each task it claims) and when it last said so. A task left RUNNING
    under a worker whose beat has stopped was cut off by a crash (``ops.worker``)."""

    worker_id = models.CharField(_("worker"), max_length=64, primary_key=True)
    seen_at = models.DateTimeField(_("last seen"))

    class Meta:
        verbose_name = _("worker")
        verbose_name_plural = _("workers")

    def __str__(self) -> str:
        return self.worker_id
