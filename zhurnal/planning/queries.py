"""Read models of thematic plans (КТП): the hours check, the order in which lessons follow a
plan, and programme fulfilment (issue 3). Each function costs a fixed number of SQL queries,
whatever the number of plans, items, courses or lessons (DESIGN §5, §7.2).

Decisions (documented in docs/user-guide/thematic-plans.md):

- **Hours check.** A plan's total hours are compared with the hours of the year: hours per week
  × the school weeks of the year. Hours per week come from the curriculum (``CurriculumLine``:
  the line of the class for a course's own copy, else the line of the grade level); without a
  curriculum line, from the course (``Course.hours_per_week`` of the owner course, or of the
  courses following a base plan when they agree). The school weeks are the federal norm: 34,
  33 in grade 1 (ФГОС НОО/ООО/СОО: «не менее 34 учебных недель, в 1 классе — 33»). A mismatch
  is shown, never refused.
- **Lessons follow the plan in order.** An item of h hours covers h lessons. The item suggested
  for a lesson continues from the last lesson before it that is linked to an item: that item
  again if it still has hours left, else the next item in order that is not yet fully covered
  (items skipped on purpose stay skipped, and show as not covered in fulfilment).
- **Fulfilment to date.** Planned hours to date are the lessons the timetable scheduled up to
  the day (cancelled ones included: a cancellation is a loss to the programme), capped at the
  plan's total; held are the lessons not cancelled up to the day (extra lessons included);
  the lag is planned − held (negative: ahead). An item is *due* when the planned hours reach it
  in order, or when its planned date has come; a due item that held lessons do not fully cover
  is listed as not covered.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Prefetch, Q, QuerySet, Sum

from zhurnal.school.calendar import school_today
from zhurnal.school.courses import class_of_course, of_class
from zhurnal.school.models import AcademicYear, Course, CurriculumLine, School
from zhurnal.timetable.models import Lesson, LessonOrigin, LessonStatus

from .models import CoursePlan, PlanItem, ThematicPlan

# Federal norm of the school year (ФГОС): 34 school weeks, 33 in grade 1.
SCHOOL_WEEKS = 34
SCHOOL_WEEKS_GRADE_1 = 33


def school_weeks(grade: int | None) -> int:
    return SCHOOL_WEEKS_GRADE_1 if grade == 1 else SCHOOL_WEEKS


# --- hours check ----------------------------------------------------------------------------


class HoursSource:
    CLASS_CURRICULUM = "class_curriculum"
    CURRICULUM = "curriculum"
    COURSE = "course"
    NONE = ""


@dataclass(frozen=True)
class HoursCheck:
    """A plan's total hours against the hours of the year (a mismatch is shown, not refused)."""

    planned: int
    per_week: Decimal | None
    weeks: int
    source: str

    @property
    def expected(self) -> int | None:
        if self.per_week is None:
            return None
        return int((self.per_week * self.weeks).quantize(Decimal(1), rounding=ROUND_HALF_UP))

    @property
    def difference(self) -> int | None:
        """Planned − expected: positive when the plan has more hours than the year."""
        return None if self.expected is None else self.planned - self.expected

    @property
    def ok(self) -> bool | None:
        return None if self.expected is None else self.difference == 0


def _curriculum_map(school_id: int, year_ids: Iterable[int]) -> dict[tuple, Decimal]:
    """(year, subject, grade level, class or None) → hours per week: one query."""
    lines = CurriculumLine.objects.filter(school_id=school_id, year_id__in=set(year_ids))
    return {
        (ln.year_id, ln.subject_id, ln.grade_level_id, ln.school_class_id): ln.hours_per_week
        for ln in lines
    }


def _hours_check(
    plan: ThematicPlan, planned: int, curriculum: dict, courses: list[Course]
) -> HoursCheck:
    weeks = school_weeks(plan.grade_level.number)
    key = (plan.year_id, plan.subject_id, plan.grade_level_id)
    owner = plan.owner_course if plan.owner_course_id else None
    school_class = class_of_course(owner) if owner else None
    if school_class is not None and (*key, school_class.pk) in curriculum:
        return HoursCheck(
            planned, curriculum[(*key, school_class.pk)], weeks, HoursSource.CLASS_CURRICULUM
        )
    if (*key, None) in curriculum:
        return HoursCheck(planned, curriculum[(*key, None)], weeks, HoursSource.CURRICULUM)
    course_hours = {c.hours_per_week for c in ([owner] if owner else courses)}
    if len(course_hours) == 1:
        return HoursCheck(planned, course_hours.pop(), weeks, HoursSource.COURSE)
    return HoursCheck(planned, None, weeks, HoursSource.NONE)


