"""The record-keeping rules every write of the journal checks (seed 002, regulation 2; DESIGN
§3), shared by the use cases of this package:

* no backdating: the server stamps every entry (``Moment``); no mark or attendance on a future
  or a cancelled lesson (topics and homework may be entered ahead);
* students on the lesson's list that day;
* deadlines: a late entry is allowed and flagged, unless the school locks entries after N days
  and no deputy has unlocked the course for that date;
* a closed year (issue 13, seed 002 §6.2.3) is read-only: an entry of its courses only
  through a deputy's unlock of the course for that date, as for a locked date;
* a change or a deletion after the grace window (the day of the entry by default) needs a
  reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from zhurnal.school.calendar import school_today, year_is_closed
from zhurnal.school.models import Course, School, Student
from zhurnal.school.rosters import student_on_roster
from zhurnal.timetable.models import Lesson

from .. import deadlines
from ..models import JournalPolicy, Unlock


@dataclass(frozen=True)
class Moment:
    """Now, and today in the school's time zone."""

    now: datetime
    today: date

    @classmethod
    def of(cls, school: School) -> Moment:
        return cls(now=timezone.now(), today=school_today(school))


def check_lesson_open(lesson: Lesson, moment: Moment) -> None:
    """Marks and attendance only on a held lesson of today or before (no entry ahead)."""
    if lesson.is_cancelled:
        raise ValidationError(_("The lesson is cancelled."), code="lesson_cancelled")
    if lesson.date > moment.today:
        raise ValidationError(
            _("Marks and attendance are entered on the day of the lesson or later, not ahead."),
            code="future_lesson",
        )


def check_not_cancelled(lesson: Lesson) -> None:
    """A cancelled lesson's record is closed (its topic, homework and columns too)."""
    if lesson.is_cancelled:
        raise ValidationError(_("The lesson is cancelled."), code="lesson_cancelled")


def check_student(lesson: Lesson, student: Student) -> None:
    """The student is on the lesson's list on its date (DESIGN §2, membership over time)."""
    if student.school_id != lesson.school_id or not student_on_roster(
        student, lesson.course, lesson.date
    ):
        raise ValidationError(
            _("%(student)s is not on the list of this lesson on %(date)s.")
            % {"student": student.short_name, "date": date_format(lesson.date, "d.m.Y")},
            code="not_on_list",
        )


def is_unlocked(course: Course, day: date, now: datetime) -> bool:
    """A deputy's unlock of the course covers ``day`` and has not run out."""
    return Unlock.objects.filter(
        course=course, start__lte=day, end__gte=day, until__gt=now
    ).exists()


def check_year_open(course: Course, day: date, now: datetime) -> None:
    """The journal of a closed year is read-only (issue 13: closing the year, seed 002 §6.2.3
    and regulation 3.1), unless a deputy unlocked the course for that date with a reason."""
    if year_is_closed(course) and not is_unlocked(course, day, now):
        raise ValidationError(
            _(
                "The academic year is closed: its journal is read-only. A deputy director can "
                "unlock the course for a correction, giving the reason."
            ),
            code="year_closed",
        )


def check_not_locked(
    policy: JournalPolicy, course: Course, day: date, deadline: datetime, moment: Moment
) -> None:
    """A school that locks entries (``lock_after_days``) refuses one whose deadline passed
    that long ago, unless a deputy unlocked the course for that date; so does a closed year
    (``check_year_open``)."""
    check_year_open(course, day, moment.now)
    if deadlines.is_locked(policy, deadline, moment.now) and not is_unlocked(
        course, day, moment.now
    ):
        raise ValidationError(
            _(
                "Entries for %(date)s are locked: the deadline passed more than %(days)d days "
                "ago. A deputy director can unlock the course for that date."
            )
            % {"date": date_format(day, "d.m.Y"), "days": policy.lock_after_days},
            code="locked",
        )


def needs_reason(policy: JournalPolicy, entry, moment: Moment, tz: str) -> bool:
    """A change after the grace window: after the day of the entry plus the grace days."""
    entered = timezone.localtime(entry.entered_at, timezone=ZoneInfo(tz)).date()
    return moment.today > entered + timedelta(days=policy.correction_grace_days)


def require_reason(reason: str) -> str:
    """The reason of a late correction, on one line; refused when empty."""
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError(
            _("The mark was entered on an earlier day: give the reason of the change."),
            code="reason_required",
        )
    return reason[:500]


def reason_of(policy: JournalPolicy, entry, moment: Moment, tz: str, reason: str) -> str:
    """The reason kept with a change or deletion of ``entry``: required after the grace
    window, else whatever was given."""
    if needs_reason(policy, entry, moment, tz):
        return require_reason(reason)
    return reason.strip()[:500]
