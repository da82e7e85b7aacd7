"""The backup on the worker (Django tasks API, run by ``zhurnal db_worker``): queued by the
page's «Back up now» and by the schedule (``services.queue_backup``)."""

from __future__ import annotations

from django_tasks import task

from .services import run_queued


@task()
def run_backup(run_id: int) -> str:
    """Make the queued backup ``run_id``; returns its state (kept on the task's row)."""
    run = run_queued(run_id)
    return run.state if run is not None else "not queued"
