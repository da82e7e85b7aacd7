"""``zhurnal restore``: replace all current data by a backup's (docs/operations.md "Backups")."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from zhurnal.audit.actor import Actor
from zhurnal.backups import bundle
from zhurnal.backups.errors import BackupError
from zhurnal.backups.services import part_root, restore


class Command(BaseCommand):
    help = (
        "Restore a backup folder made by `zhurnal backup`: every checksum is verified first "
        "and a damaged backup is refused. THIS REPLACES ALL CURRENT DATA of every school (the "
        "database, the uploaded files and the archive) by the backup's. Stop the web server "
        "and the worker first. Asks for confirmation unless --yes is given; --verify only "
        "checks the backup."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("backup", type=Path, help="the backup's folder (zhurnal-…)")
        parser.add_argument(
            "--yes", action="store_true", help="replace the current data without asking"
        )
        parser.add_argument(
            "--verify", action="store_true", help="only verify the checksums; change nothing"
        )

    def handle(self, *args, backup: Path, yes=False, verify=False, **options) -> None:
        try:
            manifest = bundle.verify(backup)
        except BackupError as error:
            raise CommandError(f"the backup is damaged, nothing was restored: {error}") from None
        made = f"made {manifest.get('created_at')} by Zhurnal {manifest.get('zhurnal_version')}"
        self.stdout.write(f"verified: {backup} ({made}, {manifest.get('engine')})")
        if verify:
            return
        if not yes:
            if not sys.stdin.isatty():
                raise CommandError("restoring replaces all current data: confirm with --yes")
            self.stdout.write(
                "This REPLACES ALL CURRENT DATA (every school's database, uploaded files and "
                "archive) by the backup's. Type 'restore' to go on: ",
                ending="",
            )
            if input().strip() != "restore":
                raise CommandError("not confirmed: nothing was restored")
        try:
            restore(backup=backup, actor=Actor.system())
        except BackupError as error:
            raise CommandError(f"nothing was restored: {error}") from None
        for part in bundle.PARTS:
            if part.file not in manifest["files"]:
                self.stdout.write(
                    f"the backup holds no {part.key} part (made before it was backed up): "
                    f"{part_root(part)} was left as it is"
                )
        self.stdout.write(
            f"restored {backup}; run `zhurnal migrate` if this version is newer than the backup's, "
            "then start Zhurnal"
        )
