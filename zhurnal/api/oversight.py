"""The control of the journals through the API (issue 12, item 5: "indicators, remarks and
reports as JSON behind the same rules"): the control indicators of a period by level and the
cases behind one, remarks on journals and their workflow, the lagging students and the
preliminary report, a student's support log — the same read models
(``oversight.indicators``, ``levels``, ``cases``, ``queries``, ``lagging``), services
(``oversight.services``) and entry points (``oversight.access``) as the pages.

Rules: ``oversight.view_indicators`` (the administration the whole school; a teacher their own
courses, and a class they lead, a course they teach or its class's, by ``class``/``course``;
``grade`` and other teachers are the administration's); remarks — ``oversight.list_remarks``,
``oversight.view_remark``, written by the deputies and the director
(``oversight.write_remark``), marked fixed by their teacher (``oversight.fix_remark``),
accepted or reopened by the deputies and the director (``oversight.check_remark``); lagging
students — ``oversight.view_lagging`` (the school), ``oversight.view_class_lagging`` (a class,
its class teacher too); the support log — ``oversight.view_support`` (the staff around the
student and the family; another family's child is a 404), ``oversight.record_support`` (the
staff among them).

A step the workflow refuses (a remark not open, a due date in the past, an empty comment, a
teacher who does not keep the journal, a support record in the future) is a 422 with the
service's ``code`` (``required``, ``due_past``, ``status``, ``teacher``, ``lesson``,
``future``; ``invalid`` otherwise) and its message.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from zhurnal.accounts.access import own_staff, school_for
from zhurnal.audit.actor import Actor
from zhurnal.core.access import in_school, require
from zhurnal.oversight import cases, levels, queries, services
from zhurnal.oversight.access import (
    indicator_scope,
    lagging_class_for,
    remark_course_for,
    remark_for,
    support_student_for,
)
from zhurnal.oversight.forms import control_range
from zhurnal.oversight.indicators import BY_KEY, INDICATORS, Indicator, Scope, control
from zhurnal.oversight.lagging import lagging
from zhurnal.oversight.models import JournalRemark, RemarkStatus, SupportAction
from zhurnal.reports.tables import Cell, Table
from zhurnal.school.calendar import latest_year, school_today
from zhurnal.school.courses import class_id_of_course
from zhurnal.school.models import AcademicYear, Course, School, SchoolClass, Staff, Student
from zhurnal.timetable.models import Lesson

from .auth import token_auth
from .errors import COMMON_ERRORS, ApiError
from .oversight_schemas import (
    CasesOut,
    CellOut,
    ControlOut,
    FigureOut,
    IndicatorOut,
    IndicatorRowOut,
    LaggingOut,
    LaggingStudentOut,
    ReasonOut,
    RemarkCourseOut,
    RemarkDetailOut,
    RemarkIn,
    RemarkLessonOut,
    RemarkOut,
    RemarkPageOut,
    RemarkStepOut,
    ReopenIn,
    ScopeOut,
    StepIn,
    SupportActionOut,
    SupportBriefOut,
    SupportCourseOut,
    SupportIn,
    SupportLogOut,
    TableOut,
    UserRefOut,
)
from .params import Day, Offset
from .reports import dates, student_ref, term_ref
from .reports_schemas import ClassRefOut
from .timetable_schemas import TeacherRef

router = Router(auth=token_auth, tags=["control"])
MAX_LIMIT = 100
RANGE_HELP = (
    "`start` and `end` (inclusive, at most 400 days apart) default to this month so far — in "
    "a month's first week, the last month — within the year, as on the page. The figures "
    "count the lessons held up to the last day (today while the period runs)."
)
SCOPE_HELP = (
    "`class`, `teacher`, `course` narrow the journals (each through its rule: a class its "
    "class teacher's, a teacher themself, a course its teachers' and its class teacher's); "
    "`grade` a parallel (the administration's). Without any, the administration gets the "
    "whole school and a teacher their own courses."
)


def _perm(name: str) -> dict:
    return {"x-permission": name}


def refused(error: ValidationError) -> ApiError:
    """A step the workflow refuses: 422 with the service's code and message."""
    code = getattr(error, "code", None) or "invalid"
    return ApiError(422, code, " ".join(str(m) for m in error.messages))


