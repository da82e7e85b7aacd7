"""Deadlines of journal entries in the school's time (seed 002, regulation 2; issue 4)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from zhurnal.journal.deadlines import (
    homework_deadline,
    is_late,
    is_locked,
    mark_deadline,
    period_mark_deadline,
    record_deadline,
)
from zhurnal.journal.models import JournalPolicy, WorkCategory

MSK = "Europe/Moscow"
VLADIVOSTOK = "Asia/Vladivostok"
LESSON = date(2026, 11, 18)  # a Wednesday


def at(tz: str, *args) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(tz))


def test_topic_and_attendance_by_midnight_school_time():
    policy = JournalPolicy()
    deadline = record_deadline(policy, LESSON, MSK)
    assert not is_late(deadline, at(MSK, 2026, 11, 18, 23, 59, 59))
    assert is_late(deadline, at(MSK, 2026, 11, 19, 0, 0))
    # Midnight in Vladivostok is 17:00 in Moscow the day before the Moscow midnight.
    far = record_deadline(policy, LESSON, VLADIVOSTOK)
    assert is_late(far, at(MSK, 2026, 11, 18, 17, 0))
    assert not is_late(far, at(MSK, 2026, 11, 18, 16, 59))


def test_a_school_may_allow_more_days_for_the_record():
    assert record_deadline(JournalPolicy(topic_days=1), LESSON, MSK) == at(MSK, 2026, 11, 20, 0, 0)


def test_homework_within_two_hours_after_the_last_lesson():
    last_end = at(MSK, 2026, 11, 18, 14, 30)
    deadline = homework_deadline(JournalPolicy(), last_end)
    assert deadline == at(MSK, 2026, 11, 18, 16, 30)


def test_oral_marks_within_a_day_written_within_five_or_seven():
    policy = JournalPolicy()
    oral = mark_deadline(policy, LESSON, MSK, category=WorkCategory.ORAL, grade=6)
    assert oral == at(MSK, 2026, 11, 20, 0, 0)
    written = mark_deadline(policy, LESSON, MSK, category=WorkCategory.WRITTEN, grade=9)
    assert written == at(MSK, 2026, 11, 24, 0, 0)
    senior = mark_deadline(policy, LESSON, MSK, category=WorkCategory.WRITTEN, grade=10)
    assert senior == at(MSK, 2026, 11, 26, 0, 0)


def test_period_marks_by_the_last_school_day_of_the_term():
    deadline = period_mark_deadline(date(2026, 12, 28), MSK)
    assert not is_late(deadline, at(MSK, 2026, 12, 28, 23, 0))
    assert is_late(deadline, at(MSK, 2026, 12, 29, 9, 0))


def test_late_entries_are_never_locked_by_default_and_locked_after_n_days_if_chosen():
    deadline = record_deadline(JournalPolicy(), LESSON, MSK)
    much_later = at(MSK, 2027, 3, 1, 12, 0)
    assert not is_locked(JournalPolicy(), deadline, much_later)
    strict = JournalPolicy(lock_after_days=3)
    assert not is_locked(strict, deadline, at(MSK, 2026, 11, 21, 23, 59))
    assert is_locked(strict, deadline, at(MSK, 2026, 11, 22, 0, 0))
