"""The audit events of the thematic plans (DESIGN §2 "Audit"): one function per kind of event,
called by ``planning.services`` inside the transaction of the change. A plan's events carry its
course when it is a course's own copy."""

from __future__ import annotations

from typing import Any

from zhurnal.audit.actor import Actor
from zhurnal.audit.models import AuditAction
from zhurnal.audit.services import record
from zhurnal.school.models import Course

from .models import ThematicPlan

State = dict[str, Any] | None


def _plan_event(action, plan: ThematicPlan, *, actor: Actor, before: State, after: State):
    record(
        action=action,
        actor=actor,
        obj=plan,
        school=plan.school,
        course=plan.owner_course if plan.owner_course_id else None,
        before=before,
        after=after,
    )


def plan_created(plan: ThematicPlan, *, actor: Actor, after: State) -> None:
    _plan_event(AuditAction.CREATED, plan, actor=actor, before=None, after=after)


def plan_changed(
    plan: ThematicPlan, *, actor: Actor, before: State = None, after: State = None
) -> None:
    """The plan renamed, copied into, or an item added, changed, moved or deleted."""
    _plan_event(AuditAction.UPDATED, plan, actor=actor, before=before, after=after)


def plan_deleted(plan: ThematicPlan, *, actor: Actor, before: State) -> None:
    _plan_event(AuditAction.DELETED, plan, actor=actor, before=before, after=None)


def course_plan_chosen(course: Course, *, actor: Actor, before: State, after: State) -> None:
    """The plan a course follows, chosen or changed."""
    record(
        action=AuditAction.COURSE_PLAN_CHOSEN,
        actor=actor,
        obj=course,
        course=course,
        before=before,
        after=after,
    )
