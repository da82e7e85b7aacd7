"""The deputy's and the administrator's writes of the journal: unlocking a course's locked
dates (seed 002: a school may lock late entries; a deputy unlocks), and the school's journal
settings — its record-keeping policy, work types and grading scale rules (DESIGN §3: "each a
school policy")."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.translation import gettext as _

from zhurnal.audit.actor import Actor
from zhurnal.core.records import fresh, write
from zhurnal.school.models import Course, School

from .. import events
from ..models import JournalPolicy, ScaleRule, Unlock, WorkType
from ..policy import policy_of

POLICY_FIELDS = (
    "default_scale",
    "topic_days",
    "homework_hours",
    "oral_mark_days",
    "written_mark_days",
    "written_mark_days_senior",
    "lock_after_days",
    "correction_grace_days",
    "forecast_thresholds",
    "accumulation_norms",
)
WORK_TYPE_FIELDS = ("code", "name", "weight", "category", "position", "is_active")


def _state(obj, fields) -> dict:
    return {k: str(v) if v is not None else None for k, v in model_to_dict(obj, fields).items()}


@transaction.atomic
def unlock(
    *, course: Course, start: date, end: date, days: int, reason: str, actor: Actor
) -> Unlock:
    """Open the course's locked entries of the lessons from ``start`` to ``end`` for ``days``
    days, with the reason."""
    if end < start:
        raise ValidationError(_("The end date is before the start date."))
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError(_("Give the reason of the unlock."))
    if not 1 <= days <= 30:
        raise ValidationError(_("An unlock lasts from 1 to 30 days."))
    entry = Unlock.objects.create(
        school_id=course.school_id,
        course=course,
        start=start,
        end=end,
        until=timezone.now() + timedelta(days=days),
        reason=reason[:300],
        granted_by=actor.user,
    )
    events.journal_unlocked(entry, actor=actor, reason=reason[:500])
    return entry


@transaction.atomic
def save_policy(*, school: School, data: dict, actor: Actor) -> JournalPolicy:
    """The school's record-keeping policy (deadlines, lock, grace window, default scale,
    forecast thresholds), made on its first save."""
    policy = policy_of(school)
    before = _state(fresh(policy), POLICY_FIELDS) if policy.pk else None
    write(policy, data)
    events.setting_saved(policy, before, _state(policy, POLICY_FIELDS), actor=actor)
    return policy


@transaction.atomic
def save_work_type(*, work_type: WorkType, data: dict, actor: Actor) -> WorkType:
    """A work type of the school (new: unsaved, its school set) with its weight and deadline
    category."""
    before = _state(fresh(work_type), WORK_TYPE_FIELDS) if work_type.pk else None
    write(work_type, data)
    events.setting_saved(work_type, before, _state(work_type, WORK_TYPE_FIELDS), actor=actor)
    return work_type


@transaction.atomic
def add_scale_rule(*, school: School, data: dict, actor: Actor) -> ScaleRule:
    """A grading scale for a grade level, a subject, or a subject in a grade level."""
    rule = write(ScaleRule(school=school), data)
    events.setting_saved(rule, None, {"rule": str(rule)}, actor=actor)
    return rule


@transaction.atomic
def delete_scale_rule(*, rule: ScaleRule, actor: Actor) -> None:
    events.setting_deleted(rule, {"rule": str(rule)}, actor=actor)
    rule.delete()
