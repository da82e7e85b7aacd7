"""The writes of the control of the journals (issue 12): remarks and their steps, the check's
справка, the work with lagging students, the control thresholds. Each a keyword-only function
taking an ``Actor``, audited in the same transaction (``oversight.events``), telling whom it
concerns once committed (``notifications.dispatch``, handlers in ``oversight.notices``).

Services trust their caller (``core.access``): the entry point has checked who may act and
loaded every object through an access entry point; here are the rules of the workflow
(seed 002, regulation 2.1.7 and 2.3.1): a remark goes open → fixed (the teacher, with what was
done) → accepted (the deputy), or back to open with a new due date; a due date is never in the
past; the teacher of a remark teaches its course (or taught its lesson)."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.translation import gettext as _

from zhurnal.audit.actor import Actor
from zhurnal.notifications.dispatch import emit
from zhurnal.school.models import Course, School, Staff, Student
from zhurnal.timetable.models import Lesson

from . import events
from .models import (
    CheckReport,
    JournalRemark,
    OversightPolicy,
    RemarkStatus,
    RemarkStep,
    StepAction,
    SupportAction,
)

POLICY_FIELDS = ("lagging_average", "lagging_absence_percent", "lagging_owed", "remark_days")


def policy_of(school: School) -> OversightPolicy:
    """The school's control thresholds; an unsaved one with the defaults if none is set."""
    try:
        return school.oversight
    except OversightPolicy.DoesNotExist:
        return OversightPolicy(school=school)


def _text(value: str, message: str) -> str:
    value = value.strip()
    if not value:
        raise ValidationError(message, code="required")
    return value


def _check_due(due: date, today: date) -> None:
    if due < today:
        raise ValidationError(_("The date to fix it by is in the past."), code="due_past")


def _step(remark, action, actor: Actor, comment="", due=None) -> RemarkStep:
    return RemarkStep.objects.create(
        school_id=remark.school_id,
        remark=remark,
        action=action,
        by=actor.user,
        at=timezone.now(),
        comment=comment,
        due=due,
    )


@transaction.atomic
def write_remark(
    *,
    course: Course,
    teacher: Staff,
    kind: str,
    text: str,
    due: date,
    lesson: Lesson | None = None,
    actor: Actor,
    today: date,
) -> JournalRemark:
    """A deputy's remark on a course's journal, to its teacher, to be fixed by ``due``."""
    text = _text(text, _("Write the remark."))
    _check_due(due, today)
    if lesson is not None and lesson.course_id != course.pk:
        raise ValidationError(_("The lesson is not of this journal."), code="lesson")
    teaches = course.teachers.filter(pk=teacher.pk).exists() or (
        lesson is not None and lesson.teacher_id == teacher.pk
    )
    if not teaches:
        raise ValidationError(_("The teacher does not keep this journal."), code="teacher")
    remark = JournalRemark.objects.create(
        school_id=course.school_id,
        course=course,
        lesson=lesson,
        teacher=teacher,
        author=actor.user,
        kind=kind,
        text=text,
        due=due,
        created_at=timezone.now(),
    )
    step = _step(remark, StepAction.WRITTEN, actor, due=due)
    events.remark_step(remark, step, None, actor=actor)
    emit("remark_step", step.pk)
    return remark


def _move(remark: JournalRemark, allowed: set[str], message: str) -> dict:
    """Lock the remark and check that the step is allowed from its status; its state before."""
    locked = JournalRemark.objects.select_for_update().get(pk=remark.pk)
    if locked.status not in allowed:
        raise ValidationError(message, code="status")
    remark.status = locked.status
    return events.remark_state(locked)


