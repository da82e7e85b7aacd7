"""Lagging students (issue 12, item 4; seeds 003 and 004: "работа с отстающими учащимися") and
the preliminary report two weeks before a term ends (seed 002, regulation 2.2.3).

For the term their class follows today (its forecasts and marks so far, ``reports.results``),
a student's reasons are:

* a subject's forecast (or term mark) is «2», «н/а» or «незачёт» (``FAILING``);
* a subject's weighted average is below the school's threshold (``OversightPolicy``, 3.00);
* a subject has fewer than half the marks the norm expects by now (накопляемость,
  ``journal.accumulation``), when at least two are due (``FEW_MARKS``: a student that short of
  marks risks not being attested; a mark or two behind the norm is the journal's delay, which
  the control's indicators count);
* they missed at least the school's share of their lessons (30 %), the register applied;
* they owe at least the school's number of works («•», 2).

**Lagging** (seeds 003, 004) are the students with a failing forecast, a low average, many
absences or works owed; **at risk** (the preliminary report, regulation 2.2.3) those with a
failing forecast or too few marks — of a «2» or of not being attested. Each student comes with
the work already done with them (``SupportAction``): the count and the latest.

``lagging`` costs a bounded number of queries: the results of each term the classes follow
today (one for most schools, two with halves), the attendance, the work owed, the lessons held
per course, the support records.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count
from django.utils.translation import gettext as _

from zhurnal.core.plans import custom_plans
from zhurnal.journal.accumulation import expected_marks, norms_from_policy
from zhurnal.journal.attendance_counts import class_attendance
from zhurnal.journal.models import Mark
from zhurnal.journal.policy import policy_of as journal_policy_of
from zhurnal.journal.scales import Special
from zhurnal.reports.periods import Period
from zhurnal.reports.results import period_results
from zhurnal.reports.statistics import FAILING_GRADES
from zhurnal.school.calendar import pick_term, terms_of_level
from zhurnal.school.models import AcademicYear, SchoolClass, Student, Term
from zhurnal.timetable.models import Lesson, LessonStatus

from .models import SupportAction
from .services import policy_of

FAILING = "failing"
LOW_AVERAGE = "low_average"
FEW_MARKS = "few_marks"
ABSENCES = "absences"
OWED = "owed"
# The reasons that put a student in the preliminary report (regulation 2.2.3), and in the list
# of lagging students (seeds 003, 004).
AT_RISK = frozenset({FAILING, FEW_MARKS})
LAGGING = frozenset({FAILING, LOW_AVERAGE, ABSENCES, OWED})
# Too few marks counts from this many marks due by now.
FEW_MARKS_FROM = 2


@dataclass
class Reason:
    kind: str
    text: str
    subject: str = ""


@dataclass
class LaggingStudent:
    student: Student
    school_class: SchoolClass
    term: Term
    reasons: list[Reason] = field(default_factory=list)
    support_count: int = 0
    last_support: SupportAction | None = None

    @property
    def kinds(self) -> set[str]:
        return {r.kind for r in self.reasons}

    @property
    def at_risk(self) -> bool:
        return bool(self.kinds & AT_RISK)

    @property
    def lagging(self) -> bool:
        return bool(self.kinds & LAGGING)


def running_terms(classes: list[SchoolClass], terms: list[Term], today: date) -> dict:
    """Each class's term today (of its grade level's kind): the running one, else the next,
    else the last."""
    return {c.pk: pick_term(terms_of_level(terms, c.grade_level), None, today) for c in classes}


@custom_plans()
def lagging(
    school, year: AcademicYear, classes: list[SchoolClass], today: date, *, at_risk_only=False
) -> list[LaggingStudent]:
    """The lagging students of the classes (in class and list order), with their reasons."""
    terms = list(Term.objects.filter(year=year).order_by("start", "kind", "number"))
    own_term = running_terms(classes, terms, today)
    by_term: dict[int, list[SchoolClass]] = defaultdict(list)
    term_of = {}
    for school_class in classes:
        term = own_term[school_class.pk]
        if term is not None:
            by_term[term.pk].append(school_class)
            term_of[term.pk] = term
    thresholds = policy_of(school)
    norms = norms_from_policy(journal_policy_of(school).accumulation_norms)
    found: list[LaggingStudent] = []
    for term_id, term_classes in by_term.items():
        term = term_of[term_id]
        results = period_results(school, Period(year, term), term_classes, today, terms=terms)
        day = min(max(today, term.start), term.end)
        held = dict(
            Lesson.objects.filter(
                course_id__in=list(results.courses), date__range=(term.start, day)
            )
            .exclude(status=LessonStatus.CANCELLED)
            .values_list("course_id")
            .annotate(n=Count("pk"))
            .order_by()
        )
        attendance = {
            row.student.pk: row.line
            for data in class_attendance(school, term_classes, term.start, day)
            for row in data.students
        }
        student_ids = [s.pk for c in results.classes for s in c.students]
        owed = Counter(
            dict(
                Mark.objects.filter(
                    student_id__in=student_ids,
                    value=Special.OWED,
                    column__lesson__date__range=(term.start, day),
                )
                .values_list("student_id")
                .annotate(n=Count("pk"))
                .order_by()
            )
        )
        for class_results in results.classes:
            for student in class_results.students:
                reasons = _subject_reasons(results, student.pk, held, norms, thresholds)
                line = attendance.get(student.pk)
                share = line.missed_share if line else None
                if share is not None and share >= thresholds.lagging_absence_percent:
                    reasons.append(
                        Reason(ABSENCES, _("missed %(share)s %% of lessons") % {"share": share})
                    )
                if owed[student.pk] >= thresholds.lagging_owed:
                    reasons.append(
                        Reason(OWED, _("owes %(n)d works «•»") % {"n": owed[student.pk]})
                    )
                entry = LaggingStudent(student, class_results.school_class, term, reasons)
                if entry.at_risk if at_risk_only else entry.lagging:
                    found.append(entry)
    _with_support(found)
    order = {c.pk: i for i, c in enumerate(classes)}
    return sorted(found, key=lambda e: (order[e.school_class.pk], e.student.last_name))


def _subject_reasons(results, student_id: int, held, norms, thresholds) -> list[Reason]:
    """A student's reasons in their subjects: a failing forecast or mark, a low average, too
    few marks for the lessons held."""
    reasons = []
    own = sorted(results.of(student_id).items(), key=lambda pair: results.courses[pair[0]].subject)
    for course_id, result in own:
        info = results.courses[course_id]
        subject = info.subject
        if result.grade in FAILING_GRADES:
            text = _("%(subject)s: a «%(value)s»") % {"subject": subject, "value": result.value}
            reasons.append(Reason(FAILING, text, subject))
        elif result.average is not None and result.average < thresholds.lagging_average:
            average = str(result.average).replace(".", ",")
            text = _("%(subject)s: average %(average)s") % {"subject": subject, "average": average}
            reasons.append(Reason(LOW_AVERAGE, text, subject))
        expected = expected_marks(info.course.hours_per_week, held.get(course_id, 0), norms)
        if expected >= FEW_MARKS_FROM and result.marks * 2 < expected:
            text = _("%(subject)s: %(marks)d marks of %(expected)d by now") % {
                "subject": subject,
                "marks": result.marks,
                "expected": expected,
            }
            reasons.append(Reason(FEW_MARKS, text, subject))
    return reasons


def _with_support(found: list[LaggingStudent]) -> None:
    """The count and the latest of the work done with each student: one query."""
    if not found:
        return
    by_student = {entry.student.pk: entry for entry in found}
    for action in SupportAction.objects.filter(student_id__in=list(by_student)).order_by(
        "student_id", "-day", "-pk"
    ):
        entry = by_student[action.student_id]
        entry.support_count += 1
        if entry.last_support is None:
            entry.last_support = action
