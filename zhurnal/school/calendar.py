"""The school's calendar as every app reads it: today in the school's time zone, the current
academic year, and the terms a grade level follows (DESIGN §5: one selector per shared fact).

Every "today" of Zhurnal is the school's: pages, the API, the access rules and the background
tasks alike (Russia spans 11 time zones; a request near midnight must not see another day)."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from django.utils import timezone

from .courses import grade_level_of
from .models import AcademicYear, Course, GradeLevel, SchoolClass, Term


def school_today(school) -> date:
    """Today in the school's own time zone (Russia spans 11 zones, DESIGN §5)."""
    return timezone.localdate(timezone=ZoneInfo(school.timezone))


def current_year(school, day: date) -> AcademicYear | None:
    """The academic year containing ``day``; between two years (summer) the coming one, which
    is being prepared then; None if neither exists."""
    years = AcademicYear.objects.filter(school=school)
    return (
        years.filter(start__lte=day, end__gte=day).first()
        or years.filter(start__gt=day).order_by("start").first()
    )


def latest_year(school, day: date) -> AcademicYear | None:
    """``current_year``, else the school's last year (the API's default when a school has no
    year around today: an archive keeps its last year readable)."""
    return current_year(school, day) or (
        AcademicYear.objects.filter(school=school).order_by("-start").first()
    )


def year_is_closed(course: Course) -> bool:
    """The course's academic year was closed at year end (issue 13: its journal is read-only
    then). Free when the course was loaded with its year, else one query."""
    if Course.year.is_cached(course):
        return course.year.is_closed
    return AcademicYear.objects.filter(pk=course.year_id, closed_at__isnull=False).exists()


def closed_year_between(school_id: int, start: date, end: date) -> AcademicYear | None:
    """A closed academic year of the school overlapping the days from ``start`` to ``end``
    (issue 13: its journal is read-only), if any. One query."""
    return AcademicYear.objects.filter(
        school_id=school_id, closed_at__isnull=False, start__lte=end, end__gte=start
    ).first()


def clamp_to_year(day: date, year) -> date:
    """The day itself if it lies in the year, else the year's nearest end."""
    return min(max(day, year.start), year.end)


def terms_of_level(terms: list[Term], level: GradeLevel | None) -> list[Term]:
    """Of a year's ``terms``, those a grade level follows (quarters, halves or trimesters:
    ``GradeLevel.term_kind``); all of them without a level (a cross-class group) or when none
    is of its kind."""
    kind_terms = [t for t in terms if level is not None and t.kind == level.term_kind]
    return kind_terms or terms


def course_terms(course: Course) -> list[Term]:
    """The terms of the course's year that its grade level follows, in order. One query."""
    terms = list(
        Term.objects.filter(school_id=course.school_id, year_id=course.year_id)
        .select_related("year")
        .order_by("start")
    )
    return terms_of_level(terms, grade_level_of(course))


def class_terms(school_class: SchoolClass | None) -> list[Term]:
    """The terms of a class's year that its grade level follows, in order. One query."""
    if school_class is None:
        return []
    terms = list(
        Term.objects.filter(
            school_id=school_class.school_id, year_id=school_class.year_id
        ).order_by("start")
    )
    return terms_of_level(terms, school_class.grade_level)


def pick_term(terms: list[Term], term_id: int | None, today: date) -> Term | None:
    """The asked term if it is one of ``terms``, else the one containing today, else the next
    one, else the last."""
    if term_id is not None:
        for term in terms:
            if term.pk == term_id:
                return term
    for term in terms:
        if term.start <= today <= term.end:
            return term
    upcoming = [t for t in terms if t.start > today]
    if upcoming:
        return upcoming[0]
    return terms[-1] if terms else None