def _year(school: School, today: date) -> AcademicYear:
    year = latest_year(school, today)
    if year is None:
        raise ApiError(404, "not_found", _("The school has no academic year yet."))
    return year


# --- the indicators --------------------------------------------------------------------------


def _scope(
    request: HttpRequest,
    school_id: int,
    start: date | None,
    end: date | None,
    class_id: int | None,
    teacher_id: int | None,
    course_id: int | None,
    grade: int | None,
) -> tuple[Scope, dict]:
    """The journals and days of the indicators, each narrowing object through its rule (as the
    page)."""
    school = school_for(request.user, school_id, "oversight.view_indicators")
    today = school_today(school)
    year = _year(school, today)
    start, end = dates(start, end, control_range(year, today))
    narrowed = indicator_scope(
        request.user, school, class_id=class_id, teacher_id=teacher_id, course_id=course_id
    )
    if grade is not None:
        require(request.user, "oversight.view_school", school)
    scope = Scope(
        school=school, year=year, start=start, end=end, today=today, grade=grade, **narrowed
    )
    return scope, narrowed


def _scope_out(scope: Scope) -> ScopeOut:
    return ScopeOut(
        class_id=scope.school_class.pk if scope.school_class else None,
        teacher_id=scope.teacher.pk if scope.teacher else None,
        course_id=scope.course.pk if scope.course else None,
        grade=scope.grade,
    )


def _indicator_out(indicator: Indicator) -> IndicatorOut:
    return IndicatorOut(
        key=indicator.key,
        label=str(indicator.label),
        group=str(indicator.group),
        unit=indicator.unit,
        of_classes=indicator.of_classes,
    )


def _row_out(row: levels.IndicatorRow) -> IndicatorRowOut:
    figures = {}
    for indicator in INDICATORS:
        count, share = levels.cell(row, indicator)
        figures[indicator.key] = FigureOut(count=count, share=share)
    params = row.params
    return IndicatorRowOut(
        label=str(row.label),
        scope=ScopeOut(
            class_id=params.get("class"),
            teacher_id=params.get("teacher"),
            course_id=params.get("course"),
            grade=params.get("grade"),
        ),
        journals=row.courses,
        lessons=row.lessons,
        students=row.students,
        figures=figures,
    )


ClassParam = Query(None, alias="class", description="A class's id")


@router.get(
    "/schools/{school_id}/control/indicators",
    response={200: ControlOut, **COMMON_ERRORS},
    summary="The control indicators of the journals for a period, by level",
    description=(
        RANGE_HELP + " " + SCOPE_HELP + " `by`: `class`, `grade` (parallel), `teacher` or "
        "`course` (journal); by default `class` for the whole school, else `course`. Each row: "
        "the journals and lessons counted, the students on the lists, and per indicator its "
        "count (and, for a students' figure, its share). The cases of a figure: "
        "/control/indicators/{key}/cases with the row's `scope`."
    ),
    openapi_extra=_perm("oversight.view_indicators"),
)
def indicators(
    request: HttpRequest,
    school_id: int,
    start: Day | None = None,
    end: Day | None = None,
    by: Literal["class", "grade", "teacher", "course"] | None = None,
    class_id: int | None = ClassParam,
    teacher: int | None = None,
    course: int | None = None,
    grade: int | None = None,
):
    scope, narrowed = _scope(request, school_id, start, end, class_id, teacher, course, grade)
    if by is None:
        whole_school = request.user.has_perm("oversight.view_school", scope.school)
        by = "class" if whole_school and not narrowed else "course"
    data = control(scope)
    return ControlOut(
        start=scope.start,
        end=scope.end,
        day=scope.day,
        by=by,
        scope=_scope_out(scope),
        indicators=[_indicator_out(i) for i in INDICATORS],
        rows=[_row_out(row) for row in levels.rows_by(data, by)],
        total=_row_out(levels.total(data)),
    )


