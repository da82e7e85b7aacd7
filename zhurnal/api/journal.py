"""The class journal through the API (issue 4): read a course's journal for a term; write
marks, attendance (one at a time or in a batch), a lesson's roll call ("everyone present"),
mark columns, homework and period marks — through the same services as the pages
(``zhurnal.journal.services``), so the same rules and the same audit apply.

Rules: ``journal.view`` reads a course's journal (its teachers, the class teacher of its
class, the administration; never a parent or a student); ``journal.keep_lesson`` writes a
lesson's marks, attendance, roll call, columns and homework (a substitute: that lesson only);
``journal.keep_period_marks`` the course's period marks.

Errors: 422 with the refusal's ``code`` (``out_of_scale``, ``future_lesson``,
``lesson_cancelled``, ``not_on_list``, ``locked``, ``reason_required``, ``invalid``) and a
Russian message; 409 ``stale`` with what is saved now when the cell changed since the version
the client sent (no lost update).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from zhurnal.accounts.access import school_for
from zhurnal.audit.actor import Actor
from zhurnal.journal import services
from zhurnal.journal.access import (
    KEEP,
    active_work_type_for,
    batch_entries,
    cell_student,
    column_for,
    course_term,
    journal_course_for,
    journal_lesson_for,
    term_for,
)
from zhurnal.journal.defaults import ensure_work_types
from zhurnal.journal.freshness import cached_grid
from zhurnal.journal.models import GradeColumn, Homework, RollCall, WorkType
from zhurnal.school.calendar import course_terms, pick_term, school_today
from zhurnal.school.models import Course, Student
from zhurnal.timetable.models import Lesson

from .auth import token_auth
from .errors import COMMON_ERRORS, ApiError
from .journal_schemas import (
    AttendanceIn,
    AttendanceOut,
    BatchIn,
    BatchItemOut,
    BatchOut,
    ColumnIn,
    ColumnOut,
    CurrentOut,
    HomeworkIn,
    HomeworkOut,
    JournalLessonOut,
    JournalOut,
    JournalStudentOut,
    MarkIn,
    MarkOut,
    PeriodMarkIn,
    PeriodMarkOut,
    RollCallOut,
    StaleOut,
    StudentSummaryOut,
    WorkTypeOut,
)
from .timetable import teacher_ref

router = Router(auth=token_auth, tags=["journal"])
WRITE_ERRORS = {**COMMON_ERRORS, 409: StaleOut}


def _perm(name: str) -> dict:
    return {"x-permission": name}


def _refused(error: ValidationError) -> ApiError:
    code = getattr(error, "code", None) or "invalid"
    return ApiError(422, code, " ".join(str(m) for m in error.messages))


def _stale(current_value: str | None, version: int) -> tuple[int, StaleOut]:
    return Status(
        409,
        StaleOut(
            code="stale",
            message=_("The entry was changed meanwhile; here is what is saved now."),
            current=CurrentOut(value=current_value, version=version),
        ),
    )


def _course(request: HttpRequest, school_id: int, course_id: int, perm: str) -> Course:
    """The course of the path, in the school of the path (``journal.access``)."""
    school = school_for(request.user, school_id, "school.enter")
    return journal_course_for(request.user, school, course_id, perm)


def _work_type_out(work_type: WorkType) -> WorkTypeOut:
    return WorkTypeOut(
        id=work_type.pk,
        code=work_type.code,
        name=work_type.name,
        weight=work_type.weight,
        category=work_type.category,
    )


def _column_out(column: GradeColumn) -> ColumnOut:
    return ColumnOut(
        id=column.pk,
        lesson_id=column.lesson_id,
        work_type=_work_type_out(column.work_type),
        weight=column.weight,
        title=column.title,
    )


def _homework_out(homework: Homework) -> HomeworkOut:
    return HomeworkOut(
        lesson_id=homework.lesson_id,
        text=homework.text,
        links=homework.links,
        minutes=homework.minutes,
        version=homework.version,
        late=homework.late,
    )


def _roll_call_out(roll_call: RollCall) -> RollCallOut:
    return RollCallOut(
        lesson_id=roll_call.lesson_id, taken_at=roll_call.entered_at, late=roll_call.late
    )


# --- reading ---------------------------------------------------------------------------------


@router.get(
    "/schools/{school_id}/work-types",
    response={200: list[WorkTypeOut], **COMMON_ERRORS},
    summary="The school's work types (КР, СР, У…) with their weights",
    openapi_extra=_perm("timetable.view"),
)
def work_types(request: HttpRequest, school_id: int):
    school = school_for(request.user, school_id, "timetable.view")
    return [_work_type_out(t) for t in ensure_work_types(school) if t.is_active]


@router.get(
    "/schools/{school_id}/courses/{course_id}/journal",
    response={200: JournalOut, **COMMON_ERRORS},
    summary="The journal of a course for a term",
    description=(
        "`term_id` defaults to the term of today for the course's grade level. Lessons in "
        "date order with their mark columns, homework and roll call (whether and when their "
        "attendance was taken; cancelled lessons are left out); "
        "the students on the list at any time in the term (`joined`/`left` for arrivals and "
        "departures); every mark; the attendance cells with a code (`shown` applies the class "
        "teacher's absence register); the weighted average and forecast per student; the "
        "period marks. A fixed number of SQL queries whatever the size."
    ),
    openapi_extra=_perm("journal.view"),
)
def course_journal(
    request: HttpRequest, school_id: int, course_id: int, term_id: int | None = None
):
    course = _course(request, school_id, course_id, "journal.view")
    terms = course_terms(course)
    known = term_id is None or term_id in {t.pk for t in terms}
    if not known and course_term(course.school, course, term_id) is None:
        raise Http404
    term = pick_term(terms, term_id, school_today(course.school))
    if term is None:
        raise ApiError(404, "not_found", _("The course's year has no terms."))
    grid = cached_grid(course, term)
    marks, attendance = [], []
    for row in grid.rows:
        for grid_lesson, cell in zip(grid.lessons, row.cells, strict=True):
            for mark in cell.marks.values():
                marks.append(
                    MarkOut(
                        column_id=mark.column_id,
                        student_id=row.student.pk,
                        value=mark.value,
                        comment=mark.comment,
                        version=mark.version,
                        late=mark.late,
                    )
                )
            entry = cell.teacher_attendance
            if entry is not None or cell.attendance:
                attendance.append(
                    AttendanceOut(
                        lesson_id=grid_lesson.lesson.pk,
                        student_id=row.student.pk,
                        code=entry.code if entry else "",
                        shown=cell.attendance,
                        version=entry.version if entry else 0,
                        late=entry.late if entry else False,
                    )
                )
    return JournalOut(
        course_id=course.pk,
        term_id=term.pk,
        term_start=term.start,
        term_end=term.end,
        scale=grid.scale,
        lessons=[
            JournalLessonOut(
                id=gl.lesson.pk,
                date=gl.lesson.date,
                number=gl.lesson.number,
                topic=gl.lesson.topic,
                teacher=teacher_ref(gl.lesson.teacher),
                substitute_for=teacher_ref(gl.lesson.substitute_for),
                columns=[_column_out(c) for c in gl.columns],
                homework=_homework_out(gl.homework) if gl.homework else None,
                roll_call=_roll_call_out(gl.roll_call) if gl.roll_call else None,
            )
            for gl in grid.lessons
        ],
        students=[
            JournalStudentOut(
                id=row.student.pk,
                last_name=row.student.last_name,
                first_name=row.student.first_name,
                short_name=row.student.short_name,
                joined=row.joined,
                left=row.left,
            )
            for row in grid.rows
        ],
        marks=marks,
        attendance=attendance,
        summaries=[
            StudentSummaryOut(student_id=row.student.pk, average=row.average, forecast=row.forecast)
            for row in grid.rows
        ],
        period_marks=[
            PeriodMarkOut(
                course_id=course.pk,
                student_id=row.student.pk,
                kind=entry.kind,
                term_id=entry.term_id,
                value=entry.value,
                version=entry.version,
                late=entry.late,
            )
            for row in grid.rows
            for entry in row.period_marks.values()
        ],
    )


# --- writing ---------------------------------------------------------------------------------


@router.post(
    "/schools/{school_id}/lessons/{lesson_id}/columns",
    response={201: ColumnOut, **COMMON_ERRORS},
    summary="Add a column of marks to a lesson",
    description="Tagged by its work type; the weight defaults to the work type's.",
    openapi_extra=_perm("journal.keep_lesson"),
)
def add_column(request: HttpRequest, school_id: int, lesson_id: int, data: ColumnIn):
    school = school_for(request.user, school_id, "school.enter")
    lesson = journal_lesson_for(request.user, school, lesson_id, KEEP)
    work_type = active_work_type_for(school, data.work_type_id)
    try:
        column = services.add_column(
            lesson=lesson,
            work_type=work_type,
            weight=data.weight,
            title=data.title,
            actor=Actor.of(request),
        )
    except ValidationError as error:
        raise _refused(error) from error
    return Status(201, _column_out(column))


def _put_mark(request: HttpRequest, column: GradeColumn, student: Student, data: MarkIn):
    try:
        mark = services.set_mark(
            column=column,
            student=student,
            value=data.value,
            version=data.version,
            comment=data.comment,
            reason=data.reason,
            actor=Actor.of(request),
        )
    except services.StaleEntry as stale:
        current = stale.current
        return _stale(current.value if current else None, current.version if current else 0)
    except ValidationError as error:
        raise _refused(error) from error
    return Status(
        200,
        MarkOut(
            column_id=column.pk,
            student_id=student.pk,
            value=mark.value if mark else None,
            comment=mark.comment if mark else "",
            version=mark.version if mark else 0,
            late=mark.late if mark else False,
        ),
    )


@router.put(
    "/schools/{school_id}/columns/{column_id}/marks/{student_id}",
    response={200: MarkOut, **WRITE_ERRORS},
    summary="Enter, change or delete a mark",
    description=(
        "`version` is the version of the cell the change is based on (0 for an empty cell). "
        "An empty `value` deletes the mark. After the grace window (the day of the entry by "
        "default) a change or deletion needs a `reason` (422 `reason_required`). No mark on a "
        "future or cancelled lesson, or for a student not on the lesson's list."
    ),
    openapi_extra=_perm("journal.keep_lesson"),
)
def put_mark(request: HttpRequest, school_id: int, column_id: int, student_id: int, data: MarkIn):
    school = school_for(request.user, school_id, "school.enter")
    column = column_for(request.user, school, column_id)
    student = cell_student(school, student_id)
    return _put_mark(request, column, student, data)


def _attendance_out(lesson: Lesson, student: Student, entry) -> AttendanceOut:
    code = entry.code if entry else ""
    return AttendanceOut(
        lesson_id=lesson.pk,
        student_id=student.pk,
        code=code,
        shown=code,
        version=entry.version if entry else 0,
        late=entry.late if entry else False,
    )


@router.put(
    "/schools/{school_id}/lessons/{lesson_id}/attendance/{student_id}",
    response={200: AttendanceOut, **WRITE_ERRORS},
    summary="Enter or change a student's attendance at a lesson",
    description=(
        "`code` Н, Б, У or ОП; '' marks the student present (removes the entry). `shown` in "
        "the answer is the teacher's code; the journal read applies the absence register."
    ),
    openapi_extra=_perm("journal.keep_lesson"),
)
def put_attendance(
    request: HttpRequest, school_id: int, lesson_id: int, student_id: int, data: AttendanceIn
):
    school = school_for(request.user, school_id, "school.enter")
    lesson = journal_lesson_for(request.user, school, lesson_id, KEEP)
    student = cell_student(school, student_id)
    try:
        entry = services.set_attendance(
            lesson=lesson,
            student=student,
            code=data.code,
            version=data.version,
            actor=Actor.of(request),
        )
    except services.StaleEntry as stale:
        current = stale.current
        return _stale(current.code if current else None, current.version if current else 0)
    except ValidationError as error:
        raise _refused(error) from error
    return Status(200, _attendance_out(lesson, student, entry))


@router.post(
    "/schools/{school_id}/lessons/{lesson_id}/roll-call",
    response={200: RollCallOut, **COMMON_ERRORS},
    summary="Record that a lesson's attendance was taken (everyone present)",
    description=(
        "The students without an attendance entry are present (seed 002, regulation 2.1.1: "
        "the absent are entered on the day). Idempotent: a roll call recorded already — by "
        "this call or by the lesson's first attendance entry — is answered as it is. "
        "Refused on a future (`future_lesson`) or cancelled (`lesson_cancelled`) lesson and "
        "on a locked date (`locked`); `late` after the deadline of the lesson's attendance."
    ),
    openapi_extra=_perm("journal.keep_lesson"),
)
def take_roll_call(request: HttpRequest, school_id: int, lesson_id: int):
    school = school_for(request.user, school_id, "school.enter")
    lesson = journal_lesson_for(request.user, school, lesson_id, KEEP)
    try:
        roll_call = services.take_roll_call(lesson=lesson, actor=Actor.of(request))
    except ValidationError as error:
        raise _refused(error) from error
    return Status(200, _roll_call_out(roll_call))


@router.post(
    "/schools/{school_id}/courses/{course_id}/journal/batch",
    response={200: BatchOut, **COMMON_ERRORS},
    summary="Write many marks and attendance entries of a course at once",
    description=(
        "Each item is saved on its own, with the same rules as the single writes, and "
        "answered in order: `ok`, or the refusal's `code` and `message` (`stale` with "
        "`current`). A refused item never undoes the others. The call needs `journal.view` "
        "on the course; each item `journal.keep_lesson` on its lesson, which must be of the "
        "course (else the item is refused with `permission_denied` or `not_found`)."
    ),
    openapi_extra=_perm("journal.keep_lesson"),
)
def batch(request: HttpRequest, school_id: int, course_id: int, data: BatchIn):
    course = _course(request, school_id, course_id, "journal.view")
    columns, lessons, students = batch_entries(
        course.school,
        course,
        column_ids=[item.column_id for item in data.marks],
        lesson_ids=[item.lesson_id for item in data.attendance],
        student_ids=[i.student_id for i in data.marks] + [i.student_id for i in data.attendance],
    )
    denied = BatchItemOut(
        ok=False, code="permission_denied", message=_("You have no access to this.")
    )
    missing = BatchItemOut(ok=False, code="not_found", message=_("Not found."))

    def one(call, lesson, student, value_of) -> BatchItemOut:
        if lesson is None or student is None:
            return missing
        if not request.user.has_perm("journal.keep_lesson", lesson):
            return denied
        try:
            entry = call()
        except services.StaleEntry as stale:
            current = stale.current
            return BatchItemOut(
                ok=False,
                code="stale",
                message=_("The entry was changed meanwhile; here is what is saved now."),
                current=CurrentOut(
                    value=value_of(current) if current else None,
                    version=current.version if current else 0,
                ),
            )
        except ValidationError as error:
            refused = _refused(error)
            return BatchItemOut(ok=False, code=refused.code, message=refused.message)
        return BatchItemOut(
            ok=True,
            current=CurrentOut(
                value=value_of(entry) if entry else None, version=entry.version if entry else 0
            ),
        )

    mark_results = []
    for item in data.marks:
        column = columns.get(item.column_id)
        student = students.get(item.student_id)
        mark_results.append(
            one(
                lambda column=column, student=student, item=item: services.set_mark(
                    column=column,
                    student=student,
                    value=item.value,
                    version=item.version,
                    comment=item.comment,
                    reason=item.reason,
                    actor=Actor.of(request),
                ),
                column.lesson if column else None,
                student,
                lambda mark: mark.value,
            )
        )
    attendance_results = []
    for item in data.attendance:
        lesson = lessons.get(item.lesson_id)
        student = students.get(item.student_id)
        attendance_results.append(
            one(
                lambda lesson=lesson, student=student, item=item: services.set_attendance(
                    lesson=lesson,
                    student=student,
                    code=item.code,
                    version=item.version,
                    actor=Actor.of(request),
                ),
                lesson,
                student,
                lambda entry: entry.code,
            )
        )
    return BatchOut(marks=mark_results, attendance=attendance_results)


@router.put(
    "/schools/{school_id}/lessons/{lesson_id}/homework",
    response={200: HomeworkOut | None, **WRITE_ERRORS},
    summary="Set a lesson's homework",
    description=(
        "Text, links (http/https, at most 10) and the estimated minutes; may be entered ahead "
        "of the lesson. Empty text and no links remove it (the answer is null)."
    ),
    openapi_extra=_perm("journal.keep_lesson"),
)
def put_homework(request: HttpRequest, school_id: int, lesson_id: int, data: HomeworkIn):
    school = school_for(request.user, school_id, "school.enter")
    lesson = journal_lesson_for(request.user, school, lesson_id, KEEP)
    try:
        homework = services.set_homework(
            lesson=lesson,
            text=data.text,
            links=data.links,
            minutes=data.minutes,
            version=data.version,
            actor=Actor.of(request),
        )
    except services.StaleEntry as stale:
        current = stale.current
        return _stale(current.text if current else None, current.version if current else 0)
    except ValidationError as error:
        raise _refused(error) from error
    return Status(200, _homework_out(homework) if homework else None)


@router.put(
    "/schools/{school_id}/courses/{course_id}/period-marks/{student_id}",
    response={200: PeriodMarkOut, **WRITE_ERRORS},
    summary="Enter, change or delete a term, year, exam or final mark",
    description=(
        "`kind` term (with `term_id`), year, exam or final. Special entries н/а and осв are "
        "allowed here. Due by the last school day of the term (a late one is flagged); a "
        "change on a later day than the entry needs a `reason`."
    ),
    openapi_extra=_perm("journal.keep_period_marks"),
)
def put_period_mark(
    request: HttpRequest, school_id: int, course_id: int, student_id: int, data: PeriodMarkIn
):
    course = _course(request, school_id, course_id, "journal.keep_period_marks")
    student = cell_student(course.school, student_id)
    term = term_for(course.school, data.term_id) if data.term_id is not None else None
    try:
        entry = services.set_period_mark(
            course=course,
            student=student,
            kind=data.kind,
            term=term,
            value=data.value,
            version=data.version,
            reason=data.reason,
            actor=Actor.of(request),
        )
    except services.StaleEntry as stale:
        current = stale.current
        return _stale(current.value if current else None, current.version if current else 0)
    except ValidationError as error:
        raise _refused(error) from error
    return Status(
        200,
        PeriodMarkOut(
            course_id=course.pk,
            student_id=student.pk,
            kind=data.kind,
            term_id=term.pk if term else None,
            value=entry.value if entry else None,
            version=entry.version if entry else 0,
            late=entry.late if entry else False,
        ),
    )
