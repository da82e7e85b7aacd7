"""Forms of the student register and the staff records."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from zhurnal.core.forms import SchoolDateField, SchoolScopedForm

from .calendar import school_today
from .models import Consent, Guardian, GuardianRelation, SchoolClass, Staff, StaffPosition, Student

STUDENT_FIELDS = [
    "last_name",
    "first_name",
    "middle_name",
    "personal_file_number",
    "birth_date",
    "gender",
    "phone",
    "email",
    "address",
]


class StudentForm(SchoolScopedForm):
    class Meta:
        model = Student
        fields = STUDENT_FIELDS
        widgets = {"birth_date": forms.DateInput()}

    def clean_birth_date(self):
        value = self.cleaned_data["birth_date"]
        if value and value >= school_today(self.school):
            raise forms.ValidationError(_("The birth date must be in the past."))
        return value


class OrderForm(forms.Form):
    """A movement by a director's order: the class (if any), the date and the order."""

    school_class = forms.ModelChoiceField(
        label=_("class"), queryset=SchoolClass.objects.none(), required=True
    )
    day = SchoolDateField(label=_("date"), widget=forms.DateInput(attrs={"type": "date"}))
    order_number = forms.CharField(label=_("order number"), max_length=40)
    order_date = SchoolDateField(
        label=_("order date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(label=_("note"), max_length=300, required=False)

    def __init__(self, *args, school, with_class: bool = True, with_note: bool = False, **kw):
        super().__init__(*args, **kw)
        if with_class:
            self.fields["school_class"].queryset = SchoolClass.objects.filter(
                school=school
            ).select_related("grade_level", "year")
            self.fields["school_class"].label_from_instance = lambda c: f"{c.name} ({c.year})"
        else:
            del self.fields["school_class"]
        if not with_note:
            del self.fields["note"]


class GuardianForm(SchoolScopedForm):
    relation = forms.ChoiceField(label=_("relation"), choices=GuardianRelation.choices)

    class Meta:
        model = Guardian
        fields = ["last_name", "first_name", "middle_name", "phone", "email", "address"]


class ConsentForm(SchoolScopedForm):
    class Meta:
        model = Consent
        fields = ["given_on", "withdrawn_on", "document"]
        widgets = {"given_on": forms.DateInput(), "withdrawn_on": forms.DateInput()}


class StaffForm(SchoolScopedForm):
    class Meta:
        model = Staff
        fields = [
            "last_name",
            "first_name",
            "middle_name",
            "staff_number",
            "birth_date",
            "gender",
            "phone",
            "email",
            "is_active",
        ]
        widgets = {"birth_date": forms.DateInput()}


class StaffPositionForm(SchoolScopedForm):
    unbounded_dates = ("start", "end")  # a career may have begun before the journal's years

    class Meta:
        model = StaffPosition
        fields = ["title", "start", "end"]
        widgets = {"start": forms.DateInput(), "end": forms.DateInput()}
