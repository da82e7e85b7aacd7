"""Read models of the assessment schedule (график оценочных процедур): a bounded number of SQL
queries whatever the number of classes, courses or lessons (DESIGN §5).

An assessment is a lesson not cancelled whose plan item is of kind "test" (or a lesson marked
as a test itself), and, for planning ahead, a test item of the course's plan with a planned
date in the term that no lesson of the course is linked to yet. The app has no tables.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Max, Min, Q, QuerySet, prefetch_related_objects

from zhurnal.accounts.context import context
from zhurnal.planning.models import PlanItem
from zhurnal.school.calendar import terms_of_level
from zhurnal.school.courses import class_id_of_course, of_class
from zhurnal.school.models import AcademicYear, Course, Enrollment, School, SchoolClass, Term
from zhurnal.timetable.models import Lesson, LessonKind, LessonStatus

from .rules import Assessment, Breach, check_all


@dataclass
class Schedule:
    """The assessments of some classes in a term, in date order, with the breaches of the
    federal limits."""

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


def _is_test() -> Q:
    return Q(plan_item__kind=LessonKind.TEST) | Q(kind=LessonKind.TEST)


def _held() -> Q:
    return ~Q(status=LessonStatus.CANCELLED)


def school_schedule(
    school: School | int, term: Term, *, class_ids: set[int] | frozenset[int] | None = None
) -> Schedule:
    """The assessments of every class of the term's year (or of ``class_ids``) in the term.

    Six SQL queries at most, whatever the school's size: classes, courses, the test lessons,
    the planned test items (and their courses' teachers, if any is not yet given a lesson),
    the lessons of each course by day (hours of the term, first and last lesson of each day).
    """
    classes_qs = SchoolClass.objects.filter(school=school, year_id=term.year_id)
    if class_ids is not None:
        classes_qs = classes_qs.filter(pk__in=class_ids)
    classes = list(classes_qs.select_related("grade_level"))
    if not classes:
        return Schedule(term=term, classes=[])
    class_by_id = {c.pk: c for c in classes}
    courses_qs = Course.objects.filter(school=school, year_id=term.year_id).filter(
        of_class(classes_qs)
    )
    courses = {c.pk: c for c in courses_qs.select_related("subject", "group", "plan_choice")}
    if not courses:
        return Schedule(term=term, classes=classes)
    span = (term.start, term.end)

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

    # Every test lesson of the courses in the year: those of the term are the rows, all of them
    # say which planned items already have a lesson.
    tests = list(
        Lesson.objects.filter(course__in=courses_qs)
        .filter(_held() & _is_test())
        .select_related("teacher", "plan_item")
        .order_by("date", "number", "course_id")
    )
    rows = [
        row(
            courses[lesson.course_id],
            date=lesson.date,
            number=lesson.number,
            lesson_id=lesson.pk,
            plan_item_id=lesson.plan_item_id,
            topic=lesson.topic or (lesson.plan_item.topic if lesson.plan_item else ""),
            teacher=lesson.teacher.short_name,
        )
        for lesson in tests
        if term.start <= lesson.date <= term.end
    ]
    linked = {(lesson.course_id, lesson.plan_item_id) for lesson in tests if lesson.plan_item_id}
    rows += _planned_rows(courses, span, row, linked)
    rows.sort(
        key=lambda r: (r.date, r.number or 0, _class_order(class_by_id[r.class_id]), r.subject_name)
    )

    # The lessons of each course by day: the hours of the term and each class's first and last
    # lesson of the day, in one query.
    day_bounds: dict[tuple[int, date], tuple[int, int]] = {}
    course_hours: dict[int, int] = defaultdict(int)
    for item in (
        Lesson.objects.filter(course__in=courses_qs, date__range=span)
        .filter(_held())
        .values("course_id", "date")
        .annotate(first=Min("number"), last=Max("number"), n=Count("id"))
        .order_by()
    ):
        course_hours[item["course_id"]] += item["n"]
        key = (class_id_of_course(courses[item["course_id"]]), item["date"])
        first, last = day_bounds.get(key, (item["first"], item["last"]))
        day_bounds[key] = (min(first, item["first"]), max(last, item["last"]))
    hours: dict[tuple[int, int], int] = defaultdict(int)
    for course_id, n in course_hours.items():
        course = courses[course_id]
        key = (class_id_of_course(course), course.subject_id)
        # Subgroups of a class learn the subject in parallel: the class has the hours of one.
        hours[key] = max(hours[key], n)
    breaches = check_all(rows, hours=dict(hours), day_bounds=day_bounds)
    return Schedule(term=term, classes=classes, rows=rows, breaches=breaches)


def _planned_rows(
    courses: dict[int, Course],
    span: tuple[date, date],
    row,
    linked: set[tuple[int, int]],
) -> list[Assessment]:
    """Test items of the courses' plans planned for a date of the term, not yet given to a
    lesson of that course (``linked``: (course id, plan item id) pairs). One query, none if no
    course follows a plan; one more for the teachers if there is such an item."""
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
            plan_id__in=list(plan_courses), kind=LessonKind.TEST, planned_date__range=span
        ).order_by("planned_date", "position")
        if any((c.pk, item.pk) not in linked for c in plan_courses[item.plan_id])
    ]
    if not items:
        return []
    # The teachers of a planned row (a lesson's teacher is the lesson's), for those courses only.
    prefetch_related_objects(
        [c for plan_id in {i.plan_id for i in items} for c in plan_courses[plan_id]], "teachers"
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
                    teacher=", ".join(t.short_name for t in course.teachers.all()),
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
