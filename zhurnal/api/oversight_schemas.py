"""Schemas of the control's endpoints (issue 12): the control indicators by level and the cases
of one, remarks on journals and their steps, lagging students, a student's support log."""

from datetime import date, datetime
from decimal import Decimal

from ninja import Field, Schema

from zhurnal.oversight.models import RemarkKind, SupportKind

from .params import Day, Id
from .reports_schemas import ClassRefOut, StudentRefOut, TermRefOut
from .schemas import Out
from .timetable_schemas import TeacherRef

# --- the indicators --------------------------------------------------------------------------


class IndicatorOut(Out):
    key: str = Field(description="e.g. no_topic: what /control/indicators/{key}/cases takes")
    label: str
    group: str = Field(description="Lessons, Attendance, Homework, Marks, Programme")
    unit: str = Field(description="lessons, entries, students or days")
    of_classes: bool = Field(description="Counted for classes only (not journals or teachers)")


class FigureOut(Out):
    count: int
    share: Decimal | None = Field(
        description="A students' figure: per cent of the students on the lists; else null"
    )


class ScopeOut(Out):
    class_id: int | None
    teacher_id: int | None = Field(description="Set for a teacher's own courses too")
    course_id: int | None
    grade: int | None


class IndicatorRowOut(Out):
    label: str
    scope: ScopeOut = Field(description="What narrows the row's cases (`class`, `teacher`…)")
    journals: int = Field(description="Courses counted")
    lessons: int = Field(description="Lessons held in the period")
    students: int = Field(description="On the journals' lists on the reference day")
    figures: dict[str, FigureOut] = Field(description="indicator key → its figure")


class ControlOut(Out):
    start: date
    end: date
    day: date = Field(description="The reference day: the last day, or today while it runs")
    by: str
    scope: ScopeOut
    indicators: list[IndicatorOut]
    rows: list[IndicatorRowOut] = Field(description="The most flagged first")
    total: IndicatorRowOut


class CellOut(Out):
    text: str = Field(description="As the page shows it ('—' for nothing)")
    value: int | str | None = Field(description="The value: a number, a text, a date (ISO)")
    url: str = Field(description="A page of the web interface (a path), or empty")


class TableOut(Out):
    title: str
    headers: list[str]
    rows: list[list[CellOut]]
    caption: str


class CasesOut(Out):
    start: date
    end: date
    day: date
    scope: ScopeOut
    indicator: IndicatorOut
    table: TableOut


# --- remarks ---------------------------------------------------------------------------------


class UserRefOut(Out):
    id: int = Field(description="User id")
    name: str


class RemarkCourseOut(Out):
    id: int
    subject: str
    audience: str = Field(description="The class ('6Б') or the group ('Англ. 1')")
    class_id: int | None = Field(description="The course's class (a subgroup's too)")
    group_id: int | None


class RemarkLessonOut(Out):
    id: int
    date: date
    number: int


class RemarkOut(Out):
    id: int
    course: RemarkCourseOut
    lesson: RemarkLessonOut | None
    teacher: TeacherRef
    author: UserRefOut
    kind: str
    kind_label: str
    text: str
    due: date
    status: str = Field(description="open, fixed (to check) or accepted")
    status_label: str
    overdue: bool = Field(description="Open past its due date (school's today)")
    created_at: datetime
    fixed_at: datetime | None
    closed_at: datetime | None


class RemarkPageOut(Out):
    total: int
    offset: int
    limit: int
    items: list[RemarkOut]


class RemarkStepOut(Out):
    action: str = Field(description="written, fixed, reopened, accepted")
    action_label: str
    by: UserRefOut
    at: datetime
    comment: str
    due: date | None = Field(description="The due date set with the step")


class RemarkDetailOut(RemarkOut):
    steps: list[RemarkStepOut]
    can_fix: bool = Field(description="The caller may mark it fixed now")
    can_check: bool = Field(description="The caller may accept or reopen it now")


class RemarkIn(Schema):
    course_id: Id
    teacher_id: Id = Field(description="A teacher of the course (or of the lesson)")
    kind: RemarkKind = RemarkKind.OTHER
    text: str = Field(max_length=2000)
    due: Day | None = Field(None, description="Default: today + the school's days to fix")
    lesson_id: Id | None = Field(None, description="A lesson of the course it is about")


class StepIn(Schema):
    comment: str = Field("", max_length=2000)
    due: Day | None = Field(None, description="Reopen only: the new date to fix it by")


class ReopenIn(Schema):
    comment: str = Field(max_length=2000, description="What is still to be fixed")
    due: Day = Field(description="The new date to fix it by")


# --- lagging students, support ---------------------------------------------------------------


class ReasonOut(Out):
    kind: str = Field(description="failing, low_average, few_marks, absences, owed")
    text: str
    subject: str


class SupportBriefOut(Out):
    day: date
    kind: str
    kind_label: str


class LaggingStudentOut(Out):
    student: StudentRefOut
    school_class: ClassRefOut
    term: TermRefOut
    at_risk: bool = Field(description="In the preliminary report: failing, or too few marks")
    reasons: list[ReasonOut]
    support_count: int = Field(description="Records of the work done with them")
    last_support: SupportBriefOut | None


class LaggingOut(Out):
    at_risk_only: bool
    class_id: int | None
    students: list[LaggingStudentOut]


class SupportCourseOut(Out):
    id: int
    subject: str


class SupportActionOut(Out):
    id: int
    day: date
    kind: str
    kind_label: str
    course: SupportCourseOut | None
    text: str
    author: UserRefOut
    created_at: datetime


class SupportLogOut(Out):
    student: StudentRefOut
    can_record: bool = Field(description="The caller may add to the log")
    log: list[SupportActionOut] = Field(description="The newest first")


class SupportIn(Schema):
    kind: SupportKind
    course_id: Id | None = Field(None, description="One of the student's courses today")
    day: Day | None = Field(None, description="Default: today; never in the future")
    text: str = Field(max_length=2000)
