"""Schemas of the journal endpoints (issue 4): a course's journal for a term, and the writes
of marks, attendance, homework and period marks."""

from datetime import date, datetime
from decimal import Decimal

from ninja import Field, Schema

from .params import Id, Version
from .schemas import Out
from .timetable_schemas import TeacherRef


class WorkTypeOut(Out):
    id: int
    code: str = Field(description="'КР'")
    name: str
    weight: Decimal
    category: str = Field(description="`oral` or `written` (which deadline its marks follow)")


class ColumnOut(Out):
    id: int
    lesson_id: int
    work_type: WorkTypeOut
    weight: Decimal
    title: str


class HomeworkOut(Out):
    lesson_id: int
    text: str
    links: list[str]
    minutes: int | None
    version: int
    late: bool


class RollCallOut(Out):
    lesson_id: int
    taken_at: datetime = Field(description="When the server recorded the lesson's roll call")
    late: bool = Field(description="Taken after the deadline of the lesson's attendance")


class JournalLessonOut(Out):
    id: int
    date: date
    number: int
    topic: str
    teacher: TeacherRef | None = Field(description="Who actually teaches the lesson")
    substitute_for: TeacherRef | None = Field(description="Set for a substitution")
    columns: list[ColumnOut]
    homework: HomeworkOut | None
    roll_call: RollCallOut | None = Field(
        description=(
            "Whether and when the lesson's attendance was taken (null: never; a student "
            "without an attendance entry is present only once it was taken)"
        )
    )


class JournalStudentOut(Out):
    id: int
    last_name: str
    first_name: str
    short_name: str
    joined: date | None = Field(description="Joined the list during the term")
    left: date | None = Field(description="Left the list during the term")


class MarkOut(Out):
    column_id: int
    student_id: int
    value: str | None = Field(description="null when the mark was deleted")
    comment: str = ""
    version: int = Field(description="Send it back with the next change (0: empty cell)")
    late: bool = False


class AttendanceOut(Out):
    lesson_id: int
    student_id: int
    code: str = Field(description="What the teacher entered: Н, Б, У, ОП or '' (present)")
    shown: str = Field(description="What the journal shows, the absence register applied")
    version: int
    late: bool = False


class PeriodMarkOut(Out):
    course_id: int
    student_id: int
    kind: str = Field(description="term, year, exam or final")
    term_id: int | None
    value: str | None
    version: int
    late: bool = False


class StudentSummaryOut(Out):
    student_id: int
    average: Decimal | None = Field(description="Weighted average Σw·v/Σw of the term")
    forecast: str | None = Field(description="The term mark the average points to")


class JournalOut(Out):
    course_id: int
    term_id: int
    term_start: date
    term_end: date
    scale: str = Field(description="five, pass_fail, ten, hundred or none")
    lessons: list[JournalLessonOut]
    students: list[JournalStudentOut]
    marks: list[MarkOut]
    attendance: list[AttendanceOut] = Field(description="Only cells with a code")
    summaries: list[StudentSummaryOut]
    period_marks: list[PeriodMarkOut]


class ColumnIn(Schema):
    work_type_id: Id
    weight: Decimal | None = Field(None, ge=0, le=10, description="Default: the work type's")
    title: str = Field("", max_length=100)


class MarkIn(Schema):
    value: str = Field(max_length=20, description="On the course's scale; '' deletes the mark")
    version: Version = Field(description="The version the change is based on (0: empty)")
    comment: str = Field("", max_length=300)
    reason: str = Field("", max_length=500, description="Needed after the grace window")


class AttendanceIn(Schema):
    code: str = Field(max_length=2, description="Н, Б, У, ОП, or '' for present")
    version: Version


class HomeworkIn(Schema):
    text: str = Field("", max_length=4000)
    links: list[str] = Field(default_factory=list, max_length=10)
    minutes: int | None = Field(None, ge=1, le=240)
    version: Version


class PeriodMarkIn(Schema):
    kind: str = Field(description="term, year, exam or final")
    term_id: Id | None = Field(None, description="Only for a term mark")
    value: str = Field(max_length=20, description="'' deletes it")
    version: Version
    reason: str = Field("", max_length=500)


class BatchMarkIn(MarkIn):
    column_id: Id
    student_id: Id


class BatchAttendanceIn(AttendanceIn):
    lesson_id: Id
    student_id: Id


class BatchIn(Schema):
    marks: list[BatchMarkIn] = Field(default_factory=list, max_length=500)
    attendance: list[BatchAttendanceIn] = Field(default_factory=list, max_length=500)


class CurrentOut(Out):
    value: str | None
    version: int


class StaleOut(Out):
    code: str = Field(description="'stale'")
    message: str
    current: CurrentOut = Field(description="What is saved now (value null: empty)")


class BatchItemOut(Out):
    ok: bool
    code: str | None = Field(None, description="Why the item was refused (as in single writes)")
    message: str | None = None
    current: CurrentOut | None = Field(None, description="The saved value after this item")


class BatchOut(Out):
    marks: list[BatchItemOut]
    attendance: list[BatchItemOut]
