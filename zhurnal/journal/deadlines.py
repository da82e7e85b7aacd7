"""Deadlines of journal entries (seed 002, regulation 2; DESIGN §3), in the school's time.

Pure functions of the policy, the lesson's date and the school's time zone; the services ask
``is_late`` when an entry is saved (a late entry is allowed and flagged by default) and
``is_locked`` when the school locks entries after N days. The defaults:

* topic and attendance — by 24:00 school time on the day of the lesson (``topic_days`` = 0);
* homework — within 2 hours after the class's last lesson that day;
* oral marks — within 1 day: by 24:00 of the day after the lesson;
* written, test, credit and exam work — within 5 days in grades 2–9, 7 days in grades 10–11,
  by 24:00 of the last day;
* period marks — by 24:00 of the last school day of the term.

Locking (``lock_after_days`` = N): an entry whose deadline passed more than N days ago can no
longer be made or changed, unless a deputy has unlocked the course for that date.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .models import JournalPolicy, WorkCategory

SENIOR_GRADES = (10, 11)


def end_of_day(day: date, tz: str | ZoneInfo) -> datetime:
    """24:00 of ``day`` in the time zone (the first instant of the next day), as an aware
    datetime."""
    zone = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)


def record_deadline(policy: JournalPolicy, lesson_date: date, tz: str) -> datetime:
    """The topic and the attendance of a lesson."""
    return end_of_day(lesson_date + timedelta(days=policy.topic_days), tz)


def homework_deadline(policy: JournalPolicy, last_lesson_end: datetime) -> datetime:
    """Homework: ``homework_hours`` after the end of the class's last lesson of the day."""
    return last_lesson_end + timedelta(hours=policy.homework_hours)


def mark_deadline(
    policy: JournalPolicy, lesson_date: date, tz: str, *, category: str, grade: int | None
) -> datetime:
    """A mark of a work type's ``category`` for a lesson in grade ``grade``."""
    if category == WorkCategory.ORAL:
        days = policy.oral_mark_days
    elif grade in SENIOR_GRADES:
        days = policy.written_mark_days_senior
    else:
        days = policy.written_mark_days
    return end_of_day(lesson_date + timedelta(days=days), tz)


def period_mark_deadline(last_school_day: date, tz: str) -> datetime:
    """Term, year, exam and final marks: by the last school day of the term."""
    return end_of_day(last_school_day, tz)


def is_late(deadline: datetime, now: datetime) -> bool:
    return now >= deadline


def is_locked(policy: JournalPolicy, deadline: datetime, now: datetime) -> bool:
    """Locked when the school locks entries and N days have passed since the deadline."""
    if policy.lock_after_days is None:
        return False
    return now >= deadline + timedelta(days=policy.lock_after_days)