def _plan_course_related() -> tuple[str, ...]:
    return ("subject", "school_class__grade_level", "group__school_class__grade_level")


def plans_queryset(school: School) -> QuerySet[ThematicPlan]:
    """Plans with their total hours and items, the owner course and the following courses."""
    return (
        ThematicPlan.objects.filter(school=school)
        .select_related(
            "subject",
            "grade_level",
            "year",
            *(f"owner_course__{r}" for r in _plan_course_related()),
        )
        .annotate(total_hours=Sum("items__hours"), item_count=Count("items"))
        .prefetch_related(
            Prefetch(
                "course_choices",
                queryset=CoursePlan.objects.select_related(
                    *(f"course__{r}" for r in _plan_course_related())
                ),
            )
        )
    )


@dataclass
class PlanRow:
    plan: ThematicPlan
    courses: list[Course]
    check: HoursCheck


def plan_rows(plans: Iterable[ThematicPlan], school: School) -> list[PlanRow]:
    """Each plan of ``plans_queryset`` with its courses and hours check (one more query)."""
    plans = list(plans)
    curriculum = _curriculum_map(school.pk, (p.year_id for p in plans))
    rows = []
    for plan in plans:
        courses = [choice.course for choice in plan.course_choices.all()]
        check = _hours_check(plan, plan.total_hours or 0, curriculum, courses)
        rows.append(PlanRow(plan, courses, check))
    return rows


def plan_row(plan_id: int, school: School) -> PlanRow:
    plan = plans_queryset(school).get(pk=plan_id)
    return plan_rows([plan], school)[0]


def course_hours_check(course: Course, plan: ThematicPlan | None) -> HoursCheck | None:
    """The hours check of the plan a course follows, seen from the course (its class's line)."""
    if plan is None:
        return None
    planned = PlanItem.objects.filter(plan=plan).aggregate(h=Sum("hours"))["h"] or 0
    curriculum = _curriculum_map(course.school_id, [plan.year_id])
    weeks = school_weeks(plan.grade_level.number)
    key = (plan.year_id, plan.subject_id, plan.grade_level_id)
    school_class = class_of_course(course)
    if school_class is not None and (*key, school_class.pk) in curriculum:
        per_week, source = curriculum[(*key, school_class.pk)], HoursSource.CLASS_CURRICULUM
    elif (*key, None) in curriculum:
        per_week, source = curriculum[(*key, None)], HoursSource.CURRICULUM
    else:
        per_week, source = course.hours_per_week, HoursSource.COURSE
    return HoursCheck(planned, per_week, weeks, source)


# --- the plan a course follows, and lessons in the plan's order -----------------------------


def course_plan(course: Course) -> ThematicPlan | None:
    choice = (
        CoursePlan.objects.filter(course=course)
        .select_related("plan__subject", "plan__grade_level", "plan__year")
        .first()
    )
    return choice.plan if choice else None


def plan_course_queryset(school: School) -> QuerySet[Course]:
    return Course.objects.filter(school=school).select_related("year", *_plan_course_related())


class PlanSequence:
    """A course's plan items and its lessons of the year, for suggesting the next item.

    Built from two queries; every suggestion afterwards is computed in memory.
    """

    def __init__(self, items: list[PlanItem], lessons: list[Lesson]):
        self.items = items
        self.index = {item.pk: i for i, item in enumerate(items)}
        self.lessons = [les for les in lessons if les.status != LessonStatus.CANCELLED]
        self.coverage: dict[int, int] = defaultdict(int)
        for lesson in self.lessons:
            if lesson.plan_item_id in self.index:
                self.coverage[lesson.plan_item_id] += 1

    @classmethod
    def load(cls, course: Course, plan: ThematicPlan | None, *, lessons=None) -> PlanSequence:
        items = list(PlanItem.objects.filter(plan=plan).order_by("position")) if plan else []
        if lessons is None:
            lessons = Lesson.objects.filter(course=course).only(
                "id", "date", "number", "status", "plan_item_id", "topic"
            )
        return cls(items, sorted(lessons, key=_lesson_order))

    def suggestion(self, lesson: Lesson) -> PlanItem | None:
        """The plan item for ``lesson``: the next uncovered one after the lessons before it."""
        if not self.items or lesson.status == LessonStatus.CANCELLED:
            return None
        start = 0
        key = _lesson_order(lesson)
        for other in reversed(self.lessons):
            if other.pk == lesson.pk or _lesson_order(other) >= key:
                continue
            if other.plan_item_id in self.index:
                start = self.index[other.plan_item_id]
                break
        for item in self.items[start:]:
            covered = self.coverage[item.pk] - (1 if lesson.plan_item_id == item.pk else 0)
            if covered < item.hours:
                return item
        return None

    def assign(self, lesson: Lesson, item: PlanItem | None, *, previous: int | None = -1) -> None:
        """Record in memory that ``lesson`` now covers ``item`` (for filling several ahead);
        ``previous`` is the item it covered before, if the lesson was already changed."""
        previous = lesson.plan_item_id if previous == -1 else previous
        if previous in self.index:
            self.coverage[previous] -= 1
        lesson.plan_item_id = item.pk if item else None
        if item is not None:
            self.coverage[item.pk] += 1
        for i, other in enumerate(self.lessons):
            if other.pk == lesson.pk:
                self.lessons[i] = lesson
                break

    def fill_preview(self, lessons: Iterable[Lesson]) -> dict[int, PlanItem]:
        """Lesson id → the item each of ``lessons`` (without a record) would get, in order."""
        preview: dict[int, PlanItem] = {}
        coverage = dict(self.coverage)
        originals = {}
        for lesson in sorted(lessons, key=_lesson_order):
            item = self.suggestion(lesson)
            if item is None:
                break
            preview[lesson.pk] = item
            originals.setdefault(lesson.pk, (lesson, lesson.plan_item_id))
            self.assign(lesson, item)
        # Undo the simulation: the caller's lessons and the coverage stay as loaded.
        for lesson, plan_item_id in originals.values():
            lesson.plan_item_id = plan_item_id
        self.coverage = defaultdict(int, coverage)
        return preview


