"""Schemas of the year end's endpoints (issue 13): the state of a year, the checklist of the
school and of a class with each gap's page, the preview of a class's promotion."""

from datetime import date, datetime
from typing import Literal

from ninja import Field, Schema

from .oversight_schemas import UserRefOut
from .params import Day, Id
from .reports_schemas import ClassRefOut, StudentRefOut, TermRefOut
from .schemas import Out


class YearStateOut(Out):
    id: int
    title: str
    start: date
    end: date
    closed: bool = Field(description="Closed: its journal, timetable and plans are read-only")
    closed_at: datetime | None
    closed_by: UserRefOut | None = Field(description="Who closed it (from the audit trail)")


class GapKindOut(Out):
    key: str = Field(
        description="year_marks, term_marks, topics, attendance, plan (КТП hours behind), remarks"
    )
    label: str


class GapCourseOut(Out):
    id: int
    subject: str
    audience: str = Field(description="The class, or the group («5А: Англ. 1», an elective)")


class GapOut(Out):
    kind: str
    label: str
    course: GapCourseOut
    count: int = Field(description="Students, lessons, hours of the plan or remarks")
    students: list[str] = Field(description="The students concerned (the marks' gaps)")
    term: TermRefOut | None = Field(description="The term of missing term marks")
    url: str = Field(description="The page where the gap is fixed")
    action: str = Field(description="What is done there")


class ChecklistRowOut(Out):
    school_class: ClassRefOut | None = Field(description="null for the cross-class groups")
    complete: bool
    counts: dict[str, int] = Field(description="Per kind of gap, the sum of its counts")
    gaps: list[GapOut] = Field(
        description="The cross-class groups' gaps (they have no class page); [] for a class"
    )


class SchoolChecklistOut(Out):
    year: YearStateOut
    day: date = Field(description="The reference day: today, or the year's last day once over")
    complete: bool
    kinds: list[GapKindOut]
    counts: dict[str, int]
    classes: list[ChecklistRowOut]


class ClassChecklistOut(Out):
    school_class: ClassRefOut
    year: YearStateOut
    day: date
    complete: bool
    counts: dict[str, int]
    gaps: list[GapOut]


class NextYearRefOut(Out):
    id: int
    title: str
    start: date
    end: date


class StepOut(Out):
    student: StudentRefOut
    decision: str = Field(description="promote, conditional, keep or graduate")
    decision_label: str
    target: str = Field(description="The class in the next year; '' for a graduate")
    note: str = Field(description="The note kept with the order's movement")


class DoneOut(Out):
    name: str
    place: str = Field(description="Where an earlier run put them")


class CarriedGroupOut(Out):
    name: str = Field(description="The group now")
    next_name: str = Field(description="Its name in the next year")
    students: int


class PromotionOut(Out):
    school_class: ClassRefOut
    year: YearStateOut
    new_year: NextYearRefOut | None = Field(description="null until the next year is created")
    next_title: str = Field(description="The next year's title («2027/2028»)")
    grade: int
    target: str = Field(description="The class the promoted go to («6А»)")
    steps: list[StepOut]
    done: list[DoneOut] = Field(description="Moved by an earlier run, left as they are")
    errors: list[str] = Field(description="What refuses the whole class; [] when it may go")
    outcome: dict[str, int] = Field(description="Students per decision")
    groups: list[CarriedGroupOut] = Field(
        description="The subgroups and cross-class groups the students take along"
    )


class CloseIn(Schema):
    accept_gaps: bool = Field(
        False, description="Close with the checklist's gaps left (they are audited)"
    )


class DecisionIn(Schema):
    student_id: Id
    decision: Literal["promote", "conditional", "keep", "graduate"]
    debt: str = Field("", max_length=200, description="The academic debt of a conditional one")


class PromoteIn(Schema):
    order_number: str = Field(min_length=1, max_length=40)
    order_date: Day
    decisions: list[DecisionIn] = Field(
        default_factory=list, description="Where not the default decision; others by default"
    )
