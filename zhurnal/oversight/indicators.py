"""The control indicators of the journals (issue 12, item 1; seed 002 §4.3, §5.4, regulation
2.1.6, 2.3.1–2.3.2; seed 004, the deputy's monthly check): for any period and any level —
the school, a parallel, a class, a teacher, a course — how the journals were kept, each
figure with the list of cases behind it.

Every figure is counted per course over its lessons of the period held by the reference day
(the period's last day, today while it runs; cancelled lessons left out), then summed up the
levels:

* **lessons without a topic**, **topics entered late**;
* **lessons whose attendance was never taken** (no roll call and no attendance entry) and
  **attendance entered late**;
* **lessons without homework**, **homework entered late**;
* **oral** and **written marks entered late** (by the work type's deadline);
* the students on the course's list on the reference day **without a mark**, **with one
  mark**, and **below the norm of marks** (накопляемость, ``journal.accumulation``: the
  school's norm for the course's weekly hours, prorated by the lessons held while the student
  was on the list); «•» is work owed, not a mark — for the journals that give marks (not
  those on the scale «no marks», nor extracurricular and additional courses);
* **work owed** («•») of the period's lessons;
* **corrections after the grace window**: marks and period marks changed or deleted in the
  period with the reason required then;
* **lessons behind the plan** on the reference day (``planning.queries``);
* **assessment-limit breaches** of the period (``assessments.queries``): a breach counts once
  for its class (and parallel, and the school), and once for each journal — and each teacher
  — it involves (two tests on one day involve two journals);
* **days over the homework limit** of СанПиН 1.2.3685-21 (a class's homework due on a day,
  ``diary.queries.homework_limit``), counted for classes, not courses.

``control`` costs a bounded number of SQL queries whatever the school's size and the number
of terms the period spans (the courses and their teachers, the lessons with their homework,
whether attendance was taken, the late attendance, the marks per student, the lists, the
corrections, the plans' fulfilment, the year's assessments and the classes' days), asserted in
tests/test_oversight_indicators.py. Lists of ids go as one array parameter
(``core.lookups``). The queries over
the journal's big tables name the school on every table they join: those tables hold every
school's rows, and on a region's database the planner would otherwise hash all of them (the
page took 1.5× its one-school time on 20 schools before).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import BooleanField, Count, ExpressionWrapper, Q
from django.utils.translation import gettext_lazy as _

from zhurnal.assessments.queries import breaches_between
from zhurnal.audit.models import AuditAction, AuditEvent
from zhurnal.core.plans import custom_plans
from zhurnal.diary.queries import homework_limit
from zhurnal.journal.accumulation import expected_marks, norms_from_policy
from zhurnal.journal.models import Attendance, Mark, RollCall, WorkCategory, WorkType
from zhurnal.journal.policy import policy_of, with_scale_rule
from zhurnal.journal.scales import ScaleKind, Special
from zhurnal.planning.queries import fulfilment_by_course
from zhurnal.school.courses import class_id_of_course, teachers_by_course
from zhurnal.school.models import (
    AcademicYear,
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
from zhurnal.timetable.models import Lesson, LessonStatus


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str
    group: str
    # What the figure counts: "lessons", "entries", "students", "days" — the per cent of
    # students' figures is over the students on the lists.
    unit: str
    of_classes: bool = False  # counted for classes only (not courses or teachers)


LESSONS, ENTRIES, STUDENTS, DAYS = "lessons", "entries", "students", "days"
INDICATORS = (
    Indicator("no_topic", _("without a topic"), _("Lessons"), LESSONS),
    Indicator("late_topic", _("topic late"), _("Lessons"), LESSONS),
    Indicator("no_roll_call", _("attendance not taken"), _("Attendance"), LESSONS),
    Indicator("late_attendance", _("entered late"), _("Attendance"), ENTRIES),
    Indicator("no_homework", _("without homework"), _("Homework"), LESSONS),
    Indicator("late_homework", _("entered late"), _("Homework"), LESSONS),
    Indicator("overload", _("days over the limit"), _("Homework"), DAYS, of_classes=True),
    Indicator("late_oral", _("oral, late"), _("Marks"), ENTRIES),
    Indicator("late_written", _("written, late"), _("Marks"), ENTRIES),
    Indicator("no_marks", _("students without marks"), _("Marks"), STUDENTS),
    Indicator("one_mark", _("students with one mark"), _("Marks"), STUDENTS),
    Indicator("below_norm", _("below the norm"), _("Marks"), STUDENTS),
    Indicator("owed", _("work owed «•»"), _("Marks"), ENTRIES),
    Indicator("corrections", _("corrections after the grace window"), _("Marks"), ENTRIES),
    Indicator("lag", _("lessons behind the plan"), _("Programme"), LESSONS),
    Indicator("breaches", _("assessment-limit breaches"), _("Programme"), ENTRIES),
)
BY_KEY = {indicator.key: indicator for indicator in INDICATORS}
CORRECTION_ACTIONS = (
    AuditAction.MARK_SET,
    AuditAction.MARK_DELETED,
    AuditAction.PERIOD_MARK_SET,
    AuditAction.PERIOD_MARK_DELETED,
)
# Journals without marks by their kind (DESIGN §2 course kinds).
UNGRADED_KINDS = (CourseKind.EXTRACURRICULAR, CourseKind.ADDITIONAL)
# How far back homework may have been set for a lesson of the period (as the diary looks).
HOMEWORK_LOOK_BACK = timedelta(days=14)


@dataclass(frozen=True)
class Scope:
    """Which journals, over which days: the school's courses of the year, narrowed to a
    parallel, a class, a teacher or a course; the lessons from ``start`` to ``day``."""

    school: object
    year: AcademicYear
    start: date
    end: date
    today: date
    grade: int | None = None
    school_class: SchoolClass | None = None
    teacher: Staff | None = None
    course: Course | None = None

    @property
    def day(self) -> date:
        """The reference day: the period's last day, today while it runs."""
        return min(self.end, self.today)


