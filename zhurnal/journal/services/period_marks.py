"""Term, year, exam and final marks (DESIGN §2 ``PeriodMark``): entered by the teacher's action
only — the forecast is never saved by itself — and due by the last school day of the term
(seed 002, regulation 2)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from zhurnal.audit.actor import Actor
from zhurnal.notifications.dispatch import emit
from zhurnal.school.models import Course, Student, Term
from zhurnal.school.rosters import on_roster

from .. import deadlines, events, scales
from ..models import PeriodKind, PeriodMark
from ..policy import policy_of, scale_of
from .cells import VersionedCell
from .rules import Moment, check_not_locked, reason_of


@transaction.atomic
def set_period_mark(
    *,
    course: Course,
    student: Student,
    kind: str,
    term: Term | None,
    value: str,
    version: int,
    reason: str = "",
    actor: Actor,
    moment: Moment | None = None,
) -> PeriodMark | None:
    """A term (with ``term``), year, exam or final mark; an empty ``value`` deletes it."""
    school = course.school
    moment = moment or Moment.of(school)
    if kind not in PeriodKind.values:
        raise ValidationError(_("Unknown kind of period mark."))
    if (kind == PeriodKind.TERM) != (term is not None):
        raise ValidationError(_("A term mark needs its term; other period marks have none."))
    if term is not None and term.school_id != school.pk:
        raise ValidationError(_("The record belongs to another school."))
    cell = VersionedCell.read(
        PeriodMark.objects.filter(
            school=school, course=course, student=student, kind=kind, term=term
        )
    )
    entry = cell.entry
    if entry is not None:
        entry.course, entry.student = course, student  # the rows in hand: no query for them
    value = value.strip()
    policy = policy_of(school)
    last_day = term.end if term is not None else course.year.end
    deadline = deadlines.period_mark_deadline(last_day, school.timezone)
    if not value:
        if entry is None:
            return None  # already empty
        cell.check(version)
        # A lock stops deletions too.
        check_not_locked(policy, course, last_day, deadline, moment)
        reason = reason_of(policy, entry, moment, school.timezone, reason)
        events.period_mark_deleted(entry, actor=actor, reason=reason)
        entry.delete()
        return None
    on_list = on_roster(course, student.pk, min(last_day, moment.today))
    if student.school_id != school.pk or not on_list:
        raise ValidationError(
            _("%(student)s is not on the list of this course.") % {"student": student.short_name}
        )
    parsed = scales.parse(scale_of(course), value, specials=scales.PERIOD_SPECIALS)
    if entry is not None and entry.value == parsed.text:
        return entry  # already so (a double submit)
    cell.check(version)
    if entry is not None:
        reason = reason_of(policy, entry, moment, school.timezone, reason)
    else:
        reason = reason.strip()[:500]
    check_not_locked(policy, course, last_day, deadline, moment)
    before = events.period_mark_state(entry)
    if entry is None:
        entry = PeriodMark(
            school=school,
            course=course,
            student=student,
            kind=kind,
            term=term,
            entered_by=actor.user,
            entered_at=moment.now,
            late=deadlines.is_late(deadline, moment.now),
            version=0,
        )
    entry.value = parsed.text
    entry.number = parsed.number
    entry.changed_at = moment.now
    entry.version += 1
    if not cell.save(entry, content=("value",)):
        return cell.entry  # an identical save won the race: already so (a double submit)
    events.period_mark_set(entry, before, actor=actor, reason=reason)
    emit("period_mark_saved", entry.pk)
    return entry
