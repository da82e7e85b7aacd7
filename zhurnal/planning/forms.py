"""Forms of the plan pages and the lesson record; every choice is limited to the school."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from zhurnal.core.forms import SchoolDateField
from zhurnal.school.models import AcademicYear, GradeLevel, Subject
from zhurnal.timetable.models import LessonKind

from .models import ThematicPlan

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PlanForm(forms.Form):
    year = forms.ModelChoiceField(label=_("academic year"), queryset=AcademicYear.objects.none())
    grade_level = forms.ModelChoiceField(label=_("grade level"), queryset=GradeLevel.objects.none())
    subject = forms.ModelChoiceField(label=_("subject"), queryset=Subject.objects.none())
    title = forms.CharField(
        label=_("title"),
        max_length=200,
        help_text=_("e.g. basic level, textbook by Мерзляк"),
    )

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].queryset = AcademicYear.objects.filter(school=school)
        self.fields["grade_level"].queryset = GradeLevel.objects.filter(school=school)
        self.fields["subject"].queryset = Subject.objects.filter(school=school)


class RenameForm(forms.Form):
    title = forms.CharField(label=_("title"), max_length=200)


class ItemForm(forms.Form):
    position = forms.IntegerField(
        label=_("number"),
        min_value=1,
        required=False,
        help_text=_("Leave empty to add at the end; a number inserts the item there."),
    )
    section = forms.CharField(label=_("section"), max_length=300, required=False)
    topic = forms.CharField(label=_("topic"), max_length=500)
    hours = forms.IntegerField(label=_("hours"), min_value=1, max_value=40, initial=1)
    kind = forms.ChoiceField(label=_("kind"), choices=LessonKind.choices, initial="lesson")
    planned_date = SchoolDateField(label=_("planned date"), required=False, widget=DATE)


class CopyForm(forms.Form):
    TARGET_BASE = "base"
    TARGET_COURSE = "course"
    target = forms.ChoiceField(
        label=_("copy as"),
        choices=[
            (TARGET_BASE, _("a plan of the parallel")),
            (TARGET_COURSE, _("the own copy of a course (the course then follows it)")),
        ],
        initial=TARGET_BASE,
        widget=forms.RadioSelect,
    )
    year = forms.ModelChoiceField(
        label=_("academic year"),
        queryset=AcademicYear.objects.none(),
        required=False,
        help_text=_("For a plan of the parallel."),
    )
    course = forms.ModelChoiceField(
        label=_("course"), queryset=None, required=False, help_text=_("For an own copy.")
    )
    title = forms.CharField(label=_("title"), max_length=200)

    def __init__(self, *args, school, courses, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].queryset = AcademicYear.objects.filter(school=school)
        self.fields["course"].queryset = courses

    def clean(self):
        data = super().clean()
        if data.get("target") == self.TARGET_COURSE and not data.get("course"):
            self.add_error("course", _("Choose the course."))
        if data.get("target") == self.TARGET_BASE and not data.get("year"):
            self.add_error("year", _("Choose the academic year."))
        return data


class ChoosePlanForm(forms.Form):
    plan = forms.ModelChoiceField(
        label=_("the plan the course follows"),
        queryset=ThematicPlan.objects.none(),
        required=False,
        empty_label=_("— no plan —"),
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, plans, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = plans
