"""The named predicates the rule table (``table.py``) is made of (django-rules, DESIGN §7.7).

Roles are held per school (``accounts.Membership``); a class teacher is a teacher whose staff
record leads a class (``SchoolClass.class_teacher``); parents and students reach only their own
records. The facts a predicate needs about the user come from ``accounts.context`` (loaded once
per request and school), so checking many objects costs no extra queries.
"""

from __future__ import annotations

import rules

from zhurnal.accounts.context import context, school_id_of
from zhurnal.accounts.models import STAFF_ROLES, Role
from zhurnal.messaging import queries as messaging_queries
from zhurnal.messaging import rules as messaging_rules
from zhurnal.planning.models import ThematicPlan
from zhurnal.school.models import Course, Enrollment, SchoolClass, Student
from zhurnal.school.rosters import current_class_id


def _has_role(*roles: str):
    wanted = frozenset(roles)

    @rules.predicate(name="has_role_" + "_or_".join(sorted(roles)))
    def predicate(user, obj) -> bool:
        ctx = context(user, school_id_of(obj))
        return ctx is not None and bool(ctx.roles & wanted)

    return predicate


is_admin = _has_role(Role.ADMIN)
is_director = _has_role(Role.DIRECTOR)
is_deputy = _has_role(Role.DEPUTY)
is_teacher = _has_role(Role.TEACHER)
is_secretary = _has_role(Role.SECRETARY)
is_hr = _has_role(Role.HR)
is_parent = _has_role(Role.PARENT)
is_student = _has_role(Role.STUDENT)
is_school_staff = _has_role(*STAFF_ROLES)
is_administration = _has_role(Role.ADMIN, Role.DIRECTOR, Role.DEPUTY)


def _current_class_id(student, today) -> int | None:
    """The class a student is enrolled in today (prefetched as ``current_class_id`` if set)."""
    if hasattr(student, "current_class_id"):
        return student.current_class_id
    return current_class_id(student, today)


@rules.predicate
def leads_the_class(user, obj) -> bool:
    """The user is the class teacher of this class, or of this student's current class."""
    ctx = context(user, school_id_of(obj))
    if ctx is None or not ctx.led_class_ids:
        return False
    if isinstance(obj, SchoolClass):
        return obj.pk in ctx.led_class_ids
    if isinstance(obj, Student):
        return _current_class_id(obj, ctx.today) in ctx.led_class_ids
    return False


@rules.predicate
def teaches_the_class(user, obj) -> bool:
    """The user teaches a course of this class (reads its list, DESIGN §4)."""
    ctx = context(user, school_id_of(obj))
    return ctx is not None and isinstance(obj, SchoolClass) and obj.pk in ctx.taught_class_ids


@rules.predicate
def teaches_the_course(user, obj) -> bool:
    """The user is a teacher of this course (obj = Course), of this lesson's course (Lesson), or
    of a course the plan belongs to (ThematicPlan: a course's own copy, or a base plan of a
    subject and grade level they teach)."""
    ctx = context(user, school_id_of(obj))
    if ctx is None or not ctx.taught_course_ids:
        return False
    if isinstance(obj, Course):
        return obj.pk in ctx.taught_course_ids
    if isinstance(obj, ThematicPlan):
        if obj.owner_course_id is not None:
            return obj.owner_course_id in ctx.taught_course_ids
        return (obj.subject_id, obj.grade_level_id) in ctx.taught_subject_levels
    course_id = getattr(obj, "course_id", None)
    return course_id is not None and course_id in ctx.taught_course_ids


@rules.predicate
def keeps_the_lesson(user, obj) -> bool:
    """Who records a lesson (obj = Lesson): its teacher — the substitute, for a substituted
    lesson, and for that one lesson only (DESIGN §4) — or, when nobody substitutes, any teacher
    of the course."""
    ctx = context(user, school_id_of(obj))
    if ctx is None or ctx.staff_id is None:
        return False
    if obj.teacher_id == ctx.staff_id:
        return True
    return obj.substitute_for_id is None and obj.course_id in ctx.taught_course_ids


@rules.predicate
def is_the_staff_member(user, obj) -> bool:
    """The staff record (obj = Staff) is the user's own in the school."""
    ctx = context(user, school_id_of(obj))
    return ctx is not None and ctx.staff_id is not None and obj.pk == ctx.staff_id


@rules.predicate
def teaches_the_students_class(user, obj) -> bool:
    """A teacher of a course of the class the student (obj = Student) is in today: the
    student's subject teachers (seed 004, the work with lagging students)."""
    ctx = context(user, school_id_of(obj))
    if ctx is None or not ctx.taught_class_ids or not isinstance(obj, Student):
        return False
    return _current_class_id(obj, ctx.today) in ctx.taught_class_ids


@rules.predicate
def is_the_remarks_teacher(user, obj) -> bool:
    """The teacher a remark on a journal (obj = oversight.JournalRemark) is addressed to, or
    another teacher of its course."""
    ctx = context(user, school_id_of(obj))
    if ctx is None or ctx.staff_id is None:
        return False
    return obj.teacher_id == ctx.staff_id or obj.course_id in ctx.taught_course_ids


@rules.predicate
def leads_the_course_class(user, obj) -> bool:
    """The class teacher of the class a course (obj = Course) is taught to, whole or in a
    subgroup: reads every journal and plan of the class (DESIGN §4)."""
    ctx = context(user, school_id_of(obj))
    if ctx is None or not ctx.led_class_ids:
        return False
    if obj.school_class_id is not None:
        return obj.school_class_id in ctx.led_class_ids
    group = obj.group if obj.group_id else None
    return group is not None and group.school_class_id in ctx.led_class_ids


@rules.predicate
def is_guardian_of(user, obj) -> bool:
    ctx = context(user, school_id_of(obj))
    return ctx is not None and obj.pk in ctx.child_ids


@rules.predicate
def is_the_student_of_age(user, obj) -> bool:
    """The student themself, and only from the school's configured age (seed 002, 3.3.2)."""
    ctx = context(user, school_id_of(obj))
    if ctx is None or obj.pk not in ctx.own_student_ids:
        return False
    return obj.age_on(ctx.today) >= obj.school.student_min_age


@rules.predicate
def has_a_child_in_the_class(user, obj) -> bool:
    """A parent whose child, or a student who themself, is enrolled in this class (obj =
    SchoolClass) at some time of its year."""
    ctx = context(user, school_id_of(obj))
    if ctx is None:
        return False
    students = ctx.child_ids | ctx.own_student_ids
    return (
        bool(students)
        and Enrollment.objects.filter(
            school_id=ctx.school_id, school_class=obj, student_id__in=students
        ).exists()
    )


@rules.predicate
def may_write_to(user, obj) -> bool:
    """obj = messaging.rules.Recipient: the user may start a conversation with that user of the
    school (DESIGN §4; the who-to-whom logic is zhurnal/messaging/rules.py)."""
    if context(user, school_id_of(obj)) is None:
        return False
    reach = messaging_queries.reach_of(user, obj.school)
    return messaging_rules.may_write_to(reach, obj.user_id)
