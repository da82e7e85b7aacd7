"""The filters of the reports: the period (a term or the year) and a range of dates. They parse
what the browser sends and never refuse a page: a value that is not one of the choices is an
error shown above the report of the default period."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from zhurnal.core.forms import SchoolDateField
from zhurnal.school.calendar import pick_term
from zhurnal.school.models import AcademicYear, Term

from .periods import Period

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
YEAR = "year"
# The longest range of dates a report covers (a school year and a little).
MAX_RANGE_DAYS = 400


# In the first days of a term, the reports open on the term just closed.
JUST_STARTED = timedelta(days=14)


def default_period(year: AcademicYear, terms: list[Term], today: date) -> Period:
    """The term running today (quarters before other kinds) — the one before it in its first
    two weeks, when the closed term's results are what the school looks at — else the one
    coming, else the year once it is over."""
    if today > year.end:
        return Period(year)
    kinds = sorted({t.kind for t in terms}, key=lambda k: (k != "quarter", k))
    own = sorted((t for t in terms if kinds and t.kind == kinds[0]), key=lambda t: t.start)
    term = pick_term(own, None, today)
    if term is None:
        return Period(year)
    index = own.index(term)
    if index and term.start <= today < term.start + JUST_STARTED:
        term = own[index - 1]
    return Period(year, term)


def attendance_range(year: AcademicYear, terms: list[Term], today: date) -> tuple[date, date]:
    """The range the attendance pages open on: the running term, quarters before halves — else
    from the first of the month — up to today (within the year)."""
    running = sorted(
        (t for t in terms if t.start <= today <= t.end), key=lambda t: t.kind != "quarter"
    )
    start = running[0].start if running else max(year.start, min(today, year.end).replace(day=1))
    return start, min(today, year.end)


class PeriodForm(forms.Form):
    """The period of a results report: one of the year's terms, or the year."""

    period = forms.ChoiceField(label=gettext_lazy("Period"), required=False)

    def __init__(self, data, *, year: AcademicYear, terms: list[Term], today: date):
        # Unbound without a query, so that the select shows the default period.
        super().__init__(data or None)
        self.year = year
        self.terms = sorted(terms, key=lambda t: (t.kind != "quarter", t.kind, t.number))
        self.default = default_period(year, terms, today)
        self.fields["period"].choices = [(str(t.pk), t.title) for t in self.terms] + [
            (YEAR, _("The year %(year)s") % {"year": year})
        ]
        self.fields["period"].initial = self.default.key

    def chosen(self) -> Period:
        """The period asked for, or the default one (the form then says why)."""
        if not self.is_bound or not self.is_valid() or not self.cleaned_data["period"]:
            return self.default
        key = self.cleaned_data["period"]
        if key == YEAR:
            return Period(self.year)
        term = next(t for t in self.terms if str(t.pk) == key)
        return Period(self.year, term)


class RangeForm(forms.Form):
    """A range of dates (attendance, control indicators): from the first day to the last,
    both included."""

    start = SchoolDateField(label=gettext_lazy("from"), required=False, widget=DATE)
    end = SchoolDateField(label=gettext_lazy("to"), required=False, widget=DATE)

    def __init__(self, data, *, default: tuple[date, date]):
        # Unbound without dates, so that the fields show the default range.
        super().__init__(data if data and ("start" in data or "end" in data) else None)
        self.default = default
        self.fields["start"].initial, self.fields["end"].initial = default

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if start > end:
                raise forms.ValidationError(_("The first day is after the last day."))
            if end - start > timedelta(days=MAX_RANGE_DAYS):
                raise forms.ValidationError(
                    ngettext(
                        "Choose at most %(days)d day.",
                        "Choose at most %(days)d days.",
                        MAX_RANGE_DAYS,
                    )
                    % {"days": MAX_RANGE_DAYS}
                )
        return data

    def chosen(self) -> tuple[date, date]:
        if not self.is_bound or not self.is_valid():
            return self.default
        start = self.cleaned_data["start"] or self.default[0]
        end = self.cleaned_data["end"] or self.default[1]
        return (start, end) if start <= end else self.default
