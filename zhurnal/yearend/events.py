"""The audit events of the year end (issue 13; seed 002 §6.2.3): one function per kind of
event, called by ``services`` inside the transaction of what they record. The movements of the
students promoted, kept down or graduated are audited by ``school.events.movement_recorded``
(each is a movement by an order, written by ``school.services``)."""

from __future__ import annotations

from zhurnal.audit.actor import Actor
from zhurnal.audit.models import AuditAction
from zhurnal.audit.services import record
from zhurnal.school.models import AcademicYear, SchoolClass


def year_closed(year: AcademicYear, *, actor: Actor, gaps: dict[str, int]) -> None:
    """The year closed: its journal read-only from now on; the gaps left, by kind."""
    record(
        action=AuditAction.YEAR_CLOSED,
        actor=actor,
        obj=year,
        after={"closed_at": year.closed_at.isoformat(), "gaps": gaps},
    )


def year_reopened(year: AcademicYear, *, actor: Actor, closed_at, reason: str) -> None:
    """A closed year opened again, with the reason."""
    record(
        action=AuditAction.YEAR_REOPENED,
        actor=actor,
        obj=year,
        before={"closed_at": closed_at.isoformat()},
        reason=reason,
    )


def year_created(year: AcademicYear, source: AcademicYear, *, actor: Actor, copied: dict) -> None:
    """The next year created from ``source``: what was copied, by kind."""
    record(
        action=AuditAction.YEAR_CREATED,
        actor=actor,
        obj=year,
        after={
            "from": source.title,
            "start": year.start.isoformat(),
            "end": year.end.isoformat(),
            **copied,
        },
    )


def class_promoted(
    old: SchoolClass, new: SchoolClass | None, *, actor: Actor, outcome: dict, order: str
) -> None:
    """A class promoted to the next year: how many students each way, by which order."""
    record(
        action=AuditAction.CLASS_PROMOTED,
        actor=actor,
        obj=old,
        after={"to": str(new) if new is not None else None, "order": order, **outcome},
    )
