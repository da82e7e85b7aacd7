"""The schedule of the daily jobs (``ops.daily``) on the worker (Django tasks API, run by
``zhurnal db_worker``): one task that runs the jobs and queues its own next run, a minute past
the next hour.

django-tasks has no periodic tasks; a chain of deferred tasks needs nothing more than the
worker already running for the notifications. The chain is kept single: a run is queued only
when none is waiting (``schedule``). ``zhurnal daily --schedule`` (called by ``scripts/serve``
at every start) starts it, or leaves the waiting run alone; if two links ever wait at once
(two starts at the same instant on PostgreSQL), the first to run finds the other waiting and
queues nothing, so the chain is single again after one hour.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from .daily import run_daily

log = logging.getLogger(__name__)

# Runs start this long after each full hour (UTC): the jobs of a school then run a minute
# after its local DAILY_HOUR (every Russian zone is a whole number of hours from UTC).
PAST_THE_HOUR = timedelta(minutes=1)


def next_run_at(now: datetime) -> datetime:
    """The first moment after ``now`` at ``PAST_THE_HOUR`` past a full hour (UTC)."""
    hour = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    at = hour + PAST_THE_HOUR
    return at if at > now else at + timedelta(hours=1)


def waiting_runs():
    """The runs of ``run_daily_jobs`` queued and not yet started (the chain's next link)."""
    return DBTaskResult.objects.filter(
        task_path=run_daily_jobs.module_path, status=TaskResultStatus.READY
    )


def schedule(*, at: datetime | None = None) -> bool:
    """Queue a run of the daily jobs (at ``at``, else as soon as the worker is free) unless
    one is already waiting; True if one was queued. On SQLite the transaction (immediate,
    settings.py) makes the look and the insert one step for concurrent callers."""
    with transaction.atomic():
        if waiting_runs().exists():
            return False
        (run_daily_jobs if at is None else run_daily_jobs.using(run_after=at)).enqueue()
    return True


@task()
def run_daily_jobs() -> dict[str, int]:
    """Run what is due of the daily jobs (``ops.daily.run_daily``) and queue the next run,
    even when this one failed (the chain must not end with one bad hour). Returns the number
    of jobs by outcome (kept on the task's row)."""
    try:
        outcomes = run_daily()
    finally:
        at = next_run_at(timezone.now())
        if not schedule(at=at):
            log.info("daily jobs: another run is already waiting; none added for %s", at)
    return dict(Counter(outcome.status for outcome in outcomes))
