"""The audit events of the exchange (DESIGN §2 "Audit"; 152-FZ: every export of personal data
is logged)."""

from __future__ import annotations

from zhurnal.audit.actor import Actor
from zhurnal.audit.models import AuditAction
from zhurnal.audit.services import record
from zhurnal.school.models import School

from .models import ExchangePolicy


def package_exported(school: School, *, year: str, size: int, actor: Actor, to: str = "") -> None:
    """The OneRoster package given out: downloaded (the page, the API) or uploaded to the
    region (``to``: the destination)."""
    after = {"format": "OneRoster 1.2 CSV", "year": year, "size": size}
    if to:
        after["destination"] = to
    record(
        action=AuditAction.PERSONAL_DATA_EXPORTED,
        actor=actor,
        obj=school,
        school=school,
        after=after,
    )


def consent_changed(policy: ExchangePolicy, *, before: dict, actor: Actor) -> None:
    """The school's decision on sharing the students' demographics."""
    record(
        action=AuditAction.UPDATED,
        actor=actor,
        obj=policy,
        school=policy.school,
        before=before,
        after={
            "share_demographics": policy.share_demographics,
            "document": policy.consent_document,
        },
    )
