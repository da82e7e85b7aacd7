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
from zhurnal.school.models import Student


def diary_student_for(user, school, student_id: int, perm: str = "diary.view") -> Student:
    """A student whose diary (or, with ``perm``, whose family's part of it: ``diary.
    acknowledge``, ``diary.manage_feed``) the user may reach."""
    student = Student.objects.filter(school=school, pk=student_id).first()
    if student is None:
        raise Http404
    student.school = school  # the school already in hand: no query for the age rule
    if not user.has_perm("diary.view", student):
        ctx = context(user, school.pk)
        if ctx is None or not ctx.is_staff_member:
            raise Http404
        raise PermissionDenied
    if perm != "diary.view" and not user.has_perm(perm, student):
        raise PermissionDenied
    return student
