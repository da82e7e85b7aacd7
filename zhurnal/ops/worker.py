"""The worker recovers the tasks a crash cut off (issue 16, finding 4: after ``kill -9`` a
mark's notification stayed RUNNING for ever, and the family was never told).

django-tasks-db marks a task RUNNING when a worker claims it and SUCCESSFUL or FAILED when it
ends; a worker killed in between leaves it RUNNING, and no worker takes a RUNNING task again.
So every worker (``zhurnal db_worker``, ``ops/management/commands/db_worker.py``) keeps a
**beat** — its row in ``WorkerBeat``, written at start and every ``BEAT_EVERY`` from a thread
of its own, so a long task (a backup, a printed journal) never looks dead — and sweeps: a task
RUNNING for longer than ``LEASE`` under a worker whose beat is older than ``LEASE`` (or that
never beat) goes back to the queue, to be run again by whichever worker is free. Several
workers may run at once: each sweeps only what a dead one held.

Running a task again is safe only if the task is idempotent: ``notifications.tasks.dispatch``
records in the handler's own transaction that it told (each notification delivered once),
``deliver`` sends an e-mail still pending only, a digest sends its waiting lines only, the
daily jobs run once per school and day.
"""

from __future__ import annotations

import logging
import os
import threading
from datetime import datetime, timedelta

from django.db import DatabaseError, close_old_connections, connection, transaction
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from .models import WorkerBeat

log = logging.getLogger(__name__)

# A worker silent this long is dead (six beats missed), and so is what it held. Two minutes;
# ``ZHURNAL_WORKER_LEASE_SECONDS`` shortens it (the crash test, tests/test_crash.py, which
# cannot wait two minutes for the recovery).
LEASE = timedelta(seconds=float(os.environ.get("ZHURNAL_WORKER_LEASE_SECONDS") or 120))
BEAT_EVERY = min(timedelta(seconds=20), LEASE / 6)
# The beats of workers gone this long are forgotten.
FORGET_AFTER = timedelta(days=1)


def beat(worker_id: str, now: datetime) -> None:
    """Say that the worker ``worker_id`` is alive at ``now``."""
    WorkerBeat.objects.update_or_create(worker_id=worker_id, defaults={"seen_at": now})


def recover_orphans(now: datetime) -> list[DBTaskResult]:
    """Put back in the queue every task RUNNING since before ``now - LEASE`` under a worker
    whose beat stopped before then; the tasks put back."""
    alive = set(
        WorkerBeat.objects.filter(seen_at__gte=now - LEASE).values_list("worker_id", flat=True)
    )
    with transaction.atomic():
        running = DBTaskResult.objects.select_for_update(skip_locked=True).filter(
            status=TaskResultStatus.RUNNING, started_at__lt=now - LEASE
        )
        orphans = [task for task in running if _holder(task) not in alive]
        for task in orphans:
            task.status = TaskResultStatus.READY
            task.started_at = None
            task.save(update_fields=["status", "started_at"])
        WorkerBeat.objects.filter(seen_at__lt=now - FORGET_AFTER).delete()
    for task in orphans:
        log.warning(
            "task %s (%s) was cut off with its worker %s: queued again",
            task.pk,
            task.task_path,
            _holder(task),
        )
    return orphans


def _holder(task: DBTaskResult) -> str | None:
    """The worker that claimed the task last (None: no worker ever did)."""
    return task.worker_ids[-1] if task.worker_ids else None


def beat_and_recover(worker_id: str) -> None:
    now = timezone.now()
    beat(worker_id, now)
    recover_orphans(now)


class Heart:
    """A worker's beat on a thread of its own, with its own database connection, while the
    worker runs tasks; a beat that fails (a locked SQLite database) is tried at the next."""

    def __init__(self, worker_id: str):
        self.worker_id = worker_id
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name="worker-beat", daemon=True)

    def start(self) -> None:
        beat_and_recover(self.worker_id)  # at start-up: what a crash left is queued first
        self.thread.start()

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join(timeout=BEAT_EVERY.total_seconds())
        WorkerBeat.objects.filter(worker_id=self.worker_id).delete()

    def _run(self) -> None:
        try:
            while not self.stopped.wait(BEAT_EVERY.total_seconds()):
                close_old_connections()
                try:
                    beat_and_recover(self.worker_id)
                except DatabaseError as error:
                    log.warning("worker %s: beat failed: %s", self.worker_id, error)
        finally:
            connection.close()