@dataclass
class LessonRow:
    pk: int
    course_id: int
    date: date
    number: int
    teacher_id: int
    topic: bool
    topic_late: bool
    homework: bool
    homework_late: bool
    roll_call: bool
    homework_minutes: int | None = None  # the time the homework set at it takes


@dataclass
class StudentRow:
    """A student on a course's list on the reference day, with their marks of the period."""

    course_id: int
    student: Student
    since: date
    marks: int
    expected: int


@dataclass
class OverloadDay:
    school_class: SchoolClass
    day: date
    minutes: int
    limit: int
    subjects: list[str]


@dataclass
class CourseControl:
    course: Course
    class_id: int | None
    teachers: list[Staff]
    graded: bool = True  # gives marks: its students' marks are counted
    counts: Counter = field(default_factory=Counter)
    lessons: int = 0  # held in the period
    students: int = 0  # on the list on the reference day


@dataclass
class Control:
    """Everything the indicators are made of, kept for the lists of cases."""

    scope: Scope
    courses: dict[int, CourseControl]
    classes: dict[int, SchoolClass]
    lessons: list[LessonRow]
    students: list[StudentRow]
    late_attendance: dict[int, int]
    overload: list[OverloadDay]
    breaches: list
    lag: dict[int, object]


def _courses(scope: Scope) -> list[Course]:
    courses = with_scale_rule(
        Course.objects.filter(school=scope.school, year=scope.year)
    ).select_related("subject", "school_class__grade_level", "group__school_class__grade_level")
    if scope.course is not None:
        courses = courses.filter(pk=scope.course.pk)
    if scope.teacher is not None:
        courses = courses.filter(teachers=scope.teacher)
    if scope.school_class is not None:
        courses = courses.filter(
            Q(school_class=scope.school_class) | Q(group__school_class=scope.school_class)
        )
    if scope.grade is not None:
        courses = courses.filter(
            Q(school_class__grade_level__number=scope.grade)
            | Q(group__school_class__grade_level__number=scope.grade)
        )
    return list(courses.order_by("subject__name", "pk"))


