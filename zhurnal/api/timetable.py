"""The timetable through the API (issue 3): lessons of a class, a group, a teacher or a room for
a date range; a course's lessons and plan; and the changes the pages make — a lesson's topic,
a substitution, a cancellation — through the same services (``zhurnal.timetable.services``).

Same rules as the pages: ``timetable.view`` (staff) reads the school's timetable,
``timetable.view_course`` a course's lessons and plan, ``timetable.keep_lesson`` writes a
lesson's topic (its teacher; the substitute for that one lesson only), ``timetable.manage``
substitutes and cancels (deputy, administrator). Every list is a fixed number of queries.
"""

from datetime import date, datetime, time, timedelta
from datetime import timezone as fixed_offset
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from ninja import Router

from zhurnal.accounts.access import school_for
from zhurnal.audit.actor import Actor
from zhurnal.core.access import in_school
from zhurnal.journal import services as journal_services
from zhurnal.planning import queries as planning_queries
from zhurnal.planning.models import CoursePlan, PlanItem
from zhurnal.planning.queries import Fulfilment
from zhurnal.school.access import class_for, class_of_year_for, course_for
from zhurnal.school.calendar import current_year, school_today
from zhurnal.school.courses import of_class
from zhurnal.school.models import Course, Group, School, Staff
from zhurnal.timetable import services
from zhurnal.timetable.access import lesson_for
from zhurnal.timetable.models import Lesson, LessonStatus

from .auth import token_auth
from .errors import COMMON_ERRORS, ApiError, ErrorOut
from .params import Day
from .schemas import Ref
from .timetable_schemas import (
    CancellationIn,
    CoursePlanOut,
    FulfilmentOut,
    FulfilmentRowOut,
    LessonCourseOut,
    LessonOut,
    PlanItemLessonOut,
    PlanItemOut,
    PlanOut,
    SubstitutionIn,
    TeacherRef,
    TimetableOut,
    TopicIn,
    UncoveredItemOut,
)

router = Router(auth=token_auth, tags=["timetable"])

# The longest range one call may ask for: a term and a half. Longer reads go term by term.
MAX_RANGE_DAYS = 92
WRITE_ERRORS = {**COMMON_ERRORS, 409: ErrorOut}
RANGE_HELP = (
    "`start` and `end` (inclusive) default to the current week, Monday to Sunday, in the "
    f"school's time zone; at most {MAX_RANGE_DAYS} days."
)


def _perm(name: str) -> dict:
    return {"x-permission": name}


def _range(school: School, start: date | None, end: date | None) -> tuple[date, date]:
    if start is None and end is None:
        today = school_today(school)
        start = today - timedelta(days=today.isoweekday() - 1)
        end = start + timedelta(days=6)
    elif start is None:
        start = end - timedelta(days=6)
    elif end is None:
        end = start + timedelta(days=6)
    if end < start:
        raise ApiError(422, "validation_error", _("The end date is before the start date."))
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise ApiError(
            422,
            "validation_error",
            ngettext(
                "Ask for at most %(days)d day at a time.",
                "Ask for at most %(days)d days at a time.",
                MAX_RANGE_DAYS,
            )
            % {"days": MAX_RANGE_DAYS},
        )
    return start, end


# What comes with a lesson the API answers.
LESSON_FIELDS = (
    "course__subject",
    "course__school_class__grade_level",
    "course__group__school_class__grade_level",
    "teacher",
    "substitute_for",
)


def _lessons(school: School | int) -> QuerySet[Lesson]:
    return Lesson.objects.filter(school=school).select_related(*LESSON_FIELDS)


def teacher_ref(staff: Staff | None) -> TeacherRef | None:
    if staff is None:
        return None
    return TeacherRef(id=staff.pk, short_name=staff.short_name)


def _course_out(course: Course) -> LessonCourseOut:
    return LessonCourseOut(
        id=course.pk,
        subject=Ref(id=course.subject.pk, name=course.subject.name),
        audience=course.audience_name,
        school_class_id=course.school_class_id,
        group_id=course.group_id,
    )


def _bell_time(day: date, value: time | None, zone: ZoneInfo) -> str | None:
    """A bell time with the school's UTC offset on that day ("10:30:00+03:00"): RFC 3339
    ``full-time``, the ``format: time`` the OpenAPI document declares (issue 16, finding 3)."""
    if value is None:
        return None
    moment = datetime.combine(day, value, tzinfo=zone)
    return value.replace(tzinfo=fixed_offset(moment.utcoffset())).isoformat()


