"""The electronic diary through the API (issue 5), for a mobile app: a student's week, the marks
and the attendance of a term, the homework of the coming days — the same read models as the
pages (``zhurnal.diary.queries``) behind the same rule.

Rule: ``diary.view`` on the student — their guardians, the student from the school's age, the
class teacher of their class, the administration. A parent or a student asking for another
family's child gets 404 (its existence is not told); staff without the right get 403.
Homework attachments are downloaded from their ``download`` path under the same rule (and
only those of the student's own lessons).

The family's «Ознакомлен» for a term's marks (issue 5): the state of every term of the
student's class is read under ``diary.view``; a term is acknowledged under ``diary.acknowledge``
(the student's guardians) through ``diary.services.acknowledge_term``, the service of the marks
page — a second call changes nothing.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from zhurnal.accounts.access import school_for
from zhurnal.audit.actor import Actor
from zhurnal.core.access import in_school
from zhurnal.core.files import stored_file_response
from zhurnal.diary import queries, services
from zhurnal.diary.access import diary_student_for, homework_attachment_for
from zhurnal.school.calendar import class_terms, pick_term, school_today
from zhurnal.school.models import Student, Term

from .auth import token_auth
from .errors import COMMON_ERRORS, ApiError
from .params import Day, Id
from .schemas import AttachmentOut, Out, TermRef
from .timetable import TeacherRef, teacher_ref

router = Router(auth=token_auth, tags=["diary"])
PERM = "diary.view"


class DiaryMarkOut(Out):
    value: str
    work_type_code: str = Field(description="e.g. КР")
    work_type_name: str
    weight: Decimal
    comment: str


class DiaryNoteOut(Out):
    kind: str = Field(description="remark, praise or message")
    text: str


class DiaryHomeworkOut(Out):
    text: str
    links: list[str]
    minutes: int | None
    attachments: list[AttachmentOut]


class DiaryLessonOut(Out):
    id: int
    number: int
    starts_at: str | None
    ends_at: str | None
    subject: str
    course_id: int
    topic: str
    cancelled: bool
    cancel_reason: str
    teacher: TeacherRef | None
    substitute_for: TeacherRef | None = Field(description="The course's teacher when replaced")
    homework: DiaryHomeworkOut | None
    marks: list[DiaryMarkOut]
    attendance: str = Field(description="Н, Б, У, ОП or empty (present), as the journal shows")
    notes: list[DiaryNoteOut]


class DiaryDayOut(Out):
    date: date
    is_today: bool
    lessons: list[DiaryLessonOut]


class DiaryWeekOut(Out):
    student_id: int
    monday: date
    days: list[DiaryDayOut]


class TermMarkOut(Out):
    date: date
    value: str
    work_type_code: str
    work_type_name: str
    weight: Decimal


class DiaryPeriodMarkOut(Out):
    kind: str = Field(description="term, year, exam or final")
    value: str


class SubjectMarksOut(Out):
    course_id: int
    subject: str
    scale: str
    marks: list[TermMarkOut]
    average: Decimal | None
    forecast: str | None
    period_marks: list[DiaryPeriodMarkOut]


class MarksOut(Out):
    term: TermRef
    subjects: list[SubjectMarksOut]


class AttendanceRowOut(Out):
    subject: str = Field(description="Empty for the total")
    missed: int
    counts: dict[str, int] = Field(description="code → lessons (Н, Б, У, ОП)")


class DiaryAttendanceOut(Out):
    term: TermRef
    until: date
    subjects: list[AttendanceRowOut]
    total: AttendanceRowOut


class HomeworkItemOut(Out):
    subject: str
    set_on: date
    text: str
    links: list[str]
    minutes: int | None
    attachments: list[AttachmentOut]


class HomeworkDayOut(Out):
    date: date
    minutes: int
    limit: int | None = Field(description="СанПиН 1.2.3685-21 daily limit for the grade, min")
    over_limit: bool
    items: list[HomeworkItemOut]


class AcknowledgedByOut(Out):
    user_id: int
    name: str = Field(description="The guardian who acknowledged")
    acknowledged_at: datetime


class TermAcknowledgementOut(Out):
    term: TermRef
    title: str = Field(description="e.g. «2-я четверть»")
    marks_entered: bool = Field(description="At least one of the student's term marks is in")
    open: bool = Field(description="May be acknowledged: the term has ended or its marks are in")
    acknowledged: bool = Field(description="By at least one guardian")
    awaiting: bool = Field(
        description="Waits for the caller's acknowledgement: open, and the caller is a guardian "
        "who has not acknowledged it yet"
    )
    acknowledged_by: list[AcknowledgedByOut]


class AcknowledgementsOut(Out):
    student_id: int
    year_id: int | None = Field(description="The academic year of the terms")
    may_acknowledge: bool = Field(description="The caller is a guardian of the student")
    terms: list[TermAcknowledgementOut]


class AcknowledgeIn(Schema):
    term_id: Id


def _student(request: HttpRequest, school_id: int, student_id: int, perm: str = PERM) -> Student:
    school = school_for(request.user, school_id, "school.enter")
    return diary_student_for(request.user, school, student_id, perm)


def _term(student: Student, term_id: int | None, today: date) -> Term:
    terms = class_terms(services.student_class(student, today))
    if term_id is not None and not any(t.pk == term_id for t in terms):
        in_school(student.school, Term, pk=term_id)
        raise ApiError(422, "invalid", _("The term is not one of the student's terms."))
    term = pick_term(terms, term_id, today)
    if term is None:
        raise Http404
    return term


def _term_ref(term: Term) -> TermRef:
    return TermRef(id=term.pk, number=term.number, kind=term.kind, start=term.start, end=term.end)


def _attachments(student: Student, items) -> list[AttachmentOut]:
    base = f"/api/v1/schools/{student.school_id}/students/{student.pk}/homework-attachments"
    return [
        AttachmentOut(id=a.pk, name=a.name, size=a.size, download=f"{base}/{a.pk}") for a in items
    ]


def _time(value) -> str | None:
    return value.strftime("%H:%M") if value else None


@router.get(
    "/schools/{school_id}/students/{student_id}/diary",
    response={200: DiaryWeekOut, **COMMON_ERRORS},
    summary="A student's diary for a week",
    description=(
        "Monday to Saturday of the week containing `week` (default: this week): lessons with "
        "substitutions and cancellations, topic, homework, the student's marks with work type "
        "and weight, attendance (the absence register applied) and the teachers' notes."
    ),
    openapi_extra={"x-permission": PERM},
)
def diary_week(request: HttpRequest, school_id: int, student_id: int, week: Day | None = None):
    student = _student(request, school_id, student_id)
    today = school_today(student.school)
    result = queries.week(student, week or today, today=today)
    days = []
    for day in result.days:
        lessons = []
        for item in day.lessons:
            lesson = item.lesson
            homework = None
            if item.homework is not None:
                homework = DiaryHomeworkOut(
                    text=item.homework.text,
                    links=list(item.homework.links or []),
                    minutes=item.homework.minutes,
                    attachments=_attachments(student, item.attachments),
                )
            lessons.append(
                DiaryLessonOut(
                    id=lesson.pk,
                    number=lesson.number,
                    starts_at=_time(lesson.starts_at),
                    ends_at=_time(lesson.ends_at),
                    subject=item.subject,
                    course_id=lesson.course_id,
                    topic=lesson.topic,
                    cancelled=item.cancelled,
                    cancel_reason=lesson.cancel_reason,
                    teacher=teacher_ref(lesson.teacher),
                    substitute_for=teacher_ref(lesson.substitute_for),
                    homework=homework,
                    marks=[
                        DiaryMarkOut(
                            value=x.value,
                            work_type_code=x.work_type_code,
                            work_type_name=x.work_type_name,
                            weight=x.weight,
                            comment=x.comment,
                        )
                        for x in item.marks
                    ],
                    attendance=item.attendance,
                    notes=[DiaryNoteOut(kind=n.kind, text=n.text) for n in item.notes],
                )
            )
        days.append(DiaryDayOut(date=day.day, is_today=day.is_today, lessons=lessons))
    return DiaryWeekOut(student_id=student.pk, monday=result.monday, days=days)


@router.get(
    "/schools/{school_id}/students/{student_id}/marks",
    response={200: MarksOut, **COMMON_ERRORS},
    summary="A student's marks of a term",
    description=(
        "Per subject: every mark of the term (`term_id`, default the current term) with date "
        "and work type, the weighted average, the forecast and the period marks."
    ),
    openapi_extra={"x-permission": PERM},
)
def diary_marks(request: HttpRequest, school_id: int, student_id: int, term_id: int | None = None):
    student = _student(request, school_id, student_id)
    term = _term(student, term_id, school_today(student.school))
    subjects = [
        SubjectMarksOut(
            course_id=s.course.pk,
            subject=s.subject,
            scale=s.scale,
            marks=[
                TermMarkOut(
                    date=x.date,
                    value=x.value,
                    work_type_code=x.work_type_code,
                    work_type_name=x.work_type_name,
                    weight=x.weight,
                )
                for x in s.marks
            ],
            average=s.average,
            forecast=s.forecast,
            period_marks=[
                DiaryPeriodMarkOut(kind=p.kind, value=p.value) for p in s.ordered_period_marks
            ],
        )
        for s in queries.term_marks(student, term)
    ]
    return MarksOut(term=_term_ref(term), subjects=subjects)


def _row(row: queries.AttendanceRow) -> AttendanceRowOut:
    return AttendanceRowOut(subject=row.subject, missed=row.missed, counts=dict(row.counts))


@router.get(
    "/schools/{school_id}/students/{student_id}/attendance",
    response={200: DiaryAttendanceOut, **COMMON_ERRORS},
    summary="A student's missed lessons of a term",
    description="Lessons missed by reason, per subject and in total, up to today.",
    openapi_extra={"x-permission": PERM},
)
def diary_attendance(
    request: HttpRequest, school_id: int, student_id: int, term_id: int | None = None
):
    student = _student(request, school_id, student_id)
    today = school_today(student.school)
    term = _term(student, term_id, today)
    summary = queries.attendance_summary(student, term, until=today)
    return DiaryAttendanceOut(
        term=_term_ref(term),
        until=min(today, term.end),
        subjects=[_row(r) for r in summary.rows],
        total=_row(summary.total),
    )


@router.get(
    "/schools/{school_id}/students/{student_id}/homework",
    response={200: list[HomeworkDayOut], **COMMON_ERRORS},
    summary="A student's homework of the coming days",
    description=(
        "Homework due in the next `days` days (default 7, at most 31), per day with the "
        "estimated minutes and the СанПиН 1.2.3685-21 limit of the student's grade."
    ),
    openapi_extra={"x-permission": PERM},
)
def diary_homework(request: HttpRequest, school_id: int, student_id: int, days: int = 7):
    student = _student(request, school_id, student_id)
    days = max(1, min(days, 31))
    result = queries.homework_ahead(student, school_today(student.school), days=days)
    return [
        HomeworkDayOut(
            date=d.day,
            minutes=d.minutes,
            limit=d.limit,
            over_limit=d.over_limit,
            items=[
                HomeworkItemOut(
                    subject=i.subject,
                    set_on=i.set_on,
                    text=i.homework.text,
                    links=list(i.homework.links or []),
                    minutes=i.homework.minutes,
                    attachments=_attachments(student, i.attachments),
                )
                for i in d.items
            ],
        )
        for d in result
    ]


@router.get(
    "/schools/{school_id}/students/{student_id}/homework-attachments/{homework_attachment_id}",
    response=COMMON_ERRORS,
    summary="Download a homework attachment of one of the student's lessons",
    openapi_extra={"x-permission": PERM, "responses": {"200": {"description": "The file"}}},
)
def homework_attachment(
    request: HttpRequest, school_id: int, student_id: int, homework_attachment_id: int
) -> FileResponse:
    student = _student(request, school_id, student_id)
    item = homework_attachment_for(student, homework_attachment_id)
    return stored_file_response(item.file, item.name)


def _acknowledgement_out(
    state: services.TermAcknowledgementState, user, may_acknowledge: bool
) -> TermAcknowledgementOut:
    mine = any(a.user_id == user.pk for a in state.acknowledgements)
    return TermAcknowledgementOut(
        term=_term_ref(state.term),
        title=state.term.title,
        marks_entered=state.marks_entered,
        open=state.open,
        acknowledged=bool(state.acknowledgements),
        awaiting=may_acknowledge and state.open and not mine,
        acknowledged_by=[
            AcknowledgedByOut(
                user_id=a.user_id, name=a.user.display_name, acknowledged_at=a.acknowledged_at
            )
            for a in state.acknowledgements
        ],
    )


@router.get(
    "/schools/{school_id}/students/{student_id}/acknowledgements",
    response={200: AcknowledgementsOut, **COMMON_ERRORS},
    summary="The family's acknowledgement of each term's marks",
    description=(
        "Every term of the student's class in the year `year_id` (default: the class today), "
        "in order: whether its term marks are in, whether it may be acknowledged now (the "
        "term has ended or its marks are in), by whom and when it was acknowledged, and "
        "whether it waits for the caller's «Ознакомлен» (`awaiting`, for a guardian)."
    ),
    openapi_extra={"x-permission": PERM},
)
def acknowledgements(
    request: HttpRequest, school_id: int, student_id: int, year_id: int | None = None
):
    student = _student(request, school_id, student_id)
    today = school_today(student.school)
    school_class, _years = services.class_of_year(student, today, year_id)
    may_acknowledge = request.user.has_perm("diary.acknowledge", student)
    states = services.student_acknowledgements(student, class_terms(school_class), today)
    return AcknowledgementsOut(
        student_id=student.pk,
        year_id=school_class.year_id if school_class else None,
        may_acknowledge=may_acknowledge,
        terms=[_acknowledgement_out(s, request.user, may_acknowledge) for s in states],
    )


@router.post(
    "/schools/{school_id}/students/{student_id}/acknowledgements",
    response={200: TermAcknowledgementOut, **COMMON_ERRORS},
    summary="Acknowledge a term's marks («Ознакомлен»)",
    description=(
        "A guardian confirms having seen the student's marks of the term `term_id` (one of "
        "the terms of the student's class); the class teacher is told in a digest. "
        "Idempotent: a term acknowledged already by the caller is answered as it is, nothing "
        "is recorded or told again. 422 `too_early` before the term has ended and while none "
        "of its marks is in; 422 `invalid` for a term that is not the student's."
    ),
    openapi_extra={"x-permission": "diary.acknowledge"},
)
def acknowledge(request: HttpRequest, school_id: int, student_id: int, data: AcknowledgeIn):
    student = _student(request, school_id, student_id, "diary.acknowledge")
    today = school_today(student.school)
    term = in_school(student.school, Term, pk=data.term_id)
    school_class, _years = services.class_of_year(student, today, term.year_id)
    if term.pk not in {t.pk for t in class_terms(school_class)}:
        raise ApiError(422, "invalid", _("The term is not one of the student's terms."))
    try:
        services.acknowledge_term(student=student, term=term, actor=Actor.of(request), today=today)
    except ValidationError as error:
        code = getattr(error, "code", None) or "invalid"
        raise ApiError(422, code, " ".join(error.messages)) from error
    (state,) = services.student_acknowledgements(student, [term], today)
    return _acknowledgement_out(state, request.user, True)
