"""Access entry points of the electronic diary (``core.access``), shared by the pages and the
API.

The rule (DESIGN §4): ``diary.view`` on the student — their guardians, the student themself
from the school's age (seed 002, 3.3.2), the class teacher of their class and the
administration. A family asking for another family's child gets a 404 (its existence is not
told); a member of staff without the right gets a 403.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from zhurnal.accounts.context import context
from zhurnal.journal.models import HomeworkAttachment
from zhurnal.school.models import Student

from .queries import student_spans


def diary_student_for(
    user, school, student_id: int, perm: str = "diary.view", *, with_siblings: bool = False
) -> Student:
    """A student whose diary (or, with ``perm``, whose family's part of it: ``diary.
    acknowledge``, ``diary.manage_feed``) the user may reach. ``with_siblings``: for a parent
    of several children, one of whom is asked for, all of them come in the same query as
    ``student.siblings`` (the pages' switcher, in name order); otherwise ``siblings`` is
    empty."""
    ctx = context(user, school.pk)
    children = ctx.child_ids if ctx is not None else frozenset()
    if with_siblings and len(children) > 1 and student_id in children:
        siblings = list(
            Student.objects.filter(school=school, pk__in=children).order_by(
                "first_name", "last_name", "pk"
            )
        )
        student = next(child for child in siblings if child.pk == student_id)
    else:
        siblings = []
        student = Student.objects.filter(school=school, pk=student_id).first()
    if student is None:
        raise Http404
    for child in siblings or [student]:
        child.school = school  # the school already in hand: no query for the age rule
    student.siblings = siblings
    if not user.has_perm("diary.view", student):
        if ctx is None or not ctx.is_staff_member:
            raise Http404
        raise PermissionDenied
    if perm != "diary.view" and not user.has_perm(perm, student):
        raise PermissionDenied
    return student


def homework_attachment_for(student: Student, attachment_id) -> HomeworkAttachment:
    """A homework attachment of a lesson the student had (on the list of its class or group
    that day), for whoever reached the student through ``diary_student_for``; any other id is
    not found."""
    item = (
        HomeworkAttachment.objects.select_related("homework__lesson__course")
        .filter(school_id=student.school_id, pk=attachment_id)
        .first()
    )
    if item is None:
        raise Http404
    lesson = item.homework.lesson
    spans = student_spans(student, lesson.date, lesson.date)
    if not spans.on_course(lesson.course, lesson.date):
        raise Http404
    return item
