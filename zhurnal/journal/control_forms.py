"""Forms of the journal control and settings pages (issue 4): the absence register, unlocks,
the filters of the changes and debts pages, the journal policy, work types and scale rules.

The forms parse what the browser sends and scope every choice to the current school; the rules
of record keeping (dates, reasons, audit) stay in ``journal.services``."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from zhurnal.core.forms import SchoolDateField
from zhurnal.school.models import Course, GradeLevel, SchoolClass, Staff, Student, Subject

from .accumulation import norms_from_policy
from .models import AbsenceReason, DayReason, JournalPolicy, ScaleRule, WorkType
from .services.absence_days import DayRow

# The weekly hours the policy's norm of marks is set for (the last: that many or more).
NORM_HOURS = (1, 2, 3, 4)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CourseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Course) -> str:
        return f"{obj.subject} — {obj.audience_name}"


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.full_name


def school_courses(school, year=None):
    courses = Course.objects.filter(school=school).select_related(
        "subject", "school_class__grade_level", "group"
    )
    if year is not None:
        courses = courses.filter(year=year)
    return courses.order_by("subject__name", "school_class__grade_level__number", "pk")


class AbsenceForm(forms.Form):
    student = PersonChoiceField(queryset=Student.objects.none(), label=_("student"))
    start = SchoolDateField(label=_("from"), widget=DATE)
    end = SchoolDateField(label=_("to"), widget=DATE)
    reason = forms.ChoiceField(label=_("reason"), choices=AbsenceReason.choices)
    document = forms.CharField(
        label=_("document"),
        required=False,
        max_length=200,
        help_text=_("e.g. справка № 123 от 12.11."),
    )

    def __init__(self, *args, students, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["student"].queryset = students


# The id of the sheet's hint (templates/journal_control/absence_sheet.html).
SHEET_HINT = "sheet-help"


class AbsenceSheetForm(forms.Form):
    """The class teacher's daily sheet (seed 002, regulation 2.2.1): per student of the day a
    reason (Б, У, Н, or none of the day's own), whether it is for the whole day, a document;
    the version each row was shown at (no lost update); one reason for late changes."""

    change_reason = forms.CharField(
        label=_("Reason of the change"),
        required=False,
        max_length=500,
        help_text=_("Needed only to change a reason recorded on an earlier day."),
    )

    def __init__(self, *args, rows, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        choices = [("", _("not recorded"))] + [
            (code, f"{code} — {label}") for code, label in DayReason.choices
        ]
        for row in rows:
            pk, name = row.student.pk, row.student.short_name
            # The table's cells carry no <label>: each control is named by its student, and
            # the reasons' select is described by the sheet's hint (issue 15).
            reason_label = _("Reason: %(student)s") % {"student": name}
            whole_label = _("Whole day: %(student)s") % {"student": name}
            document_label = _("Document: %(student)s") % {"student": name}
            self.fields[f"reason_{pk}"] = forms.ChoiceField(
                label=reason_label,
                choices=choices,
                required=False,
                initial=row.reason,
                widget=forms.Select(
                    attrs={"aria-label": reason_label, "aria-describedby": SHEET_HINT}
                ),
            )
            self.fields[f"whole_{pk}"] = forms.BooleanField(
                label=whole_label,
                required=False,
                initial=row.whole_day,
                widget=forms.CheckboxInput(attrs={"aria-label": whole_label}),
            )
            self.fields[f"document_{pk}"] = forms.CharField(
                label=document_label,
                required=False,
                max_length=200,
                initial=row.document,
                widget=forms.TextInput(
                    attrs={"aria-label": document_label, "size": 14, "class": "document"}
                ),
            )
            self.fields[f"version_{pk}"] = forms.IntegerField(
                widget=forms.HiddenInput, min_value=0, initial=row.version
            )

    def row_fields(self, row) -> tuple:
        """The bound fields of a row: reason, whole day, document, version."""
        pk = row.student.pk
        return tuple(self[f"{name}_{pk}"] for name in ("reason", "whole", "document", "version"))

    def day_rows(self) -> list[DayRow]:
        data = self.cleaned_data
        return [
            DayRow(
                student=row.student,
                reason=data[f"reason_{row.student.pk}"],
                whole_day=data[f"whole_{row.student.pk}"],
                document=data[f"document_{row.student.pk}"],
                version=data[f"version_{row.student.pk}"] or 0,
            )
            for row in self.rows
        ]


class UnlockForm(forms.Form):
    course = CourseChoiceField(queryset=Course.objects.none(), label=_("course"))
    start = SchoolDateField(label=_("lessons from"), widget=DATE)
    end = SchoolDateField(label=_("lessons to"), widget=DATE)
    days = forms.IntegerField(label=_("open for (days)"), min_value=1, max_value=30, initial=3)
    reason = forms.CharField(label=_("reason"), max_length=300)

    def __init__(self, *args, courses, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = courses


class ChangesFilterForm(forms.Form):
    """GET filters of the changes page; every choice is of the current school."""

    # Filters offer «все» rather than Django's «---------» (issue 15).
    course = CourseChoiceField(
        queryset=Course.objects.none(), label=_("course"), required=False, empty_label=_("all")
    )
    student = PersonChoiceField(
        queryset=Student.objects.none(), label=_("student"), required=False, empty_label=_("all")
    )
    teacher = PersonChoiceField(
        queryset=Staff.objects.none(),
        label=_("who (teacher)"),
        required=False,
        empty_label=_("all"),
    )
    start = SchoolDateField(label=_("from"), required=False, widget=DATE)
    end = SchoolDateField(label=_("to"), required=False, widget=DATE)

    ID_FIELDS = ("course", "student", "teacher")

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = school_courses(school)
        self.fields["student"].queryset = Student.objects.filter(school=school).order_by(
            "last_name", "first_name", "middle_name"
        )
        self.fields["teacher"].queryset = Staff.objects.filter(
            school=school, user__isnull=False
        ).order_by("last_name", "first_name", "middle_name")

    def forged_id(self) -> bool:
        """A course, student or teacher that is not of this school (or does not exist)."""
        return any(name in self.errors for name in self.ID_FIELDS)


class DebtsFilterForm(forms.Form):
    school_class = forms.ModelChoiceField(
        queryset=SchoolClass.objects.none(), label=_("class"), required=False, empty_label=_("all")
    )
    start = SchoolDateField(label=_("lessons from"), required=False, widget=DATE)
    end = SchoolDateField(label=_("lessons to"), required=False, widget=DATE)

    def __init__(self, *args, school, year=None, **kwargs):
        super().__init__(*args, **kwargs)
        classes = SchoolClass.objects.filter(school=school).select_related("grade_level")
        if year is not None:
            classes = classes.filter(year=year)
        self.fields["school_class"].queryset = classes.order_by("grade_level__number", "letter")


class PolicyForm(forms.ModelForm):
    """The school's journal policy; the forecast thresholds as three numbers."""

    threshold_5 = forms.DecimalField(
        label=_("forecast «5» from"), min_value=1, max_value=5, decimal_places=2
    )
    threshold_4 = forms.DecimalField(
        label=_("forecast «4» from"), min_value=1, max_value=5, decimal_places=2
    )
    threshold_3 = forms.DecimalField(
        label=_("forecast «3» from"), min_value=1, max_value=5, decimal_places=2
    )
    # Накопляемость (regulation 2.1.6): the fewest marks in a quarter by weekly hours.
    norm_1 = forms.IntegerField(
        label=_("marks in a quarter, 1 hour a week"),
        min_value=0,
        max_value=40,
        required=False,
    )
    norm_2 = forms.IntegerField(
        label=_("marks in a quarter, 2 hours a week"),
        min_value=0,
        max_value=40,
        required=False,
    )
    norm_3 = forms.IntegerField(
        label=_("marks in a quarter, 3 hours a week"),
        min_value=0,
        max_value=40,
        required=False,
    )
    norm_4 = forms.IntegerField(
        label=_("marks in a quarter, 4 hours a week or more"),
        min_value=0,
        max_value=40,
        required=False,
    )

    class Meta:
        model = JournalPolicy
        fields = [
            "default_scale",
            "topic_days",
            "homework_hours",
            "oral_mark_days",
            "written_mark_days",
            "written_mark_days_senior",
            "lock_after_days",
            "correction_grace_days",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        thresholds = self.instance.forecast_thresholds or {}
        for mark in ("5", "4", "3"):
            if mark in thresholds:
                self.fields[f"threshold_{mark}"].initial = Decimal(str(thresholds[mark]))
        norms = norms_from_policy(self.instance.accumulation_norms)
        for hours in NORM_HOURS:
            self.fields[f"norm_{hours}"].initial = norms.get(hours, 0)

    def clean(self):
        data = super().clean()
        five, four, three = (data.get(f"threshold_{m}") for m in ("5", "4", "3"))
        if None not in (five, four, three) and not five > four > three:
            raise forms.ValidationError(
                _("The forecast thresholds must decrease: «5» above «4» above «3».")
            )
        return data

    def policy_data(self) -> dict:
        """The policy's fields as ``journal.services.save_policy`` takes them, the forecast
        thresholds as one mapping (mark → lowest average)."""
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        data["forecast_thresholds"] = {
            m: str(self.cleaned_data[f"threshold_{m}"]) for m in ("5", "4", "3")
        }
        # A norm left empty keeps the school's current one.
        current = norms_from_policy(self.instance.accumulation_norms)
        data["accumulation_norms"] = {
            str(hours): self.cleaned_data[f"norm_{hours}"]
            if self.cleaned_data[f"norm_{hours}"] is not None
            else current.get(hours, 0)
            for hours in NORM_HOURS
        }
        return data


class WorkTypeForm(forms.ModelForm):
    class Meta:
        model = WorkType
        fields = ["code", "name", "weight", "category", "position", "is_active"]
        help_texts = {
            "weight": _(
                "A new mark column takes the weight of its work type; columns already added "
                "keep theirs."
            )
        }

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.school = school

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        taken = WorkType.objects.filter(school=self.school, code=code)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(_("The school already has a work type with this code."))
        return code


class ScaleRuleForm(forms.ModelForm):
    class Meta:
        model = ScaleRule
        fields = ["grade_level", "subject", "scale"]

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.school = school
        self.fields["grade_level"].queryset = GradeLevel.objects.filter(school=school).order_by(
            "number"
        )
        self.fields["subject"].queryset = Subject.objects.filter(school=school).order_by("name")

    def clean(self):
        data = super().clean()
        grade_level, subject = data.get("grade_level"), data.get("subject")
        if grade_level is None and subject is None:
            raise forms.ValidationError(_("Choose a grade level, a subject, or both."))
        if ScaleRule.objects.filter(
            school=self.school, grade_level=grade_level, subject=subject
        ).exists():
            raise forms.ValidationError(
                _("There is already a rule for this grade level and subject.")
            )
        return data


SCALE_RULE_FIELDS = ScaleRuleForm.Meta.fields
