"""The one way views reach objects: scoped to the current school, checked by a named rule.

Healthchecks-style helpers (DESIGN §7.8): a forged id from another school is a 404, an object
of the school that the user may not see is a 403.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from zhurnal.school.models import Staff

from .context import context

M = TypeVar("M", bound=Model)


def require(request: HttpRequest, perm: str, obj) -> None:
    if obj is None or not request.user.has_perm(perm, obj):
        raise PermissionDenied


def current_school(request: HttpRequest):
    """The current school; a user with no role in any school gets a 403."""
    if request.school is None:
        raise PermissionDenied
    return request.school


def get_in_school(request: HttpRequest, queryset: type[M] | QuerySet[M], perm: str, **lookup) -> M:
    """The object of the current school matching ``lookup``, if ``perm`` allows it."""
    school = current_school(request)
    if isinstance(queryset, type):
        queryset = queryset.objects.all()
    obj = get_object_or_404(queryset.filter(school=school), **lookup)
    require(request, perm, obj)
    return obj


def school_permission(perm: str) -> Callable:
    """Decorator: the view needs ``perm`` on the current school."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            require(request, perm, current_school(request))
            return view(request, *args, **kwargs)

        wrapped.required_permission = perm
        return wrapped

    return decorator


__all__ = ["Http404", "current_school", "get_in_school", "require", "school_permission"]


def own_staff(user, school):
    """The user's own staff record in the school (none for a parent or a student)."""
    ctx = context(user, school.pk)
    staff_id = ctx.staff_id if ctx else None
    return Staff.objects.filter(school=school, pk=staff_id).first() if staff_id else None