@custom_plans()
def control(scope: Scope) -> Control:
    """The indicators of the scope's courses over the period (see the module)."""
    courses = _courses(scope)
    default_scale = policy_of(scope.school).default_scale
    teachers = teachers_by_course(c.pk for c in courses)
    by_id = {
        c.pk: CourseControl(
            c,
            class_id_of_course(c),
            teachers.get(c.pk, []),
            graded=(c.scale_rule or default_scale) != ScaleKind.NONE
            and c.kind not in UNGRADED_KINDS,
        )
        for c in courses
    }
    classes = {}
    for c in courses:
        school_class = c.school_class or (c.group.school_class if c.group_id else None)
        if school_class is not None:
            classes[school_class.pk] = school_class
    if not courses:
        return Control(scope, {}, classes, [], [], {}, [], [], {})
    ids = list(by_id)
    # The period's lessons and the fortnight before it, whose homework may be due in it.
    read = _lessons(scope.school, ids, scope.start - HOMEWORK_LOOK_BACK, scope.start, scope.day)
    lessons = [row for row in read if row.date >= scope.start]
    for row in lessons:
        own = by_id[row.course_id]
        own.lessons += 1
        own.counts["no_topic"] += not row.topic
        own.counts["late_topic"] += row.topic_late
        own.counts["no_roll_call"] += not row.roll_call
        own.counts["no_homework"] += not row.homework
        own.counts["late_homework"] += row.homework_late
    late_attendance = _late_attendance(scope.school, ids, scope.start, scope.day)
    _add(by_id, "late_attendance", late_attendance)
    marks = _marks(scope.school, ids, scope.start, scope.day)
    for (course_id, _student_id), row in marks.items():
        counts = by_id[course_id].counts
        counts["owed"] += row["owed"]
        counts["late_oral"] += row["late_oral"]
        counts["late_written"] += row["late_written"]
    students = _students(scope, by_id, lessons, marks)
    for row in students:
        own = by_id[row.course_id]
        own.students += 1
        own.counts["no_marks"] += row.marks == 0
        own.counts["one_mark"] += row.marks == 1
        own.counts["below_norm"] += row.marks < row.expected
    _add(by_id, "corrections", _corrections(scope, ids))
    lag = fulfilment_by_course(courses, scope.day)
    _add(by_id, "lag", {course_id: max(f.lag, 0) for course_id, f in lag.items()})
    breaches = [b for b in _breaches(scope, set(classes)) if any(c in by_id for c in b.course_ids)]
    for breach in breaches:
        _add(by_id, "breaches", {course_id: 1 for course_id in breach.course_ids})
    overload = _overload(scope, courses, classes, read)
    return Control(
        scope, by_id, classes, lessons, students, late_attendance, overload, breaches, lag
    )


def _add(by_id: dict[int, CourseControl], key: str, counts: dict[int, int]) -> None:
    """Add per-course counts to an indicator (courses outside the scope left out)."""
    for course_id, n in counts.items():
        if course_id in by_id:
            by_id[course_id].counts[key] += n


def _late_attendance(school, course_ids: list[int], start: date, day: date) -> dict[int, int]:
    """course id → attendance entries made late on its lessons: one query."""
    return dict(
        Attendance.objects.filter(
            school=school,
            lesson__school=school,
            lesson__course_id__any_of=course_ids,
            lesson__date__range=(start, day),
            late=True,
        )
        .exclude(lesson__status=LessonStatus.CANCELLED)
        .values_list("lesson__course_id")
        .annotate(n=Count("pk"))
        .order_by()
    )


def _corrections(scope: Scope, course_ids: list[int]) -> dict[int, int]:
    """course id → marks and period marks changed or deleted in the period with a reason (the
    reason is required after the grace window): one query."""
    return dict(
        AuditEvent.objects.filter(
            school=scope.school,
            course_id__any_of=course_ids,
            action__in=CORRECTION_ACTIONS,
            at__date__range=(scope.start, scope.end),
        )
        .exclude(reason="")
        .exclude(before__isnull=True)
        .values_list("course_id")
        .annotate(n=Count("pk"))
        .order_by()
    )


