"""Forms of the year end: closing and reopening a year, and a class's promotion (its order
and each student's decision). They parse what the browser sends; the rules are
``yearend.services``' and ``yearend.queries``'."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from zhurnal.core.forms import SchoolDateField

from .queries import Decision, default_decision

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CloseForm(forms.Form):
    accept_gaps = forms.BooleanField(
        label=_("Close the year with the gaps left (they are recorded in the audit trail)"),
        required=False,
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=500)


class PromotionForm(forms.Form):
    """The class's order, and per student a decision (``decision_<id>``) and the academic
    debt of a conditional promotion (``debt_<id>``)."""

    order_number = forms.CharField(label=_("order number"), max_length=40)
    order_date = SchoolDateField(label=_("order date"), widget=DATE)

    def __init__(self, *args, students, grade: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.students = students
        for student in students:
            self.fields[f"decision_{student.pk}"] = forms.ChoiceField(
                label=student.short_name,
                choices=Decision.choices,
                initial=default_decision(grade),
            )
            self.fields[f"debt_{student.pk}"] = forms.CharField(
                label=_("academic debt"), max_length=200, required=False
            )

    @property
    def order_inputs(self):
        return [self["order_number"], self["order_date"]]

    @property
    def rows(self):
        """Per student: the student and the bound fields of their decision and debt."""
        return [(s, self[f"decision_{s.pk}"], self[f"debt_{s.pk}"]) for s in self.students]

    def decisions(self) -> dict[int, tuple[str, str]]:
        data = self.cleaned_data
        return {
            s.pk: (data[f"decision_{s.pk}"], data.get(f"debt_{s.pk}", "")) for s in self.students
        }
