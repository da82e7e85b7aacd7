"""Read models of the assessment schedule (график оценочных процедур): a bounded number of SQL
queries whatever the number of classes, courses or lessons (DESIGN §5).

An assessment is a lesson not cancelled whose plan item is of kind "test" (or a lesson marked
as a test itself), and, for planning ahead, a test item of the course's plan with a planned
date that no lesson of the course is linked to yet. The app has no tables.

The schedule shows a term; the 10 % limit (``rules.too_many``) is counted over the whole school
year (letters СК-228/03 and 01-169/08-01 of 06.08.2021: at most 10 % of the teaching time
allotted to the subject in the class in the current school year). Decisions:

- **The year's assessments**: the test lessons of the year not cancelled (held or to come) and
  the test items planned for a date of the plan's year with no lesson linked, one per class,
  subject and day.
- **The year's hours of a course**: the curriculum allotment — the course's hours per week (its
  load, set from the curriculum) × the school weeks of its grade (34, 33 in grade 1), computed
  as the plans' hours check computes the hours of the year (``planning.queries.HoursCheck``,
  ``school_weeks``). The curriculum lines themselves, which the plans' hours check prefers, are
  not read here (the bound of six queries). A course without hours per week (0) has the year's
  lessons of the course that are not cancelled instead (the timetable's year, extra lessons
  included).
- **The year's hours of a subject in a class**: subgroups learn it in parallel, so the class has
  the hours of one course — the largest of its courses of the subject.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from zhurnal.accounts.context import context
from zhurnal.planning.models import PlanItem
from zhurnal.planning.queries import HoursCheck, HoursSource, school_weeks
from zhurnal.school.calendar import terms_of_level
from zhurnal.school.courses import class_id_of_course, of_class, teachers_by_course
from zhurnal.school.models import (
    AcademicYear,
    Course,
    Enrollment,
    School,
    SchoolClass,
    Staff,
    Term,
)
from zhurnal.timetable.models import Lesson, LessonKind, LessonStatus

from .rules import Assessment, Breach, check_all


@dataclass
class Schedule:
    """The assessments of some classes in a term, in date order, with the breaches of the
    federal limits (the 10 % one counted over the school year)."""

    term: Term
    classes: list[SchoolClass]
    rows: list[Assessment] = field(default_factory=list)
    breaches: list[Breach] = field(default_factory=list)

    def rows_of(self, school_class: SchoolClass) -> list[Assessment]:
        return [row for row in self.rows if row.class_id == school_class.pk]

    def breaches_of(self, school_class: SchoolClass) -> list[Breach]:
        return [b for b in self.breaches if b.class_id == school_class.pk]

    @property
    def by_class(self) -> list[tuple[SchoolClass, list[Assessment], list[Breach]]]:
        return [(c, self.rows_of(c), self.breaches_of(c)) for c in self.classes]


def _class_order(school_class: SchoolClass) -> tuple:
    return (school_class.grade_level.number, school_class.letter)


def _is_test(school) -> Q:
    """A test lesson: marked so, or following a test item of its plan (the school's test items
    as a subquery: a join would read the plan item of every lesson of the year)."""
    test_items = PlanItem.objects.filter(school=school, kind=LessonKind.TEST).values("pk")
    return Q(kind=LessonKind.TEST) | Q(plan_item_id__in=test_items)


def _held() -> Q:
    return ~Q(status=LessonStatus.CANCELLED)


def _year_lessons() -> Case:
    """The course's lessons not cancelled (all of its year), counted only for a course without
    hours per week: the fallback of its hours of the year."""
    held = (
        Lesson.objects.filter(course=OuterRef("pk"), school=OuterRef("school"))
        .filter(_held())
        .order_by()
        .values("course")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Case(
        When(hours_per_week__gt=0, then=Value(None)),
        default=Coalesce(Subquery(held), 0),
        output_field=IntegerField(),
    )


def _year_hours(course: Course, grade: int | None) -> int:
    """A course's teaching hours of the year (see the module's decisions): hours per week × the
    school weeks of the grade, as the plans' hours check counts them; without hours per week,
    the course's lessons of the year not cancelled (``year_lessons``, from ``_year_lessons``)."""
    if course.hours_per_week:
        check = HoursCheck(
            planned=0,
            per_week=course.hours_per_week,
            weeks=school_weeks(grade),
            source=HoursSource.COURSE,
        )
        return check.expected or 0
    return course.year_lessons or 0


@dataclass
class _Year:
    """What the limits are checked against, read once for a year: the classes, their courses,
    every assessment of the year (test lessons and planned test items) and the subjects' hours
    of the year in each class."""

    classes: list[SchoolClass]
    courses: dict[int, Course]
    courses_qs: QuerySet[Course]
    rows: list[Assessment]
    hours: dict[tuple[int, int], int]

    def rows_between(self, start: date, end: date) -> list[Assessment]:
        return [r for r in self.rows if start <= r.date <= end]


