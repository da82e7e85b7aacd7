"""The results of a period: each student's result in each subject, for the reports (issue 12).

A result is the period mark where the teacher has entered it, and before that the forecast
the journal shows (``journal.averages``: the weighted average of the period's marks turned
into a mark by the school's thresholds; for the year, the mean of the term results). It is
what the report of a term is made of before the term ends (the preliminary report, regulation
2.2.3) and after (the term's report, 2.3.2).

Who is counted: the students on the class's list on the period's reference day
(``periods.reference_day``: its last day once over, today while it runs) — a student who
arrived during the term is counted with the marks of their time on the list, one who left
before its end is not. A student's subjects are the courses they are on the list of that day:
those of their class, and those of their subgroups and groups. Counted are the courses of the
curriculum (regular and home-schooling courses) on a marking scale; electives, clubs and
courses assessed without marks are not.

``period_results`` costs seven SQL queries whatever the school's size (one more for the
school's policy when the school was not loaded with it): the year's terms, the courses with
their scale, their teachers, the classes' lists, the group memberships, the period marks, and
the current marks summed per student, course and term in one query (for the previous term a
report compares with, only of the courses where a period mark is missing: ``with_previous``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import BigIntegerField, Case, Count, DecimalField, F, Q, Sum, Value, When
from django.db.models.functions import Cast, Round

from zhurnal.core.plans import custom_plans
from zhurnal.journal.averages import (
    TWO_PLACES,
    forecast,
    thresholds_from_policy,
    year_forecast,
)
from zhurnal.journal.models import Mark, PeriodKind, PeriodMark
from zhurnal.journal.policy import policy_of, with_scale_rule
from zhurnal.journal.scales import ScaleKind
from zhurnal.school.calendar import terms_of_level
from zhurnal.school.courses import class_id_of_course, of_class, teachers_by_course
from zhurnal.school.models import (
    Course,
    CourseKind,
    Enrollment,
    GroupMembership,
    SchoolClass,
    Staff,
    Student,
    Term,
)
from zhurnal.school.rosters import enrolled_on
from zhurnal.timetable.models import LessonStatus

from .periods import Period, class_term, previous, reference_day
from .statistics import Grade, grade_of

# The courses the results count: the curriculum's (DESIGN §2 course kinds).
COUNTED_KINDS = (CourseKind.REGULAR, CourseKind.HOME)
NAME_FIELDS = ("last_name", "first_name", "middle_name")
DECIMAL = DecimalField(max_digits=12, decimal_places=2)


@dataclass(frozen=True)
class Result:
    """A student's result in a course for the period: ``value`` as shown («5», «зач», «н/а»,
    «осв», or empty), what it counts as, and whether it is a forecast (no period mark yet).
    ``marks``: the current marks of the period (all of them, «•» and «зач» included);
    ``average``: their weighted average (None for the year, or without numeric marks)."""

    value: str
    grade: Grade
    forecast: bool = False
    marks: int = 0
    average: Decimal | None = None


NO_RESULT = Result("", Grade.NONE)


@dataclass
class CourseInfo:
    course: Course
    scale: str
    class_id: int | None  # the class the course is taught to (None: a cross-class group)
    teachers: list[Staff] = field(default_factory=list)

    @property
    def pk(self) -> int:
        return self.course.pk

    @property
    def subject(self) -> str:
        return self.course.subject.name


@dataclass
class ClassResults:
    """A class in the report: the term reported (None for the year), the reference day and the
    students on its list that day, in list order."""

    school_class: SchoolClass
    term: Term | None
    day: date
    students: list[Student] = field(default_factory=list)


@dataclass
class PeriodResults:
    period: Period
    classes: list[ClassResults]
    # Classes of the year not in this period's report, with the terms they follow.
    other_classes: list[tuple[SchoolClass, list[Term]]]
    courses: dict[int, CourseInfo]
    # student id → course id → result, for the courses the student is on the list of.
    results: dict[int, dict[int, Result]]

    def of(self, student_id: int) -> dict[int, Result]:
        return self.results.get(student_id, {})

    def course_results(self, course_id: int) -> list[tuple[int, Result]]:
        """(student id, result) of a course."""
        return [
            (student_id, own[course_id])
            for student_id, own in self.results.items()
            if course_id in own
        ]


def period_results(
    school,
    period: Period,
    classes: list[SchoolClass],
    today: date,
    *,
    terms: list[Term] | None = None,
    courses: dict[int, CourseInfo] | None = None,
    grades_only: bool = False,
) -> PeriodResults:
    """The results of ``classes`` (of the period's year, with ``grade_level`` selected) in
    ``period``. ``terms``: the year's terms, if the caller has them (else one query);
    ``courses``: ``counted_courses`` of these classes, if the caller has them (a report
    compared with the previous term computes them once for both). ``grades_only``: only what
    each result counts as is wanted (the previous term a report compares with): the current
    marks are then summed only for the courses where a period mark is missing (none once a
    term's marks are entered), and a result entered carries no count or average of marks."""
    if terms is None:
        terms = list(Term.objects.filter(year=period.year).order_by("start", "kind", "number"))
    reported: list[ClassResults] = []
    others: list[tuple[SchoolClass, list[Term]]] = []
    terms_of_class: dict[int, list[Term]] = {}
    for school_class in classes:
        own_terms = terms_of_level(terms, school_class.grade_level)
        if period.is_year:
            terms_of_class[school_class.pk] = own_terms
            reported.append(ClassResults(school_class, None, reference_day(period.year, today)))
            continue
        term = class_term(period, school_class, terms)
        if term is None:
            others.append((school_class, own_terms))
            continue
        terms_of_class[school_class.pk] = [term]
        reported.append(ClassResults(school_class, term, reference_day(term, today)))
    if not reported:
        return PeriodResults(period, [], others, {}, {})

    policy = policy_of(school)
    if courses is None:
        courses = counted_courses(school, period.year, classes, policy)
    reported_ids = {c.school_class.pk for c in reported}
    courses = {
        pk: info
        for pk, info in courses.items()
        if info.class_id is None or info.class_id in reported_ids
    }
    _lists(reported, courses)
    class_of_student = {s.pk: c for c in reported for s in c.students}
    on_courses = _group_lists(reported, courses, class_of_student)

    needed_terms = {t.pk: t for ts in terms_of_class.values() for t in ts}
    marks = _period_marks(period, courses, needed_terms)
    if grades_only:
        missing = {
            course_id
            for student_id, class_results in class_of_student.items()
            for course_id in on_courses.get(student_id, ())
            if any(
                (student_id, course_id, None if period.is_year else term.pk) not in marks
                for term in terms_of_class[class_results.school_class.pk]
            )
        }
        current = _current_marks(school, {pk: courses[pk] for pk in missing}, terms_of_class)
    else:
        current = _current_marks(school, courses, terms_of_class)
    thresholds = thresholds_from_policy(policy.forecast_thresholds)

    results: dict[int, dict[int, Result]] = defaultdict(dict)
    for student_id, class_results in class_of_student.items():
        own_terms = terms_of_class[class_results.school_class.pk]
        for course_id in on_courses.get(student_id, ()):
            info = courses[course_id]
            five = thresholds if info.scale == ScaleKind.FIVE else None
            per_term = [
                _term_result(
                    marks.get((student_id, course_id, term.pk)),
                    current.get((student_id, course_id, term.pk)),
                    info.scale,
                    five,
                )
                for term in own_terms
            ]
            if not period.is_year:
                results[student_id][course_id] = per_term[0]
                continue
            count = sum(r.marks for r in per_term)
            entered = marks.get((student_id, course_id, None))
            if entered is None:
                numbers = (Decimal(r.value) if r.value.isdigit() else None for r in per_term)
                predicted = year_forecast(info.scale, numbers, five) or ""
                results[student_id][course_id] = Result(
                    predicted, grade_of(predicted, info.scale), True, count
                )
            else:
                results[student_id][course_id] = Result(
                    entered, grade_of(entered, info.scale), False, count
                )
    return PeriodResults(period, reported, others, courses, dict(results))


@custom_plans()
def with_previous(
    school, period: Period, classes: list[SchoolClass], today: date, terms: list[Term]
) -> tuple[PeriodResults, Period | None, PeriodResults | None]:
    """The results of ``period`` and of the term before it (regulation 2.3.2: a term's results
    are compared with the previous term's), the courses read once for both: (results, the
    previous period or None, its results or None)."""
    courses = counted_courses(school, period.year, classes, policy_of(school))
    now = period_results(school, period, classes, today, terms=terms, courses=courses)
    before = previous(period, terms)
    if before is None:
        return now, None, None
    earlier = period_results(
        school, before, classes, today, terms=terms, courses=courses, grades_only=True
    )
    return now, before, earlier


def _term_result(entered: str | None, current, scale: str, thresholds) -> Result:
    """A term's result: the period mark entered, else the forecast of the term's marks."""
    count, total, weights = current or (0, 0, 0)
    average = (
        (Decimal(total) / Decimal(weights)).quantize(TWO_PLACES, ROUND_HALF_UP) if weights else None
    )
    if entered is not None:
        return Result(entered, grade_of(entered, scale), False, count, average)
    predicted = forecast(scale, average, thresholds) or ""
    return Result(predicted, grade_of(predicted, scale), True, count, average)


def counted_courses(school, year, classes: list[SchoolClass], policy) -> dict[int, CourseInfo]:
    """The counted courses of the classes — their own and their subgroups' — and the year's
    cross-class group courses, with their scale and teachers. Two queries."""
    class_ids = [c.pk for c in classes]
    queryset = (
        with_scale_rule(Course.objects.filter(school=school, year=year, kind__in=COUNTED_KINDS))
        .filter(
            of_class(SchoolClass.objects.filter(pk__in=class_ids))
            | Q(group__isnull=False, group__school_class__isnull=True)
        )
        .select_related("subject", "group")
        .order_by("subject__name", "pk")
    )
    courses = {}
    for course in queryset:
        scale = course.scale_rule or policy.default_scale
        if scale == ScaleKind.NONE:
            continue
        courses[course.pk] = CourseInfo(course, scale, class_id_of_course(course))
    for course_id, teachers in teachers_by_course(courses).items():
        courses[course_id].teachers = teachers
    return courses


def _lists(reported: list[ClassResults], courses) -> None:
    """The students of each class on its reference day, in list order. One query."""
    by_day: dict[date, list[int]] = defaultdict(list)
    for class_results in reported:
        by_day[class_results.day].append(class_results.school_class.pk)
    condition = Q()
    for day, class_ids in by_day.items():
        condition |= Q(school_class_id__in=class_ids) & enrolled_on(day)
    of_class_id = {c.school_class.pk: c for c in reported}
    rows = (
        Enrollment.objects.filter(condition)
        .select_related("student")
        .only("school_class_id", "student_id", *(f"student__{n}" for n in NAME_FIELDS))
        .order_by(*(f"student__{n}" for n in NAME_FIELDS), "student_id")
    )
    for enrollment in rows:
        of_class_id[enrollment.school_class_id].students.append(enrollment.student)


def _group_lists(
    reported: list[ClassResults], courses: dict[int, CourseInfo], class_of_student
) -> dict[int, list[int]]:
    """student id → the counted courses they are on the list of, on their class's reference
    day: the whole-class courses of their class, and the group courses by their memberships
    (one query)."""
    on_courses: dict[int, list[int]] = defaultdict(list)
    whole_class: dict[int, list[int]] = defaultdict(list)
    by_group: dict[int, list[int]] = defaultdict(list)
    for info in courses.values():
        if info.course.group_id:
            by_group[info.course.group_id].append(info.pk)
        elif info.class_id is not None:
            whole_class[info.class_id].append(info.pk)
    for class_results in reported:
        for student in class_results.students:
            on_courses[student.pk].extend(whole_class.get(class_results.school_class.pk, ()))
    if by_group:
        # By the groups, not by a list of hundreds of students (whose ids would be sent and
        # parsed one by one); the reference day of each student's class is checked here.
        for student_id, group_id, start, end in (
            GroupMembership.objects.filter(group_id__in=list(by_group))
            .values_list("student_id", "group_id", "start", "end")
            .order_by()
        ):
            class_results = class_of_student.get(student_id)
            if class_results is None:
                continue
            day = class_results.day
            if start <= day and (end is None or end >= day):
                on_courses[student_id].extend(by_group[group_id])
    return on_courses


def _period_marks(period: Period, courses, terms: dict[int, Term]) -> dict:
    """(student id, course id, term id or None for the year) → the period mark entered. One
    query (by course: the marks of students no longer on a list are read and not looked up)."""
    wanted = Q(kind=PeriodKind.TERM, term_id__in=list(terms))
    if period.is_year:
        wanted |= Q(kind=PeriodKind.YEAR)
    return {
        (student_id, course_id, term_id): value
        for student_id, course_id, term_id, value in PeriodMark.objects.filter(
            wanted, course_id__in=list(courses)
        )
        .values_list("student_id", "course_id", "term_id", "value")
        .order_by()
    }


def _current_marks(school, courses, terms_of_class: dict[int, list[Term]]) -> dict:
    """(student id, course id, term id) → (marks, Σ number·weight·100, Σ weight·100) of the
    lessons of each term, cancelled lessons left out: the journal's weighted average
    (``journal.averages.weighted_average``) in whole numbers, exact on every database. One
    query, summing each term by a condition on the lesson's date; only the marks of each
    course's own terms are read (a class following quarters does not read a half's months),
    by course: those of students no longer on a list are summed and not looked up. Each table
    joined is narrowed to the school's rows (on a region's database the planner would otherwise
    hash every school's mark columns)."""
    if not courses or not terms_of_class:
        return {}
    terms: dict[int, Term] = {}
    courses_of_term: dict[int, list[int]] = defaultdict(list)
    for course_id, info in courses.items():
        # A cross-class group follows the terms of the classes its students come from.
        own = (
            terms_of_class.get(info.class_id, ())
            if info.class_id is not None
            else {t.pk: t for ts in terms_of_class.values() for t in ts}.values()
        )
        for term in own:
            terms[term.pk] = term
            courses_of_term[term.pk].append(course_id)
    if not terms:
        return {}
    whole = BigIntegerField()
    annotations = {}
    read = Q()
    for term in terms.values():
        in_term = Q(column__lesson__date__range=(term.start, term.end))
        read |= in_term & Q(column__lesson__course_id__in=courses_of_term[term.pk])
        numeric = in_term & Q(number__isnull=False)
        annotations[f"n{term.pk}"] = Count("pk", filter=in_term)
        for name, value in (
            ("s", F("number") * F("column__weight") * Value(100)),
            ("w", F("column__weight") * Value(100)),
        ):
            rounded = Round(Case(When(numeric, then=value), default=Value(0), output_field=DECIMAL))
            annotations[f"{name}{term.pk}"] = Cast(Sum(rounded, output_field=DECIMAL), whole)
    rows = (
        Mark.objects.filter(
            read, school=school, column__school=school, column__lesson__school=school
        )
        .exclude(column__lesson__status=LessonStatus.CANCELLED)
        .values_list("student_id", "column__lesson__course_id")
        .annotate(**annotations)
        .order_by()
    )
    current = {}
    keys = [(term_id, 2 + 3 * i) for i, term_id in enumerate(terms)]
    for row in rows:
        student_id, course_id = row[0], row[1]
        for term_id, at in keys:
            count = row[at]
            if count:
                current[(student_id, course_id, term_id)] = (count, row[at + 1], row[at + 2])
    return current
