"""Накопляемость: how many marks a student should have by now (seed 002, regulation 2.1.6: "the
teacher watches the accumulation of a student's marks, which depends on the weekly load").

Pure code. A school's norm says how many marks a student gets in a quarter (nine school weeks)
for a subject of so many hours a week — by default at least 3 for one hour, 4 for two, 5 for
three and 6 for four hours or more (``JournalPolicy.accumulation_norms`` may set others). Over
any other stretch the norm is prorated by the lessons held: a month of a two-hour subject (8
lessons held) expects ⌊4 × 8 / 18⌋ = 1 mark; a half-year of it (36 lessons), 8.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_FLOOR, Decimal

# Hours a week → marks in a quarter.
DEFAULT_NORMS = {1: 3, 2: 4, 3: 5, 4: 6}
QUARTER_WEEKS = 9


def norms_from_policy(raw: Mapping[str, object] | None) -> dict[int, int]:
    """The norms of a school's policy (JSON: ``{"1": 3, …}``) as numbers; the defaults when
    none are set."""
    if not raw:
        return dict(DEFAULT_NORMS)
    return {int(hours): int(marks) for hours, marks in raw.items()}


def quarter_norm(hours_per_week: Decimal | int | None, norms: Mapping[int, int]) -> int:
    """The marks a quarter expects of a subject of ``hours_per_week`` hours: the norm of the
    largest number of hours not above it (one hour's below one hour a week); 0 without
    hours."""
    if not hours_per_week or not norms:
        return 0
    hours = Decimal(hours_per_week)
    fitting = [h for h in norms if h <= hours]
    return norms[max(fitting)] if fitting else norms[min(norms)]


def expected_marks(
    hours_per_week: Decimal | int | None, lessons_held: int, norms: Mapping[int, int]
) -> int:
    """The marks a student should have after ``lessons_held`` lessons of the subject: the
    quarter's norm prorated by the lessons, rounded down."""
    norm = quarter_norm(hours_per_week, norms)
    if not norm or lessons_held <= 0:
        return 0
    quarter_lessons = Decimal(hours_per_week) * QUARTER_WEEKS
    return int((Decimal(norm) * lessons_held / quarter_lessons).to_integral_value(ROUND_FLOOR))
