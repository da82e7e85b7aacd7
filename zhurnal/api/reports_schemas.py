"""Schemas of the reports' endpoints (issue 12): the school's results of a period by level, a
class's summary sheet, a class's attendance over dates. Percentages and averages are decimals
(JSON strings, as every decimal of the API: ``"75.0"``, ``"4.25"``), ``null`` where there is
nothing to count."""

from datetime import date
from decimal import Decimal

from ninja import Field

from .schemas import Out


class TermRefOut(Out):
    id: int
    kind: str = Field(description="quarter, half or trimester")
    number: int
    title: str = Field(description="'2-я четверть' (in the request's language)")
    start: date
    end: date


class PeriodOut(Out):
    key: str = Field(description="What `period=` takes: the term's id, or `year`")
    title: str
    term: TermRefOut | None = Field(description="null for the year")
    start: date
    end: date


class FiguresOut(Out):
    unit: str = Field(
        description=(
            "`students` (a class, a parallel, the school: the success rate and the quality are "
            "the students') or `results` (a subject, a teacher: one result per student and "
            "subject)"
        )
    )
    counted: int = Field(
        description="N: the students with a result, or the results counted (осв and none left out)"
    )
    failing: int = Field(description="Students, or results, with a «2», «н/а» or «незачёт»")
    standings: dict[str, int] | None = Field(
        description=(
            "Students by standing: excellent, good, one_three, satisfactory, passed, failing, "
            "ungraded (no result: not counted); null for `results`"
        )
    )
    by_grade: dict[str, int] = Field(
        description="The subject results by what they count as: 5, 4, 3, 2, н/а, зач, незач, осв"
    )
    success_rate: Decimal | None = Field(description="Успеваемость, %")
    quality: Decimal | None = Field(description="Качество знаний, %")
    sou: Decimal | None = Field(description="СОУ (степень обученности), %")
    average: Decimal | None = Field(description="Средний балл")


class ResultRowOut(Out):
    label: str = Field(description="The class, the grade, the subject or the teacher")
    class_id: int | None = Field(description="by=class")
    grade: int | None = Field(description="by=parallel")
    teacher_id: int | None = Field(description="by=teacher")
    figures: FiguresOut
    previous: FiguresOut | None = Field(description="The same of the previous term, if any")


class ClassRefOut(Out):
    id: int
    name: str


class ReportedClassOut(Out):
    class_id: int
    name: str
    term: TermRefOut | None = Field(
        description="The class's own term reported (a half-year closing with a quarter); null "
        "for the year"
    )
    day: date = Field(description="The day whose lists are counted (today while it runs)")


class OtherClassOut(Out):
    school_class: ClassRefOut
    terms: list[TermRefOut] = Field(description="The terms the class follows")


class ResultsOut(Out):
    period: PeriodOut
    previous: PeriodOut | None = Field(description="The term compared with (null: none)")
    by: str
    running: bool = Field(
        description="The period is not over: where no mark is entered, the forecast is counted"
    )
    rows: list[ResultRowOut]
    school: FiguresOut = Field(description="The school's students in the period")
    school_previous: FiguresOut | None
    classes: list[ReportedClassOut] = Field(description="The classes in the report")
    unmarked: list[str] = Field(
        description="by=class or parallel: those without any result (e.g. the 1st grade)"
    )
    other_classes: list[OtherClassOut] = Field(
        description="Classes of the year whose terms do not close with the period"
    )


class StudentRefOut(Out):
    id: int
    name: str = Field(description="Full name")
    short_name: str


class SummaryCellOut(Out):
    value: str = Field(description="«5», «зач», «н/а», «осв», or '' (no mark to forecast from)")
    grade: str = Field(description="What it counts as (5, 4, 3, 2, н/а, зач, незач, осв, '')")
    forecast: bool = Field(description="The journal's forecast: no period mark entered yet")
    marks: int = Field(description="The current marks of the period")
    average: Decimal | None = Field(description="Their weighted average (a term only)")


class SummaryRowOut(Out):
    student: StudentRefOut
    cells: list[SummaryCellOut | None] = Field(
        description="One per subject, in the order of `subjects`; null: not on its course"
    )
    standing: str


class SubjectFiguresOut(Out):
    name: str
    figures: FiguresOut = Field(description="The subject's results in the class")


class ClassSummaryOut(Out):
    class_id: int
    class_name: str
    period: PeriodOut
    in_period: bool = Field(
        description="false: the class's terms do not close with the period (see `terms`)"
    )
    term: TermRefOut | None = Field(description="The class's term reported; null for the year")
    day: date | None
    terms: list[TermRefOut] = Field(description="Not in the period: the terms the class follows")
    subjects: list[SubjectFiguresOut]
    rows: list[SummaryRowOut]
    figures: FiguresOut | None = Field(description="The class's figures (null: not in period)")


class AttendanceLineOut(Out):
    lessons: int = Field(description="Lessons the student had (the class: summed)")
    missed: int = Field(description="Lessons missed, Н + Б + У")
    missed_by_reason: dict[str, int] = Field(description="Н, Б, У → lessons")
    missed_share: Decimal | None = Field(description="Lessons missed, % of the lessons")
    late: int = Field(description="Late arrivals (ОП)")
    days: int = Field(description="Whole school days missed")
    days_by_reason: dict[str, int] = Field(description="Н, Б, У → days")


class StudentAttendanceOut(AttendanceLineOut):
    student: StudentRefOut


class ClassAttendanceOut(Out):
    class_id: int
    class_name: str
    start: date
    end: date
    students: list[StudentAttendanceOut] = Field(
        description="Students on the list at some time of the range, their days in the class"
    )
    total: AttendanceLineOut
