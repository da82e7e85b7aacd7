"""The journal grid's version and its cache (issue 14: "what can be cached safely, keyed by a
version that every write bumps, so nothing stale is ever shown").

``Course.journal_version`` is bumped **in the transaction of every write** that changes what
``queries.journal_grid`` reads for the course, so that the new version becomes visible together
with the new data, never before it:

* the course's lessons (made, moved, cancelled, a topic or a teacher), their homework and its
  attachments, roll calls and mark columns, the marks, attendance entries and teachers' notes
  of those lessons, the course's period marks;
* its list: a class's enrolments (arrivals, departures) bump the class's courses and its
  groups' courses, a group's memberships the group's courses;
* a student's absences in the class teacher's register (ranges and days of the sheet) and a
  change of their card (the name) bump every course of the student's classes and groups;
* a member of staff's card (the teachers' names in the header) and the school's work types (the
  columns' names) bump every course of the school, a subject (its name) every course of the
  subject — rare writes.

Model signals catch every ``save()`` and ``delete()`` (the services, the admin, the imports);
writes that bypass them (``bulk_create``, ``bulk_update``, ``QuerySet.update()/delete()`` on
those tables: the timetable's generation, a group's new members) call
``school.courses.bump_journal_versions`` themselves. What the grid depends on besides the
data — the term's dates, the year's terms shown, the course's place, the scale and the forecast
thresholds of the school's policy — is part of the cache key instead.

``cached_grid`` keeps the grid of a (course, term) in the ``journal`` cache under that key,
``grid_outline`` its lessons without the rows, ``cached_rendering`` the page's head and body of
it rendered, under the same key with the language and what else the rendering shows (who may
edit which lesson, today's): the page with its grid in the cache loads neither the rows nor
builds a cell;
``cached`` keeps any read model of journals under their versions (the diary's marks of a term,
``diary.queries.term_marks``, and its week, ``diary.queries.week``). A reader that read the
version before a concurrent write committed may store a grid with the write's data under the
old version: no reader after the commit asks for that key. A grid is the same for every reader
(who may edit which cell is the page's decision), so the teachers and the administration share
it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.cache import caches
from django.db.models.signals import post_delete, post_save
from django.utils.translation import get_language

from zhurnal.school.courses import (
    bump_journal_version,
    bump_journal_versions,
    courses_of_class,
    courses_of_student,
)
from zhurnal.school.models import (
    Course,
    Enrollment,
    GroupMembership,
    Staff,
    Student,
    Subject,
    Term,
)
from zhurnal.timetable.models import Lesson

from .models import (
    Absence,
    AbsenceDay,
    Attendance,
    GradeColumn,
    Homework,
    HomeworkAttachment,
    Mark,
    PeriodMark,
    RollCall,
    StudentNote,
    WorkType,
)
from .policy import policy_of, scale_of
from .queries import GridLesson, JournalGrid, journal_grid

CACHE = "journal"
# Part of every key: a change of the cached objects' shape must not read those cached before it.
CACHE_FORMAT = 1


# --- bumping ----------------------------------------------------------------------------------


def _cached(instance, name: str):
    """The related object ``name`` if it came with ``instance`` (no query), else None."""
    field = instance._meta.get_field(name)
    return getattr(instance, name) if field.is_cached(instance) else None


def _of_lesson(sender, instance, **kwargs) -> None:
    lesson = _cached(instance, "lesson")
    if lesson is not None:  # the services' entries come with their lesson
        bump_journal_version(lesson.course_id)
    else:
        bump_journal_versions(
            Course.objects.filter(
                pk__in=Lesson.objects.filter(pk=instance.lesson_id).values("course")
            )
        )


def _of_course(sender, instance, **kwargs) -> None:
    bump_journal_version(instance.course_id)


def _of_mark(sender, instance, **kwargs) -> None:
    column = _cached(instance, "column")
    lesson = _cached(column, "lesson") if column is not None else None
    if lesson is not None:  # a mark saved comes with its column and lesson
        bump_journal_version(lesson.course_id)
    else:
        bump_journal_versions(
            Course.objects.filter(
                pk__in=GradeColumn.objects.filter(pk=instance.column_id).values("lesson__course")
            )
        )


def _of_homework(sender, instance, **kwargs) -> None:
    bump_journal_versions(
        Course.objects.filter(
            pk__in=Homework.objects.filter(pk=instance.homework_id).values("lesson__course")
        )
    )


def _of_subject(sender, instance, **kwargs) -> None:
    bump_journal_versions(Course.objects.filter(subject_id=instance.pk))


def _of_enrollment(sender, instance, **kwargs) -> None:
    bump_journal_versions(courses_of_class(instance.school_class_id))


def _of_membership(sender, instance, **kwargs) -> None:
    bump_journal_versions(Course.objects.filter(group_id=instance.group_id))


def _of_student(sender, instance, **kwargs) -> None:
    bump_journal_versions(
        courses_of_student(instance.pk if sender is Student else instance.student_id)
    )


def _of_school(sender, instance, **kwargs) -> None:
    bump_journal_versions(Course.objects.filter(school_id=instance.school_id))


RECEIVERS = (
    (Lesson, _of_course),
    (PeriodMark, _of_course),
    (Homework, _of_lesson),
    (RollCall, _of_lesson),
    (GradeColumn, _of_lesson),
    (Attendance, _of_lesson),
    (StudentNote, _of_lesson),
    (HomeworkAttachment, _of_homework),
    (Mark, _of_mark),
    (Enrollment, _of_enrollment),
    (GroupMembership, _of_membership),
    (Absence, _of_student),
    (AbsenceDay, _of_student),
    (Student, _of_student),
    (Staff, _of_school),
    (Subject, _of_subject),
    (WorkType, _of_school),
)


def connect() -> None:
    """Connect the receivers (``JournalConfig.ready``)."""
    for model, receiver in RECEIVERS:
        uid = f"journal.freshness.{model._meta.label}"
        post_save.connect(receiver, sender=model, dispatch_uid=uid)
        post_delete.connect(receiver, sender=model, dispatch_uid=uid)


# --- the cache --------------------------------------------------------------------------------


def cached(prefix: str, facts: tuple, build, *, cache_name: str = CACHE):
    """``build()``'s result kept in a cache (the ``journal`` cache, or ``cache_name``) under
    ``facts`` — which must hold the journal versions of every course the result reads, and
    whatever else it depends on."""
    digest = hashlib.blake2b(repr((CACHE_FORMAT, *facts)).encode(), digest_size=16).hexdigest()
    cache = caches[cache_name]
    key = f"{prefix}:{digest}"
    result = cache.get(key)
    if result is None:
        result = build()
        cache.set(key, result)
    return result


def _grid_facts(course: Course, term: Term, year_terms: Sequence[Term]) -> tuple:
    """What ``queries.journal_grid`` of the course reads besides its rows: the version, which
    every write bumps, the course's place, the scale and the forecast thresholds, the term's
    dates and the year's terms."""
    policy = policy_of(course.school if Course.school.is_cached(course) else course.school_id)
    return (
        course.pk,
        course.journal_version,
        course.school_class_id,
        course.group_id,
        scale_of(course, policy),
        repr(policy.forecast_thresholds),
        term.pk,
        term.start,
        term.end,
        tuple(t.pk for t in year_terms),
    ), policy


