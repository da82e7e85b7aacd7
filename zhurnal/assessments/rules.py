"""The federal limits on assessments (график оценочных процедур), as pure functions.

Letters of Минпросвещения СК-228/03 and Рособрнадзор 01-169/08-01 of 06.08.2021:

* at most one assessment of a subject in a class every 2.5 weeks (``too_close``);
* at most 10 % of the teaching hours of the subject in that class in the current school year
  (``too_many``: counted over the year, not over a term);
* at most one assessment a day in a class (``same_day``);
* none in the first or the last lesson of the class's day (``first_or_last``).

Each rule takes the assessments (``Assessment``) and the facts it needs as plain dicts and
returns breaches (``Breach``); nothing here touches the database. Breaches are shown, never
refused: the school decides.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from itertools import pairwise

from django.utils.translation import gettext as _

# Two and a half weeks: two assessments of a subject less than this many days apart breach.
MIN_DAYS_APART = 18
# At most this share (per cent) of the subject's hours in the school year.
MAX_SHARE_PERCENT = 10

TOO_CLOSE = "too_close"
TOO_MANY = "too_many"
SAME_DAY = "same_day"
FIRST_OR_LAST = "first_or_last"


@dataclass(frozen=True)
class Assessment:
    """One assessment: a lesson whose plan item is a test, or a test item planned for a date
    (``number`` and ``lesson_id`` None until a lesson is linked)."""

    date: date
    class_id: int
    class_name: str
    subject_id: int
    subject_name: str
    course_id: int
    topic: str = ""
    teacher: str = ""
    number: int | None = None
    lesson_id: int | None = None
    plan_item_id: int | None = None

    @property
    def planned(self) -> bool:
        return self.lesson_id is None


@dataclass(frozen=True)
class Breach:
    code: str
    message: str
    date: date
    class_id: int
    subject_id: int | None = None
    course_ids: tuple[int, ...] = ()


def _d(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def _unique_by_subject_and_day(assessments: Iterable[Assessment]) -> list[Assessment]:
    """One assessment per class, subject and day: two subgroups writing the same test on the
    same day (English, group 1 and group 2) are one assessment of the class."""
    seen: dict[tuple[int, int, date], Assessment] = {}
    for a in sorted(assessments, key=lambda a: (a.date, a.number or 0, a.course_id)):
        seen.setdefault((a.class_id, a.subject_id, a.date), a)
    return list(seen.values())


def too_close(assessments: Iterable[Assessment], min_days: int = MIN_DAYS_APART) -> list[Breach]:
    """Two assessments of one subject in one class less than ``min_days`` apart."""
    by_subject: dict[tuple[int, int], list[Assessment]] = defaultdict(list)
    for a in _unique_by_subject_and_day(assessments):
        by_subject[(a.class_id, a.subject_id)].append(a)
    breaches = []
    for items in by_subject.values():
        items.sort(key=lambda a: a.date)
        for first, second in pairwise(items):
            days = (second.date - first.date).days
            if days < min_days:
                breaches.append(
                    Breach(
                        code=TOO_CLOSE,
                        message=_(
                            "%(subject)s, %(class)s: assessments on %(first)s and %(second)s "
                            "are %(days)d days apart; at most one every 2.5 weeks "
                            "(%(min)d days)."
                        )
                        % {
                            "subject": second.subject_name,
                            "class": second.class_name,
                            "first": _d(first.date),
                            "second": _d(second.date),
                            "days": days,
                            "min": min_days,
                        },
                        date=second.date,
                        class_id=second.class_id,
                        subject_id=second.subject_id,
                        course_ids=tuple(sorted({first.course_id, second.course_id})),
                    )
                )
    return breaches


def too_many(
    assessments: Iterable[Assessment],
    hours: dict[tuple[int, int], int],
    percent: int = MAX_SHARE_PERCENT,
) -> list[Breach]:
    """More assessments of a subject in a class in the school year than ``percent`` % of the
    subject's teaching hours in that class in the year.

    Letters СК-228/03 and 01-169/08-01 of 06.08.2021: оценочные процедуры take no more than
    10 % of the teaching time allotted to the subject in that class **in the current school
    year** — not in a term: one test among the 8 lessons of a quarter of a one-hour subject
    (34 hours a year, 3 tests allowed) is within the limit.

    ``assessments`` are those of the whole year (test lessons not cancelled and planned test
    items), one per class, subject and day; ``hours`` maps (class id, subject id) to the
    subject's hours in the class for the year (none: any assessment is too many). The breach
    lists the year's dates and is dated by the first assessment over the allowance.
    """
    by_subject: dict[tuple[int, int], list[Assessment]] = defaultdict(list)
    for a in _unique_by_subject_and_day(assessments):
        by_subject[(a.class_id, a.subject_id)].append(a)
    breaches = []
    for key, items in by_subject.items():
        total = hours.get(key, 0)
        if len(items) * 100 <= total * percent:
            continue
        items.sort(key=lambda a: a.date)
        allowed = total * percent // 100
        first_over = items[allowed]
        breaches.append(
            Breach(
                code=TOO_MANY,
                message=_(
                    "%(subject)s, %(class)s: %(count)d assessments in the year (%(dates)s) "
                    "for %(hours)d hours a year; at most %(percent)d%% of the hours "
                    "(%(allowed)d)."
                )
                % {
                    "subject": first_over.subject_name,
                    "class": first_over.class_name,
                    "count": len(items),
                    "dates": ", ".join(_d(a.date) for a in items),
                    "hours": total,
                    "percent": percent,
                    "allowed": allowed,
                },
                date=first_over.date,
                class_id=first_over.class_id,
                subject_id=first_over.subject_id,
                course_ids=tuple(sorted({a.course_id for a in items})),
            )
        )
    return breaches


def same_day(assessments: Iterable[Assessment]) -> list[Breach]:
    """More than one assessment in a class on one day (of different subjects)."""
    by_day: dict[tuple[int, date], list[Assessment]] = defaultdict(list)
    for a in _unique_by_subject_and_day(assessments):
        by_day[(a.class_id, a.date)].append(a)
    breaches = []
    for (class_id, day), items in by_day.items():
        if len(items) < 2:
            continue
        breaches.append(
            Breach(
                code=SAME_DAY,
                message=_(
                    "%(class)s, %(date)s: %(count)d assessments in one day (%(subjects)s); "
                    "at most one a day."
                )
                % {
                    "class": items[0].class_name,
                    "date": _d(day),
                    "count": len(items),
                    "subjects": ", ".join(a.subject_name for a in items),
                },
                date=day,
                class_id=class_id,
                course_ids=tuple(sorted({a.course_id for a in items})),
            )
        )
    return breaches


def first_or_last(
    assessments: Iterable[Assessment], day_bounds: dict[tuple[int, date], tuple[int, int]]
) -> list[Breach]:
    """An assessment in the first or the last lesson of the class's day.

    ``day_bounds`` maps (class id, date) to the (first, last) lesson numbers of the class that
    day. A planned test without a lesson has no number yet and is not checked.
    """
    breaches = []
    for a in assessments:
        bounds = day_bounds.get((a.class_id, a.date))
        if a.number is None or bounds is None:
            continue
        first, last = bounds
        if a.number == first:
            message = _(
                "%(subject)s, %(class)s, %(date)s: the assessment is in lesson %(number)d, "
                "the first lesson of the day."
            )
        elif a.number == last:
            message = _(
                "%(subject)s, %(class)s, %(date)s: the assessment is in lesson %(number)d, "
                "the last lesson of the day."
            )
        else:
            continue
        breaches.append(
            Breach(
                code=FIRST_OR_LAST,
                message=message
                % {
                    "subject": a.subject_name,
                    "class": a.class_name,
                    "date": _d(a.date),
                    "number": a.number,
                },
                date=a.date,
                class_id=a.class_id,
                subject_id=a.subject_id,
                course_ids=(a.course_id,),
            )
        )
    return breaches


def check_all(
    assessments: Iterable[Assessment],
    *,
    year: Iterable[Assessment],
    hours: dict[tuple[int, int], int],
    day_bounds: dict[tuple[int, date], tuple[int, int]],
) -> list[Breach]:
    """Every rule, breaches in date order: ``assessments`` are those of the term shown,
    ``year`` those of the whole school year, for the 10 % limit (``too_many``), with ``hours``
    the subjects' hours of the year."""
    assessments = list(assessments)
    breaches = (
        too_close(assessments)
        + too_many(year, hours)
        + same_day(assessments)
        + first_or_last(assessments, day_bounds)
    )
    return sorted(breaches, key=lambda b: (b.date, b.class_id, b.code))