def _lessons(school, course_ids: list[int], since: date, start: date, day: date) -> list[LessonRow]:
    """The held lessons of the courses from ``since`` to ``day`` with their homework (whether
    attendance was taken from ``start`` on), in date order: two queries — the lessons with
    their homework, and the roll calls and attendance entries. Not one query with ``EXISTS``
    per lesson: on a region's database PostgreSQL answers those by hashing the whole roll
    call and attendance tables of every school (180 ms for one school's month on 20 schools);
    each is narrowed to the school's rows first (multi-tenant tables: every query names its
    school), so that it costs what the school's data does, not the region's. The homework is
    joined by its lesson (one-to-one, read by its unique index)."""
    of_period = {
        "school": school,
        "lesson__school": school,
        "lesson__course_id__any_of": course_ids,
        "lesson__date__range": (start, day),
    }
    taken = set(
        RollCall.objects.filter(**of_period)
        .values_list("lesson_id", flat=True)
        .union(Attendance.objects.filter(**of_period).values_list("lesson_id", flat=True))
    )
    rows = (
        Lesson.objects.filter(school=school, course_id__any_of=course_ids, date__range=(since, day))
        .exclude(status=LessonStatus.CANCELLED)
        .annotate(
            has_topic=ExpressionWrapper(~Q(topic=""), output_field=BooleanField()),
            has_homework=ExpressionWrapper(
                Q(homework__isnull=False) & ~Q(homework__text=""), output_field=BooleanField()
            ),
        )
        .values_list(
            "pk",
            "course_id",
            "date",
            "number",
            "teacher_id",
            "has_topic",
            "topic_late",
            "has_homework",
            "homework__late",
            "homework__minutes",
        )
        .order_by("date", "number", "pk")
    )
    return [
        LessonRow(
            pk,
            course,
            day_,
            number,
            teacher,
            *topic,
            bool(homework),
            bool(late),
            pk in taken,
            minutes,
        )
        for pk, course, day_, number, teacher, *topic, homework, late, minutes in rows
    ]


def _marks(school, course_ids: list[int], start: date, day: date) -> dict[tuple[int, int], dict]:
    """(course id, student id) → the marks of the period (not «•»), the work owed, the late
    oral and written marks: one query."""
    owed = Q(value=Special.OWED)
    late = Q(late=True)
    # The school's oral work types as a subquery: a join would look the type up per mark.
    oral_types = WorkType.objects.filter(school=school, category=WorkCategory.ORAL).values("pk")
    oral = Q(column__work_type_id__in=oral_types)
    return {
        (row["column__lesson__course_id"], row["student_id"]): row
        for row in Mark.objects.filter(
            school=school,
            column__school=school,
            column__lesson__school=school,
            column__lesson__course_id__any_of=course_ids,
            column__lesson__date__range=(start, day),
        )
        .exclude(column__lesson__status=LessonStatus.CANCELLED)
        .values("column__lesson__course_id", "student_id")
        .annotate(
            marks=Count("pk", filter=~owed),
            owed=Count("pk", filter=owed),
            late_oral=Count("pk", filter=late & oral),
            late_written=Count("pk", filter=late & ~oral),
        )
        .order_by()
    }


