"""The audit events of the diary: one function per kind of event, called by ``diary.services``
inside the transaction of what they record."""

from __future__ import annotations

from zhurnal.audit.actor import Actor
from zhurnal.audit.models import AuditAction
from zhurnal.audit.services import record

from .models import TermAcknowledgement


def term_acknowledged(acknowledgement: TermAcknowledgement, *, actor: Actor) -> None:
    """A guardian's «Ознакомлен» for a term's marks."""
    student = acknowledgement.student
    record(
        action=AuditAction.TERM_ACKNOWLEDGED,
        actor=actor,
        obj=acknowledgement,
        school=student.school,
        student=student,
        after={"term": acknowledgement.term_id, "acknowledged": True},
    )
