"""Read models of messaging: the user's reach and address book, the inbox with unread counts,
one conversation, the announcements addressed to a user. Each runs a fixed number of SQL
queries whatever the size of the school."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db.models import (
    Count,
    DateTimeField,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from zhurnal.accounts.context import context
from zhurnal.accounts.models import STAFF_ROLES, Membership, Role
from zhurnal.school.calendar import school_today
from zhurnal.school.models import (
    Course,
    Enrollment,
    GroupMembership,
    SchoolClass,
    Student,
    StudentGuardian,
)
from zhurnal.school.rosters import enrolled_on

from . import rules
from .models import (
    Announcement,
    Audience,
    Message,
    Scope,
    ThreadParticipant,
)

# Before any message: "never read" compares with this.
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
ADMINISTRATION_ROLES = (Role.ADMIN, Role.DIRECTOR, Role.DEPUTY)
PARENT_AUDIENCES = (Audience.PARENTS, Audience.BOTH)
STUDENT_AUDIENCES = (Audience.STUDENTS, Audience.BOTH)


@dataclass(frozen=True)
class Contact:
    user_id: int
    name: str
    detail: str = ""


@dataclass
class ContactGroup:
    title: str
    contacts: list[Contact] = field(default_factory=list)


def _name(last: str, first: str, middle: str, username: str = "") -> str:
    return " ".join(p for p in (last, first, middle) if p) or username


def _short(last: str, first: str, middle: str) -> str:
    initials = "".join(f"{p[0]}." for p in (first, middle) if p)
    return f"{last} {initials}".strip()


# --- reach: who the user may write to -------------------------------------------------------


@dataclass
class _Family:
    """The staff a parent's or student's family reaches, with names for the address book."""

    class_teachers: dict[int, Contact] = field(default_factory=dict)
    teachers: dict[int, Contact] = field(default_factory=dict)


def _family_staff(school, student_ids: frozenset[int], today) -> _Family:
    """Class teachers of the students' classes today and teachers of their courses (of the
    class or of a group they are in today): two queries."""
    family = _Family()
    if not student_ids:
        return family
    enrollments = Enrollment.objects.filter(
        enrolled_on(today), school=school, student_id__in=student_ids
    )
    groups = GroupMembership.objects.filter(
        enrolled_on(today), school=school, student_id__in=student_ids
    )
    for row in (
        SchoolClass.objects.filter(
            pk__in=enrollments.values("school_class_id"),
            school=school,
            class_teacher__user__memberships__school=school,
        )
        .values_list(
            "grade_level__number",
            "letter",
            "class_teacher__user_id",
            "class_teacher__last_name",
            "class_teacher__first_name",
            "class_teacher__middle_name",
        )
        .distinct()
    ):
        number, letter, user_id, *names = row
        family.class_teachers[user_id] = Contact(user_id, _name(*names), f"{number}{letter}")
    rows = (
        Course.teachers.through.objects.filter(
            Q(course__school_class_id__in=enrollments.values("school_class_id"))
            | Q(course__group_id__in=groups.values("group_id")),
            course__school=school,
            staff__school=school,
            staff__user__memberships__school=school,
        )
        .values_list(
            "staff__user_id",
            "staff__last_name",
            "staff__first_name",
            "staff__middle_name",
            "course__subject__name",
        )
        .distinct()
        .order_by("staff__last_name", "staff__first_name", "course__subject__name")
    )
    subjects: dict[int, list[str]] = {}
    for user_id, last, first, middle, subject in rows:
        subjects.setdefault(user_id, [])
        if subject not in subjects[user_id]:
            subjects[user_id].append(subject)
        family.teachers[user_id] = Contact(
            user_id, _name(last, first, middle), ", ".join(subjects[user_id])
        )
    return family


def _administration(school) -> dict[int, Contact]:
    contacts: dict[int, Contact] = {}
    rows = (
        Membership.objects.filter(school=school, role__in=ADMINISTRATION_ROLES)
        .values_list(
            "user_id",
            "role",
            "user__last_name",
            "user__first_name",
            "user__middle_name",
            "user__username",
        )
        .order_by("user__last_name", "user__first_name")
    )
    for user_id, role, *names in rows:
        label = str(Role(role).label)
        if user_id in contacts:
            label = f"{contacts[user_id].detail}, {label}"
        contacts[user_id] = Contact(user_id, _name(*names), label)
    return contacts


def reach_of(user, school) -> rules.Reach:
    """The facts ``rules.may_write_to`` needs, cached on the user for the request."""
    cache = getattr(user, "_wrapped", user).__dict__.setdefault("_zhurnal_reach", {})
    if school.pk not in cache:
        cache[school.pk] = _load_reach(user, school)[0]
    return cache[school.pk]


def _load_reach(user, school) -> tuple[rules.Reach, _Family | None, dict[int, Contact] | None]:
    ctx = context(user, school.pk)
    roles = ctx.roles if ctx else frozenset()
    is_staff = bool(roles & STAFF_ROLES)
    is_parent = Role.PARENT in roles
    is_student = Role.STUDENT in roles
    members: frozenset[int] = frozenset()
    family = administration = None
    if is_staff:
        members = frozenset(
            Membership.objects.filter(school=school).values_list("user_id", flat=True)
        )
    if is_parent or is_student:
        family = _family_staff(school, ctx.child_ids | ctx.own_student_ids, school_today(school))
    if is_parent:
        administration = _administration(school)
    reach = rules.Reach(
        user_id=user.pk,
        school_id=school.pk,
        is_staff=is_staff,
        is_parent=is_parent,
        is_student=is_student,
        members=members,
        teachers=frozenset(family.teachers) if family else frozenset(),
        class_teachers=frozenset(family.class_teachers) if family else frozenset(),
        administration=frozenset(administration or ()),
        announce_class_ids=(ctx.led_class_ids | ctx.taught_class_ids) if ctx else frozenset(),
        is_administration=bool(roles & set(ADMINISTRATION_ROLES)),
    )
    return reach, family, administration


def forget_reach(user) -> None:
    getattr(user, "_wrapped", user).__dict__.pop("_zhurnal_reach", None)


# --- the address book -----------------------------------------------------------------------


def address_book(user, school) -> list[ContactGroup]:
    """The contacts a user may write to, grouped, in a bounded number of queries (at most six,
    whatever the size of the school):

    * a parent: the class teachers and teachers of their children, the administration;
    * a student: their class teacher and teachers;
    * staff: colleagues, and the parents and students of the classes they lead or teach (the
      administration and the secretary: of every class).
    """
    from django.utils.translation import gettext as _

    reach, family, administration = _load_reach(user, school)
    getattr(user, "_wrapped", user).__dict__.setdefault("_zhurnal_reach", {})[school.pk] = reach
    groups: list[ContactGroup] = []
    seen: set[int] = {user.pk}

    def add(title: str, contacts) -> None:
        fresh = [
            c for c in contacts if c.user_id not in seen and rules.may_write_to(reach, c.user_id)
        ]
        seen.update(c.user_id for c in fresh)
        if fresh:
            groups.append(ContactGroup(title, fresh))

    if family is not None:
        add(_("Class teachers"), family.class_teachers.values())
        add(_("Teachers"), family.teachers.values())
    if administration is not None:
        add(_("Administration"), administration.values())
    if reach.is_staff:
        add(_("Colleagues"), _colleagues(school))
        ctx = context(user, school.pk)
        every_class = bool(ctx.roles & {*ADMINISTRATION_ROLES, Role.SECRETARY})
        class_ids = None if every_class else (ctx.led_class_ids | ctx.taught_class_ids)
        for title, contacts in _families_of_classes(school, class_ids):
            add(title, contacts)
    return groups


def _colleagues(school) -> list[Contact]:
    contacts: dict[int, Contact] = {}
    rows = (
        Membership.objects.filter(school=school, role__in=STAFF_ROLES)
        .values_list(
            "user_id",
            "role",
            "user__last_name",
            "user__first_name",
            "user__middle_name",
            "user__username",
        )
        .order_by("user__last_name", "user__first_name", "role")
    )
    for user_id, role, *names in rows:
        label = str(Role(role).label)
        if user_id in contacts:
            label = f"{contacts[user_id].detail}, {label}"
        contacts[user_id] = Contact(user_id, _name(*names), label)
    return list(contacts.values())


def _families_of_classes(school, class_ids) -> list[tuple[str, list[Contact]]]:
    """Parents and students (with a login) of the students enrolled today in the classes
    (None: every class), grouped by class: one query."""
    from django.utils.translation import gettext as _

    if class_ids is not None and not class_ids:
        return []
    enrollments = Enrollment.objects.filter(enrolled_on(school_today(school)), school=school)
    if class_ids is not None:
        enrollments = enrollments.filter(school_class_id__in=class_ids)
    rows = (
        enrollments.filter(
            Q(student__user__isnull=False)
            | Q(student__guardian_links__guardian__user__isnull=False)
        )
        .values_list(
            "school_class__grade_level__number",
            "school_class__letter",
            "student__last_name",
            "student__first_name",
            "student__middle_name",
            "student__user_id",
            "student__guardian_links__guardian__user_id",
            "student__guardian_links__guardian__last_name",
            "student__guardian_links__guardian__first_name",
            "student__guardian_links__guardian__middle_name",
        )
        .order_by(
            "school_class__grade_level__number",
            "school_class__letter",
            "student__last_name",
            "student__first_name",
        )
    )
    classes: dict[str, dict[int, Contact]] = {}
    for (
        number,
        letter,
        s_last,
        s_first,
        s_middle,
        s_user,
        g_user,
        g_last,
        g_first,
        g_middle,
    ) in rows:
        contacts = classes.setdefault(f"{number}{letter}", {})
        child = _short(s_last, s_first, s_middle)
        if g_user is not None and g_user not in contacts:
            contacts[g_user] = Contact(
                g_user,
                _name(g_last, g_first, g_middle),
                _("parent of %(child)s") % {"child": child},
            )
        if s_user is not None and s_user not in contacts:
            contacts[s_user] = Contact(s_user, _name(s_last, s_first, s_middle), _("student"))
    return [
        (_("Class %(name)s: parents and students") % {"name": name}, list(contacts.values()))
        for name, contacts in classes.items()
    ]


def families_of(school, user_ids) -> dict[int, frozenset[int]]:
    """For the non-staff among the users: the students each stands for (children, own card).
    Three queries."""
    staff = set(
        Membership.objects.filter(
            school=school, user_id__in=user_ids, role__in=STAFF_ROLES
        ).values_list("user_id", flat=True)
    )
    families: dict[int, set[int]] = {}
    for user_id, student_id in StudentGuardian.objects.filter(
        school=school, guardian__user_id__in=user_ids
    ).values_list("guardian__user_id", "student_id"):
        families.setdefault(user_id, set()).add(student_id)
    for user_id, student_id in Student.objects.filter(
        school=school, user_id__in=user_ids
    ).values_list("user_id", "pk"):
        families.setdefault(user_id, set()).add(student_id)
    return {u: frozenset(s) for u, s in families.items() if u not in staff}


# --- inbox, threads, unread counts ----------------------------------------------------------


def _unread_subquery(participant_user: str, last_read: str, thread: str) -> Coalesce:
    unread = (
        Message.objects.filter(
            thread_id=OuterRef(thread),
            school_id=OuterRef("school_id"),
            created_at__gt=Coalesce(
                OuterRef(last_read), Value(EPOCH, output_field=DateTimeField())
            ),
        )
        .exclude(author_id=OuterRef(participant_user))
        .order_by()
        .values("thread_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(unread, output_field=IntegerField()), Value(0))


def inbox(user, school) -> QuerySet[ThreadParticipant]:
    """The user's conversations, newest first, each with ``unread`` and ``last_body``; their
    participants prefetched (two queries a page)."""
    last_body = (
        Message.objects.filter(thread_id=OuterRef("thread_id"), school_id=OuterRef("school_id"))
        .order_by("-created_at", "-pk")
        .values("body")[:1]
    )
    return (
        ThreadParticipant.objects.filter(school=school, user=user)
        .select_related("thread")
        .annotate(
            unread=_unread_subquery("user_id", "last_read_at", "thread_id"),
            last_body=Subquery(last_body),
        )
        .prefetch_related(
            Prefetch(
                "thread__participants",
                queryset=ThreadParticipant.objects.select_related("user").order_by("pk"),
            )
        )
        .order_by("-thread__last_message_at", "-thread_id")
    )


def unread_total(user, school) -> int:
    """Unread messages of the user in the school, in ONE query (the menu's counter)."""
    return (
        Message.objects.filter(
            school=school,
            thread__participants__user=user,
            created_at__gt=Coalesce(
                "thread__participants__last_read_at", Value(EPOCH, output_field=DateTimeField())
            ),
        )
        .exclude(author=user)
        .count()
    )


# --- announcements --------------------------------------------------------------------------


def announcements_for(user, school) -> QuerySet[Announcement]:
    """Staff see every announcement of the school; a parent those to their children's class,
    parallel or school for parents; a student those to their own for students."""
    ctx = context(user, school.pk)
    base = Announcement.objects.filter(school=school).select_related(
        "author", "school_class__grade_level", "grade_level"
    )
    if ctx is None or not ctx.roles:
        return base.none()
    if ctx.is_staff_member:
        return base
    wanted = Q(pk__in=[])
    today = school_today(school)
    for students, audiences in (
        (ctx.child_ids, PARENT_AUDIENCES),
        (ctx.own_student_ids, STUDENT_AUDIENCES),
    ):
        if not students:
            continue
        enrollments = Enrollment.objects.filter(
            enrolled_on(today), school=school, student_id__in=students
        )
        wanted |= Q(audience__in=audiences) & (
            Q(scope=Scope.SCHOOL)
            | Q(scope=Scope.CLASS, school_class_id__in=enrollments.values("school_class_id"))
            | Q(
                scope=Scope.PARALLEL,
                grade_level_id__in=enrollments.values("school_class__grade_level_id"),
            )
        )
    return base.filter(wanted)
