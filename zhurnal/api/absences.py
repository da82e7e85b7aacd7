"""The class teacher's absence register through the API (issue 15; seed 002, regulation 2.2.1):
a class's daily sheet — the teachers' codes at each lesson and the reason of each absence (Б,
У, Н) with the term's counts — and a student's absences with their reasons. The same read
models as the pages (``journal.absence_sheet``) behind the same rules.

Rules: the sheet needs ``journal.view_absences`` on the class (its class teacher, the
administration); a student's absences ``diary.view`` on the student (their guardians, the
student from the school's age, the class teacher, the administration). Another school's class
or another family's child is a 404; staff without the right get 403.
"""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from ninja import Field, Router

from zhurnal.accounts.access import school_for
from zhurnal.diary.access import diary_student_for
from zhurnal.journal.absence_sheet import absence_sheet, student_absences
from zhurnal.journal.attendance_counts import REASONS
from zhurnal.school.access import class_for
from zhurnal.school.calendar import school_today

from .auth import token_auth
from .diary import _term, _term_ref
from .errors import COMMON_ERRORS
from .params import Day
from .reports import student_ref
from .reports_schemas import StudentRefOut
from .schemas import Out, TermRef

router = Router(auth=token_auth, tags=["absences"])
SHEET_PERM = "journal.view_absences"
DIARY_PERM = "diary.view"

REASON_HELP = "Б (ill), У (a valid reason), Н (no valid reason), or '' (none recorded)"


class SheetLessonOut(Out):
    number: int
    lesson_id: int | None = Field(description="None: no lesson of the student's at this number")
    subject: str
    entered: str = Field(description="The teacher's code: Н, Б, У, ОП or '' (present)")
    shown: str = Field(description="What the journal shows, the register applied")


class CountsOut(Out):
    lessons_missed: int
    lessons_missed_by_reason: dict[str, int] = Field(description="Н, Б, У")
    days_missed: int = Field(description="Whole school days missed")
    days_missed_by_reason: dict[str, int] = Field(description="Н, Б, У")
    late: int = Field(description="Late arrivals (ОП)")


class RegisterOut(Out):
    reason: str = Field(description=REASON_HELP)
    whole_day: bool = Field(
        description="Every lesson of the day missed; else the reason is of the lessons entered «Н»"
    )
    source: str = Field(description="'day' (recorded on the sheet), 'range' (a period) or ''")
    range_start: date | None
    range_end: date | None
    document: str
    version: int = Field(description="The day's version on the sheet (0: none of its own)")


class SheetStudentOut(Out):
    student: StudentRefOut
    absent: bool
    reason_needed: bool = Field(description="Absent, and no reason recorded yet")
    lessons_missed: int
    lessons: list[SheetLessonOut]
    day_reason: RegisterOut = Field(description="What the class teacher's register says")
    term: CountsOut | None = Field(description="The term's counts up to the date")


class AbsenceSheetOut(Out):
    class_id: int
    class_name: str
    date: date
    term: TermRef | None
    counted_until: date | None
    students: list[SheetStudentOut]


class StudentAbsenceLessonOut(Out):
    lesson_id: int
    number: int
    subject: str
    entered: str
    shown: str


class StudentAbsenceDayOut(Out):
    date: date
    reason: str = Field(description=REASON_HELP)
    whole_day: bool
    document: str
    lessons_missed: int
    lessons: list[StudentAbsenceLessonOut]


class StudentAbsencesOut(Out):
    student_id: int
    term: TermRef
    until: date
    days: list[StudentAbsenceDayOut]


def _counts(line) -> CountsOut:
    return CountsOut(
        lessons_missed=line.missed_total,
        lessons_missed_by_reason={str(r): line.missed[r] for r in REASONS},
        days_missed=line.days_total,
        days_missed_by_reason={str(r): line.days[r] for r in REASONS},
        late=line.late,
    )


@router.get(
    "/schools/{school_id}/classes/{class_id}/absences/sheet",
    response={200: AbsenceSheetOut, **COMMON_ERRORS},
    summary="A class's daily absence sheet",
    description=(
        "The class on `date` (default today): each student enrolled that day with their "
        "lessons of the day by number (the teacher's code and the code shown, the register "
        "applied), the register's reason of the day (recorded on the sheet, or a period's) and "
        "the term's counts up to the date. Ten SQL queries whatever the class's size."
    ),
    openapi_extra={"x-permission": SHEET_PERM},
)
def class_absence_sheet(
    request: HttpRequest, school_id: int, class_id: int, date: Day | None = None
):
    school = school_for(request.user, school_id, "school.enter")
    school_class = class_for(request.user, school, class_id, SHEET_PERM)
    today = school_today(school)
    data = absence_sheet(school_class, date or today, today)
    day = data.class_day
    students = []
    for row in day.rows:
        register = row.register
        source = "day" if row.day else ("range" if row.range else "")
        students.append(
            SheetStudentOut(
                student=student_ref(row.student),
                absent=row.absent,
                reason_needed=row.needs_reason,
                lessons_missed=row.missed,
                lessons=[
                    SheetLessonOut(
                        number=number,
                        lesson_id=cell.lesson.pk if cell.lesson else None,
                        subject=cell.lesson.course.subject.name if cell.lesson else "",
                        entered=cell.entered,
                        shown=cell.shown,
                    )
                    for number, cell in zip(day.numbers, row.cells, strict=True)
                ],
                day_reason=RegisterOut(
                    reason=register.code if register else "",
                    whole_day=register.whole_day if register else False,
                    source=source,
                    range_start=row.range[0] if row.range else None,
                    range_end=row.range[1] if row.range else None,
                    document=row.document,
                    version=row.version,
                ),
                term=_counts(row.line) if data.counted_until else None,
            )
        )
    return AbsenceSheetOut(
        class_id=school_class.pk,
        class_name=school_class.name,
        date=day.day,
        term=_term_ref(data.term) if data.term else None,
        counted_until=data.counted_until,
        students=students,
    )


@router.get(
    "/schools/{school_id}/students/{student_id}/absences",
    response={200: StudentAbsencesOut, **COMMON_ERRORS},
    summary="A student's absences with their reasons",
    description=(
        "The days of the term (`term_id`, default the current one) up to today on which the "
        "student missed a lesson, came late or has a reason in the class teacher's register: "
        "the day's reason (Б, У, Н), whether for the whole day, the document, and each lesson "
        "of the day with the teacher's code and the code shown."
    ),
    openapi_extra={"x-permission": DIARY_PERM},
)
def student_absence_days(
    request: HttpRequest, school_id: int, student_id: int, term_id: int | None = None
):
    school = school_for(request.user, school_id, "school.enter")
    student = diary_student_for(request.user, school, student_id, DIARY_PERM)
    today = school_today(school)
    term = _term(student, term_id, today)
    until = max(min(term.end, today), term.start)
    days = student_absences(student, term.start, until) if term.start <= today else []
    return StudentAbsencesOut(
        student_id=student.pk,
        term=_term_ref(term),
        until=until,
        days=[
            StudentAbsenceDayOut(
                date=d.day,
                reason=d.register.code if d.register else "",
                whole_day=d.register.whole_day if d.register else False,
                document=d.document,
                lessons_missed=d.missed,
                lessons=[
                    StudentAbsenceLessonOut(
                        lesson_id=lesson.pk,
                        number=lesson.number,
                        subject=lesson.course.subject.name,
                        entered=entered,
                        shown=shown,
                    )
                    for lesson, entered, shown in d.lessons
                ],
            )
            for d in days
        ],
    )
