"""Forms of the timetable pages: every choice is limited to the current school (and year)."""

from __future__ import annotations

from itertools import pairwise

from django import forms
from django.utils.translation import gettext_lazy as _

from zhurnal.core.forms import SchoolDateField
from zhurnal.school.models import Course, SchoolClass, Staff, Term

from .models import BellSchedule, Weekday, WeekParity

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
# Lesson numbers offered on the bell schedule form (0: the "zero" lesson before the first).
BELL_NUMBERS = range(0, 11)


def active_staff(school):
    return Staff.objects.filter(school=school, is_active=True).order_by("last_name", "first_name")


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.short_name


class BellScheduleForm(forms.ModelForm):
    """A bell schedule with its lesson times: one start/end pair per lesson number."""

    class Meta:
        model = BellSchedule
        fields = ["name", "is_default", "classes"]
        widgets = {"classes": forms.CheckboxSelectMultiple}

    def __init__(self, *args, school, year, **kwargs):
        super().__init__(*args, **kwargs)
        self.school = school
        classes = SchoolClass.objects.filter(school=school).select_related("grade_level")
        if year is not None:
            classes = classes.filter(year=year)
        self.fields["classes"].queryset = classes
        self.fields["classes"].required = False
        periods = {}
        if self.instance.pk:
            periods = {p.number: p for p in self.instance.periods.all()}
        for number in BELL_NUMBERS:
            period = periods.get(number)
            self.fields[f"start_{number}"] = forms.TimeField(
                label=_("start"),
                required=False,
                widget=TIME,
                initial=period.start if period else None,
            )
            self.fields[f"end_{number}"] = forms.TimeField(
                label=_("end"),
                required=False,
                widget=TIME,
                initial=period.end if period else None,
            )

    def period_rows(self):
        """(number, start field, end field) for the template's table."""
        return [(n, self[f"start_{n}"], self[f"end_{n}"]) for n in BELL_NUMBERS]

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        others = BellSchedule.objects.filter(school=self.school, name=name)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(_("A bell schedule with this name already exists."))
        return name

    def clean(self):
        data = super().clean()
        times = {}
        for number in BELL_NUMBERS:
            start, end = data.get(f"start_{number}"), data.get(f"end_{number}")
            if start is None and end is None:
                continue
            if start is None or end is None or start >= end:
                self.add_error(
                    f"start_{number}",
                    _("Lesson %(number)s: give a start before the end.") % {"number": number},
                )
                continue
            times[number] = (start, end)
        ordered = sorted(times.items())
        for (n1, (_s1, e1)), (n2, (s2, _e2)) in pairwise(ordered):
            if s2 < e1:
                self.add_error(
                    None,
                    _("Lesson %(next)s starts before lesson %(prev)s ends.")
                    % {"next": n2, "prev": n1},
                )
        if not times and not self.errors:
            self.add_error(None, _("Give the times of at least one lesson."))
        self.times = times
        classes = data.get("classes") or []
        taken = (
            BellSchedule.classes.through.objects.filter(
                bellschedule__school=self.school,
                schoolclass__in=list(classes),
            )
            .exclude(bellschedule_id=self.instance.pk)
            .select_related("bellschedule", "schoolclass__grade_level")
        )
        for link in taken:
            self.add_error(
                "classes",
                _("%(class)s already follows the schedule «%(schedule)s».")
                % {"class": link.schoolclass.name, "schedule": link.bellschedule.name},
            )
        return data


class EntryForm(forms.Form):
    """A timetable entry of a class's or group's course; conflicts are checked by the service."""

    course = forms.ModelChoiceField(label=_("course"), queryset=Course.objects.none())
    weekday = forms.TypedChoiceField(label=_("weekday"), choices=Weekday.choices, coerce=int)
    number = forms.IntegerField(label=_("lesson number"), min_value=0, max_value=12)
    room = forms.CharField(label=_("room"), max_length=20, required=False)
    teacher = StaffChoiceField(
        label=_("teacher"),
        queryset=Staff.objects.none(),
        required=False,
        help_text=_("Leave empty for the course's teacher."),
    )
    parity = forms.ChoiceField(
        label=_("weeks"), choices=WeekParity.choices, initial=WeekParity.EVERY
    )
    valid_from = SchoolDateField(label=_("valid from"), widget=DATE)
    valid_to = SchoolDateField(
        label=_("valid to"),
        required=False,
        widget=DATE,
        help_text=_("Leave empty for the rest of the year."),
    )

    def __init__(self, *args, school, courses, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = courses
        self.fields["teacher"].queryset = active_staff(school)
        self.fields["weekday"].choices = [
            (value, label) for value, label in Weekday.choices if value <= school.week_days
        ]

    def clean(self):
        data = super().clean()
        start, end = data.get("valid_from"), data.get("valid_to")
        if start and end and end < start:
            self.add_error("valid_to", _("The last day is before the first day."))
        course = data.get("course")
        if course is not None and start is not None:
            year = course.year
            if not (year.start <= start <= year.end):
                self.add_error("valid_from", _("The date is outside the academic year."))
            if end is not None and not (year.start <= end <= year.end):
                self.add_error("valid_to", _("The date is outside the academic year."))
        if course is not None and data.get("teacher") is None and "teacher" not in self.errors:
            teacher = course.teachers.order_by("pk").first()
            if teacher is None:
                self.add_error("teacher", _("The course has no teacher: choose one."))
            data["teacher"] = teacher
        return data


class EndEntryForm(forms.Form):
    last_day = SchoolDateField(
        label=_("last day"),
        widget=DATE,
        help_text=_(
            "The entry stops after this day (a day before it starts deletes it). Regenerate "
            "the lessons afterwards."
        ),
    )


class GenerateForm(forms.Form):
    term = forms.ModelChoiceField(label=_("term"), queryset=Term.objects.none())
    school_class = forms.ModelChoiceField(
        label=_("class"),
        queryset=SchoolClass.objects.none(),
        required=False,
        empty_label=_("all classes"),
        help_text=_("Only the courses of this class and its subgroups."),
    )

    def __init__(self, *args, school, year, **kwargs):
        super().__init__(*args, **kwargs)
        terms = Term.objects.filter(school=school).select_related("year")
        classes = SchoolClass.objects.filter(school=school).select_related("grade_level")
        if year is not None:
            terms = terms.filter(year=year)
            classes = classes.filter(year=year)
        self.fields["term"].queryset = terms.order_by("start")
        self.fields["school_class"].queryset = classes

    def clean(self):
        data = super().clean()
        term, school_class = data.get("term"), data.get("school_class")
        if term and school_class and school_class.year_id != term.year_id:
            self.add_error("school_class", _("The class belongs to another academic year."))
        return data
