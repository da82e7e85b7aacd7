"""The demo thematic plans (КТП) of the main subjects, from ``syllabi.SYLLABI``.

One base plan per subject and grade level present in the school's curriculum, that every
course of the parallel follows (``CoursePlan``; both English subgroups of a class too). The
plan's total hours are the curriculum hours of the year — hours per week × the school weeks
(34, 33 in grade 1: ``planning.queries.school_weeks``), so the hours check shows no mismatch.

The topics of a section share its hours; from grade 2 every section ends with a test
(«Контрольная работа по разделу …») where the hours allow, and the year ends with a final
test. A topic named «Лабораторная работа …» or «Практическая работа …» gets that kind and
one hour.
"""

from __future__ import annotations

from dataclasses import dataclass

from zhurnal.planning.models import CoursePlan, PlanItem, ThematicPlan
from zhurnal.planning.queries import school_weeks
from zhurnal.school.models import Course
from zhurnal.timetable.models import LessonKind

from .syllabi import SYLLABI

PLAN_TITLE = "Базовый уровень (по ФРП)"
MAX_ITEM_HOURS = 40  # PlanItem.hours validator


@dataclass(frozen=True)
class ItemPlan:
    section: str
    topic: str
    hours: int
    kind: str


def parse_syllabus(text: str) -> list[tuple[str, list[str]]]:
    """``Section: topic; topic`` lines → [(section, [topics])]."""
    sections = []
    for line in text.strip().splitlines():
        line = line.strip()
        if not line:
            continue
        section, _, rest = line.partition(": ")
        topics = [t.strip() for t in rest.split(";") if t.strip()]
        sections.append((section.strip(), topics or [section.strip()]))
    return sections


def kind_of(topic: str) -> str:
    lower = topic.lower()
    if lower.startswith("лабораторная работа"):
        return LessonKind.LAB
    if lower.startswith("практическая работа"):
        return LessonKind.PRACTICAL
    if lower.startswith(("контрольная", "итоговая контрольная", "проверочная")):
        return LessonKind.TEST
    return LessonKind.LESSON


def year_hours(hours_per_week: float, grade: int) -> int:
    return round(hours_per_week * school_weeks(grade))


def build_items(text: str, total: int, grade: int) -> list[ItemPlan]:
    """The items of a plan of ``total`` hours: every topic at least one hour, the rest spread
    evenly in order, tests after the sections from grade 2 when the hours allow."""
    sections = parse_syllabus(text)
    topics = [(section, topic) for section, names in sections for topic in names]
    if len(topics) > total:  # a short course: the first topics only
        topics = topics[:total]
    tests: set[int] = set()
    if grade >= 2:
        spare = total - len(topics)
        last_of = {}
        for i, (section, _) in enumerate(topics):
            last_of[section] = i
        ends = sorted(last_of.values())
        # Section tests while at least two spare hours per test remain, then the final test.
        wanted = min(len(ends), max(0, (spare - 1) // 3))
        step = len(ends) / wanted if wanted else 0
        tests = {ends[min(len(ends) - 1, int((k + 1) * step) - 1)] for k in range(wanted)}
        if spare >= 1:
            tests.add(-1)  # the final test after the last topic
    remaining = total - len(topics) - len(tests)
    # Labs and practical works are one lesson each; the spare hours go to the other topics.
    spread = [i for i, (_, topic) in enumerate(topics) if kind_of(topic) == LessonKind.LESSON]
    spread = spread or list(range(len(topics)))
    base, extra = divmod(remaining, len(spread)) if spread else (0, 0)
    bonus = {i: base + (1 if k < extra else 0) for k, i in enumerate(spread)}
    items: list[ItemPlan] = []
    for i, (section, topic) in enumerate(topics):
        hours = 1 + bonus.get(i, 0)
        kind = kind_of(topic)
        while hours > 0:
            chunk = min(hours, MAX_ITEM_HOURS)
            items.append(ItemPlan(section, topic, chunk, kind))
            hours -= chunk
        if i in tests:
            items.append(
                ItemPlan(section, f"Контрольная работа по разделу «{section}»", 1, LessonKind.TEST)
            )
    if -1 in tests and topics:
        items.append(ItemPlan(topics[-1][0], "Итоговая контрольная работа", 1, LessonKind.TEST))
    assert sum(item.hours for item in items) == total, (total, len(items))
    return items


def syllabus_for(subject: str, grade: int) -> str | None:
    return SYLLABI.get((subject, grade))


def plan_plans(builder) -> None:
    """The base plans of the school's main subjects and the courses that follow them
    (``builder.course_items``: id(course) → the items of its plan in order)."""
    school, year = builder.school, builder.year
    by_key: dict[tuple[str, int], tuple[ThematicPlan, list[PlanItem]]] = {}
    builder.course_items = {}
    for course in builder.rows[Course]:
        if course.kind != "regular":
            continue
        cls = course.school_class or course.group.school_class
        grade = cls.grade_level.number
        key = (course.subject.name, grade)
        text = syllabus_for(*key)
        if text is None:
            continue
        if key not in by_key:
            plan = builder.add(
                ThematicPlan(
                    school=school,
                    year=year,
                    subject=course.subject,
                    grade_level=cls.grade_level,
                    title=PLAN_TITLE,
                )
            )
            total = year_hours(float(course.hours_per_week), grade)
            items = [
                builder.add(
                    PlanItem(
                        school=school,
                        plan=plan,
                        position=n,
                        section=item.section[:300],
                        topic=item.topic[:500],
                        hours=item.hours,
                        kind=item.kind,
                    )
                )
                for n, item in enumerate(build_items(text, total, grade), start=1)
            ]
            by_key[key] = (plan, items)
        plan, items = by_key[key]
        builder.add(CoursePlan(school=school, course=course, plan=plan))
        builder.course_items[id(course)] = items
