"""Every access rule of Zhurnal, as named predicates (DESIGN §4).

Pages and API endpoints ask ``user.has_perm(<name>, obj)`` through the helpers in
``zhurnal.accounts.access``; nothing else decides who may do what. Roles are held per school
(``accounts.Membership``); a class teacher is a teacher whose staff record leads a class
(``SchoolClass.class_teacher``); parents and students reach only their own records.

The facts a predicate needs about the user are loaded once per request and school
(``UserContext``), so checking many objects costs no extra queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import rules
from django.db.models import IntegerField, Value
from django.utils import timezone

from zhurnal.accounts.memberships import forget_memberships, memberships_of
from zhurnal.accounts.models import STAFF_ROLES, Role


@dataclass(frozen=True)
class UserContext:
    """What a user is in one school: roles, staff record, classes led, children, own cards."""

    school_id: int
    roles: frozenset[str]
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


def school_id_of(obj) -> int | None:
    from zhurnal.school.models import School

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
    from zhurnal.school.models import Course, Guardian, SchoolClass, Student

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


def _current_class_id(student) -> int | None:
    """The class a student is enrolled in today (prefetched as ``current_class_id`` if set)."""
    if hasattr(student, "current_class_id"):
        return student.current_class_id
    from zhurnal.school.queries import current_class_id

    return current_class_id(student, timezone.localdate())


@rules.predicate
def leads_the_class(user, obj) -> bool:
    """The user is the class teacher of this class, or of this student's current class."""
    from zhurnal.school.models import SchoolClass, Student

    ctx = context(user, school_id_of(obj))
    if ctx is None or not ctx.led_class_ids:
        return False
    if isinstance(obj, SchoolClass):
        return obj.pk in ctx.led_class_ids
    if isinstance(obj, Student):
        return _current_class_id(obj) in ctx.led_class_ids
    return False


@rules.predicate
def teaches_the_class(user, obj) -> bool:
    """The user teaches a course of this class (reads its list, DESIGN §4)."""
    from zhurnal.school.models import SchoolClass

    ctx = context(user, school_id_of(obj))
    return ctx is not None and isinstance(obj, SchoolClass) and obj.pk in ctx.taught_class_ids


@rules.predicate
def teaches_the_course(user, obj) -> bool:
    """The user is a teacher of this course (obj = Course), of this lesson's course (Lesson), or
    of a course the plan belongs to (ThematicPlan: a course's own copy, or a base plan of a
    subject and grade level they teach)."""
    from zhurnal.planning.models import ThematicPlan
    from zhurnal.school.models import Course

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
    return obj.age_on(date.today()) >= obj.school.student_min_age


@rules.predicate
def has_a_child_in_the_class(user, obj) -> bool:
    """A parent whose child, or a student who themself, is enrolled in this class (obj =
    SchoolClass) at some time of its year."""
    from zhurnal.school.models import Enrollment

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
    from zhurnal.messaging import queries as messaging_queries
    from zhurnal.messaging import rules as messaging_rules

    if context(user, school_id_of(obj)) is None:
        return False
    reach = messaging_queries.reach_of(user, obj.school)
    return messaging_rules.may_write_to(reach, obj.user_id)


# --- The permission table -------------------------------------------------------------------
# Object passed with each permission: a School unless stated otherwise.

