"""The user's schools, roles and staff records, loaded once per request.

The login check (students below the school's age), the school switcher and the permission
context all need them; one query serves the three (it runs once per user object, which
Django's authentication middleware shares with ``request.user``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import IntegerField
from django.db.models.expressions import RawSQL

from zhurnal.school.models import Staff

from .models import Membership

CACHE_ATTRIBUTE = "_zhurnal_memberships"


@dataclass(frozen=True)
class SchoolRoles:
    """The roles a user holds in one school and their staff record there (if any)."""

    school: object  # zhurnal.school.models.School
    roles: frozenset[str]
    staff_id: int | None


def memberships_of(user) -> dict[int, SchoolRoles]:
    """school id → ``SchoolRoles`` of the user, in the schools' name order (one query, then
    cached on the user object)."""
    user = getattr(user, "_wrapped", user)
    cached = user.__dict__.get(CACHE_ATTRIBUTE)
    if cached is not None:
        return cached
    # The staff card in SQL: this query runs on every request, and Django took longer to
    # compile the same ``Subquery(OuterRef(...))`` than the database took to run the whole
    # query (docs/performance.md). Table names and a bound parameter only.
    staff = RawSQL(  # noqa: S611
        f"SELECT s.id FROM {Staff._meta.db_table} s "  # noqa: S608
        f"WHERE s.school_id = {Membership._meta.db_table}.school_id AND s.user_id = %s LIMIT 1",
        (user.pk,),
        output_field=IntegerField(),
    )
    rows = (
        Membership.objects.filter(user_id=user.pk)
        # The school's journal policy comes along: every journal page and save needs it.
        .select_related("school", "school__journal_policy")
        .annotate(staff_id=staff)
        .order_by("school__short_name", "school_id")
    )
    roles: dict[int, set[str]] = {}
    first: dict[int, Membership] = {}
    for row in rows:
        roles.setdefault(row.school_id, set()).add(row.role)
        first.setdefault(row.school_id, row)
    cached = {
        school_id: SchoolRoles(row.school, frozenset(roles[school_id]), row.staff_id)
        for school_id, row in first.items()
    }
    user.__dict__[CACHE_ATTRIBUTE] = cached
    return cached


def forget_memberships(user) -> None:
    """Drop the cache (after roles change within one request)."""
    getattr(user, "_wrapped", user).__dict__.pop(CACHE_ATTRIBUTE, None)