def lesson_out(lesson: Lesson, zone: ZoneInfo) -> LessonOut:
    """A lesson; its bell times in ``zone``, the school's time zone."""
    course = lesson.course
    return LessonOut(
        id=lesson.pk,
        date=lesson.date,
        number=lesson.number,
        starts_at=_bell_time(lesson.date, lesson.starts_at, zone),
        ends_at=_bell_time(lesson.date, lesson.ends_at, zone),
        room=lesson.room,
        course=_course_out(course),
        teacher=teacher_ref(lesson.teacher),
        substitute_for=teacher_ref(lesson.substitute_for),
        substitution_reason=lesson.substitution_reason,
        status=lesson.status,
        cancel_reason=lesson.cancel_reason,
        kind=lesson.kind,
        topic=lesson.topic,
        plan_item_id=lesson.plan_item_id,
    )


def _timetable(school: School, lessons: QuerySet[Lesson], start: date, end: date):
    lessons = lessons.filter(date__range=(start, end)).order_by("date", "number", "course_id")
    return TimetableOut(
        start=start,
        end=end,
        timezone=school.timezone,
        lessons=[lesson_out(lesson, ZoneInfo(school.timezone)) for lesson in lessons],
    )


# --- reading the timetable -------------------------------------------------------------------


@router.get(
    "/schools/{school_id}/timetable/classes/{class_id}",
    response={200: TimetableOut, **COMMON_ERRORS},
    summary="Lessons of a class (its courses and its subgroups') for a date range",
    description=RANGE_HELP + " Cancelled lessons are included with their status.",
    openapi_extra=_perm("timetable.view"),
)
def class_timetable(
    request: HttpRequest,
    school_id: int,
    class_id: int,
    start: Day | None = None,
    end: Day | None = None,
):
    school = school_for(request.user, school_id, "timetable.view")
    school_class = class_for(request.user, school, class_id, "timetable.view")
    start, end = _range(school, start, end)
    lessons = _lessons(school).filter(of_class(school_class, "course__"))
    return _timetable(school, lessons, start, end)


@router.get(
    "/schools/{school_id}/timetable/groups/{group_id}",
    response={200: TimetableOut, **COMMON_ERRORS},
    summary="Lessons of a group for a date range",
    description=RANGE_HELP,
    openapi_extra=_perm("timetable.view"),
)
def group_timetable(
    request: HttpRequest,
    school_id: int,
    group_id: int,
    start: Day | None = None,
    end: Day | None = None,
):
    school = school_for(request.user, school_id, "timetable.view")
    group = in_school(school, Group, pk=group_id)
    start, end = _range(school, start, end)
    return _timetable(school, _lessons(school).filter(course__group=group), start, end)


@router.get(
    "/schools/{school_id}/timetable/teachers/{staff_id}",
    response={200: TimetableOut, **COMMON_ERRORS},
    summary="Lessons a teacher teaches (own and substituted) for a date range",
    description=RANGE_HELP
    + " A lesson another teacher takes instead of this one is in the substitute's timetable.",
    openapi_extra=_perm("timetable.view"),
)
def teacher_timetable(
    request: HttpRequest,
    school_id: int,
    staff_id: int,
    start: Day | None = None,
    end: Day | None = None,
):
    school = school_for(request.user, school_id, "timetable.view")
    staff = in_school(school, Staff, pk=staff_id)
    start, end = _range(school, start, end)
    return _timetable(school, _lessons(school).filter(teacher=staff), start, end)


@router.get(
    "/schools/{school_id}/timetable/rooms/{room}",
    response={200: TimetableOut, **COMMON_ERRORS},
    summary="Lessons in a room for a date range",
    description=RANGE_HELP,
    openapi_extra=_perm("timetable.view"),
)
def room_timetable(
    request: HttpRequest,
    school_id: int,
    room: str,
    start: Day | None = None,
    end: Day | None = None,
):
    school = school_for(request.user, school_id, "timetable.view")
    start, end = _range(school, start, end)
    return _timetable(school, _lessons(school).filter(room=room), start, end)


# --- a course: lessons and plan --------------------------------------------------------------


def _course(request: HttpRequest, school_id: int, course_id: int) -> Course:
    school = school_for(request.user, school_id, "school.enter")
    courses = Course.objects.select_related("year", "school_class", "group")
    return course_for(request.user, school, course_id, "timetable.view_course", queryset=courses)