def _value(value) -> int | str | None:
    if value is None or isinstance(value, int | str):
        return value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


def _cell_out(cell: Cell) -> CellOut:
    return CellOut(text=cell.text, value=_value(cell.value), url=cell.url)


def table_out(table: Table) -> TableOut:
    return TableOut(
        title=str(table.title),
        headers=[str(h) for h in table.headers],
        rows=[[_cell_out(c) for c in row] for row in table.rows],
        caption=str(table.caption),
    )


@router.get(
    "/schools/{school_id}/control/indicators/{key}/cases",
    response={200: CasesOut, **COMMON_ERRORS},
    summary="The cases behind one control indicator",
    description=(
        "The same scope and range as /control/indicators (" + SCOPE_HELP + ") The cases as a "
        "table: `headers` and `rows` of cells (`text` as the page shows it, `value`, `url`: "
        "the lesson's or journal's page of the web interface). An unknown `key` is a 404."
    ),
    openapi_extra=_perm("oversight.view_indicators"),
)
def indicator_cases(
    request: HttpRequest,
    school_id: int,
    key: str,
    start: Day | None = None,
    end: Day | None = None,
    class_id: int | None = ClassParam,
    teacher: int | None = None,
    course: int | None = None,
    grade: int | None = None,
):
    scope, _narrowed = _scope(request, school_id, start, end, class_id, teacher, course, grade)
    if key not in BY_KEY:
        raise Http404
    data = control(scope)
    return CasesOut(
        start=scope.start,
        end=scope.end,
        day=scope.day,
        scope=_scope_out(scope),
        indicator=_indicator_out(BY_KEY[key]),
        table=table_out(cases.cases(data, key)),
    )


# --- remarks ---------------------------------------------------------------------------------


def _user_ref(user) -> UserRefOut:
    return UserRefOut(id=user.pk, name=user.display_name)


def _course_out(course: Course) -> RemarkCourseOut:
    return RemarkCourseOut(
        id=course.pk,
        subject=course.subject.name,
        audience=course.school_class.name if course.school_class_id else course.group.name,
        class_id=class_id_of_course(course),
        group_id=course.group_id,
    )


def remark_out(remark: JournalRemark, today: date) -> dict:
    lesson = remark.lesson
    return {
        "id": remark.pk,
        "course": _course_out(remark.course),
        "lesson": RemarkLessonOut(id=lesson.pk, date=lesson.date, number=lesson.number)
        if lesson is not None
        else None,
        "teacher": TeacherRef(id=remark.teacher.pk, short_name=remark.teacher.short_name),
        "author": _user_ref(remark.author),
        "kind": remark.kind,
        "kind_label": str(remark.get_kind_display()),
        "text": remark.text,
        "due": remark.due,
        "status": remark.status,
        "status_label": str(remark.get_status_display()),
        "overdue": remark.status == RemarkStatus.OPEN and remark.due < today,
        "created_at": remark.created_at,
        "fixed_at": remark.fixed_at,
        "closed_at": remark.closed_at,
    }


def _detail(request: HttpRequest, remark: JournalRemark) -> RemarkDetailOut:
    today = school_today(remark.school)
    user = request.user
    return RemarkDetailOut(
        **remark_out(remark, today),
        steps=[
            RemarkStepOut(
                action=step.action,
                action_label=str(step.get_action_display()),
                by=_user_ref(step.by),
                at=step.at,
                comment=step.comment,
                due=step.due,
            )
            for step in queries.steps_of(remark)
        ],
        can_fix=user.has_perm("oversight.fix_remark", remark)
        and remark.status == RemarkStatus.OPEN,
        can_check=user.has_perm("oversight.check_remark", remark)
        and remark.status != RemarkStatus.ACCEPTED,
    )


