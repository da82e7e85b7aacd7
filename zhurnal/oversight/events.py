"""The audit events of the control of the journals (DESIGN §2 "Audit"): one function per kind of
event, called by ``oversight.services`` inside the transaction of the change. A remark's events
carry its course; a support record's, its student."""

from __future__ import annotations

from zhurnal.audit.actor import Actor
from zhurnal.audit.models import AuditAction
from zhurnal.audit.services import record

from .models import CheckReport, JournalRemark, OversightPolicy, RemarkStep, SupportAction


def _remark_state(remark: JournalRemark) -> dict:
    return {
        "status": remark.status,
        "due": remark.due.isoformat(),
        "teacher": remark.teacher_id,
        "kind": remark.kind,
    }


def remark_step(remark: JournalRemark, step: RemarkStep, before: dict | None, *, actor: Actor):
    """A remark written, marked fixed, reopened or accepted; the step's comment is the reason."""
    action = {
        "written": AuditAction.REMARK_WRITTEN,
        "fixed": AuditAction.REMARK_FIXED,
        "reopened": AuditAction.REMARK_REOPENED,
        "accepted": AuditAction.REMARK_ACCEPTED,
    }[step.action]
    after = _remark_state(remark)
    if step.action == "written":
        after["text"] = remark.text
    record(
        action=action,
        actor=actor,
        obj=remark,
        school=remark.school,
        course=remark.course,
        before=before,
        after=after,
        reason=step.comment[:500],
    )


def remark_state(remark: JournalRemark) -> dict:
    return _remark_state(remark)


def check_report_saved(report: CheckReport, *, actor: Actor) -> None:
    record(
        action=AuditAction.CHECK_REPORT_SAVED,
        actor=actor,
        obj=report,
        after={"start": report.start.isoformat(), "end": report.end.isoformat()},
    )


def support_recorded(action: SupportAction, *, actor: Actor) -> None:
    record(
        action=AuditAction.SUPPORT_RECORDED,
        actor=actor,
        obj=action,
        student=action.student,
        course=action.course,
        after={"kind": action.kind, "day": action.day.isoformat()},
    )


def policy_saved(policy: OversightPolicy, before: dict | None, after: dict, *, actor: Actor):
    record(
        action=AuditAction.UPDATED if before else AuditAction.CREATED,
        actor=actor,
        obj=policy,
        school=policy.school,
        before=before,
        after=after,
    )
