"""The demo school's calendar: the academic year containing a day, its terms and holidays.

Dates follow the unified calendar of the ФООП (2025/2026 as the model): four quarters for
grades 1–9 and two halves for 10–11, nine-day autumn and spring vacations, winter vacation
to the second week of January, an extra February week for grade 1, public holidays.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

SATURDAY, MONDAY, FRIDAY = 5, 0, 4


@dataclass(frozen=True)
class HolidayPlan:
    title: str
    start: date
    end: date
    grades: tuple[int, ...] = ()  # empty: the whole school


@dataclass(frozen=True)
class CalendarPlan:
    title: str
    start: date
    end: date
    quarters: tuple[tuple[date, date], ...]
    halves: tuple[tuple[date, date], ...]
    holidays: tuple[HolidayPlan, ...] = field(default_factory=tuple)


def year_start_for(day: date) -> int:
    """The calendar year in which the school year containing ``day`` began. June to August
    belong to the year just finished (its data is what a demo should show)."""
    return day.year if day.month >= 9 else day.year - 1


def _weekday_on_or_before(day: date, weekday: int = FRIDAY) -> date:
    return day - timedelta(days=(day.weekday() - weekday) % 7)


def _weekday_on_or_after(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def _school_day_on_or_after(day: date) -> date:
    while day.weekday() >= SATURDAY:
        day += timedelta(days=1)
    return day


def _school_day_on_or_before(day: date) -> date:
    while day.weekday() >= SATURDAY:
        day -= timedelta(days=1)
    return day


def plan_calendar(today: date) -> CalendarPlan:
    y = year_start_for(today)
    first_day = _school_day_on_or_after(date(y, 9, 1))
    q1_end = _weekday_on_or_before(date(y, 10, 25))
    q2_start = q1_end + timedelta(days=10)  # nine days of autumn vacation, Sat..Sun
    q2_end = _school_day_on_or_before(date(y, 12, 28))
    q3_start = _weekday_on_or_after(date(y + 1, 1, 9), MONDAY)
    q3_end = _weekday_on_or_before(date(y + 1, 3, 21))
    q4_start = q3_end + timedelta(days=10)
    q4_end = _school_day_on_or_before(date(y + 1, 5, 26))
    february = _weekday_on_or_after(date(y + 1, 2, 14), SATURDAY)

    def day_off(title: str, day: date) -> HolidayPlan:
        return HolidayPlan(title, day, day)

    holidays = (
        HolidayPlan("Осенние каникулы", q1_end + timedelta(days=1), q2_start - timedelta(days=1)),
        day_off("День народного единства", date(y, 11, 4)),
        HolidayPlan("Зимние каникулы", q2_end + timedelta(days=1), q3_start - timedelta(days=1)),
        HolidayPlan(
            "Дополнительные каникулы для первоклассников",
            february,
            february + timedelta(days=8),
            grades=(1,),
        ),
        day_off("День защитника Отечества", date(y + 1, 2, 23)),
        day_off("Международный женский день", date(y + 1, 3, 8)),
        HolidayPlan("Весенние каникулы", q3_end + timedelta(days=1), q4_start - timedelta(days=1)),
        day_off("Праздник Весны и Труда", date(y + 1, 5, 1)),
        day_off("День Победы", date(y + 1, 5, 9)),
    )
    return CalendarPlan(
        title=f"{y}/{y + 1}",
        start=date(y, 9, 1),
        end=date(y + 1, 5, 31),
        quarters=((first_day, q1_end), (q2_start, q2_end), (q3_start, q3_end), (q4_start, q4_end)),
        halves=((first_day, q2_end), (q3_start, q4_end)),
        holidays=holidays,
    )