@router.get(
    "/schools/{school_id}/remarks",
    response={200: RemarkPageOut, **COMMON_ERRORS},
    summary="Remarks on journals: the administration's all, a teacher's own",
    description=(
        "`status`: empty (default: not accepted yet — open and fixed), `all`, `open`, `fixed` "
        "or `accepted`; `overdue=true`: only those open past their due date; `teacher_id` "
        "(the administration: any teacher's; a teacher gets their own — the remarks addressed "
        "to them or on a journal they keep — and another teacher's id is a 403). The open "
        "first by due date. `offset`, `limit` (at most 100, default 50)."
    ),
    openapi_extra=_perm("oversight.list_remarks"),
)
def remarks(
    request: HttpRequest,
    school_id: int,
    status: Literal["", "all", "open", "fixed", "accepted"] = "",
    teacher_id: int | None = None,
    overdue: bool = False,
    offset: Offset = 0,
    limit: int = 50,
):
    school = school_for(request.user, school_id, "oversight.list_remarks")
    today = school_today(school)
    teacher = in_school(school, Staff, pk=teacher_id) if teacher_id is not None else None
    if not request.user.has_perm("oversight.view_school", school):
        own = own_staff(request.user, school)
        if own is None or (teacher is not None and teacher.pk != own.pk):
            raise PermissionDenied
        teacher = own
    offset, limit = max(0, offset), max(1, min(limit, MAX_LIMIT))
    found = queries.remarks(
        school, teacher=teacher, status=status, overdue_on=today if overdue else None
    )
    return RemarkPageOut(
        total=found.count(),
        offset=offset,
        limit=limit,
        items=[RemarkOut(**remark_out(r, today)) for r in found[offset : offset + limit]],
    )


@router.post(
    "/schools/{school_id}/remarks",
    response={201: RemarkDetailOut, **COMMON_ERRORS},
    summary="Write a remark on a course's journal (deputies, the director)",
    description=(
        "To a teacher of the course (or the teacher of the lesson it is about), to be fixed "
        "by `due` (default: today + the school's days to fix a remark). The teacher is told. "
        "A course, teacher or lesson of another school — or a lesson of another course — is a "
        "404; refused: 422 `required` (no text), `due_past`, `teacher` (does not keep the "
        "journal)."
    ),
    openapi_extra=_perm("oversight.write_remark"),
)
def write_remark(request: HttpRequest, school_id: int, data: RemarkIn):
    school = school_for(request.user, school_id, "school.enter")
    course = remark_course_for(request.user, school, data.course_id)
    lesson = None
    if data.lesson_id is not None:
        lesson = in_school(school, Lesson.objects.select_related("teacher"), pk=data.lesson_id)
        if lesson.course_id != course.pk:
            raise Http404
    teacher = in_school(school, Staff, pk=data.teacher_id)
    today = school_today(school)
    due = data.due or today + timedelta(days=services.policy_of(school).remark_days)
    try:
        remark = services.write_remark(
            course=course,
            teacher=teacher,
            kind=data.kind.value,
            text=data.text,
            due=due,
            lesson=lesson,
            actor=Actor.of(request),
            today=today,
        )
    except ValidationError as error:
        raise refused(error) from error
    return Status(201, _detail(request, remark))


def _remark(request: HttpRequest, school_id: int, remark_id: int) -> JournalRemark:
    school = school_for(request.user, school_id, "school.enter")
    return remark_for(request.user, school, remark_id)