def _year(school: School | int, year_id: int, class_ids) -> _Year:
    """The year's assessments of the classes (every class of the year when ``class_ids`` is
    None): five queries at most — classes, courses (with the year's lessons of those without
    hours per week), the test lessons of the year, the test items planned in the year (and
    their courses' teachers, if any is not yet given a lesson). Rows in date order."""
    classes_qs = SchoolClass.objects.filter(school=school, year_id=year_id)
    if class_ids is not None:
        classes_qs = classes_qs.filter(pk__in=class_ids)
    classes = list(classes_qs.select_related("grade_level"))
    courses_qs = Course.objects.filter(school=school, year_id=year_id).filter(of_class(classes_qs))
    if not classes:
        return _Year(classes, {}, courses_qs, [], {})
    class_by_id = {c.pk: c for c in classes}
    courses = {
        c.pk: c
        for c in courses_qs.select_related("subject", "group", "plan_choice").annotate(
            year_lessons=_year_lessons()
        )
    }
    if not courses:
        return _Year(classes, {}, courses_qs, [], {})

    def row(course: Course, **kwargs) -> Assessment:
        class_id = class_id_of_course(course)
        return Assessment(
            class_id=class_id,
            class_name=class_by_id[class_id].name,
            subject_id=course.subject_id,
            subject_name=course.subject.name,
            course_id=course.pk,
            **kwargs,
        )

    # Every test lesson of the courses in the year: all of them count for the 10 % limit and
    # say which planned items already have a lesson.
    # Named rows, not model instances (a school's year holds hundreds of tests); each
    # teacher's short name made once.
    tests = (
        Lesson.objects.filter(school=school, course__in=courses_qs)
        .filter(_held() & _is_test(school))
        .values_list(
            "pk",
            "course_id",
            "date",
            "number",
            "plan_item_id",
            "topic",
            "plan_item__topic",
            "teacher_id",
            "teacher__last_name",
            "teacher__first_name",
            "teacher__middle_name",
        )
        .order_by("date", "number", "course_id")
    )
    teacher_names: dict[int, str] = {}
    rows = []
    linked: set[tuple[int, int]] = set()
    for pk, course_id, day, number, item_id, topic, item_topic, teacher_id, *name in tests:
        if teacher_id not in teacher_names:
            last, first, middle = name
            teacher_names[teacher_id] = Staff(
                last_name=last, first_name=first, middle_name=middle
            ).short_name
        rows.append(
            row(
                courses[course_id],
                date=day,
                number=number,
                lesson_id=pk,
                plan_item_id=item_id,
                topic=topic or item_topic or "",
                teacher=teacher_names[teacher_id],
            )
        )
        if item_id:
            linked.add((course_id, item_id))
    rows += _planned_rows(courses, row, linked)
    rows.sort(
        key=lambda r: (r.date, r.number or 0, _class_order(class_by_id[r.class_id]), r.subject_name)
    )
    # The subject's hours of the year in each class.
    hours: dict[tuple[int, int], int] = defaultdict(int)
    for course in courses.values():
        class_id = class_id_of_course(course)
        key = (class_id, course.subject_id)
        year_hours = _year_hours(course, class_by_id[class_id].grade_level.number)
        # Subgroups of a class learn the subject in parallel: the class has the hours of one.
        hours[key] = max(hours[key], year_hours)
    return _Year(classes, courses, courses_qs, rows, dict(hours))


def _day_bounds(
    school: School | int, year: _Year, start: date, end: date
) -> dict[tuple[int, date], tuple[int, int]]:
    """Each class's first and last lesson number of each day from ``start`` to ``end``: one
    query."""
    # The class of a course: its own, or its group's (grouped by class and day in SQL: a
    # class's day, not each course's).
    return {
        (class_id, day): (first, last)
        for class_id, day, first, last in Lesson.objects.filter(
            school=school, course__in=year.courses_qs, date__range=(start, end)
        )
        .filter(_held())
        .annotate(of_class=Coalesce("course__school_class_id", "course__group__school_class_id"))
        .values("of_class", "date")
        .annotate(first=Min("number"), last=Max("number"))
        .values_list("of_class", "date", "first", "last")
        .order_by()
    }


def school_schedule(
    school: School | int, term: Term, *, class_ids: set[int] | frozenset[int] | None = None
) -> Schedule:
    """The assessments of every class of the term's year (or of ``class_ids``) in the term,
    with the breaches of the federal limits — the 10 % one counted over the whole year.

    Six SQL queries at most, whatever the school's size: the year's assessments (``_year``,
    five) and the term's lessons of each course by day (first and last lesson of each day).
    """
    year = _year(school, term.year_id, class_ids)
    if not year.courses:
        return Schedule(term=term, classes=year.classes)
    rows = year.rows_between(term.start, term.end)
    day_bounds = _day_bounds(school, year, term.start, term.end)
    breaches = check_all(rows, year=year.rows, hours=year.hours, day_bounds=day_bounds)
    return Schedule(term=term, classes=year.classes, rows=rows, breaches=breaches)


