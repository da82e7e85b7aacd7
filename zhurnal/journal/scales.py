"""Grading scales and special entries (DESIGN §2, «Шкала оценивания», «Особые отметки»).

Pure code, no database: a scale is a kind, and ``parse`` turns what a teacher typed into the
value stored, or refuses it with a message in the user's language. The journal grid, the API
and imports all go through ``parse`` so a value outside the scale can never be saved.

Which special entries go where (seed 002, regulation 2):

* ``•`` (work owed, «долг») — a lesson mark: the student owes the work; a real mark replaces it
  later, and deputies list the debts.
* ``н/а`` (not attested) and ``осв`` (exempt) — period marks (term, year, exam, final) only.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class ScaleKind(models.TextChoices):
    FIVE = "five", gettext_lazy("five-point (1–5)")
    PASS_FAIL = "pass_fail", gettext_lazy("pass/fail (зачёт/незачёт)")
    TEN = "ten", gettext_lazy("ten-point (1–10)")
    HUNDRED = "hundred", gettext_lazy("hundred-point (0–100)")
    NONE = "none", gettext_lazy("no marks")


class Special(models.TextChoices):
    OWED = "•", gettext_lazy("work owed")
    NOT_ATTESTED = "н/а", gettext_lazy("not attested")
    EXEMPT = "осв", gettext_lazy("exempt")


LESSON_SPECIALS = frozenset({Special.OWED})
PERIOD_SPECIALS = frozenset({Special.NOT_ATTESTED, Special.EXEMPT})

PASSED = "зач"
FAILED = "незач"

# What teachers type for a special entry or a pass/fail mark (lower case, no spaces). The
# full stop is the quickest key for «•» in the grid.
_SPECIAL_ALIASES = {
    "•": Special.OWED,
    ".": Special.OWED,
    "*": Special.OWED,
    "долг": Special.OWED,
    "н/а": Special.NOT_ATTESTED,
    "на": Special.NOT_ATTESTED,
    "н\\а": Special.NOT_ATTESTED,
    "осв": Special.EXEMPT,
    "освобожден": Special.EXEMPT,
    "освобождён": Special.EXEMPT,
}
_PASS_ALIASES = {
    "зач": PASSED,
    "з": PASSED,
    "зачет": PASSED,
    "зачёт": PASSED,
    "зачтено": PASSED,
    "незач": FAILED,
    "нз": FAILED,
    "н/з": FAILED,
    "незачет": FAILED,
    "незачёт": FAILED,
    "незачтено": FAILED,
    "не зачтено": FAILED,
}
NUMERIC_RANGES = {ScaleKind.FIVE: (1, 5), ScaleKind.TEN: (1, 10), ScaleKind.HUNDRED: (0, 100)}


class MarkError(ValidationError):
    """A value the scale does not allow (code ``out_of_scale``); ``error.messages[0]`` is the
    message for the user."""

    def __init__(self, message: str):
        super().__init__(message, code="out_of_scale")


@dataclass(frozen=True)
class MarkValue:
    """A mark as stored: ``text`` as shown in the journal and the diary, ``number`` for the
    weighted average (None for pass/fail and special entries), ``special`` when it is one."""

    text: str
    number: Decimal | None = None
    special: str = ""

    @property
    def passed(self) -> bool | None:
        """For a pass/fail mark: passed or not; None otherwise."""
        if self.text == PASSED:
            return True
        if self.text == FAILED:
            return False
        return None


def allowed_values(scale: str) -> str:
    """The scale's values in words, for help texts and error messages."""
    if scale in NUMERIC_RANGES:
        low, high = NUMERIC_RANGES[scale]
        return _("a whole number from %(low)d to %(high)d") % {"low": low, "high": high}
    if scale == ScaleKind.PASS_FAIL:
        return _("«зач» or «незач»")
    return _("no marks")


def parse(scale: str, raw: str, *, specials: frozenset[str] = LESSON_SPECIALS) -> MarkValue:
    """The value of ``raw`` on ``scale``, or ``MarkError`` saying what the scale allows.

    ``specials`` are the special entries allowed here (``LESSON_SPECIALS`` in a lesson's
    column, ``PERIOD_SPECIALS`` for period marks)."""
    text = " ".join(str(raw).split()).lower()
    if not text:
        raise MarkError(_("Enter a mark."))
    if scale == ScaleKind.NONE:
        raise MarkError(_("This course is assessed without marks."))
    special = _SPECIAL_ALIASES.get(text)
    if special is not None:
        if special not in specials:
            raise MarkError(
                _("«%(value)s» cannot be entered here.") % {"value": Special(special).value}
            )
        return MarkValue(text=special, special=special)
    if scale == ScaleKind.PASS_FAIL:
        value = _PASS_ALIASES.get(text)
        if value is None:
            raise MarkError(
                _("«%(value)s» is not on the pass/fail scale: enter %(allowed)s.")
                % {"value": raw, "allowed": allowed_values(scale)}
            )
        return MarkValue(text=value)
    low, high = NUMERIC_RANGES[ScaleKind(scale)]
    if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
        raise MarkError(
            _("«%(value)s» is not on the scale: enter %(allowed)s.")
            % {"value": raw, "allowed": allowed_values(scale)}
        )
    number = int(text)
    return MarkValue(text=str(number), number=Decimal(number))