def _step(request: HttpRequest, school_id: int, remark_id: int, perm: str, step, **fields):
    """One step of a remark's workflow (``services.fix_remark``, ``accept_remark``,
    ``reopen_remark``) if ``perm`` allows it on the remark: its detail, or 422 with the
    service's code."""
    found = _remark(request, school_id, remark_id)
    require(request.user, perm, found)
    try:
        step(remark=found, actor=Actor.of(request), **fields)
    except ValidationError as error:
        raise refused(error) from error
    return _detail(request, found)


@router.get(
    "/schools/{school_id}/remarks/{remark_id}",
    response={200: RemarkDetailOut, **COMMON_ERRORS},
    summary="A remark with its history and what the caller may do next",
    description="Its teacher (and the other teachers of its journal) and the administration.",
    openapi_extra=_perm("oversight.view_remark"),
)
def remark(request: HttpRequest, school_id: int, remark_id: int):
    return _detail(request, _remark(request, school_id, remark_id))


@router.post(
    "/schools/{school_id}/remarks/{remark_id}/fix",
    response={200: RemarkDetailOut, **COMMON_ERRORS},
    summary="The teacher marks a remark fixed, saying what was done",
    description="An open remark only (else 422 `status`); `comment` is required (`required`).",
    openapi_extra=_perm("oversight.fix_remark"),
)
def fix_remark(request: HttpRequest, school_id: int, remark_id: int, data: StepIn):
    return _step(
        request,
        school_id,
        remark_id,
        "oversight.fix_remark",
        services.fix_remark,
        comment=data.comment,
    )


@router.post(
    "/schools/{school_id}/remarks/{remark_id}/accept",
    response={200: RemarkDetailOut, **COMMON_ERRORS},
    summary="The deputy accepts a remark as fixed",
    description="From fixed, or from open (seen fixed in the journal); else 422 `status`.",
    openapi_extra=_perm("oversight.check_remark"),
)
def accept_remark(request: HttpRequest, school_id: int, remark_id: int, data: StepIn):
    return _step(
        request,
        school_id,
        remark_id,
        "oversight.check_remark",
        services.accept_remark,
        comment=data.comment,
    )


@router.post(
    "/schools/{school_id}/remarks/{remark_id}/reopen",
    response={200: RemarkDetailOut, **COMMON_ERRORS},
    summary="The deputy reopens a remark marked fixed, with why and a new due date",
    description=(
        "A remark marked fixed only (else 422 `status`); `comment` (`required`) and `due`, "
        "not in the past (`due_past`). The teacher is told."
    ),
    openapi_extra=_perm("oversight.check_remark"),
)
def reopen_remark(request: HttpRequest, school_id: int, remark_id: int, data: ReopenIn):
    school = school_for(request.user, school_id, "school.enter")
    return _step(
        request,
        school_id,
        remark_id,
        "oversight.check_remark",
        services.reopen_remark,
        comment=data.comment,
        due=data.due,
        today=school_today(school),
    )


# --- lagging students ------------------------------------------------------------------------


def _support_brief(action: SupportAction | None) -> SupportBriefOut | None:
    if action is None:
        return None
    return SupportBriefOut(
        day=action.day, kind=action.kind, kind_label=str(action.get_kind_display())
    )


