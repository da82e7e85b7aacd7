"""The reports through the API (issue 12, item 5: "reports as JSON behind the same rules"): the
school's results of a period by class, parallel, subject or teacher against the previous term;
a class's summary sheet (сводная ведомость); a class's attendance over dates — the same read
models as the pages (``reports.results``, ``reports.analysis``, ``journal.attendance_counts``)
and the same rules and entry points (``reports.access``).

Rules: ``reports.view_school`` (the administration) reads the school's results; a class's
summary and attendance need ``reports.view_class`` on the class (the administration, its class
teacher). Parents and students see none of the school's figures (403).

The period is the pages' (``reports.forms.PeriodForm``): a term of the reports' year (the
current one, else the school's last) or ``year``; by default the term running today — the one
just closed in a term's first two weeks. A term of another school is a 404; one of another
year, or anything else, a 422.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router

from zhurnal.accounts.access import school_for
from zhurnal.core.access import in_school
from zhurnal.journal.attendance_counts import REASONS, AttendanceLine, class_attendance
from zhurnal.reports import analysis
from zhurnal.reports.access import report_class_for
from zhurnal.reports.forms import PeriodForm, RangeForm, attendance_range
from zhurnal.reports.periods import Period
from zhurnal.reports.results import PeriodResults, period_results, with_previous
from zhurnal.reports.statistics import Figures, Grade, Standing, Tally
from zhurnal.school.calendar import latest_year, school_today
from zhurnal.school.models import AcademicYear, School, SchoolClass, Student, Term

from .auth import token_auth
from .errors import COMMON_ERRORS, ApiError
from .params import Day
from .reports_schemas import (
    AttendanceLineOut,
    ClassAttendanceOut,
    ClassRefOut,
    ClassSummaryOut,
    FiguresOut,
    OtherClassOut,
    PeriodOut,
    ReportedClassOut,
    ResultRowOut,
    ResultsOut,
    StudentAttendanceOut,
    StudentRefOut,
    SubjectFiguresOut,
    SummaryCellOut,
    SummaryRowOut,
    TermRefOut,
)

router = Router(auth=token_auth, tags=["reports"])

PERIOD_HELP = (
    "`period`: a term's id (of the reports' year: the current one, else the school's last) or "
    "`year`; by default the term running today (the one just closed in a term's first two "
    "weeks). Results are the period marks, and the journal's forecasts where none is entered."
)
RANGE_HELP = (
    "`start` and `end` (inclusive, at most 400 days apart) default to the running term (a "
    "quarter first) up to today, as on the page."
)
# The query parameter of a period: a term's id or «year».
PERIOD_PATTERN = r"^(\d{1,18}|year)$"


def _perm(name: str) -> dict:
    return {"x-permission": name}


def _invalid(message: str) -> ApiError:
    return ApiError(422, "validation_error", message)


# --- the year, the period, the dates (as the pages choose them) -------------------------------


def _year(school: School, today: date) -> tuple[AcademicYear, list[Term]]:
    """The year the reports are of (the current one, else the last), with its terms."""
    year = latest_year(school, today)
    if year is None:
        raise ApiError(404, "not_found", _("The school has no academic year yet."))
    terms = list(Term.objects.filter(year=year).order_by("start", "kind", "number"))
    return year, terms


def _classes(school: School, year: AcademicYear) -> list[SchoolClass]:
    classes = SchoolClass.objects.filter(school=school, year=year).select_related(
        "grade_level", "class_teacher"
    )
    return sorted(classes, key=lambda c: (c.grade_level.number, c.letter))


def _period(
    school: School, year: AcademicYear, terms: list[Term], today: date, key: str | None
) -> Period:
    """The period asked for (the pages' form and default); a term of another school is a 404,
    one of another year a 422."""
    form = PeriodForm({"period": key} if key else None, year=year, terms=terms, today=today)
    if form.is_bound and not form.is_valid():
        if key != "year":
            in_school(school, Term, pk=int(key))
        raise _invalid(" ".join(str(m) for m in form.errors["period"]))
    return form.chosen()


def dates(start: date | None, end: date | None, default: tuple[date, date]) -> tuple[date, date]:
    """The range asked for, the missing end taken from ``default``: the pages' form decides
    (the first day after the last, or more than 400 days: 422)."""
    data = {"start": start or default[0], "end": end or default[1]}
    form = RangeForm(data, default=default)
    if not form.is_valid():
        raise _invalid(" ".join(str(m) for m in form.non_field_errors()))
    return form.chosen()


# --- building the answers --------------------------------------------------------------------


def term_ref(term: Term | None) -> TermRefOut | None:
    if term is None:
        return None
    return TermRefOut(
        id=term.pk,
        kind=term.kind,
        number=term.number,
        title=term.title,
        start=term.start,
        end=term.end,
    )


def _period_out(period: Period | None) -> PeriodOut | None:
    if period is None:
        return None
    return PeriodOut(
        key=period.key,
        title=str(period),
        term=term_ref(period.term),
        start=period.start,
        end=period.end,
    )


GRADES = [g for g in Grade if g != Grade.NONE]


def _by_grade(tally: Tally) -> dict[str, int]:
    return {str(g.value): tally[g] for g in GRADES}


def figures_out(figures: Figures | None) -> FiguresOut | None:
    """A group of students' figures (a class, a parallel, the school)."""
    if figures is None:
        return None
    return FiguresOut(
        unit="students",
        counted=figures.students,
        failing=figures.failing,
        standings={str(s.value): figures.standings[s] for s in Standing},
        by_grade=_by_grade(figures.tally),
        success_rate=figures.success_rate,
        quality=figures.quality,
        sou=figures.sou,
        average=figures.average,
    )


def tally_out(tally: Tally | None) -> FiguresOut | None:
    """The figures of subject results (a subject, a teacher, a course)."""
    if tally is None:
        return None
    return FiguresOut(
        unit="results",
        counted=tally.counted,
        failing=tally.failed,
        standings=None,
        by_grade=_by_grade(tally),
        success_rate=tally.success_rate,
        quality=tally.quality,
        sou=tally.sou,
        average=tally.average,
    )


def student_ref(student: Student) -> StudentRefOut:
    return StudentRefOut(id=student.pk, name=student.full_name, short_name=student.short_name)


def _running(period: Period, results: PeriodResults) -> bool:
    """The period is not over for a class: forecasts stand for the marks not entered (the
    pages' subtitle says so)."""
    return any(c.term is not None and c.day < c.term.end for c in results.classes) or (
        period.is_year and any(c.day < period.year.end for c in results.classes)
    )


def _rows(by: str, now: PeriodResults, earlier: PeriodResults | None):
    """The rows of a level (``reports.analysis``) and, by class or parallel, the labels of
    those without any result (named apart, as on the page)."""
    if by in ("class", "parallel"):
        rows = (analysis.by_class if by == "class" else analysis.by_parallel)(now, earlier)
        unmarked = [row.label for row in rows if not row.figures.students]
        out = [
            ResultRowOut(
                label=row.label,
                class_id=row.school_class.pk if row.school_class else None,
                grade=int(row.label) if by == "parallel" else None,
                teacher_id=None,
                figures=figures_out(row.figures),
                previous=figures_out(row.previous),
            )
            for row in rows
            if row.figures.students
        ]
        return out, unmarked
    rows = (analysis.by_subject if by == "subject" else analysis.by_teacher)(now, earlier)
    out = [
        ResultRowOut(
            label=row.label,
            class_id=None,
            grade=None,
            teacher_id=row.teachers[0].pk if row.teachers else None,
            figures=tally_out(row.tally),
            previous=tally_out(row.previous),
        )
        for row in rows
    ]
    return out, []


# --- the school's results --------------------------------------------------------------------


@router.get(
    "/schools/{school_id}/reports/results",
    response={200: ResultsOut, **COMMON_ERRORS},
    summary="The school's results of a period by class, parallel, subject or teacher",
    description=(
        PERIOD_HELP + " `by`: `class` (default), `parallel`, `subject` or `teacher`. Each row "
        "has its figures and those of the previous term of the same kind; by class and parallel "
        "the success rate and the quality are the students' (without any «2», «н/а», "
        "«незачёт»; only «4» and «5»), the СОУ and the average mark over all their subject "
        "results; by subject and teacher, the results'. `school`: the whole school's students. "
        "A bounded number of SQL queries whatever the school's size."
    ),
    openapi_extra=_perm("reports.view_school"),
)
def results(
    request: HttpRequest,
    school_id: int,
    period: str | None = Query(None, pattern=PERIOD_PATTERN),
    by: Literal["class", "parallel", "subject", "teacher"] = "class",
):
    school = school_for(request.user, school_id, "reports.view_school")
    today = school_today(school)
    year, terms = _year(school, today)
    chosen = _period(school, year, terms, today, period)
    classes = _classes(school, year)
    now, before, earlier = with_previous(school, chosen, classes, today, terms)
    rows, unmarked = _rows(by, now, earlier)
    return ResultsOut(
        period=_period_out(chosen),
        previous=_period_out(before),
        by=by,
        running=_running(chosen, now),
        rows=rows,
        school=figures_out(analysis.school_figures(now)),
        school_previous=figures_out(analysis.school_figures(earlier)),
        classes=[
            ReportedClassOut(
                class_id=c.school_class.pk,
                name=c.school_class.name,
                term=term_ref(c.term),
                day=c.day,
            )
            for c in now.classes
        ],
        unmarked=unmarked,
        other_classes=[
            OtherClassOut(
                school_class=ClassRefOut(id=c.pk, name=c.name),
                terms=[term_ref(t) for t in own],
            )
            for c, own in now.other_classes
        ],
    )


# --- a class ---------------------------------------------------------------------------------


def _class(request: HttpRequest, school_id: int, class_id: int) -> SchoolClass:
    school = school_for(request.user, school_id, "school.enter")
    return report_class_for(request.user, school, class_id)


@router.get(
    "/schools/{school_id}/classes/{class_id}/reports/summary",
    response={200: ClassSummaryOut, **COMMON_ERRORS},
    summary="A class's summary sheet of a period (сводная ведомость)",
    description=(
        PERIOD_HELP + " The class's students × its subjects: each result with whether it is a "
        "forecast, each student's standing, each subject's figures (its average mark among "
        "them) and the class's. A class of another year is a 404; a class whose terms do not "
        "close with the period answers `in_period: false` and the terms it follows."
    ),
    openapi_extra=_perm("reports.view_class"),
)
def class_summary(
    request: HttpRequest,
    school_id: int,
    class_id: int,
    period: str | None = Query(None, pattern=PERIOD_PATTERN),
):
    school_class = _class(request, school_id, class_id)
    school = school_class.school
    today = school_today(school)
    year, terms = _year(school, today)
    if school_class.year_id != year.pk:
        raise Http404
    chosen = _period(school, year, terms, today, period)
    now = period_results(school, chosen, [school_class], today, terms=terms)
    base = {"class_id": school_class.pk, "class_name": school_class.name}
    if not now.classes:
        (_own, followed), *_rest = now.other_classes
        return ClassSummaryOut(
            **base,
            period=_period_out(chosen),
            in_period=False,
            term=None,
            day=None,
            terms=[term_ref(t) for t in followed],
            subjects=[],
            rows=[],
            figures=None,
        )
    own = now.classes[0]
    summary = analysis.class_summary(now, own)
    return ClassSummaryOut(
        **base,
        period=_period_out(chosen),
        in_period=True,
        term=term_ref(own.term),
        day=own.day,
        terms=[],
        subjects=[
            SubjectFiguresOut(name=name, figures=tally_out(tally))
            for name, tally in zip(summary.subjects, summary.tallies, strict=True)
        ],
        rows=[
            SummaryRowOut(
                student=student_ref(row.student),
                cells=[
                    None
                    if cell is None
                    else SummaryCellOut(
                        value=cell.value,
                        grade=str(cell.grade.value),
                        forecast=cell.forecast,
                        marks=cell.marks,
                        average=cell.average,
                    )
                    for cell in row.cells
                ],
                standing=str(row.standing.value),
            )
            for row in summary.rows
        ],
        figures=figures_out(summary.figures),
    )


def _line(line: AttendanceLine) -> dict:
    return {
        "lessons": line.lessons,
        "missed": line.missed_total,
        "missed_by_reason": {str(r): line.missed[r] for r in REASONS},
        "missed_share": line.missed_share,
        "late": line.late,
        "days": line.days_total,
        "days_by_reason": {str(r): line.days[r] for r in REASONS},
    }


@router.get(
    "/schools/{school_id}/classes/{class_id}/reports/attendance",
    response={200: ClassAttendanceOut, **COMMON_ERRORS},
    summary="A class's attendance over a range of dates, per student",
    description=(
        RANGE_HELP + " Per student on the class's list at some time of the range (their days "
        "in the class): lessons had, lessons missed by reason (Н, Б, У; the class teacher's "
        "absence register applied), the share missed, late arrivals (ОП), whole days missed "
        "by reason; and the class's total. Four SQL queries for the report itself."
    ),
    openapi_extra=_perm("reports.view_class"),
)
def class_attendance_report(
    request: HttpRequest,
    school_id: int,
    class_id: int,
    start: Day | None = None,
    end: Day | None = None,
):
    school_class = _class(request, school_id, class_id)
    school = school_class.school
    today = school_today(school)
    year, terms = _year(school, today)
    start, end = dates(start, end, attendance_range(year, terms, today))
    data = class_attendance(school, [school_class], start, end)[0]
    return ClassAttendanceOut(
        class_id=school_class.pk,
        class_name=school_class.name,
        start=start,
        end=end,
        students=[
            StudentAttendanceOut(student=student_ref(row.student), **_line(row.line))
            for row in data.students
        ],
        total=AttendanceLineOut(**_line(data.total)),
    )