@dataclass(frozen=True)
class LessonPlanChoice:
    """What a lesson's topic form offers: the plan its course follows, its items in order, and
    the item suggested for the lesson (the next one not covered by the lessons before it)."""

    plan: ThematicPlan | None
    items: QuerySet[PlanItem]
    sequence: PlanSequence
    lessons: list[Lesson]
    suggestion: PlanItem | None


LESSON_FIELDS = ("id", "date", "number", "status", "plan_item_id", "topic")


def lesson_plan_choice(lesson: Lesson, *, all_lessons: bool = False) -> LessonPlanChoice:
    """The plan choice of ``lesson``; its course's lessons are read when the course follows a
    plan (for the suggestion), or always with ``all_lessons`` (the lesson record page's
    previous and next). Up to four queries."""
    plan = course_plan(lesson.course)
    items = (
        PlanItem.objects.filter(plan=plan).order_by("position") if plan else PlanItem.objects.none()
    )
    lessons = []
    if plan is not None or all_lessons:
        lessons = list(Lesson.objects.filter(course=lesson.course).only(*LESSON_FIELDS))
    sequence = PlanSequence.load(lesson.course, plan, lessons=lessons)
    return LessonPlanChoice(plan, items, sequence, lessons, sequence.suggestion(lesson))


def _lesson_order(lesson: Lesson) -> tuple:
    return (lesson.date, lesson.number, lesson.pk)


def needs_record(lesson: Lesson) -> bool:
    return lesson.status != LessonStatus.CANCELLED and not lesson.topic and not lesson.plan_item_id


# --- programme fulfilment -------------------------------------------------------------------


@dataclass(frozen=True)
class UncoveredItem:
    item_id: int
    position: int
    section: str
    topic: str
    hours: int
    covered: int  # held lessons linked to the item (≤ hours)
    planned_date: date | None


@dataclass(frozen=True)
class Fulfilment:
    """Programme fulfilment of one course for its academic year up to ``day`` (inclusive)."""

    course_id: int
    plan_id: int | None
    day: date
    plan_hours: int  # the total hours of the plan the course follows (0 without a plan)
    scheduled: int  # lessons from the timetable up to the day, cancelled included
    planned: int  # hours planned to date: scheduled, capped at plan_hours when there is a plan
    held: int  # lessons not cancelled up to the day (extra lessons included)
    extra: int  # of them, extra lessons (outside the timetable)
    cancelled: int  # cancelled lessons up to the day
    covered: int  # plan hours covered by held lessons linked to items
    lessons_left: int  # lessons not cancelled after the day, to the year's end
    not_covered: list[UncoveredItem] = field(default_factory=list)

    @property
    def lag(self) -> int:
        """Lessons behind the plan: planned − held (negative: ahead)."""
        return self.planned - self.held

    @property
    def remaining(self) -> int:
        """Plan hours still to cover."""
        return max(self.plan_hours - self.covered, 0)

    @property
    def can_finish(self) -> bool:
        """Enough lessons are left in the year to cover the rest of the plan."""
        return self.lessons_left >= self.remaining


