"""``zhurnal backup``: a backup of the whole server now (docs/operations.md "Backups")."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from zhurnal.audit.actor import Actor
from zhurnal.backups.models import RunState, Trigger
from zhurnal.backups.services import make_backup


class Command(BaseCommand):
    help = (
        "Back up the database, the uploaded files (var/media) and the archive (var/archive: "
        "printed journals, term copies, packages) to every destination "
        "(ZHURNAL_BACKUP_DIRS, or --to given once per destination), each a folder "
        "zhurnal-<time>-<number> with manifest.json and SHA256SUMS; keep the newest "
        "ZHURNAL_BACKUP_KEEP (or --keep) in each. Exits with an error when a destination "
        "was not written."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--to",
            action="append",
            type=Path,
            metavar="PATH",
            help="a destination folder (repeat for each; replaces ZHURNAL_BACKUP_DIRS)",
        )
        parser.add_argument(
            "--keep", type=int, help="backups kept in each destination (ZHURNAL_BACKUP_KEEP)"
        )

    def handle(self, *args, to=None, keep=None, **options) -> None:
        if keep is not None and keep < 1:
            raise CommandError("--keep must be at least 1")
        run = make_backup(actor=Actor.system(), trigger=Trigger.COMMAND, destinations=to, keep=keep)
        for entry in run.destinations:
            if entry["ok"]:
                pruned = f" (deleted old: {', '.join(entry['pruned'])})" if entry["pruned"] else ""
                self.stdout.write(f"written: {entry['path']}/{run.name}{pruned}")
            else:
                self.stderr.write(f"NOT written: {entry['error']}")
        if run.error:
            self.stderr.write(run.error)
        size = f"{run.size / 1024 / 1024:.1f} MB"
        seconds = (run.finished_at - run.started_at).total_seconds()
        summary = f"backup {run.name}: {run.get_state_display()}, {size}, {seconds:.1f} s"
        if run.state != RunState.OK:
            raise CommandError(summary)
        self.stdout.write(summary)
