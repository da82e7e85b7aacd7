"""The errors of the backups, each with the message an operator reads."""

from __future__ import annotations


class BackupError(Exception):
    """The backup (or the restore) cannot be made: the message says why."""


class DestinationError(BackupError):
    """One destination could not be written (full, unwritable, missing); the others still are."""


class DamagedBackup(BackupError):
    """A file of a backup does not match its checksum (or is missing): the backup is refused."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.name = name
