"""The timetable's rule of a closed year (issue 13; seed 002 §6.2.3 and regulation 3.1: the
year's journals are checked, closed and archived): once the secretary or the director closes an
academic year (``AcademicYear.closed_at``), the journal of that year is read-only
(``journal.services.rules.check_year_open``) — and so is what it is made of: the year's lessons
(generated, added, moved, cancelled, restored, substituted) and its timetable entries. A
correction of a lesson's record goes through a deputy's unlock of the course in the journal; a
change of the closed year's timetable needs the year opened again on the year-end page."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from zhurnal.school.models import AcademicYear


def check_year_open(year: AcademicYear) -> None:
    """Refuse a change of the timetable or the lessons of a closed year (no query: the flag
    is read from the year already loaded with the lesson, course or entry)."""
    if year.is_closed:
        raise ValidationError(
            _(
                "The academic year %(title)s is closed: its timetable and lessons are "
                "read-only. The secretary or the director can open the year again on the "
                "year-end page."
            )
            % {"title": year.title},
            code="year_closed",
        )
