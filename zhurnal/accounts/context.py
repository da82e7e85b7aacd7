"""What a user is in one school — roles, staff record, the classes they lead, the courses they
teach, their children, their own student cards — loaded once per request and school.

The access rules (``zhurnal.permissions``) and the read models that depend on who asks (the
diary's children, the messaging address book, the role home page) read these facts instead of
querying them per object: checking many objects costs no extra queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone

from zhurnal.school.calendar import school_today
from zhurnal.school.models import School

from .memberships import forget_memberships, memberships_of
from .models import STAFF_ROLES, Role


@dataclass(frozen=True)
class UserContext:
    """What a user is in one school: roles, staff record, classes led, children, own cards."""

    school_id: int
    roles: frozenset[str]
    # The school's row, loaded with the user's memberships (None where they hold no role).
    school: School | None = None
    staff_id: int | None = None
    led_class_ids: frozenset[int] = field(default_factory=frozenset)
    taught_class_ids: frozenset[int] = field(default_factory=frozenset)
    taught_course_ids: frozenset[int] = field(default_factory=frozenset)
    # (subject id, grade level id) of the courses they teach: the base plans they may edit.
    taught_subject_levels: frozenset[tuple[int, int]] = field(default_factory=frozenset)
    child_ids: frozenset[int] = field(default_factory=frozenset)
    own_student_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_staff_member(self) -> bool:
        return bool(self.roles & STAFF_ROLES)

    @property
    def today(self) -> date:
        """Today in the school's time zone (the server's date where the user has no role)."""
        if self.school is None:
            return timezone.localdate()
        return school_today(self.school)


def school_id_of(obj) -> int | None:
    """The school an object belongs to (the school itself for a ``School``)."""
    if obj is None:
        return None
    if isinstance(obj, School):
        return obj.pk
    return getattr(obj, "school_id", None)


def context(user, school_id: int | None) -> UserContext | None:
    """The user's context in a school, cached on the user object for the request."""
    if school_id is None or not getattr(user, "is_authenticated", False):
        return None
    # request.user is a SimpleLazyObject: cache on the real user, not on the wrapper, or the
    # context is loaded once through each of them.
    user = getattr(user, "_wrapped", user)
    cache = user.__dict__.setdefault("_zhurnal_contexts", {})
    if school_id not in cache:
        cache[school_id] = _load_context(user, school_id)
    return cache[school_id]


def _load_context(user, school_id: int) -> UserContext:
    """The context from the user's memberships (``memberships_of``: the standing in each school
    comes with them, no query of its own), keeping of the standing what the roles entitle to:
    the classes led and courses taught for staff with a staff card, the children for a parent,
    the own cards for a student."""
    entry = memberships_of(user).get(school_id)
    if entry is None:
        return UserContext(school_id=school_id, roles=frozenset())
    roles, standing = entry.roles, entry.standing
    staff_id = entry.staff_id if roles & STAFF_ROLES else None
    courses = standing.courses if staff_id is not None else ()
    return UserContext(
        school_id=school_id,
        roles=roles,
        school=entry.school,
        staff_id=staff_id,
        led_class_ids=standing.led_class_ids if staff_id is not None else frozenset(),
        # A course row: (course, subject, class, its grade level, group's class, its level).
        taught_class_ids=frozenset(
            class_id for row in courses for class_id in (row[2], row[4]) if class_id is not None
        ),
        taught_course_ids=frozenset(row[0] for row in courses),
        taught_subject_levels=frozenset(
            (row[1], level) for row in courses for level in (row[3], row[5]) if level is not None
        ),
        child_ids=standing.child_ids if Role.PARENT in roles else frozenset(),
        own_student_ids=standing.own_student_ids if Role.STUDENT in roles else frozenset(),
    )


def forget_contexts(user) -> None:
    """Drop cached contexts (after roles or links change within one request)."""
    user.__dict__.pop("_zhurnal_contexts", None)
    forget_memberships(user)
