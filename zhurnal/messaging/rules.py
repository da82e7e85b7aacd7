"""Who may write to whom (DESIGN §4), as pure functions over ids.

"Staff can write to anyone in the school; parents to the teachers, class teacher and
administration of their children; students to their teachers and class teacher." Parents and
students never reach another family: their reach holds staff only, and a thread started by
staff holds at most one family (``one_family``).

The facts (``Reach``) are loaded by ``queries.reach_of``; nothing here touches the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Recipient:
    """The object of the "messaging.write_to" permission: a user, within a school."""

    school: object
    user_id: int

    @property
    def school_id(self) -> int:
        return self.school.pk


@dataclass(frozen=True)
class Reach:
    """What a user may write to in one school."""

    user_id: int
    school_id: int
    is_staff: bool = False
    is_parent: bool = False
    is_student: bool = False
    # Every user with a role in the school (loaded for staff only: they may write to anyone).
    members: frozenset[int] = field(default_factory=frozenset)
    # Teachers of the courses of their children (a parent) or their own (a student).
    teachers: frozenset[int] = field(default_factory=frozenset)
    # Class teachers of their children's classes, or of their own class.
    class_teachers: frozenset[int] = field(default_factory=frozenset)
    # Administrator, director and deputies (loaded for parents).
    administration: frozenset[int] = field(default_factory=frozenset)
    # Classes they may announce to without being the administration (led and taught).
    announce_class_ids: frozenset[int] = field(default_factory=frozenset)
    is_administration: bool = False


def may_write_to(reach: Reach, recipient_id: int) -> bool:
    """May the user start a conversation with this user of the school?"""
    if recipient_id == reach.user_id:
        return False
    if reach.is_staff and recipient_id in reach.members:
        return True
    if (reach.is_parent or reach.is_student) and (
        recipient_id in reach.teachers or recipient_id in reach.class_teachers
    ):
        return True
    return reach.is_parent and recipient_id in reach.administration


def refused_recipients(reach: Reach, recipient_ids: Iterable[int]) -> set[int]:
    """The recipients the user may not write to (the author themself is not a recipient)."""
    return {r for r in recipient_ids if r != reach.user_id and not may_write_to(reach, r)}


def one_family(families: Mapping[int, frozenset[int]]) -> bool:
    """Do the non-staff participants of a conversation belong to one family?

    ``families`` maps each parent or student user to the students they stand for (a parent's
    children, a student's own card). A family is the set of people linked through a common
    student: the mother and the father of a child may be in one conversation, two unrelated
    parents may not.
    """
    groups = [students for students in families.values()]
    if len(groups) <= 1:
        return True
    joined = set(groups[0])
    rest = groups[1:]
    changed = True
    while rest and changed:
        changed = False
        for students in list(rest):
            if joined & students:
                joined |= students
                rest.remove(students)
                changed = True
    return not rest


def may_announce(reach: Reach, scope: str, class_id: int | None) -> bool:
    """The administration announces to the school, a parallel or a class; a teacher to the
    classes they lead or teach."""
    if reach.is_administration:
        return True
    return scope == "class" and class_id is not None and class_id in reach.announce_class_ids
