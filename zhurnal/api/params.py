"""Bounded parameters of the API (issue 16, finding 2): a date of school life and a position in
a list within ``zhurnal.core.bounds``, refused with a 422 ``validation_error`` whose details say
why in the user's language — never a server error.

``Day`` takes only ``YYYY-MM-DD`` (pydantic alone would read «0» as 1970-01-01) within the
years a journal keeps; ``Offset`` a position from 0 to ``MAX_OFFSET``. ``Id`` is the id of a row
named in a body, and ``Version`` a journal cell's version: a whole number the database's 64-bit
integers can hold (schemathesis found ``{"marks": [{"column_id": 2**64, …}]}`` answered with a
server error: a list of ids compared with ``IN`` is not guarded by Django as ``=`` is).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from django.utils.translation import gettext as _
from pydantic import AfterValidator, BeforeValidator, Field
from pydantic_core import PydanticCustomError

from zhurnal.core import bounds


def _refuse(kind: str, message: str) -> PydanticCustomError:
    # Without a context pydantic does not format the message: braces typed by the user stay.
    return PydanticCustomError(kind, message)


def _day(value: Any) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        if not bounds.in_range(value):
            raise _refuse("date", bounds.out_of_range_message(value))
        return value
    if not isinstance(value, str):
        raise _refuse("date", bounds.not_a_date_message(str(value)))
    try:
        return bounds.parse_day(value)
    except ValueError as error:
        raise _refuse("date", str(error)) from None


def _offset(value: int) -> int:
    if not 0 <= value <= bounds.MAX_OFFSET:
        raise _refuse(
            "offset_range",
            _("The offset must be a whole number from 0 to %(max)d.") % {"max": bounds.MAX_OFFSET},
        )
    return value


Day = Annotated[date, BeforeValidator(_day)]
Offset = Annotated[int, AfterValidator(_offset)]

# The largest id or version a 64-bit signed integer column holds (SQLite and PostgreSQL alike).
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Version = Annotated[int, Field(ge=0, le=MAX_ID)]
