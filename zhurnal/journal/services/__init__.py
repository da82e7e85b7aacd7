"""Use cases of the class journal: one function each, checking the rules of seed 002 (DESIGN
§3: ``rules``), writing and auditing (``journal.events``) in one transaction, queueing what the
families are told (``notifications.dispatch.emit``). The web pages, the API and imports call
these through this package.

Who may act (the ``journal.*`` rules) the callers have checked, through the access entry points
(``journal.access``, ``timetable.access``): these functions trust them and check the facts —
no backdating, values on the course's scale, students on the lesson's list, deadlines and locks,
reasons for late corrections, and no lost update (``cells``: every versioned cell is written the
same way; a stale save gets ``StaleEntry`` with what is saved now).
"""

from .absence_days import DayRow, SheetSaved, check_sheet_open, set_absence_days
from .attendance import record_absence, set_attendance, take_roll_call
from .cells import StaleEntry
from .control import (
    POLICY_FIELDS,
    WORK_TYPE_FIELDS,
    add_scale_rule,
    delete_scale_rule,
    save_policy,
    save_work_type,
    unlock,
)
from .homework import add_note, attach_files, class_day_end, set_homework
from .marks import (
    add_column,
    default_type_order,
    default_work_type,
    first_column,
    set_mark,
    set_mark_in_first_column,
)
from .period_marks import set_period_mark
from .rules import Moment, is_unlocked
from .topics import fill_topics, record_topic

__all__ = [
    "POLICY_FIELDS",
    "WORK_TYPE_FIELDS",
    "DayRow",
    "Moment",
    "SheetSaved",
    "StaleEntry",
    "add_column",
    "add_note",
    "add_scale_rule",
    "attach_files",
    "check_sheet_open",
    "class_day_end",
    "default_type_order",
    "default_work_type",
    "delete_scale_rule",
    "fill_topics",
    "first_column",
    "is_unlocked",
    "record_absence",
    "record_topic",
    "save_policy",
    "save_work_type",
    "set_absence_days",
    "set_attendance",
    "set_homework",
    "set_mark",
    "set_mark_in_first_column",
    "set_period_mark",
    "take_roll_call",
    "unlock",
]