def _students(scope: Scope, by_id, lessons: list[LessonRow], marks) -> list[StudentRow]:
    """The students on each course's list on the reference day, with their marks and the norm
    for the lessons held since they are on it: three queries (class lists, group lists, the
    students)."""
    day = scope.day
    class_courses: dict[int, list[int]] = defaultdict(list)
    group_courses: dict[int, list[int]] = defaultdict(list)
    for own in by_id.values():
        if not own.graded:
            continue
        if own.course.group_id:
            group_courses[own.course.group_id].append(own.course.pk)
        elif own.course.school_class_id:
            class_courses[own.course.school_class_id].append(own.course.pk)
    # The lists' rows without the students (student id → (course id, on the list since)),
    # then each student once: a student is on the class's list and on their groups'.
    on_lists: dict[int, list[tuple[int, date]]] = defaultdict(list)
    on_day = enrolled_on(day)
    if class_courses:
        for class_id, student_id, since in (
            Enrollment.objects.filter(on_day, school_class_id__any_of=list(class_courses))
            .values_list("school_class_id", "student_id", "start")
            .order_by()
        ):
            on_lists[student_id] += [(course_id, since) for course_id in class_courses[class_id]]
    if group_courses:
        for group_id, student_id, since in (
            GroupMembership.objects.filter(on_day, group_id__any_of=list(group_courses))
            .values_list("group_id", "student_id", "start")
            .order_by()
        ):
            on_lists[student_id] += [(course_id, since) for course_id in group_courses[group_id]]
    if not on_lists:
        return []
    held: dict[int, list[date]] = defaultdict(list)
    for lesson in lessons:
        held[lesson.course_id].append(lesson.date)
    norms = norms_from_policy(policy_of(scope.school).accumulation_norms)
    # The norm depends on the course's hours and the lessons held since the student is on its
    # list: one value per course and date of joining, for thousands of rows.
    expected_of: dict[tuple[int, date], int] = {}
    result = []
    order = ("last_name", "first_name", "middle_name", "pk")
    for student in (
        Student.objects.filter(school=scope.school, pk__any_of=list(on_lists))
        .only(*order[:3])
        .order_by(*order)
    ):
        for course_id, since in on_lists[student.pk]:
            expected = expected_of.get((course_id, since))
            if expected is None:
                dates = held.get(course_id, [])
                on_list = len(dates) - bisect_left(dates, max(since, scope.start))
                hours = by_id[course_id].course.hours_per_week
                expected = expected_of[(course_id, since)] = expected_marks(hours, on_list, norms)
            counted = marks.get((course_id, student.pk), {}).get("marks", 0)
            result.append(StudentRow(course_id, student, since, counted, expected))
    return result


def _breaches(scope: Scope, class_ids: set[int]) -> list:
    """The assessment-limit breaches dated in the period, of the scope's classes: as the
    schedule of each term of the year overlapping the period (of its first kind) finds them."""
    if not class_ids:
        return []
    terms = list(
        Term.objects.filter(year=scope.year, start__lte=scope.end, end__gte=scope.start).order_by(
            "kind", "start"
        )
    )
    kinds = sorted({t.kind for t in terms}, key=lambda k: (k != "quarter", k))
    return breaches_between(
        scope.school,
        [t for t in terms if t.kind == kinds[0]] if kinds else [],
        scope.start,
        scope.end,
        class_ids=class_ids,
    )


def _overload(
    scope: Scope, courses: list[Course], classes, lessons: list[LessonRow]
) -> list[OverloadDay]:
    """The days of the period on which a class's homework due exceeds the limit of its grade
    (СанПиН 1.2.3685-21, table 6.6). Homework set at a lesson is due at the course's next
    lesson on a later day (as the diary shows it); subgroups of a subject do it in parallel,
    so a class's day counts the largest of them. ``lessons``: the held lessons from
    ``HOMEWORK_LOOK_BACK`` before the period to the reference day, in date order. No SQL."""
    if scope.teacher is not None or scope.course is not None or not classes:
        return []
    by_course: dict[int, list[tuple[date, int | None]]] = defaultdict(list)
    for lesson in lessons:
        by_course[lesson.course_id].append((lesson.date, lesson.homework_minutes))
    course_of = {c.pk: c for c in courses}
    # (class id, day) → subject → the largest minutes due of its courses.
    due: dict[tuple[int, date], dict[str, int]] = defaultdict(dict)
    for course_id, dated in by_course.items():
        course = course_of[course_id]
        class_id = class_id_of_course(course)
        if class_id is None:
            continue
        days = [d for d, _m in dated]
        for day, minutes in dated:
            if not minutes:
                continue
            index = bisect_right(days, day)
            if index >= len(days):
                continue
            due_day = days[index]
            if not scope.start <= due_day <= scope.day:
                continue
            subjects = due[(class_id, due_day)]
            name = course.subject.name
            subjects[name] = max(subjects.get(name, 0), minutes)
    found = []
    for (class_id, day), subjects in sorted(due.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        school_class = classes[class_id]
        limit = homework_limit(school_class.grade_level.number)
        total = sum(subjects.values())
        if limit is not None and total > limit:
            found.append(OverloadDay(school_class, day, total, limit, sorted(subjects)))
    return found
