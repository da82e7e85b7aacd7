"""Grading scales, special entries, the weighted average and the forecast (issue 4; DESIGN §2).
Pure functions: no database."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from zhurnal.journal.averages import forecast, thresholds_from_policy, weighted_average
from zhurnal.journal.scales import (
    LESSON_SPECIALS,
    PERIOD_SPECIALS,
    MarkError,
    ScaleKind,
    Special,
    parse,
)


@pytest.mark.parametrize(
    ("scale", "raw", "text", "number"),
    [
        (ScaleKind.FIVE, "5", "5", Decimal(5)),
        (ScaleKind.FIVE, " 1 ", "1", Decimal(1)),
        (ScaleKind.TEN, "10", "10", Decimal(10)),
        (ScaleKind.HUNDRED, "0", "0", Decimal(0)),
        (ScaleKind.HUNDRED, "100", "100", Decimal(100)),
        (ScaleKind.PASS_FAIL, "Зачёт", "зач", None),
        (ScaleKind.PASS_FAIL, "нз", "незач", None),
    ],
)
def test_values_on_the_scale(scale, raw, text, number):
    value = parse(scale, raw)
    assert (value.text, value.number, value.special) == (text, number, "")


def test_pass_fail_marks_say_whether_passed():
    assert parse(ScaleKind.PASS_FAIL, "зач").passed is True
    assert parse(ScaleKind.PASS_FAIL, "незачет").passed is False
    assert parse(ScaleKind.FIVE, "5").passed is None


@pytest.mark.parametrize(
    ("scale", "raw"),
    [
        (ScaleKind.FIVE, "6"),
        (ScaleKind.FIVE, "0"),
        (ScaleKind.FIVE, "4.5"),
        (ScaleKind.FIVE, "-3"),
        (ScaleKind.FIVE, "５"),  # a full-width digit is not an ASCII number
        (ScaleKind.TEN, "11"),
        (ScaleKind.HUNDRED, "101"),
        (ScaleKind.PASS_FAIL, "5"),
        (ScaleKind.FIVE, "зач"),
    ],
)
def test_values_outside_the_scale_are_refused_with_what_it_allows(scale, raw):
    with translation.override("ru"), pytest.raises(MarkError) as error:
        parse(scale, raw)
    assert raw in str(error.value)


def test_the_message_names_the_range_in_russian():
    with translation.override("ru"), pytest.raises(MarkError) as error:
        parse(ScaleKind.FIVE, "7")
    assert "1" in str(error.value) and "5" in str(error.value)
    assert "scale" not in str(error.value)  # translated, not the English source


def test_an_empty_value_and_a_course_without_marks_are_refused():
    with pytest.raises(MarkError):
        parse(ScaleKind.FIVE, "  ")
    with pytest.raises(MarkError):
        parse(ScaleKind.NONE, "5")
    with pytest.raises(MarkError):
        parse(ScaleKind.NONE, "•")


@pytest.mark.parametrize("raw", ["•", ".", "*", "долг"])
def test_work_owed_is_a_lesson_entry(raw):
    value = parse(ScaleKind.FIVE, raw, specials=LESSON_SPECIALS)
    assert (value.text, value.number, value.special) == ("•", None, Special.OWED)


@pytest.mark.parametrize(("raw", "special"), [("н/а", "н/а"), ("НА", "н/а"), ("осв", "осв")])
def test_not_attested_and_exempt_are_period_entries(raw, special):
    assert parse(ScaleKind.FIVE, raw, specials=PERIOD_SPECIALS).special == special
    with pytest.raises(MarkError):
        parse(ScaleKind.FIVE, raw, specials=LESSON_SPECIALS)
    with pytest.raises(MarkError):
        parse(ScaleKind.FIVE, "•", specials=PERIOD_SPECIALS)


def test_weighted_average_is_the_sum_of_weighted_marks_over_the_weights():
    # 5 (weight 1), 4 (weight 2), 3 (weight 1.5): (5 + 8 + 4.5) / 4.5 = 3.888… → 3.89
    marks = [(Decimal(5), Decimal(1)), (Decimal(4), Decimal(2)), (Decimal(3), Decimal("1.5"))]
    assert weighted_average(marks) == Decimal("3.89")


def test_weighted_average_skips_entries_without_a_number_and_zero_weights():
    marks = [(None, Decimal(1)), (Decimal(5), Decimal(0)), (Decimal(4), Decimal(1))]
    assert weighted_average(marks) == Decimal("4.00")
    assert weighted_average([(None, Decimal(1))]) is None
    assert weighted_average([]) is None


def test_weighted_average_rounds_half_up():
    # (5 + 7·4) / 8 = 4.125 → 4.13 (half up, not the banker's 4.12)
    marks = [(Decimal(5), Decimal(1))] + [(Decimal(4), Decimal(1))] * 7
    assert weighted_average(marks) == Decimal("4.13")


@pytest.mark.parametrize(
    ("average", "mark"),
    [
        ("4.50", "5"),
        ("4.49", "4"),
        ("3.50", "4"),
        ("3.49", "3"),
        ("2.50", "3"),
        ("2.49", "2"),
        ("1.00", "2"),
    ],
)
def test_five_point_forecast_by_the_default_thresholds(average, mark):
    assert forecast(ScaleKind.FIVE, Decimal(average)) == mark


def test_a_school_sets_its_own_thresholds():
    strict = thresholds_from_policy({"5": "4.6", "4": "3.6", "3": "2.6"})
    assert forecast(ScaleKind.FIVE, Decimal("4.55"), strict) == "4"
    assert forecast(ScaleKind.FIVE, Decimal("4.60"), strict) == "5"
    assert forecast(ScaleKind.FIVE, Decimal("2.55"), strict) == "2"


def test_ten_and_hundred_point_forecasts_round_half_up():
    assert forecast(ScaleKind.TEN, Decimal("7.50")) == "8"
    assert forecast(ScaleKind.TEN, Decimal("7.49")) == "7"
    assert forecast(ScaleKind.HUNDRED, Decimal("99.50")) == "100"


def test_no_forecast_without_an_average_or_on_a_scale_without_numbers():
    assert forecast(ScaleKind.FIVE, None) is None
    assert forecast(ScaleKind.PASS_FAIL, Decimal(5)) is None
    assert forecast(ScaleKind.NONE, Decimal(5)) is None


def test_the_year_forecast_averages_the_numeric_term_marks():
    from zhurnal.journal.averages import year_forecast

    assert year_forecast("five", [Decimal(5), Decimal(4), None, Decimal(4)], None) == "4"
    assert year_forecast("five", [Decimal(5), Decimal(4)], None) == "5"  # 4.50
    assert year_forecast("five", [None, None], None) is None
    assert year_forecast("ten", [Decimal(7), Decimal(8)], None) == "8"  # 7.5 half up
