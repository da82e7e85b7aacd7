"""The formulas of the school's results (issue 12), against values worked out by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from zhurnal.journal.scales import ScaleKind
from zhurnal.reports.statistics import Figures, Grade, Standing, Tally, grade_of, standing_of

G = Grade


def grades(*values: str, scale: str = ScaleKind.FIVE) -> list[Grade]:
    return [grade_of(v, scale) for v in values]


def test_a_subjects_figures_follow_the_school_formulas():
    # 30 students: 6 «5», 10 «4», 10 «3», 2 «2», one «н/а», one exempt.
    tally = Tally.of(grades(*["5"] * 6, *["4"] * 10, *["3"] * 10, "2", "2", "н/а", "осв"))
    assert tally.counted == 29  # the exempt student is left out, the not attested is in
    assert tally.success_rate == Decimal("89.7")  # 26 / 29
    assert tally.quality == Decimal("55.2")  # 16 / 29
    assert tally.sou == Decimal("56.5")  # (600 + 640 + 360 + 32 + 7) / 29 = 1639 / 29
    assert tally.average == Decimal("3.71")  # 104 / 28: «н/а» has no number


def test_a_pass_fail_subject_has_a_success_rate_and_no_quality():
    tally = Tally.of(grades(*["зач"] * 20, "незач", "незач", "н/а", scale=ScaleKind.PASS_FAIL))
    assert tally[G.FAILED] == 3  # «н/а» on a pass/fail scale is not passed
    assert tally.success_rate == Decimal("87.0")  # 20 / 23
    assert tally.quality is None and tally.sou is None and tally.average is None


@pytest.mark.parametrize(
    ("scale", "value", "grade"),
    [
        (ScaleKind.FIVE, "1", G.TWO),
        (ScaleKind.TEN, "10", G.FIVE),
        (ScaleKind.TEN, "9", G.FIVE),
        (ScaleKind.TEN, "8", G.FOUR),
        (ScaleKind.TEN, "7", G.FOUR),
        (ScaleKind.TEN, "6", G.THREE),
        (ScaleKind.TEN, "5", G.THREE),
        (ScaleKind.TEN, "4", G.TWO),
        (ScaleKind.HUNDRED, "85", G.FIVE),
        (ScaleKind.HUNDRED, "84", G.FOUR),
        (ScaleKind.HUNDRED, "70", G.FOUR),
        (ScaleKind.HUNDRED, "69", G.THREE),
        (ScaleKind.HUNDRED, "50", G.THREE),
        (ScaleKind.HUNDRED, "49", G.TWO),
        (ScaleKind.FIVE, "осв", G.EXEMPT),
        (ScaleKind.FIVE, "", G.NONE),
        (ScaleKind.FIVE, "•", G.NONE),
    ],
)
def test_marks_of_every_scale_count_in_the_five_levels(scale, value, grade):
    assert grade_of(value, scale) == grade


def test_nothing_to_count_gives_no_figures():
    tally = Tally.of(grades("осв", ""))
    assert tally.counted == 0
    assert tally.success_rate is None and tally.quality is None and tally.sou is None


@pytest.mark.parametrize(
    ("values", "standing"),
    [
        (("5", "5", "зач"), Standing.EXCELLENT),
        (("5", "4"), Standing.GOOD),
        (("4", "3", "5"), Standing.ONE_THREE),
        (("3", "3"), Standing.SATISFACTORY),
        (("5", "2"), Standing.FAILING),
        (("н/а", "4"), Standing.FAILING),
        (("5", "незач"), Standing.FAILING),
        (("зач",), Standing.PASSED),
        (("осв", ""), Standing.UNGRADED),
    ],
)
def test_a_students_standing_over_their_subjects(values, standing):
    assert standing_of(grades(*values)) == standing


def test_a_classs_figures_count_students_for_success_and_quality_and_marks_for_the_rest():
    figures = Figures()
    for values in (
        ("5", "5", "зач"),  # excellent
        ("5", "4"),  # good
        ("4", "3", "5"),  # one «3»
        ("3", "3"),  # satisfactory
        ("5", "2"),  # failing
        ("н/а", "4"),  # failing
        ("осв", ""),  # not counted
        ("зач",),  # passed
    ):
        figures.add_student(grades(*values))
    assert figures.students == 7
    assert figures.success_rate == Decimal("71.4")  # 5 / 7
    assert figures.quality == Decimal("28.6")  # 2 / 7: the excellent and the good
    # Marks: five «5», three «4», three «3», one «2», one «н/а»: (500+192+108+16+7) / 13.
    assert figures.sou == Decimal("63.3")
    assert figures.average == Decimal("4.00")  # 48 / 12
    both = figures + figures
    assert both.students == 14 and both.success_rate == Decimal("71.4")
