"""``zhurnal db_worker``: django-tasks-db's worker, which recovers the tasks a crash cut off
(``ops.worker``: a beat while it runs, the tasks of dead workers queued again). It replaces
the library's command of the same name (``zhurnal.ops`` is listed before ``django_tasks_db``
in INSTALLED_APPS), so every way of starting the worker recovers."""

from django_tasks_db.management.commands.db_worker import Command as LibraryCommand

from zhurnal.ops.worker import Heart


class Command(LibraryCommand):
    help = "Run the background worker; tasks cut off by a crash of a worker are run again"

    def handle(self, *args, worker_id: str, **options) -> None:
        heart = Heart(worker_id)
        heart.start()
        try:
            super().handle(*args, worker_id=worker_id, **options)
        finally:
            heart.stop()
