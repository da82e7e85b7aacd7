"""School days and lesson times: which dates a class studies on, and when each lesson rings."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, time, timedelta

from zhurnal.school.models import Holiday, School

from .models import BellPeriod, BellSchedule


@dataclass(frozen=True)
class HolidayCalendar:
    """The non-school days of a year, per grade level (a holiday without grade levels is for
    the whole school; with them, e.g. grade 1's extra February week, only for those)."""

    school_wide: frozenset[date]
    by_level: dict[int, frozenset[date]]
    week_days: int

    @classmethod
    def load(cls, school: School, start: date, end: date) -> HolidayCalendar:
        wide: set[date] = set()
        by_level: dict[int, set[date]] = {}
        holidays = Holiday.objects.filter(school=school, start__lte=end, end__gte=start)
        for holiday in holidays.prefetch_related("grade_levels"):
            days = set(_days(max(holiday.start, start), min(holiday.end, end)))
            levels = [level.pk for level in holiday.grade_levels.all()]
            if not levels:
                wide |= days
            for level in levels:
                by_level.setdefault(level, set()).update(days)
        return cls(
            school_wide=frozenset(wide),
            by_level={k: frozenset(v) for k, v in by_level.items()},
            week_days=school.week_days,
        )

    def is_school_day(self, day: date, grade_level_id: int | None) -> bool:
        if day.isoweekday() > self.week_days or day in self.school_wide:
            return False
        return grade_level_id is None or day not in self.by_level.get(grade_level_id, ())

    def school_days(self, start: date, end: date, grade_level_id: int | None) -> Iterator[date]:
        return (d for d in _days(start, end) if self.is_school_day(d, grade_level_id))


def _days(start: date, end: date) -> Iterable[date]:
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


@dataclass(frozen=True)
class BellTimes:
    """Lesson number → (start, end) for every class of a school, from two queries."""

    default: dict[int, tuple[time, time]]
    by_schedule: dict[int, dict[int, tuple[time, time]]]
    schedule_of_class: dict[int, int]

    @classmethod
    def load(cls, school: School) -> BellTimes:
        by_schedule: dict[int, dict[int, tuple[time, time]]] = {}
        default_id = None
        for schedule in BellSchedule.objects.filter(school=school):
            by_schedule[schedule.pk] = {}
            if schedule.is_default:
                default_id = schedule.pk
        for period in BellPeriod.objects.filter(school=school):
            by_schedule[period.schedule_id][period.number] = (period.start, period.end)
        links = BellSchedule.classes.through.objects.filter(bellschedule__school=school)
        schedule_of_class = dict(links.values_list("schoolclass_id", "bellschedule_id"))
        return cls(
            default=by_schedule.get(default_id, {}) if default_id else {},
            by_schedule=by_schedule,
            schedule_of_class=schedule_of_class,
        )

    def times(self, class_id: int | None, number: int) -> tuple[time, time] | tuple[None, None]:
        schedule = self.schedule_of_class.get(class_id) if class_id else None
        table = self.by_schedule.get(schedule, self.default) if schedule else self.default
        return table.get(number, (None, None))
