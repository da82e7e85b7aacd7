"""Forms of the control of the journals (issue 12): a remark and its steps, the справка's
conclusions, a record of the work with a lagging student, the control thresholds. They parse
what the browser sends; the workflow's rules are ``oversight.services``'."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from zhurnal.core.forms import SchoolDateField
from zhurnal.school.models import Course, Staff

from .models import OversightPolicy, RemarkKind, RemarkStatus, SupportKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def control_range(year, today: date) -> tuple[date, date]:
    """The range the control opens on (the deputy checks monthly, regulation 2.3.1): this month
    so far; in the first week of a month, the last month (within the year)."""
    day = min(max(today, year.start), year.end)
    start = day.replace(day=1)
    if day.day <= 7 and start > year.start:
        end = start - timedelta(days=1)
        return max(end.replace(day=1), year.start), end
    return max(start, year.start), day


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Staff) -> str:
        return obj.full_name


class CourseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Course) -> str:
        return f"{obj.subject.name} — {obj.audience_name}"


class RemarkForm(forms.Form):
    teacher = StaffChoiceField(queryset=Staff.objects.none(), label=_("to the teacher"))
    kind = forms.ChoiceField(label=_("about"), choices=RemarkKind.choices)
    text = forms.CharField(label=_("remark"), max_length=2000, widget=forms.Textarea({"rows": 4}))
    due = SchoolDateField(label=_("fix by"), widget=DATE)

    def __init__(self, *args, teachers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teacher"].queryset = teachers


class StepForm(forms.Form):
    """What the teacher did (fixed), why it is reopened, or the deputy's note on accepting."""

    comment = forms.CharField(
        label=_("comment"), max_length=2000, required=False, widget=forms.Textarea({"rows": 3})
    )
    due = SchoolDateField(label=_("new date to fix it by"), required=False, widget=DATE)


class RemarkFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("status"),
        required=False,
        choices=[("", _("not accepted yet")), ("all", _("all")), *RemarkStatus.choices],
    )
    overdue = forms.BooleanField(label=_("overdue only"), required=False)
    teacher = StaffChoiceField(
        queryset=Staff.objects.none(), label=_("teacher"), required=False, empty_label=_("all")
    )

    def __init__(self, *args, teachers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teacher"].queryset = teachers


class CheckReportForm(forms.Form):
    title = forms.CharField(label=_("title"), max_length=200)
    conclusions = forms.CharField(
        label=_("conclusions and recommendations"),
        max_length=8000,
        widget=forms.Textarea({"rows": 8}),
    )


class SupportForm(forms.Form):
    kind = forms.ChoiceField(label=_("what"), choices=SupportKind.choices)
    course = CourseChoiceField(queryset=Course.objects.none(), label=_("subject"), required=False)
    day = SchoolDateField(label=_("date"), widget=DATE)
    text = forms.CharField(
        label=_("what was done and agreed"), max_length=2000, widget=forms.Textarea({"rows": 3})
    )

    def __init__(self, *args, courses, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = courses


class PolicyForm(forms.ModelForm):
    class Meta:
        model = OversightPolicy
        fields = ["lagging_average", "lagging_absence_percent", "lagging_owed", "remark_days"]