@router.get(
    "/schools/{school_id}/control/lagging",
    response={200: LaggingOut, **COMMON_ERRORS},
    summary="Lagging students, or those at risk (the preliminary report)",
    description=(
        "The whole school's (`oversight.view_lagging`: the administration) or a class's "
        "(`class`: `oversight.view_class_lagging`, its class teacher too), for the term each "
        "class follows today: a failing forecast or mark, an average below the school's "
        "threshold, fewer marks than the norm, lessons missed, works owed. `at_risk=1`: only "
        "those at risk of a «2» or «н/а» (a failing result or too few marks), the preliminary "
        "report two weeks before a term ends. With the work done with each student."
    ),
    openapi_extra=_perm("oversight.view_lagging"),
)
def lagging_students(
    request: HttpRequest,
    school_id: int,
    class_id: int | None = ClassParam,
    at_risk: bool = False,
):
    school = school_for(request.user, school_id, "school.enter")
    today = school_today(school)
    year = _year(school, today)
    if class_id is not None:
        classes = [lagging_class_for(request.user, school, class_id)]
    else:
        require(request.user, "oversight.view_lagging", school)
        classes = sorted(
            SchoolClass.objects.filter(school=school, year=year).select_related("grade_level"),
            key=lambda c: (c.grade_level.number, c.letter),
        )
    found = lagging(school, year, classes, today, at_risk_only=at_risk)
    return LaggingOut(
        at_risk_only=at_risk,
        class_id=class_id,
        students=[
            LaggingStudentOut(
                student=student_ref(entry.student),
                school_class=ClassRefOut(id=entry.school_class.pk, name=entry.school_class.name),
                term=term_ref(entry.term),
                at_risk=entry.at_risk,
                reasons=[
                    ReasonOut(kind=r.kind, text=r.text, subject=r.subject) for r in entry.reasons
                ],
                support_count=entry.support_count,
                last_support=_support_brief(entry.last_support),
            )
            for entry in found
        ],
    )


# --- a student's support log -----------------------------------------------------------------


def _support_student(request: HttpRequest, school_id: int, student_id: int) -> Student:
    school = school_for(request.user, school_id, "school.enter")
    return support_student_for(request.user, school, student_id, "oversight.view_support")


def _action_out(action: SupportAction) -> SupportActionOut:
    course = action.course
    return SupportActionOut(
        id=action.pk,
        day=action.day,
        kind=action.kind,
        kind_label=str(action.get_kind_display()),
        course=SupportCourseOut(id=course.pk, subject=course.subject.name) if course else None,
        text=action.text,
        author=_user_ref(action.author),
        created_at=action.created_at,
    )


@router.get(
    "/schools/{school_id}/students/{student_id}/support",
    response={200: SupportLogOut, **COMMON_ERRORS},
    summary="A student's support log: the work done with them",
    description=(
        "Read by the administration, the class teacher, the student's subject teachers and "
        "the family (the guardians, the student from the school's age). A parent or a student "
        "asking for another family's child gets 404."
    ),
    openapi_extra=_perm("oversight.view_support"),
)
def support_log(request: HttpRequest, school_id: int, student_id: int):
    student = _support_student(request, school_id, student_id)
    return SupportLogOut(
        student=student_ref(student),
        can_record=request.user.has_perm("oversight.record_support", student),
        log=[_action_out(a) for a in queries.support_log(student)],
    )


@router.post(
    "/schools/{school_id}/students/{student_id}/support",
    response={201: SupportActionOut, **COMMON_ERRORS},
    summary="Record work done with a student (told to the family)",
    description=(
        "The staff who read the log (`oversight.record_support`): the administration, the "
        "class teacher, the subject teachers. `course_id`: one of the student's courses today "
        "(of another school: 404; not the student's: 422 `invalid`); `day` defaults to today "
        "and is never in the future (422 `future`); `text` is required (`required`)."
    ),
    openapi_extra=_perm("oversight.record_support"),
)
def record_support(request: HttpRequest, school_id: int, student_id: int, data: SupportIn):
    student = _support_student(request, school_id, student_id)
    require(request.user, "oversight.record_support", student)
    school = student.school
    today = school_today(school)
    course = None
    if data.course_id is not None:
        course = in_school(school, Course.objects.select_related("subject"), pk=data.course_id)
        if not queries.student_courses(student, today).filter(pk=course.pk).exists():
            message = _("%(student)s is not on the list of this course.")
            raise ApiError(422, "invalid", message % {"student": student.full_name})
    try:
        action = services.record_support(
            student=student,
            course=course,
            kind=data.kind.value,
            day=data.day or today,
            text=data.text,
            actor=Actor.of(request),
            today=today,
        )
    except ValidationError as error:
        raise refused(error) from error
    return Status(201, _action_out(action))
