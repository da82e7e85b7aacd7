"""The audit events of the backups (DESIGN §2 "Audit"): server-wide, so of no school."""

from __future__ import annotations

from zhurnal.audit.actor import Actor
from zhurnal.audit.models import AuditAction
from zhurnal.audit.services import record

from .models import BackupRun


def backup_made(run: BackupRun, *, actor: Actor) -> None:
    """A backup written to at least one destination (seed 002 §6.2.3: the administrator backs
    up the data)."""
    record(
        action=AuditAction.BACKUP_MADE,
        actor=actor,
        obj=run,
        after={
            "name": run.name,
            "state": run.state,
            "trigger": run.trigger,
            "size": run.size,
            "destinations": run.destinations,
        },
    )


def backup_restored(manifest: dict, *, parts: list[str], source: str, actor: Actor) -> None:
    """The data replaced by a backup's (seed 002 §6.2.3: restored in a reliable state); written
    into the restored database, after the restore."""
    record(
        action=AuditAction.BACKUP_RESTORED,
        actor=actor,
        after={
            "source": source,
            "created_at": manifest.get("created_at"),
            "engine": manifest.get("engine"),
            "zhurnal_version": manifest.get("zhurnal_version"),
            "parts": parts,  # what the backup held and replaced
        },
    )