@router.get(
    "/schools/{school_id}/courses/{course_id}/lessons",
    response={200: TimetableOut, **COMMON_ERRORS},
    summary="Lessons of a course",
    description=(
        "`start` and `end` (inclusive) default to the course's academic year; the range is "
        "not limited. Cancelled lessons are included with their status."
    ),
    openapi_extra=_perm("timetable.view_course"),
)
def course_lessons(
    request: HttpRequest,
    school_id: int,
    course_id: int,
    start: Day | None = None,
    end: Day | None = None,
):
    course = _course(request, school_id, course_id)
    start = start or course.year.start
    end = end or course.year.end
    if end < start:
        raise ApiError(422, "validation_error", _("The end date is before the start date."))
    return _timetable(course.school, _lessons(course.school).filter(course=course), start, end)


@router.get(
    "/schools/{school_id}/courses/{course_id}/plan",
    response={200: CoursePlanOut, **COMMON_ERRORS},
    summary="The thematic plan (КТП) of a course and which items are covered",
    description=(
        "The plan the course follows, its items in order, the course's lessons linked to each "
        "(not cancelled), and `covered`: a linked lesson dated today or before (school time)."
    ),
    openapi_extra=_perm("timetable.view_course"),
)
def course_plan(request: HttpRequest, school_id: int, course_id: int):
    course = _course(request, school_id, course_id)
    choice = CoursePlan.objects.select_related("plan").filter(course=course).first()
    if choice is None:
        return CoursePlanOut(
            course_id=course.pk, plan=None, planned_hours=0, covered_items=0, items=[]
        )
    plan = choice.plan
    today = school_today(course.school)
    linked: dict[int, list[tuple[int, date]]] = {}
    rows = (
        Lesson.objects.filter(course=course, plan_item__plan=plan)
        .exclude(status=LessonStatus.CANCELLED)
        .order_by("date", "number")
        .values_list("plan_item_id", "pk", "date")
    )
    for item_id, lesson_id, day in rows:
        linked.setdefault(item_id, []).append((lesson_id, day))
    items = []
    for item in PlanItem.objects.filter(plan=plan).order_by("position"):
        lessons = linked.get(item.pk, [])
        items.append(
            PlanItemOut(
                id=item.pk,
                position=item.position,
                section=item.section,
                topic=item.topic,
                hours=item.hours,
                kind=item.kind,
                planned_date=item.planned_date,
                lessons=[PlanItemLessonOut(id=pk, date=day) for pk, day in lessons],
                covered=any(day <= today for _pk, day in lessons),
            )
        )
    return CoursePlanOut(
        course_id=course.pk,
        plan=PlanOut(id=plan.pk, title=plan.title, owner_course_id=plan.owner_course_id),
        planned_hours=sum(i.hours for i in items),
        covered_items=sum(1 for i in items if i.covered),
        items=items,
    )


# --- programme fulfilment --------------------------------------------------------------------


def _fulfilment_out(data: Fulfilment) -> FulfilmentOut:
    return FulfilmentOut(
        course_id=data.course_id,
        plan_id=data.plan_id,
        day=data.day,
        plan_hours=data.plan_hours,
        scheduled=data.scheduled,
        planned=data.planned,
        held=data.held,
        extra=data.extra,
        cancelled=data.cancelled,
        covered=data.covered,
        lag=data.lag,
        lessons_left=data.lessons_left,
        can_finish=data.can_finish,
        not_covered=[
            UncoveredItemOut(
                id=item.item_id,
                position=item.position,
                section=item.section,
                topic=item.topic,
                hours=item.hours,
                covered=item.covered,
                planned_date=item.planned_date,
            )
            for item in data.not_covered
        ],
    )


@router.get(
    "/schools/{school_id}/courses/{course_id}/fulfilment",
    response={200: FulfilmentOut, **COMMON_ERRORS},
    summary="Programme fulfilment of a course",
    description=(
        "Planned hours to date, lessons held, cancelled and extra, the lag in lessons and the "
        "plan items due but not covered, for the course's academic year up to `day` "
        "(inclusive; default today in the school's time zone). Same figures as the course's "
        "fulfilment page."
    ),
    openapi_extra=_perm("timetable.view_course"),
)
def course_fulfilment(request: HttpRequest, school_id: int, course_id: int, day: Day | None = None):
    course = _course(request, school_id, course_id)
    return _fulfilment_out(
        planning_queries.course_fulfilment(course, day=day or school_today(course.school))
    )


