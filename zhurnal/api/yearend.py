"""The year end through the API (issue 13): the state of a year (closed, when, by whom), the
checklist of the school by class and of one class with every gap and the page where it is
fixed, and the preview of a class's promotion — the same read models (``yearend.queries``) and
entry points (``yearend.access``) as the pages; closing the year and promoting a class by an
order through the same services (``yearend.services``).

Rules: ``yearend.view_checklist`` (the director, the deputies, the secretary) reads the
checklists; ``yearend.close_year`` (the director, the secretary) closes a year;
``yearend.promote`` (the director, the secretary) previews and promotes a class. A year, a
class or a student of another school is a 404. What the school's rules refuse (a year closed
already, gaps not accepted, the year not closed before the promotion, a student who would be in
two classes, a graduate without a final mark) is a 409 with its ``code`` and message; nothing
is written then.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router

from zhurnal.accounts.access import school_for
from zhurnal.audit.actor import Actor
from zhurnal.school.calendar import school_today
from zhurnal.school.models import AcademicYear, School, SchoolClass
from zhurnal.school.services import Order
from zhurnal.yearend import queries, services
from zhurnal.yearend.access import year_class_for, year_for

from .auth import token_auth
from .errors import COMMON_ERRORS, ApiError, ErrorOut
from .oversight_schemas import UserRefOut
from .reports import student_ref, term_ref
from .reports_schemas import ClassRefOut
from .yearend_schemas import (
    CarriedGroupOut,
    ChecklistRowOut,
    ClassChecklistOut,
    CloseIn,
    DoneOut,
    GapCourseOut,
    GapKindOut,
    GapOut,
    NextYearRefOut,
    PromoteIn,
    PromotionOut,
    SchoolChecklistOut,
    StepOut,
    YearStateOut,
)

router = Router(auth=token_auth, tags=["year end"])
VIEW = "yearend.view_checklist"
CLOSE = "yearend.close_year"
PROMOTE = "yearend.promote"
WRITE_ERRORS = {**COMMON_ERRORS, 409: ErrorOut}


def _refused(error: ValidationError) -> ApiError:
    """What the school's rules refuse: 409 with the service's code and every message."""
    code = getattr(error, "code", None) or "refused"
    return ApiError(409, code, " ".join(str(m) for m in error.messages))


def _perm(name: str) -> dict:
    return {"x-permission": name}


def _year_out(year: AcademicYear) -> YearStateOut:
    state = queries.year_state(year)
    closer = state.closed_by
    return YearStateOut(
        id=year.pk,
        title=year.title,
        start=year.start,
        end=year.end,
        closed=year.is_closed,
        closed_at=year.closed_at,
        closed_by=UserRefOut(id=closer.pk, name=closer.display_name) if closer else None,
    )


def _gap_out(gap: queries.Gap) -> GapOut:
    url, action = gap.page
    course = gap.course
    return GapOut(
        kind=gap.kind,
        label=str(gap.label),
        course=GapCourseOut(
            id=course.pk, subject=course.subject.name, audience=course.audience_name
        ),
        count=gap.count,
        students=list(gap.students),
        term=term_ref(gap.term),
        url=url,
        action=action,
    )


def _class_ref(school_class: SchoolClass) -> ClassRefOut:
    return ClassRefOut(id=school_class.pk, name=school_class.name)


def _chosen_year(request: HttpRequest, school: School, year_id: int | None) -> AcademicYear:
    if year_id is not None:
        return year_for(request.user, school, year_id, VIEW)
    year = queries.default_year(school, school_today(school))
    if year is None:
        raise ApiError(404, "not_found", _("The school has no academic year yet."))
    return year


@router.get(
    "/schools/{school_id}/year-end",
    response={200: SchoolChecklistOut, **COMMON_ERRORS},
    summary="The year-end checklist of the school, by class, and the year's state",
    description=(
        "`year` (an id) defaults to the year whose end is prepared (the latest begun). Per "
        "class the gaps counted by kind — year and term marks missing, held lessons without a "
        "topic or attendance, КТП hours behind, remarks not closed — on the reference day "
        "(today, or the year's last day once over); the cross-class groups (no class page) "
        "with their gaps listed. The year: closed or not, when and by whom. 13 SQL queries "
        "for the checklist whatever the school's size."
    ),
    openapi_extra=_perm(VIEW),
)
def school_checklist(request: HttpRequest, school_id: int, year: int | None = None):
    school = school_for(request.user, school_id, VIEW)
    chosen = _chosen_year(request, school, year)
    found = queries.checklist(school, chosen, school_today(school))
    return SchoolChecklistOut(
        year=_year_out(chosen),
        day=found.day,
        complete=found.complete,
        kinds=[GapKindOut(key=key, label=str(label)) for key, label in queries.GapKind.choices],
        counts=found.counts(),
        classes=[
            ChecklistRowOut(
                school_class=_class_ref(row.school_class) if row.school_class else None,
                complete=row.complete,
                counts=row.counts(),
                gaps=[] if row.school_class else [_gap_out(g) for g in row.gaps],
            )
            for row in found.classes
        ],
    )


@router.get(
    "/schools/{school_id}/classes/{class_id}/year-end",
    response={200: ClassChecklistOut, **COMMON_ERRORS},
    summary="A class's year-end checklist: every gap with the page where it is fixed",
    description=(
        "The gaps of the class's courses (its own and its subgroups'), course by course, in the "
        "class's year: the students concerned for the marks, the term for term marks, and "
        "`url` — the page where it is fixed — with `action`, what is done there."
    ),
    openapi_extra=_perm(VIEW),
)
def class_checklist(request: HttpRequest, school_id: int, class_id: int):
    school = school_for(request.user, school_id, "school.enter")
    school_class = year_class_for(request.user, school, class_id, VIEW)
    found = queries.checklist(
        school, school_class.year, school_today(school), school_class=school_class
    )
    return ClassChecklistOut(
        school_class=_class_ref(school_class),
        year=_year_out(school_class.year),
        day=found.day,
        complete=found.complete,
        counts=found.counts(),
        gaps=[_gap_out(g) for g in found.gaps],
    )


@router.get(
    "/schools/{school_id}/classes/{class_id}/promotion",
    response={200: PromotionOut, **COMMON_ERRORS},
    summary="The preview of a class's promotion into the next year",
    description=(
        "With each student's default decision (up a grade; grades 9 and 11 graduate): the "
        "steps, the students an earlier run moved, and the errors that would refuse the "
        "whole class (a student already in another class of the next year, a graduate "
        "without a final mark). Also before the next year is created (`new_year` null: the "
        "promotion waits for it). The promotion itself is made on its page, by an order."
    ),
    openapi_extra=_perm(PROMOTE),
)
def promotion_preview(request: HttpRequest, school_id: int, class_id: int):
    school = school_for(request.user, school_id, "school.enter")
    school_class = year_class_for(request.user, school, class_id, PROMOTE)
    year = school_class.year
    new_year = queries.next_year_of(year)
    plan = queries.promotion_plan(school_class=school_class, new_year=new_year, decisions={})
    return _promotion_out(plan, year)


def _promotion_out(plan: queries.PromotionPlan, year: AcademicYear) -> PromotionOut:
    new_year = plan.new_year
    return PromotionOut(
        school_class=_class_ref(plan.school_class),
        year=_year_out(year),
        new_year=NextYearRefOut(
            id=new_year.pk, title=new_year.title, start=new_year.start, end=new_year.end
        )
        if new_year is not None
        else None,
        next_title=queries.next_title(year),
        grade=plan.grade,
        target=plan.target_name,
        steps=[
            StepOut(
                student=student_ref(step.student),
                decision=step.decision,
                decision_label=str(step.decision_label),
                target=step.target_name,
                note=step.note,
            )
            for step in plan.steps
        ],
        done=[DoneOut(name=name, place=place) for name, place in plan.done],
        errors=plan.errors,
        outcome=plan.outcome(),
        groups=[
            CarriedGroupOut(name=g.name, next_name=g.next_name, students=g.students)
            for g in plan.groups
        ],
    )


@router.post(
    "/schools/{school_id}/years/{year_id}/close",
    response={200: YearStateOut, **WRITE_ERRORS},
    summary="Close a year: its journal, timetable and plans read-only",
    description=(
        "As on the year-end page. With gaps left in the checklist, `accept_gaps: true` is "
        "needed (the gaps are audited); else 409 `gaps`. A year closed already: 409 "
        "`closed_already`. Answers the year with when and by whom it was closed."
    ),
    openapi_extra=_perm(CLOSE),
)
def close_year(request: HttpRequest, school_id: int, year_id: int, data: CloseIn):
    school = school_for(request.user, school_id, "school.enter")
    year = year_for(request.user, school, year_id, CLOSE)
    try:
        services.close_year(
            year=year,
            today=school_today(school),
            accept_gaps=data.accept_gaps,
            actor=Actor.of(request),
        )
    except ValidationError as error:
        raise _refused(error) from error
    return _year_out(year)


@router.post(
    "/schools/{school_id}/classes/{class_id}/promotion",
    response={200: PromotionOut, **WRITE_ERRORS},
    summary="Promote a class into the next year by an order, all or nothing",
    description=(
        "As on the promotion page: every student of the class by the order (`order_number`, "
        "`order_date`), with the default decision unless `decisions` names another "
        "(`conditional` with its `debt`). Answers the promotion made (`steps`; a second call "
        "finds them in `done` and changes nothing). 409: `no_next_year`, `year_open` (close "
        "the year first), `refused` (the preview's errors, every one in the message: nothing "
        "is written); a student not on the class's list: 422."
    ),
    openapi_extra=_perm(PROMOTE),
)
def promote(request: HttpRequest, school_id: int, class_id: int, data: PromoteIn):
    school = school_for(request.user, school_id, "school.enter")
    school_class = year_class_for(request.user, school, class_id, PROMOTE)
    year = school_class.year
    new_year = queries.next_year_of(year)
    if new_year is None:
        raise ApiError(409, "no_next_year", _("Create the next year first."))
    listed = {s.pk for s, enrollment in queries.class_students(school_class)}
    for decision in data.decisions:
        if decision.student_id not in listed:
            raise ApiError(
                422,
                "invalid",
                _("Student %(id)s is not on the class's list.") % {"id": decision.student_id},
            )
    try:
        plan = services.promote_class(
            school_class=school_class,
            new_year=new_year,
            decisions={d.student_id: (d.decision, d.debt) for d in data.decisions},
            order=Order(data.order_number, data.order_date),
            actor=Actor.of(request),
        )
    except ValidationError as error:
        raise _refused(error) from error
    return _promotion_out(plan, year)
