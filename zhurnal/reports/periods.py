"""The period of a report: a term, or the whole year (issue 12).

Grade levels follow different terms (quarters in grades 1–9 and halves in 10–11 is common,
DESIGN §2). A school reports its term once for all classes: the report of a term takes, for each
class, the term of its own grade level that closes with it — the term itself, or a term of
another kind that contains its last day and ends within a week of it (the 2nd quarter and the
1st half-year both close in late December). A class whose terms do not close then (the 10th
grade in the report of the 1st quarter) is not in that report; the page says which period it
follows instead."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext as _

from zhurnal.school.calendar import terms_of_level
from zhurnal.school.models import AcademicYear, SchoolClass, Term

# How far apart the last days of two terms of different kinds may be to be reported together.
CLOSING_TOGETHER = timedelta(days=7)


@dataclass(frozen=True)
class Period:
    """A term of the year, or the year itself (``term`` None)."""

    year: AcademicYear
    term: Term | None = None

    @property
    def is_year(self) -> bool:
        return self.term is None

    @property
    def start(self) -> date:
        return self.term.start if self.term else self.year.start

    @property
    def end(self) -> date:
        return self.term.end if self.term else self.year.end

    @property
    def key(self) -> str:
        """The period as a query parameter: a term's id, or «year»."""
        return str(self.term.pk) if self.term else "year"

    def __str__(self) -> str:
        return self.term.title if self.term else _("The year %(year)s") % {"year": self.year}


def class_term(period: Period, school_class: SchoolClass, terms: list[Term]) -> Term | None:
    """The term of ``school_class`` reported in ``period`` (None for the year, or when the
    class's terms do not close with the period's). ``terms``: the year's terms."""
    if period.term is None:
        return None
    own = terms_of_level(terms, school_class.grade_level)
    if period.term in own:
        return period.term
    closing = period.term.end
    for term in own:
        if term.start <= closing <= term.end and term.end - closing <= CLOSING_TOGETHER:
            return term
    return None


def previous(period: Period, terms: list[Term]) -> Period | None:
    """The term before a term, of the same kind and year (None for the first, and for the
    year)."""
    if period.term is None:
        return None
    for term in terms:
        if term.kind == period.term.kind and term.number == period.term.number - 1:
            return Period(period.year, term)
    return None


def reference_day(term_or_year, today: date) -> date:
    """The day whose lists a period's results are of: its last day once it is over, today while
    it runs (a forecast), its first day before it starts."""
    return min(max(today, term_or_year.start), term_or_year.end)
