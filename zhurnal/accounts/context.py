"""What a user is in one school — roles, staff record, the classes they lead, the courses they
teach, their children, their own student cards — loaded once per request and school.

The access rules (``zhurnal.permissions``) and the read models that depend on who asks (the
diary's children, the messaging address book, the role home page) read these facts instead of
querying them per object: checking many objects costs no extra queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import IntegerField, Value
from django.utils import timezone

from zhurnal.school.calendar import school_today
from zhurnal.school.models import Course, Guardian, School, SchoolClass, Student

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
    entry = memberships_of(user).get(school_id)
    roles = entry.roles if entry else frozenset()
    staff_id = led = taught = course_ids = subject_levels = None
    if roles & STAFF_ROLES:
        staff_id = entry.staff_id
    if staff_id is not None:
        # The classes they lead and the courses they teach (with the class — whole class or
        # the class of a subgroup — and the grade level of each), in ONE query: a UNION ALL
        # whose first column says which.
        none = Value(None, output_field=IntegerField())
        led_rows = (
            SchoolClass.objects.filter(school_id=school_id, class_teacher_id=staff_id)
            .values_list(Value("led"), "id", none, none, none, none, none)
            .order_by()
        )
        course_rows = (
            Course.objects.filter(school_id=school_id, teachers=staff_id)
            .values_list(
                Value("course"),
                "id",
                "subject_id",
                "school_class_id",
                "school_class__grade_level_id",
                "group__school_class_id",
                "group__school_class__grade_level_id",
            )
            .order_by()
        )
        rows = list(led_rows.union(course_rows, all=True))
        led = frozenset(row[1] for row in rows if row[0] == "led")
        courses = [row[1:] for row in rows if row[0] == "course"]
        course_ids = frozenset(row[0] for row in courses)
        taught = frozenset(
            class_id for row in courses for class_id in (row[2], row[4]) if class_id is not None
        )
        subject_levels = frozenset(
            (row[1], level) for row in courses for level in (row[3], row[5]) if level is not None
        )
    children = own = frozenset()
    if Role.PARENT in roles:
        children = frozenset(
            Student.objects.filter(
                school_id=school_id,
                guardian_links__guardian__in=Guardian.objects.filter(
                    school_id=school_id, user=user
                ),
            ).values_list("id", flat=True)
        )
    if Role.STUDENT in roles:
        own = frozenset(
            Student.objects.filter(school_id=school_id, user=user).values_list("id", flat=True)
        )
    return UserContext(
        school_id=school_id,
        roles=roles,
        school=entry.school if entry else None,
        staff_id=staff_id,
        led_class_ids=led or frozenset(),
        taught_class_ids=taught or frozenset(),
        taught_course_ids=course_ids or frozenset(),
        taught_subject_levels=subject_levels or frozenset(),
        child_ids=children,
        own_student_ids=own,
    )


def forget_contexts(user) -> None:
    """Drop cached contexts (after roles or links change within one request)."""
    user.__dict__.pop("_zhurnal_contexts", None)
    forget_memberships(user)
