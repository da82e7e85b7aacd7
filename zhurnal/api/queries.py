"""Read models behind the API: a fixed number of SQL queries whatever the school's size
(DESIGN §5, §7.2). Permission checks stay in the endpoints; these only fetch."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Prefetch, Q, QuerySet

from zhurnal.accounts.models import STAFF_ROLES, Membership, Role
from zhurnal.school.calendar import school_today
from zhurnal.school.models import (
    AcademicYear,
    Course,
    CurriculumLine,
    Enrollment,
    GradeLevel,
    Group,
    Holiday,
    School,
    SchoolClass,
    Staff,
    StaffPosition,
    Student,
    Subject,
)

ROLE_ORDER = {role: i for i, role in enumerate(Role.values)}


def sorted_roles(roles) -> list[str]:
    return sorted(set(roles), key=lambda r: ROLE_ORDER.get(r, len(ROLE_ORDER)))


# --- the current user ------------------------------------------------------------------------


@dataclass
class SchoolMembership:
    school: School
    roles: list[str]
    led_classes: list[SchoolClass] = field(default_factory=list)
    children: list[tuple[Student, SchoolClass | None]] = field(default_factory=list)
    own_student: Student | None = None


def user_memberships(user) -> list[SchoolMembership]:
    """The schools where the user holds a role, with the roles (one query)."""
    by_school: dict[int, SchoolMembership] = {}
    for membership in Membership.objects.filter(user=user).select_related("school"):
        entry = by_school.setdefault(
            membership.school_id, SchoolMembership(school=membership.school, roles=[])
        )
        entry.roles.append(membership.role)
    result = sorted(by_school.values(), key=lambda e: (e.school.short_name, e.school.pk))
    for entry in result:
        entry.roles = sorted_roles(entry.roles)
    return result


def _class_on(student: Student, day: date) -> SchoolClass | None:
    """The class of a student on a day, from prefetched enrollments."""
    for enrollment in student.enrollments.all():
        if enrollment.covers(day):
            return enrollment.school_class
    return None


def _students_with_enrollments(qs: QuerySet[Student]) -> QuerySet[Student]:
    return qs.select_related("school").prefetch_related(
        Prefetch(
            "enrollments",
            queryset=Enrollment.objects.select_related("school_class__grade_level").order_by(
                "-start"
            ),
        )
    )


def me(user) -> list[SchoolMembership]:
    """Everything /me shows, in five queries: roles, led classes, children, own cards, and
    the enrollments of both."""
    memberships = user_memberships(user)
    by_school = {m.school.pk: m for m in memberships}
    staff_schools = {pk for pk, m in by_school.items() if STAFF_ROLES & set(m.roles)}
    parent_schools = {pk for pk, m in by_school.items() if Role.PARENT in m.roles}
    student_schools = {pk for pk, m in by_school.items() if Role.STUDENT in m.roles}
    today = {pk: school_today(m.school) for pk, m in by_school.items()}

    if staff_schools:
        led = (
            SchoolClass.objects.filter(
                school_id__in=staff_schools,
                class_teacher__user=user,
                year__end__gte=min(today[pk] for pk in staff_schools),
            )
            .select_related("grade_level", "year")
            .order_by("year__start", "grade_level__number", "letter")
        )
        for school_class in led:
            if school_class.year.end >= today[school_class.school_id]:
                by_school[school_class.school_id].led_classes.append(school_class)

    if parent_schools:
        children = _students_with_enrollments(
            Student.objects.filter(
                school_id__in=parent_schools, guardian_links__guardian__user=user
            ).order_by("last_name", "first_name", "pk")
        )
        for child in children:
            day = today[child.school_id]
            by_school[child.school_id].children.append((child, _class_on(child, day)))

    if student_schools:
        cards = _students_with_enrollments(
            Student.objects.filter(school_id__in=student_schools, user=user)
        )
        for card in cards:
            # Seed 002, 3.3.2: a student's own access starts at the school's configured age.
            if card.age_on(today[card.school_id]) >= card.school.student_min_age:
                by_school[card.school_id].own_student = card
    return memberships


# --- school structure ------------------------------------------------------------------------


@dataclass
class Structure:
    years: list[AcademicYear]
    year: AcademicYear | None
    grade_levels: list[GradeLevel]
    subjects: list[Subject]
    groups: list[Group]
    curriculum: list[CurriculumLine]
    courses: list[Course]


def structure(school: School, year: AcademicYear | None) -> Structure:
    """Years with terms and holidays, grade levels, subjects, and the groups, curriculum and
    courses of one year: nine queries whatever the size."""
    years = list(
        AcademicYear.objects.filter(school=school)
        .order_by("start")
        .prefetch_related(
            "terms",
            Prefetch(
                "holidays",
                queryset=Holiday.objects.order_by("start").prefetch_related("grade_levels"),
            ),
        )
    )
    year_filter = {"school": school, "year": year}
    groups = list(Group.objects.filter(**year_filter).order_by("name")) if year else []
    curriculum = (
        list(CurriculumLine.objects.filter(**year_filter).select_related("grade_level", "subject"))
        if year
        else []
    )
    courses = (
        list(
            Course.objects.filter(**year_filter)
            .select_related(
                "subject", "school_class__grade_level", "group__school_class__grade_level"
            )
            .prefetch_related(Prefetch("teachers", queryset=Staff.objects.order_by("last_name")))
            .order_by("subject__name", "pk")
        )
        if year
        else []
    )
    return Structure(
        years=years,
        year=year,
        grade_levels=list(GradeLevel.objects.filter(school=school).order_by("number")),
        subjects=list(Subject.objects.filter(school=school).order_by("name")),
        groups=groups,
        curriculum=curriculum,
        courses=courses,
    )


# --- classes ---------------------------------------------------------------------------------


def classes_with_counts(school: School, year: AcademicYear, day: date) -> QuerySet[SchoolClass]:
    """Classes of a year with the class teacher and the number of students enrolled on a day
    (one query)."""
    on_day = Q(enrollments__start__lte=day) & (
        Q(enrollments__end__isnull=True) | Q(enrollments__end__gte=day)
    )
    return (
        SchoolClass.objects.filter(school=school, year=year)
        .select_related("grade_level", "class_teacher")
        .annotate(student_count=Count("enrollments__student", filter=on_day, distinct=True))
        .order_by("grade_level__number", "letter")
    )


# --- staff -----------------------------------------------------------------------------------


def staff_list(school: School) -> QuerySet[Staff]:
    """Staff with their positions (two queries): those who work first, then by name."""
    return (
        Staff.objects.filter(school=school)
        .prefetch_related(
            Prefetch("positions", queryset=StaffPosition.objects.order_by("title", "pk"))
        )
        .order_by("-is_active", "last_name", "first_name", "pk")
    )
