"""The current user, their schools, and a school's structure, classes and staff.

The same rules as the pages (DESIGN §4): every endpoint asks ``user.has_perm(<name>, obj)`` from
``zhurnal.permissions``. A school where the user holds no role, or an object of another school,
is a 404; an object the user's roles do not reach is a 403. The permission an endpoint needs is
published as ``x-permission`` in the OpenAPI document.
"""

from datetime import date

from django.http import HttpRequest
from ninja import Router

from zhurnal.accounts.access import school_for
from zhurnal.core.access import in_school
from zhurnal.school.access import class_for
from zhurnal.school.calendar import clamp_to_year, latest_year, school_today
from zhurnal.school.models import AcademicYear, School, SchoolClass, Staff, Student
from zhurnal.school.rosters import class_roster

from . import queries
from .auth import token_auth
from .errors import COMMON_ERRORS
from .params import Day
from .schemas import (
    ChildOut,
    ClassDetailOut,
    ClassListOut,
    ClassOut,
    ClassRef,
    CourseOut,
    CurriculumLineOut,
    GradeLevelOut,
    GroupOut,
    HolidayOut,
    MeOut,
    MeSchoolOut,
    PersonName,
    PositionOut,
    Ref,
    RosterStudentOut,
    SchoolOut,
    StaffOut,
    StructureOut,
    SubjectOut,
    TermOut,
    YearOut,
    YearWithCalendarOut,
)

router = Router(auth=token_auth, tags=["schools"])


def _perm(name: str) -> dict:
    return {"x-permission": name}


def _year_of(school: School, year_id: int | None, today: date) -> AcademicYear | None:
    if year_id is None:
        return latest_year(school, today)
    return in_school(school, AcademicYear, pk=year_id)


def _name(person) -> PersonName:
    return PersonName(
        id=person.pk,
        last_name=person.last_name,
        first_name=person.first_name,
        middle_name=person.middle_name,
        short_name=person.short_name,
    )


def _year(year: AcademicYear) -> YearOut:
    return YearOut(id=year.pk, title=year.title, start=year.start, end=year.end)


def _class_ref(school_class: SchoolClass | None) -> ClassRef | None:
    if school_class is None:
        return None
    return ClassRef(id=school_class.pk, name=school_class.name, year_id=school_class.year_id)


# --- the user --------------------------------------------------------------------------------


@router.get("/me", response={200: MeOut, **COMMON_ERRORS}, summary="The current user")
def me(request: HttpRequest):
    user = request.user
    schools = [
        MeSchoolOut(
            id=m.school.pk,
            name=m.school.name,
            short_name=m.school.short_name,
            roles=m.roles,
            led_classes=[_class_ref(c) for c in m.led_classes],
            children=[
                ChildOut(
                    id=child.pk,
                    last_name=child.last_name,
                    first_name=child.first_name,
                    middle_name=child.middle_name,
                    school_class=_class_ref(school_class),
                )
                for child, school_class in m.children
            ],
            student_id=m.own_student.pk if m.own_student else None,
        )
        for m in queries.me(user)
    ]
    return MeOut(
        id=user.pk,
        username=user.username,
        last_name=user.last_name,
        first_name=user.first_name,
        middle_name=user.middle_name,
        display_name=user.display_name,
        schools=schools,
    )


@router.get(
    "/schools",
    response={200: list[SchoolOut], **COMMON_ERRORS},
    summary="Schools where the user holds a role",
)
def schools(request: HttpRequest):
    return [
        SchoolOut(
            id=m.school.pk,
            name=m.school.name,
            short_name=m.school.short_name,
            timezone=m.school.timezone,
            week_days=m.school.week_days,
            roles=m.roles,
        )
        for m in queries.user_memberships(request.user)
    ]


# --- structure -------------------------------------------------------------------------------


