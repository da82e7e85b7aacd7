"""The demo timetable: bell schedules and a conflict-free weekly timetable for every class.

Planned in memory on the unsaved objects of the generator (identity, not primary keys), so a
school's timetable costs no query. The weekly hours of every course of a class are spread
over its five days: the day's count is even (heavier days mid-week), each class studies from
lesson 1 without gaps where it can, a subject comes at most once a day where it can, and no
teacher is in two places at once. The two English subgroups of a class share a slot when they
have two teachers. Разговоры о важном is on Monday, lesson 1, with the class teacher; a
cross-class elective comes after the last lesson of every class of its grade level that day.

The greedy fill goes slot by slot (weekday, lesson number) over all classes, the class with
the fewest choices first; when no course of a class can take a slot (all their teachers are
busy) it swaps with a lesson already placed, and as a last resort adds the lesson at the end
of a day. Rooms come from the teachers (each has a cabinet; a primary class's own teacher
teaches in the class's room), so a room is never double-booked either.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

DAYS = (1, 2, 3, 4, 5)
# The order in which a class's extra lessons go to its days: mid-week days are the heaviest
# (SanPiN 1.2.3685-21: the peak of the load on Tuesday and Wednesday).
HEAVY_DAYS = (2, 3, 4, 1, 5)
LAST_NUMBER = 8  # lessons never go past the 8th

# (number, start, end). The main schedule: 40-minute lessons, two long breaks for meals.
MAIN_BELLS = (
    (1, time(8, 30), time(9, 10)),
    (2, time(9, 20), time(10, 0)),
    (3, time(10, 20), time(11, 0)),
    (4, time(11, 20), time(12, 0)),
    (5, time(12, 10), time(12, 50)),
    (6, time(13, 0), time(13, 40)),
    (7, time(13, 50), time(14, 30)),
    (8, time(14, 40), time(15, 20)),
)
# Grade 1 (ступенчатый режим): 35-minute lessons starting with the others, so that a teacher
# who teaches grade 1 and another class at consecutive numbers is never in both at once.
GRADE_ONE_BELLS = tuple(
    (n, start, (datetime.combine(date.min, start) + timedelta(minutes=35)).time())
    for n, start, _ in MAIN_BELLS[:6]
)


def max_per_day(grade: int) -> int:
    """SanPiN 1.2.3685-21: at most 4 lessons a day in grade 1 (5 one day), 5 in 2–4, 6 in
    5–6, 7 in 7–11."""
    return {1: 5, 2: 5, 3: 5, 4: 5, 5: 6, 6: 6}.get(grade, 7)


@dataclass(frozen=True)
class Part:
    """One course taught in a slot: the course, its teacher, the room."""

    course: object
    teacher: object
    room: str


@dataclass
class Unit:
    """One weekly lesson of a class: a course, or the two subgroup courses taught at once."""

    parts: tuple[Part, ...]
    key: int  # the subject's identity: at most one lesson of it a day where possible
    weekly: int  # the subject's weekly hours (more than 5: two a day allowed)

    @property
    def teachers(self) -> list[int]:
        return [id(p.teacher) for p in self.parts]


@dataclass
class ClassWeek:
    school_class: object
    grade: int
    units: list[Unit]
    day_counts: dict[int, int] = field(default_factory=dict)
    placed: dict[tuple[int, int], Unit] = field(default_factory=dict)
    per_day: dict[int, defaultdict] = field(default_factory=dict)


@dataclass(frozen=True)
class Placement:
    part: Part
    weekday: int
    number: int


@dataclass
class WeekPlan:
    placements: list[Placement] = field(default_factory=list)
    busy: dict[int, set[tuple[int, int]]] = field(default_factory=dict)  # id(teacher) -> slots
    gaps: int = 0  # class slots left empty between two lessons
    unplaced: int = 0  # lessons that found no slot at all (0 in every generated school)


def plan_week(
    classes: list[ClassWeek],
    fixed: list[tuple[Part, int, int]],
    cross: list[tuple[Part, list[object]]],
    rng: random.Random,
) -> WeekPlan:
    """Place ``classes``' units; ``fixed`` are (part, weekday, number) already decided (the
    talks), ``cross`` the cross-class electives with the classes whose pupils they take."""
    plan = WeekPlan()
    busy: dict[int, set[tuple[int, int]]] = defaultdict(set)
    by_class = {id(c.school_class): c for c in classes}
    for part, day, number in fixed:
        busy[id(part.teacher)].add((day, number))
        week = by_class[id(_class_of(part.course))]
        week.placed[(day, number)] = Unit((part,), key=-1, weekly=1)
        plan.placements.append(Placement(part, day, number))
    for week in classes:
        total = len(week.units) + len(week.placed)
        base, extra = divmod(total, len(DAYS))
        week.day_counts = {d: base + (1 if d in HEAVY_DAYS[:extra] else 0) for d in DAYS}
        week.per_day = {d: defaultdict(int) for d in DAYS}
        rng.shuffle(week.units)
        week.units.sort(key=lambda u: -u.weekly)
    overflow: list[tuple[ClassWeek, Unit]] = []
    for day in DAYS:
        for number in range(1, LAST_NUMBER + 1):
            waiting = [
                w
                for w in classes
                if number <= w.day_counts[day] and (day, number) not in w.placed and w.units
            ]
            while waiting:
                options = {id(w): _options(w, day, number, busy) for w in waiting}
                week = min(waiting, key=lambda w: (len(options[id(w)]), w.grade))
                waiting.remove(week)
                choice = options[id(week)]
                if choice:
                    _place(week, choice[0], day, number, busy)
                else:
                    _swap(week, day, number, busy)  # if none: the slot stays empty
    for week in classes:
        overflow.extend((week, unit) for unit in week.units)
        week.units = []
    for week, unit in overflow:
        if not _append(week, unit, busy):
            plan.unplaced += 1
    for week in classes:
        for (day, number), unit in sorted(week.placed.items(), key=lambda kv: kv[0]):
            if unit.key == -1:
                continue
            for part in unit.parts:
                plan.placements.append(Placement(part, day, number))
        for day in DAYS:
            numbers = sorted(n for d, n in week.placed if d == day)
            if numbers:
                plan.gaps += numbers[-1] - numbers[0] + 1 - len(numbers)
    for part, pupils_of in cross:
        _place_cross(part, pupils_of, by_class, busy, plan)
    plan.busy = dict(busy)
    return plan


def _class_of(course):
    return course.school_class if course.school_class is not None else course.group.school_class


def _free(unit: Unit, day: int, number: int, busy) -> bool:
    return all((day, number) not in busy[t] for t in unit.teachers)


def _options(week: ClassWeek, day: int, number: int, busy) -> list[Unit]:
    """The units that can take the slot, best first: a subject not yet taught that day (two a
    day only for a subject of more than five hours), then the subjects with most hours."""
    fits = []
    seen: set[int] = set()
    for unit in week.units:
        if unit.key in seen or not _free(unit, day, number, busy):
            continue
        seen.add(unit.key)
        today = week.per_day[day][unit.key]
        limit = 2 if unit.weekly > 5 else 1
        fits.append((today >= limit, today, unit))
    fits.sort(key=lambda f: (f[0], f[1]))  # stable: the units are sorted by weekly hours
    return [unit for *_, unit in fits]


def _place(week: ClassWeek, unit: Unit, day: int, number: int, busy) -> None:
    week.units.remove(unit)
    week.placed[(day, number)] = unit
    week.per_day[day][unit.key] += 1
    for teacher in unit.teachers:
        busy[teacher].add((day, number))


def _unplace(week: ClassWeek, day: int, number: int, busy) -> Unit:
    unit = week.placed.pop((day, number))
    week.per_day[day][unit.key] -= 1
    for teacher in unit.teachers:
        busy[teacher].discard((day, number))
    week.units.append(unit)
    return unit


def _swap(week: ClassWeek, day: int, number: int, busy) -> bool:
    """Move a placed lesson of the class into the slot and a waiting one into its place."""
    for slot, placed in list(week.placed.items()):
        if placed.key == -1 or not _free(placed, day, number, busy):
            continue
        for unit in week.units:
            if unit.key == placed.key:
                continue
            # The placed lesson's teachers leave ``slot``, so they are free there.
            if all(t in placed.teachers or slot not in busy[t] for t in unit.teachers):
                _unplace(week, *slot, busy)
                _place(week, placed, day, number, busy)
                _place(week, unit, *slot, busy)
                return True
    return False


def _append(week: ClassWeek, unit: Unit, busy) -> bool:
    """Add a lesson after the class's last lesson of the lightest day its teachers allow."""
    limit = max_per_day(week.grade) + 1
    candidates = []
    for day in DAYS:
        numbers = [n for d, n in week.placed if d == day]
        number = max(numbers, default=0) + 1
        if number <= min(limit, LAST_NUMBER) and _free(unit, day, number, busy):
            candidates.append((len(numbers), day, number))
    if not candidates:
        return False
    _, day, number = min(candidates)
    week.units.append(unit)
    _place(week, unit, day, number, busy)
    return True


def _place_cross(part: Part, classes: list[object], by_class, busy, plan: WeekPlan) -> None:
    candidates = []
    for day in DAYS:
        last = max((n for c in classes for d, n in by_class[id(c)].placed if d == day), default=0)
        number = last + 1
        if number <= LAST_NUMBER and (day, number) not in busy[id(part.teacher)]:
            candidates.append((number, day))
    if not candidates:
        plan.unplaced += 1
        return
    number, day = min(candidates)
    busy[id(part.teacher)].add((day, number))
    plan.placements.append(Placement(part, day, number))
