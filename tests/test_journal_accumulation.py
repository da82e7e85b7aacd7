"""Накопляемость (seed 002, regulation 2.1.6): the marks a student should have by now, from the
school's norm for a quarter by weekly hours, prorated by the lessons held."""

from __future__ import annotations

from decimal import Decimal

import pytest

from zhurnal.journal.accumulation import (
    DEFAULT_NORMS,
    expected_marks,
    norms_from_policy,
    quarter_norm,
)


@pytest.mark.parametrize(
    ("hours", "norm"),
    [(1, 3), (2, 4), (3, 5), (4, 6), (5, 6), (Decimal("1.5"), 3), (Decimal("0.5"), 3), (0, 0)],
)
def test_the_quarters_norm_by_weekly_hours(hours, norm):
    assert quarter_norm(hours, DEFAULT_NORMS) == norm


@pytest.mark.parametrize(
    ("hours", "held", "expected"),
    [
        (1, 9, 3),  # a quarter of a one-hour subject
        (2, 18, 4),  # a quarter of a two-hour subject
        (2, 8, 1),  # a month of it: ⌊4 × 8 / 18⌋
        (2, 36, 8),  # a half-year of it
        (5, 45, 6),  # five hours: the norm of four and more
        (3, 0, 0),  # nothing held, nothing expected
        (0, 10, 0),  # no weekly hours: no norm
    ],
)
def test_the_norm_is_prorated_by_the_lessons_held(hours, held, expected):
    assert expected_marks(hours, held, DEFAULT_NORMS) == expected


def test_a_schools_norms_replace_the_defaults():
    norms = norms_from_policy({"1": 2, "2": 3, "3": 4, "4": 8})
    assert quarter_norm(4, norms) == 8 and expected_marks(1, 9, norms) == 2
    assert norms_from_policy(None) == DEFAULT_NORMS