def breaches_between(
    school: School | int,
    terms: list[Term],
    start: date,
    end: date,
    *,
    class_ids: set[int] | frozenset[int] | None = None,
) -> list[Breach]:
    """The breaches dated from ``start`` to ``end`` in the schedules of ``terms`` (terms of one
    year, each checked as its schedule checks it; a breach found in two of them counted once),
    for the control indicators. The year is read once and the lessons' day bounds only for the
    period: six queries at most, not six per term."""
    if not terms:
        return []
    year = _year(school, terms[0].year_id, class_ids)
    if not year.courses:
        return []
    day_bounds = _day_bounds(school, year, start, end)
    found, seen = [], set()
    for term in terms:
        rows = year.rows_between(term.start, term.end)
        for breach in check_all(rows, year=year.rows, hours=year.hours, day_bounds=day_bounds):
            key = (breach.code, breach.class_id, breach.subject_id, breach.date)
            if start <= breach.date <= end and key not in seen:
                seen.add(key)
                found.append(breach)
    return sorted(found, key=lambda b: (b.date, b.class_id, b.code))


def _planned_rows(
    courses: dict[int, Course],
    row,
    linked: set[tuple[int, int]],
) -> list[Assessment]:
    """Test items of the courses' plans planned for a date of the plan's year, not yet given
    to a lesson of that course (``linked``: (course id, plan item id) pairs). One query, none if
    no course follows a plan; one more for the teachers if there is such an item."""
    plan_courses: dict[int, list[Course]] = defaultdict(list)
    for course in courses.values():
        choice = getattr(course, "plan_choice", None)
        if choice is not None:
            plan_courses[choice.plan_id].append(course)
    if not plan_courses:
        return []
    items = [
        item
        for item in PlanItem.objects.filter(
            plan_id__in=list(plan_courses),
            kind=LessonKind.TEST,
            planned_date__gte=F("plan__year__start"),
            planned_date__lte=F("plan__year__end"),
        ).order_by("planned_date", "position")
        if any((c.pk, item.pk) not in linked for c in plan_courses[item.plan_id])
    ]
    if not items:
        return []
    # The teachers of a planned row (a lesson's teacher is the lesson's), for those courses only.
    teachers = teachers_by_course(
        c.pk for plan_id in {i.plan_id for i in items} for c in plan_courses[plan_id]
    )
    result = []
    for item in items:
        for course in plan_courses[item.plan_id]:
            if (course.pk, item.pk) in linked:
                continue
            result.append(
                row(
                    course,
                    date=item.planned_date,
                    plan_item_id=item.pk,
                    topic=item.topic,
                    teacher=", ".join(t.short_name for t in teachers.get(course.pk, [])),
                )
            )
    return result


def class_schedule(school_class: SchoolClass, term: Term) -> Schedule:
    """One class's assessments in a term (its whole-class and subgroup courses)."""
    return school_schedule(school_class.school_id, term, class_ids={school_class.pk})


def schedule(school: School, term: Term, school_class: SchoolClass | None = None) -> Schedule:
    """The schedule of one class, or of the whole school when ``school_class`` is None."""
    if school_class is None:
        return school_schedule(school, term)
    return school_schedule(school, term, class_ids={school_class.pk})


def breaches_for_course(course: Course, term: Term | None) -> list[Breach]:
    """The breaches a course's assessments take part in during a term (its class's schedule:
    a test of another subject the same day counts), for the lesson and plan pages."""
    if term is None:
        return []
    class_id = class_id_of_course(course)
    if class_id is None:
        return []
    result = school_schedule(course.school_id, term, class_ids={class_id})
    return [b for b in result.breaches if course.pk in b.course_ids]


# --- terms and the classes a user may see ---------------------------------------------------


def year_terms(year: AcademicYear | None, school_class: SchoolClass | None = None) -> list[Term]:
    """The terms of the year (of the class's grade level kind, for a class), quarters first."""
    if year is None:
        return []
    terms = list(Term.objects.filter(year=year).order_by("start", "kind"))
    if school_class is not None:
        return terms_of_level(terms, school_class.grade_level)
    return sorted(terms, key=lambda t: (t.kind != "quarter", t.start))


def family_class_ids(user, school: School, year: AcademicYear | None) -> frozenset[int] | None:
    """The classes a user may see in the schedule: None (every class) for staff, else the
    classes of the year their children — or they themselves — are enrolled in."""
    ctx = context(user, school.pk)
    if ctx is None:
        return frozenset()
    if ctx.is_staff_member:
        return None
    students = ctx.child_ids | ctx.own_student_ids
    if not students or year is None:
        return frozenset()
    return frozenset(
        Enrollment.objects.filter(
            school=school, student_id__in=students, school_class__year=year
        ).values_list("school_class_id", flat=True)
    )


def classes_of(school: School, year: AcademicYear | None, ids=None) -> QuerySet[SchoolClass]:
    if year is None:
        return SchoolClass.objects.none()
    qs = SchoolClass.objects.filter(school=school, year=year).select_related("grade_level")
    return qs if ids is None else qs.filter(pk__in=ids)
