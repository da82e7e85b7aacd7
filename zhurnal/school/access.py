"""Access entry points of the school's structure and people (``core.access``): a class, a group,
a course, a student's card, a staff member's card — each of one school, through a named rule.
Pages, the API and the feeds load these objects here and nowhere else."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from zhurnal.core.access import object_for, require

from .calendar import school_today
from .models import Course, Group, SchoolClass, Staff, Student, StudentGuardian
from .queries import year_classes
from .rosters import with_current_class


def class_for(user, school, class_id: int, perm: str) -> SchoolClass:
    """A class (with its grade level, year and class teacher) if ``perm`` allows."""
    classes = SchoolClass.objects.select_related("grade_level", "year", "class_teacher")
    return object_for(user, school, classes, perm, pk=class_id)


def group_for(user, school, group_id: int, perm: str) -> Group:
    """A group or subgroup (with its class and year) if ``perm`` allows."""
    groups = Group.objects.select_related("school_class__grade_level", "year", "subject")
    return object_for(user, school, groups, perm, pk=group_id)


def course_for(user, school, course_id: int, perm: str, *, queryset: QuerySet | None = None):
    """A course if ``perm`` allows; ``queryset`` chooses what comes with it (the journal's
    entry point adds its scale rule, the plans' their plan)."""
    courses = queryset if queryset is not None else Course.objects.all()
    return object_for(user, school, courses, perm, pk=course_id)


def student_for(user, school, student_id: int, perm: str) -> Student:
    """A student's personal card, with the class they are in today (``current_class_id``), if
    ``perm`` allows (the rules on a student look at that class: a class teacher's own)."""
    students = with_current_class(Student.objects.all(), school_today(school))
    return object_for(user, school, students, perm, pk=student_id)


def staff_for(user, school, staff_id: int, perm: str) -> Staff:
    """A staff member's card: anyone on the staff list (``school.view_staff``) reaches it, and
    ``perm`` — a school-wide rule such as ``school.view_staff_card`` — decides what they do."""
    staff = object_for(
        user, school, Staff.objects.select_related("user"), "school.view_staff", pk=staff_id
    )
    require(user, perm, school)
    return staff


def guardian_link_for(student: Student, guardian_id: int) -> StudentGuardian:
    """A guardian of a student reached through ``student_for`` (the rule on the student is the
    rule on their guardians); a guardian of another student is a 404."""
    return get_object_or_404(
        StudentGuardian.objects.select_related("guardian", "student"),
        student=student,
        guardian=guardian_id,
    )


def class_of_year_for(school, year, class_id: int) -> SchoolClass:
    """A class of the year chosen in a page's filter (the page's own rule has been checked
    on the school): of another school or year, a 404."""
    return get_object_or_404(year_classes(school, year), pk=class_id)
