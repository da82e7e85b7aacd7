"""Access entry points of the control of the journals (``core.access``; issue 12): a remark, a
check report, a student's support log, and the scope of the indicators a user may see — the
whole school for the administration, a class for its class teacher, a teacher's own courses.
The rules are the ``oversight.*`` lines of the rule table (``zhurnal.permissions``)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from zhurnal.accounts.context import context
from zhurnal.core.access import object_for
from zhurnal.school.access import class_for, course_for, student_for
from zhurnal.school.models import Course, SchoolClass, Staff, Student

from .models import CheckReport, JournalRemark

REMARK_RELATED = (
    "course__subject",
    "course__school_class__grade_level",
    "course__group__school_class__grade_level",
    "lesson",
    "teacher",
    "author",
)


def remark_for(user, school, remark_id: int, perm: str = "oversight.view_remark") -> JournalRemark:
    """A remark on a journal if ``perm`` allows (its teacher, the administration)."""
    remarks = JournalRemark.objects.select_related(*REMARK_RELATED)
    return object_for(user, school, remarks, perm, pk=remark_id)


def remark_course_for(user, school, course_id) -> Course:
    """A course whose journal the user may write a remark on (the deputies, the director)."""
    courses = Course.objects.select_related(
        "subject", "school_class__grade_level", "group__school_class"
    ).prefetch_related("teachers")
    return course_for(user, school, course_id, "oversight.write_remark", queryset=courses)


def check_report_for(user, school, report_id: int) -> CheckReport:
    """A saved справка (the deputies', the director's)."""
    reports = CheckReport.objects.select_related("author")
    return object_for(user, school, reports, "oversight.check_report", pk=report_id)


def support_student_for(user, school, student_id: int, perm: str) -> Student:
    """A student whose support log the user may read (``oversight.view_support``) or add to
    (``oversight.record_support``). A family asking for another family's child gets a 404, as
    in the diary: the child's existence is not told."""
    ctx = context(user, school.pk)
    if ctx is not None and not ctx.is_staff_member:
        own = ctx.child_ids | ctx.own_student_ids
        if student_id not in own:
            raise Http404
    return student_for(user, school, student_id, perm)


def indicator_scope(user, school, *, class_id=None, teacher_id=None, course_id=None) -> dict:
    """The objects narrowing the indicators, each through its rule: a class (its class teacher,
    the administration), a teacher (themself, the administration), a course (its teachers, its
    class teacher, the administration). Without any, the whole school — the administration's
    only; a teacher is given their own courses."""
    scope: dict = {}
    if class_id:
        scope["school_class"] = class_for(user, school, class_id, "oversight.view_class")
    if teacher_id:
        scope["teacher"] = object_for(
            user, school, Staff.objects.all(), "oversight.view_teacher", pk=teacher_id
        )
    if course_id:
        scope["course"] = course_for(user, school, course_id, "oversight.view_course")
    if not scope and not user.has_perm("oversight.view_school", school):
        ctx = context(user, school.pk)
        if ctx is None or ctx.staff_id is None:
            raise PermissionDenied
        scope["teacher"] = Staff.objects.get(pk=ctx.staff_id)
    return scope


def lagging_class_for(user, school, class_id) -> SchoolClass:
    return class_for(user, school, class_id, "oversight.view_class_lagging")
