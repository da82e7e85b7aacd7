"""The figures of a school's results (issue 12; seed 002 §2.5, §4.3), as pure functions.

Each student's result in a subject for a period — a period mark, or the forecast where none is
entered yet — falls into one ``Grade``. The figures of a group of results follow the formulas
schools use in their reports (and the deputies' справки):

* **успеваемость** (success rate) = («5» + «4» + «3» + «зачёт») / N × 100 %;
* **качество знаний** (quality) = («5» + «4») / N₅ × 100 %;
* **СОУ** (степень обученности учащихся, V. P. Simonov's weighted formula) =
  (100·«5» + 64·«4» + 36·«3» + 16·«2» + 7·«н/а») / N₅ %;
* **средний балл** (average mark) = (5·«5» + 4·«4» + 3·«3» + 2·«2») / the number of those marks.

N counts the students with a result: the exempt («осв») and those without any mark are left
out, the not attested («н/а») are in. N₅ is N without the pass/fail results (a «зачёт» is a
success but says nothing of quality). A «1» counts as a «2». Marks of the ten- and
hundred-point scales are counted in the five levels they correspond to (``level_of``).

For a class, a parallel or the school the success rate and the quality are the students'
(``Standing``: a student succeeds without any «2», «н/а» or «незачёт» in any subject, and is
of quality with only «4» and «5»), while the СОУ and the average mark are those of all the
subject results together (``Tally``). Percentages are rounded half up to one decimal, the
average mark to two.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from zhurnal.journal.averages import percent
from zhurnal.journal.scales import FAILED, PASSED, ScaleKind, Special

ONE_PLACE = Decimal("0.1")
TWO_PLACES = Decimal("0.01")


class Grade(StrEnum):
    """What one result counts as."""

    FIVE = "5"
    FOUR = "4"
    THREE = "3"
    TWO = "2"
    NOT_ATTESTED = "н/а"
    PASSED = "зач"
    FAILED = "незач"
    EXEMPT = "осв"
    NONE = ""


LEVELS = (Grade.FIVE, Grade.FOUR, Grade.THREE, Grade.TWO)
# Simonov's weights of the degree of learning (СОУ), per cent of full mastery.
SOU_WEIGHTS = {
    Grade.FIVE: 100,
    Grade.FOUR: 64,
    Grade.THREE: 36,
    Grade.TWO: 16,
    Grade.NOT_ATTESTED: 7,
}
# The lowest mark of each five-point level on the other numeric scales: the ten-point bands
# 9–10, 7–8, 5–6, 1–4; the hundred-point bands 85–100, 70–84, 50–69, 0–49 (per cent correct).
LEVEL_BANDS = {
    ScaleKind.TEN: ((9, Grade.FIVE), (7, Grade.FOUR), (5, Grade.THREE)),
    ScaleKind.HUNDRED: ((85, Grade.FIVE), (70, Grade.FOUR), (50, Grade.THREE)),
}


def level_of(scale: str, number: int) -> Grade:
    """The five-point level of a numeric mark on ``scale``."""
    if scale == ScaleKind.FIVE:
        return {5: Grade.FIVE, 4: Grade.FOUR, 3: Grade.THREE}.get(number, Grade.TWO)
    for lowest, grade in LEVEL_BANDS.get(ScaleKind(scale), ()):
        if number >= lowest:
            return grade
    return Grade.TWO


def grade_of(value: str, scale: str) -> Grade:
    """What a result (a period mark's value, or a forecast) counts as on the course's scale.

    On a pass/fail scale «н/а» is a «незачёт»: not passed."""
    if not value:
        return Grade.NONE
    if value == Special.EXEMPT:
        return Grade.EXEMPT
    if value == Special.NOT_ATTESTED:
        return Grade.FAILED if scale == ScaleKind.PASS_FAIL else Grade.NOT_ATTESTED
    if value == PASSED:
        return Grade.PASSED
    if value == FAILED:
        return Grade.FAILED
    if value.isdigit():
        return level_of(scale, int(value))
    return Grade.NONE


@dataclass
class Tally:
    """The results of one subject (or of many) counted by grade, and their figures."""

    counts: Counter = field(default_factory=Counter)

    @classmethod
    def of(cls, grades: Iterable[Grade]) -> Tally:
        return cls(Counter(grades))

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.counts + other.counts)

    def __getitem__(self, grade: Grade) -> int:
        return self.counts[grade]

    @property
    def graded(self) -> int:
        """N₅: the results on a marking scale, «н/а» included."""
        return sum(self.counts[g] for g in (*LEVELS, Grade.NOT_ATTESTED))

    @property
    def counted(self) -> int:
        """N: every result but the exempt and the missing ones."""
        return self.graded + self.counts[Grade.PASSED] + self.counts[Grade.FAILED]

    @property
    def succeeded(self) -> int:
        return sum(self.counts[g] for g in (Grade.FIVE, Grade.FOUR, Grade.THREE, Grade.PASSED))

    @property
    def failed(self) -> int:
        return self.counted - self.succeeded

    @property
    def success_rate(self) -> Decimal | None:
        """Успеваемость, %."""
        return percent(self.succeeded, self.counted)

    @property
    def quality(self) -> Decimal | None:
        """Качество знаний, %: «5» and «4» of the results on a marking scale."""
        return percent(self.counts[Grade.FIVE] + self.counts[Grade.FOUR], self.graded)

    @property
    def sou(self) -> Decimal | None:
        """СОУ, %: Simonov's weights over the results on a marking scale."""
        if not self.graded:
            return None
        weighted = sum(weight * self.counts[g] for g, weight in SOU_WEIGHTS.items())
        return (Decimal(weighted) / Decimal(self.graded)).quantize(
            ONE_PLACE, rounding=ROUND_HALF_UP
        )

    @property
    def average(self) -> Decimal | None:
        """Средний балл: the mean of the marks «5»…«2» («н/а» has no number)."""
        marks = sum(self.counts[g] for g in LEVELS)
        if not marks:
            return None
        total = sum(int(g) * self.counts[g] for g in LEVELS)
        return (Decimal(total) / Decimal(marks)).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


class Standing(StrEnum):
    """Where a student stands over all their subjects of a period."""

    EXCELLENT = "excellent"  # отличник: only «5» (and «зачёт»)
    GOOD = "good"  # хорошист: only «4» and «5», at least one «4»
    ONE_THREE = "one_three"  # one «3», the rest «4» and «5»
    SATISFACTORY = "satisfactory"  # succeeds, with more «3»
    PASSED = "passed"  # succeeds, only pass/fail results
    FAILING = "failing"  # a «2», «н/а» or «незачёт»
    UNGRADED = "ungraded"  # no result at all: not counted


FAILING_GRADES = frozenset({Grade.TWO, Grade.NOT_ATTESTED, Grade.FAILED})


def standing_of(grades: Iterable[Grade]) -> Standing:
    """A student's standing from their results in every subject (the exempt and the missing
    ones left out)."""
    counted = [g for g in grades if g not in (Grade.EXEMPT, Grade.NONE)]
    if not counted:
        return Standing.UNGRADED
    if any(g in FAILING_GRADES for g in counted):
        return Standing.FAILING
    levels = Counter(g for g in counted if g in LEVELS)
    if not levels:
        return Standing.PASSED
    if levels[Grade.THREE] == 0:
        return Standing.GOOD if levels[Grade.FOUR] else Standing.EXCELLENT
    if levels[Grade.THREE] == 1:
        return Standing.ONE_THREE
    return Standing.SATISFACTORY


@dataclass
class Figures:
    """The figures of a group of students (a class, a parallel, the school): the success rate
    and the quality by students, the СОУ and the average mark by all their results."""

    standings: Counter = field(default_factory=Counter)
    tally: Tally = field(default_factory=Tally)

    def add_student(self, grades: list[Grade]) -> Standing:
        standing = standing_of(grades)
        self.standings[standing] += 1
        self.tally = self.tally + Tally.of(grades)
        return standing

    def __add__(self, other: Figures) -> Figures:
        return Figures(self.standings + other.standings, self.tally + other.tally)

    @property
    def students(self) -> int:
        """N: the students with at least one result."""
        return sum(n for s, n in self.standings.items() if s != Standing.UNGRADED)

    @property
    def failing(self) -> int:
        return self.standings[Standing.FAILING]

    @property
    def success_rate(self) -> Decimal | None:
        return percent(self.students - self.failing, self.students)

    @property
    def quality(self) -> Decimal | None:
        good = self.standings[Standing.EXCELLENT] + self.standings[Standing.GOOD]
        return percent(good, self.students)

    @property
    def sou(self) -> Decimal | None:
        return self.tally.sou

    @property
    def average(self) -> Decimal | None:
        return self.tally.average
