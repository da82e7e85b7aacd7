"""How pages, API endpoints and feeds reach a school's objects: scoped to one school, checked
by a named rule (DESIGN §5 "Access", §7.8).

Every view and endpoint loads a school's object through an access entry point: one function per
object kind in the app that owns it (``school.access.class_for``, ``timetable.access.lesson_for``,
``journal.access.journal_course_for``, ``diary.access.diary_student_for``, …), each built on
``object_for`` below and taking the user and the school, never the request, so that the pages,
the API and the feeds share it. An id of another school is a 404 (its existence is not told);
an object of the school that the rule denies is a 403.

The rules themselves are asked by name (``user.has_perm``); they live in the rule table
(``zhurnal.permissions``), which this module does not import.

Services trust their caller: they check the facts of the school's rules (deadlines, scales, who
is on a list), not who may act. The entry point that calls a service has loaded every object it
passes through an access entry point.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

M = TypeVar("M", bound=Model)


def require(user, perm: str, obj) -> None:
    """A 403 unless the rule ``perm`` lets ``user`` act on ``obj``."""
    if obj is None or not user.has_perm(perm, obj):
        raise PermissionDenied


def current_school(request: HttpRequest):
    """The page's school (the one chosen in the school switcher, set by
    ``accounts.middleware.CurrentSchoolMiddleware``); a user with no role anywhere gets a 403."""
    school = getattr(request, "school", None)
    if school is None:
        raise PermissionDenied
    return school


def object_for(user, school, queryset: type[M] | QuerySet[M], perm: str | None, **lookup) -> M:
    """The object of ``school`` matching ``lookup`` if the rule ``perm`` lets ``user`` reach it:
    404 for no such object in the school, 403 when the rule denies. ``perm=None`` leaves the
    check to the caller (an entry point whose rule asks for more than the object)."""
    if isinstance(queryset, type):
        queryset = queryset.objects.all()
    obj = get_object_or_404(queryset.filter(school=school), **lookup)
    # The school's row is the one already loaded (with its policy): no query for it later.
    obj.school = school
    if perm is not None:
        require(user, perm, obj)
    return obj


def in_school(school, queryset: type[M] | QuerySet[M], **lookup) -> M:
    """An object of ``school`` that a page or call names under a rule already checked on the
    school — a class whose timetable the staff read, a term or a class of a filter, a teacher
    chosen for a substitution: 404 for an id of another school or of none."""
    return object_for(None, school, queryset, None, **lookup)


def school_permission(perm: str) -> Callable:
    """Decorator of a school-wide page: it needs ``perm`` on the current school."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            require(request.user, perm, current_school(request))
            return view(request, *args, **kwargs)

        wrapped.required_permission = perm
        return wrapped

    return decorator
