"""The period of the progress report, as the page, its PDF and its sending ask it in the query
string (issue 12: "the parents' progress report for any chosen period, e.g. a term for a
parents' meeting"):

* ``?end=<day>`` (or nothing: today in the school's time zone) — the two weeks ending on that
  day, the fortnightly report of seed 002, regulation 2.2.2 (the default, as before);
* ``?term=<id>`` — one of the class's terms (``school.calendar.class_terms``: the terms of its
  year that its grade level follows). Any other id — another grade level's term, another
  year's, another school's, or none at all — is refused with the same message, so nothing is
  told about it;
* ``?start=<day>&end=<day>`` — any days chosen: the first not after the last, at most
  ``report.MAX_PERIOD_DAYS`` days (one academic year), each between ``EARLIEST`` and
  ``LATEST``.

Bad input is never a server error: ``report_period`` answers the default period with the
reasons (DESIGN §6: a clear error in the user's language).
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from zhurnal.core.bounds import EARLIEST, LATEST
from zhurnal.school.models import Term

from .report import MAX_PERIOD_DAYS, ReportPeriod


class ReportPeriodForm(forms.Form):
    term = forms.TypedChoiceField(
        coerce=int,
        required=False,
        empty_value=None,
        error_messages={"invalid_choice": _("The chosen term is not one of the class's terms.")},
    )
    start = forms.DateField(
        required=False,
        error_messages={"invalid": _("The first day of the period is not a valid date.")},
    )
    end = forms.DateField(
        required=False,
        error_messages={"invalid": _("The last day of the period is not a valid date.")},
    )

    def __init__(self, data, *, terms: list[Term], today: date):
        super().__init__(data)
        self.terms = {term.pk: term for term in terms}
        self.today = today
        choices = [(pk, str(term.title)) for pk, term in self.terms.items()]
        self.fields["term"].choices = [("", ""), *choices]

    def clean(self) -> dict:
        data = super().clean()
        if self.errors:
            return data
        term_id, start, end = data.get("term"), data.get("start"), data.get("end")
        for day in (start, end):
            if day is not None and not EARLIEST <= day <= LATEST:
                raise ValidationError(
                    _("Choose days from %(first)s to %(last)s."),
                    params={
                        "first": EARLIEST.strftime("%d.%m.%Y"),
                        "last": LATEST.strftime("%d.%m.%Y"),
                    },
                    code="out_of_range",
                )
        if term_id is not None:
            data["period"] = ReportPeriod.of_term(self.terms[term_id])
        elif start is not None:
            if end is None:
                raise ValidationError(
                    _("Choose the last day of the period as well."), code="no_end"
                )
            if start > end:
                raise ValidationError(
                    _("The first day of the period is after its last day."), code="reversed"
                )
            period = ReportPeriod.between(start, end)
            if period.days > MAX_PERIOD_DAYS:
                raise ValidationError(
                    _("A period can be at most one academic year long (%(days)s days)."),
                    params={"days": MAX_PERIOD_DAYS},
                    code="too_long",
                )
            data["period"] = period
        else:
            data["period"] = ReportPeriod.ending(end or self.today)
        return data


def report_period(data, *, terms: list[Term], today: date) -> tuple[ReportPeriod, list[str]]:
    """The period asked in ``data`` (a query dict) and no errors; or, when the input is bad,
    the default period (the two weeks ending ``today``) and why the asked one was refused."""
    form = ReportPeriodForm(data, terms=terms, today=today)
    if form.is_valid():
        return form.cleaned_data["period"], []
    errors = [str(error) for errors in form.errors.values() for error in errors]
    return ReportPeriod.ending(today), errors