def cached_grid(course: Course, term: Term, *, year_terms: Sequence[Term] = ()) -> JournalGrid:
    """``queries.journal_grid`` of the course (loaded with its ``journal_version``, as the
    journal's entry points load it), from the cache when its version's grid is there. The key
    holds the version and everything else the grid depends on."""
    facts, policy = _grid_facts(course, term, year_terms)
    grid = cached(
        "journal-grid",
        facts,
        lambda: journal_grid(course, term, policy=policy, year_terms=year_terms),
    )
    # The request's own objects, not the copies made when the grid was cached.
    grid.course, grid.term = course, term
    return grid


@dataclass
class GridOutline:
    """A grid without its rows: its scale and lessons (dates, columns, homework, roll calls),
    what the page decides the editable lessons from before it asks for the rendered rows."""

    scale: str
    lessons: list[GridLesson]


def grid_outline(course: Course, term: Term, *, year_terms: Sequence[Term] = ()) -> GridOutline:
    """The outline of ``cached_grid``'s grid, kept under the same key: a tenth of its size, so
    the page that finds its rendering in the cache (``cached_rendering``) never loads the rows."""
    facts, _policy = _grid_facts(course, term, year_terms)

    def build() -> GridOutline:
        grid = cached_grid(course, term, year_terms=year_terms)
        return GridOutline(scale=grid.scale, lessons=grid.lessons)

    return cached("journal-grid-outline", facts, build)


def cached_rendering(
    course: Course, term: Term, render, *, year_terms: Sequence[Term] = (), facts: tuple
):
    """``render(grid)`` of ``cached_grid``'s grid, kept under the grid's key, the language and
    ``facts`` — everything else the rendering reads (who may edit which lesson, today's
    lesson, the period marks' columns…). A write bumps the version, so it is never stale."""
    grid_facts, _policy = _grid_facts(course, term, year_terms)
    return cached(
        "journal-grid-html",
        (*grid_facts, get_language(), *facts),
        lambda: render(cached_grid(course, term, year_terms=year_terms)),
    )
