"""The weighted average and the forecast of the period mark (DESIGN §2, «Средневзвешенный
балл, прогноз»; issue 4).

Pure code. The average is Σ w·v / Σ w over the marks that have a number (pass/fail marks and
special entries take no part), rounded to two decimals half up, as schools print it. The
forecast turns the average into a mark by the school's thresholds: on the five-point scale by
default 4.50 → 5, 3.50 → 4, 2.50 → 3, below → 2 (a school may set e.g. 4.60/3.60/2.60); on the
ten- and hundred-point scales the average rounded half up unless the school sets thresholds.
The year mark's forecast is the arithmetic mean of the term marks (each term counts once),
turned into a mark by the same thresholds. A forecast is a suggestion: it is never saved as a
period mark without the teacher's action.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal

from .scales import NUMERIC_RANGES, ScaleKind

TWO_PLACES = Decimal("0.01")
ONE_PLACE = Decimal("0.1")
DEFAULT_FIVE_POINT_THRESHOLDS = {5: Decimal("4.50"), 4: Decimal("3.50"), 3: Decimal("2.50")}


def weighted_average(marks: Iterable[tuple[Decimal | None, Decimal]]) -> Decimal | None:
    """Σ w·v / Σ w of ``(number, weight)`` pairs, skipping marks without a number; None when
    no mark counts (or every weight is zero)."""
    total = Decimal(0)
    weights = Decimal(0)
    for number, weight in marks:
        if number is None or not weight:
            continue
        total += Decimal(number) * Decimal(weight)
        weights += Decimal(weight)
    if not weights:
        return None
    return (total / weights).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def thresholds_from_policy(raw: Mapping[str, object] | None) -> dict[int, Decimal]:
    """The forecast thresholds of a school's policy (JSON: ``{"5": "4.5", …}``) as numbers."""
    if not raw:
        return {}
    return {int(mark): Decimal(str(minimum)) for mark, minimum in raw.items()}


def forecast(
    scale: str, average: Decimal | None, thresholds: Mapping[int, Decimal] | None = None
) -> str | None:
    """The period mark the average points to on ``scale``, or None (no average, or a scale
    without numbers). ``thresholds``: mark → the lowest average that earns it; the scale's
    lowest mark below all of them."""
    if average is None or scale not in NUMERIC_RANGES:
        return None
    low, high = NUMERIC_RANGES[ScaleKind(scale)]
    if scale == ScaleKind.FIVE and not thresholds:
        thresholds = DEFAULT_FIVE_POINT_THRESHOLDS
    if thresholds:
        for mark, minimum in sorted(thresholds.items(), reverse=True):
            if average >= minimum:
                return str(mark)
        return str(low if scale != ScaleKind.FIVE else 2)
    rounded = int(average.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return str(min(max(rounded, low), high))


def year_forecast(
    scale: str, term_numbers: Iterable[Decimal | None], thresholds: Mapping[int, Decimal] | None
) -> str | None:
    """The year mark the term marks point to: their arithmetic mean (a term without a numeric
    mark — not entered, н/а, осв — is left out), by the thresholds of ``forecast``."""
    numbers = [Decimal(number) for number in term_numbers if number is not None]
    if not numbers:
        return None
    mean = (sum(numbers) / len(numbers)).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)
    return forecast(scale, mean, thresholds)


def percent(part: int, whole: int) -> Decimal | None:
    """``part`` of ``whole`` in per cent, one decimal; None of nothing."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)
