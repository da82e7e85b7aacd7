"""`zhurnal region`: demo schools written with PostgreSQL's COPY (zhurnal.ops.demo.region,
``fastrows.copy``): the rows as the demo's, their ids from the sequences, the invariants of
the journal; on SQLite the command refuses clearly."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from io import StringIO

import psycopg
import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Exists, F, OuterRef, Q

from zhurnal.accounts.models import User
from zhurnal.audit.models import AuditEvent
from zhurnal.journal import models as j
from zhurnal.ops import bench
from zhurnal.ops.demo import DEMO_LOGINS, fastrows
from zhurnal.ops.demo.region import generate_region
from zhurnal.school import models as m
from zhurnal.timetable.models import Lesson, TimetableEntry

TODAY = date(2026, 11, 22)


def on_postgres() -> bool:
    return connection.vendor == "postgresql"


def region(schools: int = 2, jobs: int = 1) -> Counter:
    with time_machine.travel(TODAY, tick=False):
        return generate_region(schools=schools, size="small", jobs=jobs)


@pytest.mark.django_db
def test_sqlite_is_refused_with_a_clear_message():
    if on_postgres():
        pytest.skip("the refusal is for databases other than PostgreSQL")
    with pytest.raises(CommandError, match="needs PostgreSQL"):
        call_command("region", "--schools", "1", "--size", "small", stdout=StringIO())


@pytest.mark.django_db
def test_a_tiny_region_holds_the_demo_rows_and_keeps_the_journal_invariants():
    if not on_postgres():
        pytest.skip("COPY is PostgreSQL's")
    counts = region()

    # The rows counted by the generator are those in the tables.
    assert counts["schools"] == m.School.objects.count() == 2
    for key, model in (
        ("students", m.Student),
        ("classes", m.SchoolClass),
        ("guardians", m.Guardian),
        ("timetable_entries", TimetableEntry),
        ("lessons", Lesson),
        ("mark_columns", j.GradeColumn),
        ("marks", j.Mark),
        ("attendance", j.Attendance),
        ("homework", j.Homework),
        ("period_marks", j.PeriodMark),
    ):
        assert model.objects.count() == counts[key] > 0, key
    assert AuditEvent.objects.filter(action="movement").count() == counts["students"]
    # Both schools are full: each has its lessons and marks.
    for school in m.School.objects.all():
        assert j.Mark.objects.filter(school=school).count() > 1000
        assert Lesson.objects.filter(school=school).count() > 1000

    # Every mark's student is on the roster of the mark's course (its class or its group).
    lesson_course = "column__lesson__course__"
    on_roster = Q(
        Exists(
            m.Enrollment.objects.filter(
                student=OuterRef("student"), school_class=OuterRef(lesson_course + "school_class")
            )
        )
    ) | Q(
        Exists(
            m.GroupMembership.objects.filter(
                student=OuterRef("student"), group=OuterRef(lesson_course + "group")
            )
        )
    )
    assert not j.Mark.objects.exclude(on_roster).exists()
    assert not j.Mark.objects.exclude(school=F("student__school")).exists()

    # Every lesson is in a quarter of its school's year, on a school day, not on a holiday
    # of the whole school.
    for school in m.School.objects.all():
        quarters = list(
            m.Term.objects.filter(school=school, kind=m.TermKind.QUARTER).values_list(
                "start", "end"
            )
        )
        off = set()
        for holiday in m.Holiday.objects.filter(school=school, grade_levels=None):
            off |= {
                holiday.start + timedelta(days=k)
                for k in range((holiday.end - holiday.start).days + 1)
            }
        days = set(Lesson.objects.filter(school=school).values_list("date", flat=True))
        assert days
        for day in days:
            assert any(start <= day <= end for start, end in quarters), day
            assert day.isoweekday() <= school.week_days, day
            assert day not in off, day

    # The first school holds the demo logins: the benchmark finds what it needs.
    assert set(
        User.objects.filter(username__in=[d.username for d in DEMO_LOGINS]).values_list(
            "username", flat=True
        )
    ) == {d.username for d in DEMO_LOGINS}
    with time_machine.travel(TODAY, tick=False):
        fixture = bench.find_fixture()
    assert fixture.school == m.School.objects.order_by("pk").first().pk


@pytest.mark.django_db
def test_the_ids_come_from_the_sequences_so_a_later_insert_works():
    if not on_postgres():
        pytest.skip("COPY is PostgreSQL's")
    out = StringIO()
    with time_machine.travel(TODAY, tick=False):
        call_command("region", "--schools", "1", "--size", "small", stdout=out)
    assert "1/1 СОШ № 1: 104 students" in out.getvalue()
    assert f"{m.Student.objects.count()} students" in out.getvalue()
    with pytest.raises(CommandError, match="already has 1 school"):
        call_command("region", "--schools", "1", stdout=StringIO())
    for model in (j.Mark, j.Attendance, j.Homework, m.Student, AuditEvent):
        newest = model.objects.order_by("-pk").first()
        largest = newest.pk
        if model in (j.Mark, j.Attendance, j.Homework):  # its cell free again
            newest.delete()
        newest.pk = None
        newest._state.adding = True
        if model is m.Student:
            newest.personal_file_number += "-2"
        newest.save()  # the ORM's INSERT: its id from the sequence
        assert newest.pk > largest, model
    lesson = Lesson.objects.order_by("-pk").first()
    largest = lesson.pk
    lesson.pk = None
    lesson._state.adding = True
    lesson.number = lesson.slot_number = 9
    lesson.save()
    assert lesson.pk > largest


@pytest.mark.django_db(transaction=True)
@pytest.mark.skip(
    reason="an open defect of --jobs (issue 18): in the whole suite a forked job's connection "
    "read another statement's results (twice) or sent a query during a COPY (once); alone "
    "it passes. Unskip with the fix (the jobs as fresh processes, not forks)."
)
def test_two_jobs_write_their_schools_with_distinct_usernames():
    if not on_postgres():
        pytest.skip("COPY is PostgreSQL's")
    counts = region(schools=3, jobs=2)
    assert m.School.objects.count() == counts["schools"] == 3
    assert sorted(m.School.objects.values_list("short_name", flat=True)) == [
        "СОШ № 1",
        "СОШ № 2",
        "СОШ № 3",
    ]
    usernames = list(User.objects.values_list("username", flat=True))
    assert len(usernames) == len(set(usernames)) == counts["users"]
    assert j.Mark.objects.count() == counts["marks"]


@pytest.mark.django_db
def test_a_username_written_or_being_written_elsewhere_is_not_claimed():
    if not on_postgres():
        pytest.skip("advisory locks are PostgreSQL's")
    User.objects.create(username="ivanova.ap")
    other = psycopg.connect(**connection.get_connection_params(), autocommit=True)
    try:
        # Another job is writing "petrov.ii": it holds the name's lock.
        other.execute(
            "SELECT pg_advisory_lock(%s, hashtext(%s))", [fastrows.UNIQUE_LOCK, "petrov.ii"]
        )
        claimed = fastrows.claim_unique(User, "username", ["ivanova.ap", "petrov.ii", "sidorov.vv"])
    finally:
        other.close()
    assert claimed == {"sidorov.vv"}
