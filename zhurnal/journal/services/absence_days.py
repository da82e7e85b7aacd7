"""The class teacher's daily absence sheet (seed 002, regulation 2.2.1: «Классный руководитель
ежедневно вносит сведения в реестр отсутствующих с пометкой «Б» — болен, «У» — уважительная
причина, «Н» — пропуск по неуважительной причине»).

One save of the sheet writes the day's reason of each student whose row changed
(``AbsenceDay``); a row left as the register already says (no day of its own, or a range's
reason for the whole day) writes nothing. The rules of the journal apply as to attendance:

* no entry ahead: a day after today is refused (a known absence ahead is a range of the
  register, ``record_absence``);
* the students are those of the class on that day;
* due on the day itself, by 24:00 school time (``deadlines.record_deadline``): later entries are
  allowed and flagged ``late``; a school that locks entries after N days refuses them unless a
  deputy unlocked a course of the class for that date; a closed year is read-only;
* a change or a removal after the grace window needs a reason (``rules.reason_of``);
* no lost update: each row names the version it was based on; a row changed meanwhile is not
  written and is answered with what is saved now (``StaleEntry`` per row), the others are;
* every write is audited (``events.absence_day_set`` / ``absence_day_deleted``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from zhurnal.audit.actor import Actor
from zhurnal.school.calendar import closed_year_between
from zhurnal.school.models import SchoolClass, Student
from zhurnal.school.rosters import class_roster

from .. import deadlines, events
from ..models import Absence, AbsenceDay, DayReason, Unlock
from ..policy import policy_of
from .cells import StaleEntry, VersionedCell
from .rules import Moment, needs_reason


@dataclass(frozen=True)
class DayRow:
    """A row of the sheet as submitted: ``reason`` empty for "no reason of its own"."""

    student: Student
    reason: str
    whole_day: bool
    document: str
    version: int


@dataclass
class SheetSaved:
    """What a save did: the rows written, and the students whose row changed meanwhile (not
    written; the sheet shows what is saved now)."""

    written: int = 0
    stale: list[Student] = field(default_factory=list)


def _class_unlocked(school_class: SchoolClass, day: date, moment: Moment) -> bool:
    """A deputy's unlock of a course of the class covers ``day`` and has not run out."""
    return Unlock.objects.filter(
        course__school_class=school_class, start__lte=day, end__gte=day, until__gt=moment.now
    ).exists()


def check_sheet_open(school_class: SchoolClass, day: date, moment: Moment) -> bool:
    """Refuse a day the sheet cannot be written for; answer whether an entry now is late."""
    school = school_class.school
    if day > moment.today:
        raise ValidationError(
            _(
                "The absence sheet is kept for today and the days before. An absence known "
                "ahead is recorded as a period of the register."
            ),
            code="future_day",
        )
    closed = closed_year_between(school.pk, day, day)
    if closed is not None:
        raise ValidationError(
            _("The academic year %(year)s is closed: its journal is read-only.")
            % {"year": closed.title},
            code="year_closed",
        )
    policy = policy_of(school)
    deadline = deadlines.record_deadline(policy, day, school.timezone)
    if deadlines.is_locked(policy, deadline, moment.now) and not _class_unlocked(
        school_class, day, moment
    ):
        raise ValidationError(
            _(
                "Entries for %(date)s are locked: the deadline passed more than %(days)d days "
                "ago. A deputy director can unlock the course for that date."
            )
            % {"date": date_format(day, "d.m.Y"), "days": policy.lock_after_days},
            code="locked",
        )
    return deadlines.is_late(deadline, moment.now)


def _range_reason(school_class: SchoolClass, day: date) -> dict[int, str]:
    """The reason of the register's ranges covering ``day``, per student of the class."""
    return dict(
        Absence.objects.filter(
            student__enrollments__school_class=school_class, start__lte=day, end__gte=day
        )
        .order_by("pk")  # the latest entered of overlapping ranges stands, as in the journal
        .values_list("student_id", "reason")
    )


@transaction.atomic
def set_absence_days(
    *,
    school_class: SchoolClass,
    day: date,
    rows: list[DayRow],
    reason: str = "",
    actor: Actor,
    moment: Moment | None = None,
) -> SheetSaved:
    """Save the day's reasons of the class's students (``rows``); see the module's rules.
    Trusts the caller for who may act (``journal.keep_absences`` on the class)."""
    school = school_class.school
    moment = moment or Moment.of(school)
    late = check_sheet_open(school_class, day, moment)
    on_list = set(class_roster(school_class, day).values_list("pk", flat=True))
    ranges = _range_reason(school_class, day)
    policy = policy_of(school)
    planned = []
    saved = SheetSaved()
    for row in rows:
        if row.student.pk not in on_list:
            raise ValidationError(
                _("%(student)s is not on the list of the class on %(date)s.")
                % {"student": row.student.short_name, "date": date_format(day, "d.m.Y")},
                code="not_on_list",
            )
        if row.reason and row.reason not in DayReason.values:
            raise ValidationError(_("Choose the reason: Б, У or Н."), code="reason")
        cell = VersionedCell.read(
            AbsenceDay.objects.filter(school=school, student=row.student, date=day)
        )
        entry = cell.entry
        document = " ".join(row.document.split())[:200]
        if entry is None:
            default = ranges.get(row.student.pk)
            if not row.reason or (row.reason == default and row.whole_day and not document):
                continue  # as the register says already: nothing of its own to write
        elif (entry.reason, entry.whole_day, entry.document) == (
            row.reason,
            row.whole_day,
            document,
        ):
            continue  # already so (a double submit)
        try:
            cell.check(row.version)
        except StaleEntry:
            saved.stale.append(row.student)
            continue
        planned.append((row, cell, document))
    needed = any(
        cell.entry is not None and needs_reason(policy, cell.entry, moment, school.timezone)
        for _row, cell, _document in planned
    )
    change_reason = " ".join(reason.split())[:500]
    if needed and not change_reason:
        raise ValidationError(
            _(
                "A reason of this day was recorded on an earlier day: give the reason of the "
                "change."
            ),
            code="reason_required",
        )
    for row, cell, document in planned:
        entry = cell.entry
        before = events.absence_day_state(entry)
        if not row.reason:
            events.absence_day_deleted(entry, actor=actor, reason=change_reason)
            entry.delete()
            saved.written += 1
            continue
        if entry is None:
            entry = AbsenceDay(
                school=school,
                student=row.student,
                date=day,
                entered_by=actor.user,
                entered_at=moment.now,
                late=late,
                version=0,
            )
        entry.reason = row.reason
        entry.whole_day = row.whole_day
        entry.document = document
        entry.changed_at = moment.now
        entry.version += 1
        try:
            written = cell.save(entry, content=("reason", "whole_day", "document"))
        except StaleEntry:
            saved.stale.append(row.student)
            continue
        if written:
            events.absence_day_set(entry, before, actor=actor, reason=change_reason)
            saved.written += 1
    return saved