def _fulfilment_for(courses: list[Course], day: date) -> dict[int, Fulfilment]:
    """Fulfilment of many courses in five queries (whatever the number of courses and lessons)."""
    if not courses:
        return {}
    ids = [c.pk for c in courses]
    # Lessons of the courses' schools only: the planner then reads one school's lessons, not
    # the region's (the courses of a page are of one school).
    schools = {c.school_id for c in courses}
    plan_of = dict(
        CoursePlan.objects.filter(course_id__any_of=ids).values_list("course_id", "plan_id")
    )
    # Named rows, not model instances: a school's plans hold a couple of thousand items.
    items_of: dict[int, list] = defaultdict(list)
    for item in (
        PlanItem.objects.filter(plan_id__any_of=list(set(plan_of.values())))
        .order_by("plan_id", "position")
        .values_list(
            "pk", "plan_id", "position", "section", "topic", "hours", "planned_date", named=True
        )
    ):
        items_of[item.plan_id].append(item)
    cancelled = Q(status=LessonStatus.CANCELLED)
    past = Q(date__lte=day)
    counts = {
        row["course_id"]: row
        for row in Lesson.objects.filter(school_id__in=schools, course_id__any_of=ids)
        .values("course_id")
        .annotate(
            scheduled=Count("id", filter=past & Q(origin=LessonOrigin.TIMETABLE)),
            held=Count("id", filter=past & ~cancelled),
            extra=Count("id", filter=past & ~cancelled & Q(origin=LessonOrigin.EXTRA)),
            cancelled=Count("id", filter=past & cancelled),
            left=Count("id", filter=Q(date__gt=day) & ~cancelled),
        )
        .order_by()
    }
    linked: dict[tuple[int, int], int] = {
        (row["course_id"], row["plan_item_id"]): row["n"]
        for row in Lesson.objects.filter(
            school_id__in=schools, course_id__any_of=ids, date__lte=day, plan_item__isnull=False
        )
        .exclude(cancelled)
        .values("course_id", "plan_item_id")
        .annotate(n=Count("id"))
        .order_by()
    }
    result = {}
    for course in courses:
        plan_id = plan_of.get(course.pk)
        items = items_of.get(plan_id, []) if plan_id else []
        row = counts.get(course.pk, {})
        scheduled = row.get("scheduled", 0)
        plan_hours = sum(item.hours for item in items)
        planned = min(scheduled, plan_hours) if plan_id else scheduled
        covered = 0
        not_covered = []
        start_hour = 0  # the plan hour at which an item starts, in order
        for item in items:
            done = min(linked.get((course.pk, item.pk), 0), item.hours)
            covered += done
            due = start_hour < planned or (
                item.planned_date is not None and item.planned_date <= day
            )
            if due and done < item.hours:
                not_covered.append(
                    UncoveredItem(
                        item.pk,
                        item.position,
                        item.section,
                        item.topic,
                        item.hours,
                        done,
                        item.planned_date,
                    )
                )
            start_hour += item.hours
        result[course.pk] = Fulfilment(
            course_id=course.pk,
            plan_id=plan_id,
            day=day,
            plan_hours=plan_hours,
            scheduled=scheduled,
            planned=planned,
            held=row.get("held", 0),
            extra=row.get("extra", 0),
            cancelled=row.get("cancelled", 0),
            covered=covered,
            lessons_left=row.get("left", 0),
            not_covered=not_covered,
        )
    return result


def fulfilment_by_course(courses: list[Course], day: date) -> dict[int, Fulfilment]:
    """Programme fulfilment of many courses up to ``day``, by course id: five queries whatever
    their number (the deputy's control indicators)."""
    return _fulfilment_for(courses, day)


def course_fulfilment(course: Course, *, day: date | None = None) -> Fulfilment:
    """Programme fulfilment of ``course`` for its academic year up to ``day`` (inclusive;
    default: today in the school's time zone). Five SQL queries."""
    if day is None:
        day = school_today(course.school)
    return _fulfilment_for([course], day)[course.pk]


@dataclass
class OverviewRow:
    course: Course
    fulfilment: Fulfilment


def fulfilment_overview(
    school: School, year: AcademicYear, *, day: date | None = None, school_class=None
) -> list[OverviewRow]:
    """Every course of the year (or of one class: its whole-class and subgroup courses) with
    its fulfilment, the most behind first. Seven SQL queries, whatever the school's size."""
    if day is None:
        day = school_today(school)
    courses = (
        plan_course_queryset(school).filter(year=year).prefetch_related("teachers").order_by("pk")
    )
    if school_class is not None:
        courses = courses.filter(of_class(school_class))
    courses = list(courses)
    data = _fulfilment_for(courses, day)
    rows = [OverviewRow(course, data[course.pk]) for course in courses]
    rows.sort(
        key=lambda r: (
            -r.fulfilment.lag,
            -len(r.fulfilment.not_covered),
            str(r.course.audience_name),
            r.course.subject.name,
        )
    )
    return rows
