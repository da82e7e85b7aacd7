"""The school's reference data pages, declared as CrudSpecs (see school/views/reference.py)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from . import models as m
from .views.reference import Column, CrudSpec


def _teachers(course: m.Course) -> str:
    return ", ".join(t.short_name for t in course.teachers.all())


def _date_range(obj) -> str:
    return f"{obj.start:%d.%m.%Y} – {obj.end:%d.%m.%Y}"


YEARS = CrudSpec(
    slug="years",
    model=m.AcademicYear,
    fields=("title", "start", "end"),
    columns=(Column(_("title"), lambda o: o.title), Column(_("dates"), _date_range)),
)
TERMS = CrudSpec(
    slug="terms",
    model=m.Term,
    fields=("year", "kind", "number", "start", "end"),
    columns=(
        Column(_("academic year"), lambda o: o.year),
        Column(_("kind"), lambda o: o.get_kind_display()),
        Column(_("number"), lambda o: o.number),
        Column(_("dates"), _date_range),
    ),
    select_related=("year",),
)
HOLIDAYS = CrudSpec(
    slug="holidays",
    model=m.Holiday,
    fields=("year", "title", "start", "end", "grade_levels"),
    columns=(
        Column(_("title"), lambda o: o.title),
        Column(_("dates"), _date_range),
        Column(
            _("grade levels"),
            lambda o: ", ".join(str(g) for g in o.grade_levels.all()) or _("all"),
        ),
    ),
    prefetch_related=("grade_levels",),
    widgets={"grade_levels": forms.CheckboxSelectMultiple},
)
GRADE_LEVELS = CrudSpec(
    slug="grade-levels",
    model=m.GradeLevel,
    fields=("number", "term_kind"),
    columns=(
        Column(_("grade"), lambda o: o.number),
        Column(_("terms"), lambda o: o.get_term_kind_display()),
    ),
)
CLASSES = CrudSpec(
    slug="classes",
    model=m.SchoolClass,
    fields=("year", "grade_level", "letter", "class_teacher", "room"),
    columns=(
        Column(_("class"), lambda o: o.name),
        Column(_("academic year"), lambda o: o.year),
        Column(_("class teacher"), lambda o: o.class_teacher or "—"),
        Column(_("room"), lambda o: o.room),
    ),
    select_related=("year", "grade_level", "class_teacher"),
    detail_url="school:class_detail",
    detail_perm="school.view_class",
)
GROUPS = CrudSpec(
    slug="groups",
    model=m.Group,
    fields=("year", "name", "school_class", "subject"),
    columns=(
        Column(_("name"), lambda o: o.name),
        Column(_("class"), lambda o: o.school_class.name if o.school_class else _("cross-class")),
        Column(_("subject"), lambda o: o.subject or "—"),
    ),
    select_related=("school_class__grade_level", "subject"),
)
SUBJECTS = CrudSpec(
    slug="subjects",
    model=m.Subject,
    fields=("name", "short_name"),
    columns=(Column(_("name"), lambda o: o.name), Column(_("short name"), lambda o: o.short_name)),
)
CURRICULUM = CrudSpec(
    slug="curriculum",
    model=m.CurriculumLine,
    fields=("year", "grade_level", "school_class", "subject", "hours_per_week"),
    columns=(
        Column(_("grade level"), lambda o: o.grade_level),
        Column(_("class"), lambda o: o.school_class.name if o.school_class else "—"),
        Column(_("subject"), lambda o: o.subject),
        Column(_("hours per week"), lambda o: o.hours_per_week),
    ),
    select_related=("grade_level", "school_class__grade_level", "subject"),
)
COURSES = CrudSpec(
    slug="courses",
    model=m.Course,
    fields=("year", "subject", "school_class", "group", "teachers", "kind", "hours_per_week"),
    columns=(
        Column(_("subject"), lambda o: o.subject),
        Column(_("class or group"), lambda o: o.audience_name),
        Column(_("teachers"), _teachers),
        Column(_("kind"), lambda o: o.get_kind_display()),
        Column(_("hours per week"), lambda o: o.hours_per_week),
    ),
    select_related=("subject", "school_class__grade_level", "group__school_class__grade_level"),
    prefetch_related=("teachers",),
    widgets={"teachers": forms.CheckboxSelectMultiple},
)

STRUCTURE_SPECS = (
    YEARS,
    TERMS,
    HOLIDAYS,
    GRADE_LEVELS,
    CLASSES,
    GROUPS,
    SUBJECTS,
    CURRICULUM,
    COURSES,
)