RULES = {
    # Home page and the school switcher: anyone with a role in the school.
    "school.enter": is_school_staff | is_parent | is_student,
    # Year structure, classes, groups, subjects, curriculum, courses.
    "school.view_structure": is_school_staff,
    "school.manage_structure": is_admin | is_deputy,
    "school.manage_settings": is_admin,
    # Staff records (HR keeps them, seed 002 6.2.4).
    "school.view_staff": is_school_staff,
    "school.view_staff_card": is_admin | is_director | is_hr,
    "school.manage_staff": is_admin | is_hr,
    "school.import_staff": is_admin | is_hr,
    # Student register (secretary keeps it, seed 002 6.2.3).
    "school.view_register": is_admin | is_director | is_deputy | is_secretary,
    "school.manage_enrollment": is_admin | is_secretary,
    "school.import_students": is_admin | is_secretary,
    # obj = SchoolClass
    "school.view_class": is_admin
    | is_director
    | is_deputy
    | is_secretary
    | leads_the_class
    | teaches_the_class,
    # obj = Student: the personal card (152-FZ: only those whose work needs it).
    "school.view_student_card": is_admin | is_director | is_deputy | is_secretary | leads_the_class,
    "school.edit_student": is_admin | is_secretary | leads_the_class,
    # obj = SchoolClass: logins and one-time passwords for its parents and students.
    "accounts.issue_credentials": is_admin | leads_the_class,
    # obj = Student: a parent's child or the student themself (the diary, later issues).
    "school.view_own_child": is_guardian_of | is_the_student_of_age,
    # Users and roles of the school.
    "accounts.manage_users": is_admin,
    # Timetable and bell schedules: every member of staff reads, the deputy keeps them (DESIGN §4:
    # "deputies … change the timetable"), with single-day changes and substitutions.
    "timetable.view": is_school_staff,
    "timetable.manage": is_admin | is_deputy,
    # obj = Course: its lessons and programme fulfilment (plan against reality).
    "timetable.view_course": is_administration | teaches_the_course | leads_the_course_class,
    # obj = Lesson: its topic and plan item (the substitute for that one lesson only).
    "timetable.keep_lesson": keeps_the_lesson,
    # obj = SchoolClass: the secret calendar (.ics) address of a class's timetable.
    "timetable.manage_class_feed": is_admin | is_deputy | leads_the_class,
    # The assessment schedule (график оценочных процедур) is published to the school's families.
    "timetable.view_assessments": is_school_staff | is_parent | is_student,
    # obj = SchoolClass: one class's assessment schedule — staff, and the families of the class.
    "assessments.view_class": is_school_staff | has_a_child_in_the_class,
    # Thematic plans (КТП): staff read the school's plans.
    "planning.view_plans": is_school_staff,
    # obj = School: create a base plan (any teacher, for a subject and grade level they teach).
    "planning.create_plan": is_admin | is_deputy | is_teacher,
    # obj = ThematicPlan: its teachers and the deputy edit it.
    "planning.edit_plan": is_admin | is_deputy | teaches_the_course,
    # obj = Course: which plan it follows, or its own copy.
    "planning.choose_plan": is_admin | is_deputy | teaches_the_course,
    # Programme fulfilment of every course of the school (or of a class), for the administration.
    "planning.view_fulfilment": is_administration,
    # obj = School: the list of journals — the administration sees every course, a teacher
    # the courses they teach and those of the class they lead.
    "journal.list": is_administration | is_teacher,
    # The class journal (DESIGN §4). obj = Course: read the journal — its teachers, the class
    # teacher of its class, the administration; students never reach a journal.
    "journal.view": is_administration | teaches_the_course | leads_the_course_class,
    # obj = Lesson: marks, attendance and mark columns of a lesson (the substitute for that one
    # lesson only).
    "journal.keep_lesson": keeps_the_lesson,
    # obj = Course: its period marks (term, year, exam, final): the course's teachers.
    "journal.keep_period_marks": teaches_the_course,
    # obj = SchoolClass: the absence register of a class (seed 002: the class teacher keeps it).
    "journal.keep_absences": leads_the_class,
    # obj = School: open a locked course for a date range (seed 002: the deputy unlocks), and
    # see the audit of marks and attendance per course, student or teacher.
    "journal.unlock": is_deputy,
    "journal.view_changes": is_administration,
    # obj = School: work types, grading scales and the record-keeping policy.
    "journal.manage_settings": is_admin | is_deputy,
    # The electronic diary (issue 5). obj = Student: a guardian of the student, the student
    # themself from the school's age; the class teacher of their class and the administration
    # read it too.
    "diary.view": is_guardian_of | is_the_student_of_age | leads_the_class | is_administration,
    # obj = Student: acknowledge the term marks («Ознакомлен»): the student's guardians.
    "diary.acknowledge": is_guardian_of,
    # obj = Student: the secret calendar (.ics) address of the student's lessons and homework
    # — create, renew, stop: the family (the guardians, the student from the school's age),
    # not the staff who read the diary.
    "diary.manage_feed": is_guardian_of | is_the_student_of_age,
    # obj = School: the diary's entry page (the children of a parent, the student's own).
    "diary.index": is_parent | is_student,
    # obj = SchoolClass: who has and has not acknowledged the term marks.
    "diary.view_acknowledgements": is_administration | leads_the_class,
    # obj = SchoolClass: the fortnightly progress report of the class (seed 002, 2.2.2): preview,
    # the PDF for printing, sending it to the families by e-mail.
    "diary.progress_report": is_administration | leads_the_class,
    # Messages and announcements (issue 5). obj = School: the inbox, a new conversation, the
    # address book, the announcements addressed to the user — anyone with a role in the school.
    "messaging.use": is_school_staff | is_parent | is_student,
    # Notifications (issue 5): everyone with a role reads their own and sets their choices;
    # the administrator sees the school's e-mails that wait for a retry or failed.
    "notifications.use": is_school_staff | is_parent | is_student,
    "notifications.view_deliveries": is_admin,
    # obj = messaging.rules.Recipient (a user within the school): staff write to anyone in the
    # school; parents to the teachers, class teachers and administration of their children;
    # students to their teachers and class teacher (DESIGN §4). A conversation is read and
    # answered by its participants only (messaging.queries.thread_for: 404 for others).
    "messaging.write_to": may_write_to,
    # obj = School: publish announcements — the administration to the school, a parallel or a
    # class; teachers to the classes they lead or teach (messaging.rules.may_announce).
    "messaging.announce": is_administration | is_teacher,
    # The audit trail: who changed or viewed what (personal data access included).
    "audit.view_trail": is_admin | is_director,
}

for _name, _predicate in RULES.items():
    rules.add_perm(_name, _predicate)