@router.get(
    "/schools/{school_id}/structure",
    response={200: StructureOut, **COMMON_ERRORS},
    summary="Years, terms, holidays, grade levels, subjects, groups, curriculum and courses",
    description="Groups, curriculum and courses are of `year_id` (default: the current year).",
    openapi_extra=_perm("school.view_structure"),
)
def structure(request: HttpRequest, school_id: int, year_id: int | None = None):
    school = school_for(request.user, school_id, "school.view_structure")
    year = _year_of(school, year_id, school_today(school))
    data = queries.structure(school, year)
    return StructureOut(
        school=Ref(id=school.pk, name=school.name),
        year_id=year.pk if year else None,
        years=[
            YearWithCalendarOut(
                id=y.pk,
                title=y.title,
                start=y.start,
                end=y.end,
                terms=[
                    TermOut(id=t.pk, kind=t.kind, number=t.number, start=t.start, end=t.end)
                    for t in y.terms.all()
                ],
                holidays=[
                    HolidayOut(
                        id=h.pk,
                        title=h.title,
                        start=h.start,
                        end=h.end,
                        grade_levels=sorted(g.number for g in h.grade_levels.all()),
                    )
                    for h in y.holidays.all()
                ],
            )
            for y in data.years
        ],
        grade_levels=[
            GradeLevelOut(id=g.pk, number=g.number, term_kind=g.term_kind)
            for g in data.grade_levels
        ],
        subjects=[SubjectOut(id=s.pk, name=s.name, short_name=s.short_name) for s in data.subjects],
        groups=[
            GroupOut(
                id=g.pk, name=g.name, school_class_id=g.school_class_id, subject_id=g.subject_id
            )
            for g in data.groups
        ],
        curriculum=[
            CurriculumLineOut(
                id=line.pk,
                subject_id=line.subject_id,
                grade_level_id=line.grade_level_id,
                grade=line.grade_level.number,
                school_class_id=line.school_class_id,
                hours_per_week=float(line.hours_per_week),
            )
            for line in data.curriculum
        ],
        courses=[
            CourseOut(
                id=c.pk,
                subject=Ref(id=c.subject.pk, name=c.subject.name),
                kind=c.kind,
                hours_per_week=float(c.hours_per_week),
                school_class_id=c.school_class_id,
                group_id=c.group_id,
                audience=c.audience_name,
                teachers=[_name(t) for t in c.teachers.all()],
            )
            for c in data.courses
        ],
    )


# --- classes ---------------------------------------------------------------------------------


@router.get(
    "/schools/{school_id}/classes",
    response={200: ClassListOut, **COMMON_ERRORS},
    summary="Classes of a year with class teacher and number of students",
    description="`year_id` defaults to the current year; counts are for today, within the year.",
    openapi_extra=_perm("school.view_structure"),
)
def classes(request: HttpRequest, school_id: int, year_id: int | None = None):
    school = school_for(request.user, school_id, "school.view_structure")
    today = school_today(school)
    year = _year_of(school, year_id, today)
    if year is None:
        return ClassListOut(year=None, on=None, classes=[])
    day = clamp_to_year(today, year)
    return ClassListOut(
        year=_year(year),
        on=day,
        classes=[
            ClassOut(
                id=c.pk,
                name=c.name,
                grade=c.grade_level.number,
                letter=c.letter,
                room=c.room,
                class_teacher=_name(c.class_teacher) if c.class_teacher else None,
                student_count=c.student_count,
            )
            for c in queries.classes_with_counts(school, year, day)
        ],
    )


@router.get(
    "/schools/{school_id}/classes/{class_id}",
    response={200: ClassDetailOut, **COMMON_ERRORS},
    summary="A class with its students on a date",
    description=(
        "`on` defaults to today, moved into the class's year. Gender, birth date and personal "
        "file number are given only to roles that may open the student's card "
        "(`school.view_student_card`), else null."
    ),
    openapi_extra=_perm("school.view_class"),
)
def class_detail(request: HttpRequest, school_id: int, class_id: int, on: Day | None = None):
    school = school_for(request.user, school_id, "school.enter")
    school_class = class_for(request.user, school, class_id, "school.view_class")
    day = on or clamp_to_year(school_today(school), school_class.year)
    students = []
    for student in class_roster(school_class, day):
        item = RosterStudentOut(**_name(student).model_dump())
        if _may_see_card(request, student):
            item.gender = student.gender
            item.birth_date = student.birth_date
            item.personal_file_number = student.personal_file_number
        students.append(item)
    return ClassDetailOut(
        id=school_class.pk,
        name=school_class.name,
        grade=school_class.grade_level.number,
        letter=school_class.letter,
        room=school_class.room,
        year=_year(school_class.year),
        class_teacher=_name(school_class.class_teacher) if school_class.class_teacher else None,
        on=day,
        students=students,
    )


def _may_see_card(request: HttpRequest, student: Student) -> bool:
    """152-FZ: personal data only to those whose work needs it (``school.view_student_card``).
    The roster annotates ``current_class_id``, so this costs no query."""
    return request.user.has_perm("school.view_student_card", student)


# --- staff -----------------------------------------------------------------------------------


@router.get(
    "/schools/{school_id}/staff",
    response={200: list[StaffOut], **COMMON_ERRORS},
    summary="Staff with their positions",
    description=(
        "Birth date, phone and e-mail are given only to roles that may open staff cards "
        "(`school.view_staff_card`), else null."
    ),
    openapi_extra=_perm("school.view_staff"),
)
def staff(request: HttpRequest, school_id: int):
    school = school_for(request.user, school_id, "school.view_staff")
    personal = request.user.has_perm("school.view_staff_card", school)
    return [_staff_out(s, personal) for s in queries.staff_list(school)]


def _staff_out(member: Staff, personal: bool) -> StaffOut:
    out = StaffOut(
        **_name(member).model_dump(),
        staff_number=member.staff_number,
        is_active=member.is_active,
        positions=[
            PositionOut(title=p.title, start=p.start, end=p.end) for p in member.positions.all()
        ],
    )
    if personal:
        out.birth_date = member.birth_date
        out.phone = member.phone
        out.email = member.email
    return out