@transaction.atomic
def fix_remark(*, remark: JournalRemark, comment: str, actor: Actor) -> JournalRemark:
    """The teacher says what was done (regulation 2.1.7: fixed by the due date); the deputy
    checks it next."""
    comment = _text(comment, _("Say what was done."))
    before = _move(remark, {RemarkStatus.OPEN}, _("The remark is not open."))
    remark.status = RemarkStatus.FIXED
    remark.fixed_at = timezone.now()
    remark.save(update_fields=["status", "fixed_at"])
    step = _step(remark, StepAction.FIXED, actor, comment)
    events.remark_step(remark, step, before, actor=actor)
    emit("remark_step", step.pk)
    return remark


@transaction.atomic
def reopen_remark(
    *, remark: JournalRemark, comment: str, due: date, actor: Actor, today: date
) -> JournalRemark:
    """The deputy finds it not fixed: open again, with why and a new due date."""
    comment = _text(comment, _("Say what is still to be fixed."))
    _check_due(due, today)
    before = _move(remark, {RemarkStatus.FIXED}, _("Only a remark marked fixed can be reopened."))
    remark.status = RemarkStatus.OPEN
    remark.due = due
    remark.fixed_at = None
    remark.overdue_told = None  # told again if this date passes too
    remark.save(update_fields=["status", "due", "fixed_at", "overdue_told"])
    step = _step(remark, StepAction.REOPENED, actor, comment, due=due)
    events.remark_step(remark, step, before, actor=actor)
    emit("remark_step", step.pk)
    return remark


@transaction.atomic
def accept_remark(*, remark: JournalRemark, comment: str = "", actor: Actor) -> JournalRemark:
    """The deputy accepts the remark as fixed (from fixed, or from open when they saw it fixed
    in the journal themselves)."""
    before = _move(
        remark,
        {RemarkStatus.OPEN, RemarkStatus.FIXED},
        _("The remark is closed already."),
    )
    remark.status = RemarkStatus.ACCEPTED
    remark.closed_at = timezone.now()
    remark.save(update_fields=["status", "closed_at"])
    step = _step(remark, StepAction.ACCEPTED, actor, comment.strip())
    events.remark_step(remark, step, before, actor=actor)
    emit("remark_step", step.pk)
    return remark


@transaction.atomic
def save_check_report(
    *, school: School, start: date, end: date, title: str, conclusions: str, actor: Actor
) -> CheckReport:
    """The справка of a check (seed 002 §5.4), kept with the deputy's conclusions."""
    if start > end:
        raise ValidationError(_("The first day is after the last day."), code="range")
    report = CheckReport.objects.create(
        school=school,
        start=start,
        end=end,
        title=_text(title, _("Give the report a title.")),
        conclusions=_text(conclusions, _("Write the conclusions of the check.")),
        author=actor.user,
        created_at=timezone.now(),
    )
    events.check_report_saved(report, actor=actor)
    return report


@transaction.atomic
def record_support(
    *,
    student: Student,
    course: Course | None,
    kind: str,
    day: date,
    text: str,
    actor: Actor,
    today: date,
) -> SupportAction:
    """A thing done for a lagging student (seeds 003, 004), told to the family."""
    text = _text(text, _("Say what was done and agreed."))
    if day > today:
        raise ValidationError(_("The date is in the future."), code="future")
    action = SupportAction.objects.create(
        school_id=student.school_id,
        student=student,
        course=course,
        kind=kind,
        day=day,
        text=text,
        author=actor.user,
        created_at=timezone.now(),
    )
    events.support_recorded(action, actor=actor)
    emit("support_recorded", action.pk)
    return action


@transaction.atomic
def save_policy(*, school: School, data: dict, actor: Actor) -> OversightPolicy:
    policy = policy_of(school)
    before = (
        {k: str(v) for k, v in model_to_dict(policy, POLICY_FIELDS).items()} if policy.pk else None
    )
    for name in POLICY_FIELDS:
        setattr(policy, name, data[name])
    policy.save()
    after = {k: str(v) for k, v in model_to_dict(policy, POLICY_FIELDS).items()}
    events.policy_saved(policy, before, after, actor=actor)
    return policy
