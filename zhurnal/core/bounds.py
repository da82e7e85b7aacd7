"""The bounds of what a request may ask for (issue 16, finding 2: out-of-range input answered
with a server error).

A date of school life — a lesson, a week, a period, a term, a due date — lies within the
years a school journal can meaningfully hold, ``EARLIEST``…``LATEST``: far enough for any
school year, and far from the ends of Python's and the databases' calendars (a week after
9999-12-31 does not exist; «0» is not 1970-01-01). A position in a list (``offset``) is at most
``MAX_OFFSET``: beyond it a list is empty anyway, and PostgreSQL refuses a number past 64 bits.
Birth dates are not dates of school life and are checked where they are entered.
"""

from __future__ import annotations

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)
MAX_OFFSET = 1_000_000

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def out_of_range_message(day: date) -> str:
    return _("The date %(value)s is outside the years %(first)d–%(last)d a journal keeps.") % {
        "value": day.isoformat(),
        "first": EARLIEST.year,
        "last": LATEST.year,
    }


def not_a_date_message(text: str) -> str:
    return _("«%(value)s» is not a date; use the form YYYY-MM-DD.") % {"value": text[:20]}


def in_range(day: date) -> bool:
    return EARLIEST <= day <= LATEST


def parse_day(text: str) -> date:
    """A date written YYYY-MM-DD within the bounds; ``ValueError`` with the user's message
    otherwise (a number is not a date)."""
    if not _ISO_DAY.fullmatch(text):
        raise ValueError(not_a_date_message(text))
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValueError(not_a_date_message(text)) from None
    if not in_range(day):
        raise ValueError(out_of_range_message(day))
    return day


def validate_day(day: date | None) -> None:
    """A form field's validator: a date of school life within the bounds."""
    if day is not None and not in_range(day):
        raise ValidationError(out_of_range_message(day), code="date_range")
