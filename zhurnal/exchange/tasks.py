"""The regional upload on the worker (Django tasks API, run by ``zhurnal db_worker``): queued
by the daily job and the administrator's «Upload now» (``services.queue_upload``), and again
after a pause by a failed attempt."""

from __future__ import annotations

from django_tasks import task

from .services import attempt_upload


@task()
def upload_package(upload_id: int) -> str:
    """One attempt at the upload ``upload_id``; returns its state (kept on the task's row)."""
    upload = attempt_upload(upload_id)
    return upload.state if upload is not None else "not pending"