@router.get(
    "/schools/{school_id}/fulfilment",
    response={200: list[FulfilmentRowOut], **COMMON_ERRORS},
    summary="Programme fulfilment of every course of the year",
    description=(
        "Every course of the current academic year (or of one class: `class_id`, its "
        "whole-class and subgroup courses), the most behind first, as on the deputy's "
        "fulfilment page. `day` defaults to today in the school's time zone."
    ),
    openapi_extra=_perm("planning.view_fulfilment"),
)
def school_fulfilment(
    request: HttpRequest, school_id: int, class_id: int | None = None, day: Day | None = None
):
    school = school_for(request.user, school_id, "planning.view_fulfilment")
    day = day or school_today(school)
    year = current_year(school, day)
    if year is None:
        return []
    school_class = None
    if class_id is not None:
        school_class = class_of_year_for(school, year, class_id)
    rows = planning_queries.fulfilment_overview(school, year, day=day, school_class=school_class)
    return [
        FulfilmentRowOut(course=_course_out(row.course), fulfilment=_fulfilment_out(row.fulfilment))
        for row in rows
    ]


# --- changing a lesson -----------------------------------------------------------------------


def _lesson(request: HttpRequest, school_id: int, lesson_id: int, perm: str) -> Lesson:
    school = school_for(request.user, school_id, "school.enter")
    return lesson_for(request.user, school, lesson_id, perm, related=LESSON_FIELDS)


def _refused(exc: ValidationError) -> ApiError:
    """A change the facts refuse (a cancelled lesson, a busy teacher): 409 with the reason."""
    return ApiError(409, "conflict", " ".join(str(m) for m in exc.messages))


def _reloaded(lesson: Lesson) -> LessonOut:
    return lesson_out(
        _lessons(lesson.school_id).get(pk=lesson.pk), ZoneInfo(lesson.school.timezone)
    )


@router.put(
    "/schools/{school_id}/lessons/{lesson_id}/topic",
    response={200: LessonOut, **WRITE_ERRORS},
    summary="Record a lesson's topic (and the plan item it covers)",
    description=(
        "For the lesson's teacher (a substitute: for that lesson only). An empty `topic` with "
        "a `plan_item_id` (an item of the plan the course follows) takes the item's topic; "
        "both empty clear the record. Topics may be "
        "entered ahead. 409 `conflict` for a cancelled lesson."
    ),
    openapi_extra=_perm("timetable.keep_lesson"),
)
def record_topic(request: HttpRequest, school_id: int, lesson_id: int, data: TopicIn):
    lesson = _lesson(request, school_id, lesson_id, "timetable.keep_lesson")
    plan_item = None
    if data.plan_item_id is not None:
        plan_item = in_school(lesson.school, PlanItem, pk=data.plan_item_id)
    try:
        journal_services.record_topic(
            lesson=lesson,
            topic=data.topic,
            plan_item=plan_item,
            actor=Actor.of(request),
        )
    except ValidationError as exc:
        raise _refused(exc) from exc
    return _reloaded(lesson)


@router.put(
    "/schools/{school_id}/lessons/{lesson_id}/substitution",
    response={200: LessonOut, **WRITE_ERRORS},
    summary="Substitute a teacher for one lesson (замена)",
    description=(
        "`teacher_id` takes the lesson instead of the course's teacher; naming the course's "
        "own teacher withdraws the substitution. 409 `conflict` when the teacher is busy at "
        "that time, has left the school, or the lesson is cancelled."
    ),
    openapi_extra=_perm("timetable.manage"),
)
def substitute(request: HttpRequest, school_id: int, lesson_id: int, data: SubstitutionIn):
    lesson = _lesson(request, school_id, lesson_id, "timetable.manage")
    teacher = in_school(lesson.school, Staff, pk=data.teacher_id)
    try:
        services.substitute(
            lesson=lesson,
            teacher=teacher,
            reason=data.reason,
            actor=Actor.of(request),
        )
    except ValidationError as exc:
        raise _refused(exc) from exc
    return _reloaded(lesson)


@router.post(
    "/schools/{school_id}/lessons/{lesson_id}/cancellation",
    response={200: LessonOut, **WRITE_ERRORS},
    summary="Cancel one lesson, with the reason",
    description="The lesson stays, marked cancelled; its record is kept.",
    openapi_extra=_perm("timetable.manage"),
)
def cancel(request: HttpRequest, school_id: int, lesson_id: int, data: CancellationIn):
    lesson = _lesson(request, school_id, lesson_id, "timetable.manage")
    try:
        services.cancel_lesson(lesson=lesson, reason=data.reason, actor=Actor.of(request))
    except ValidationError as exc:
        raise _refused(exc) from exc
    return _reloaded(lesson)
