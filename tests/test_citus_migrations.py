"""Migrations on a live cluster (docs/scaling.md): ``zhurnal migrate && zhurnal distribute`` on
every upgrade. ``migrate`` creates a new school-owned table as a local table and leaves out the
foreign keys Citus would refuse; the next ``distribute`` places the new table, widens its keys
and creates those foreign keys, and a run with everything in place does nothing.

Only on a Citus coordinator (``make test-citus``); the cases change the session's (distributed)
test database and leave it as they found it.
"""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from zhurnal.journal.models import AbsenceDay, Mark

from .factories import StudentFactory

NEW_TABLE = "journal_absenceday"  # journal 0004, the class teacher's absence sheet


@pytest.fixture
def citus(django_db_setup, django_db_blocker):
    """The session's test database, outside a test's transaction, when it is on Citus."""
    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            pytest.skip("Citus only (make test-citus)")
        with connection.cursor() as cursor:
            cursor.execute("SHOW shared_preload_libraries")
            if "citus" not in cursor.fetchone()[0]:
                pytest.skip("Citus only (make test-citus)")
        yield
        # as the session found it, even when a case failed half-way
        call_command("migrate", verbosity=0)
        call_command("distribute", verbosity=0)


def _distribute() -> str:
    out = StringIO()
    call_command("distribute", stdout=out)
    return out.getvalue()


def _one(sql: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def _constraints(table: str) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass",
            [table],
        )
        return dict(cursor.fetchall())


def _colocation(table: str):
    row = _one(
        "SELECT partmethod, colocationid FROM pg_dist_partition WHERE logicalrelid = %s::regclass",
        [table],
    )
    return row and tuple(row)


def test_a_migrations_new_school_table_is_distributed_by_the_next_run(citus):
    call_command("migrate", "journal", "0003", verbosity=0)  # as before the absence sheet
    assert _one("SELECT to_regclass(%s)", [NEW_TABLE])[0] is None

    call_command("migrate", "journal", verbosity=0)  # the upgrade: a new school-owned table
    assert _colocation(NEW_TABLE) is None  # local on the coordinator
    keys = _constraints(NEW_TABLE)
    # its foreign keys point to Citus tables (school, user, student): left to distribute
    assert not [d for d in keys.values() if d.startswith("FOREIGN KEY")]
    assert keys[f"{NEW_TABLE}_pkey"] == "PRIMARY KEY (id)"

    out = _distribute()
    assert "distributed: journal_absenceday" in out
    assert "Distributed by school_id now: 1 tables" in out
    assert _colocation(NEW_TABLE) == _colocation("journal_mark")  # co-located, hash
    assert _colocation(NEW_TABLE)[0] == "h"
    keys = _constraints(NEW_TABLE)
    assert keys[f"{NEW_TABLE}_pkey"] == "PRIMARY KEY (id, school_id)"
    assert keys["absence_day_unique"] == "UNIQUE (school_id, student_id, date)"
    foreign = sorted(d for d in keys.values() if d.startswith("FOREIGN KEY"))
    assert foreign == [
        "FOREIGN KEY (entered_by_id) REFERENCES accounts_user(id) DEFERRABLE INITIALLY DEFERRED",
        "FOREIGN KEY (school_id) REFERENCES school_school(id) DEFERRABLE INITIALLY DEFERRED",
        "FOREIGN KEY (school_id, student_id) REFERENCES school_student(school_id, id) "
        "DEFERRABLE INITIALLY DEFERRED",
    ]
    default = _one(
        "SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef WHERE adrelid = %s::regclass",
        [NEW_TABLE],
    )[0]
    assert default == "nextval('journal_absenceday_id_seq'::regclass)"  # not an identity

    assert "Everything is in place: nothing to do" in _distribute()


def test_a_foreign_key_between_school_tables_left_out_by_migrate_is_created_composite(citus):
    field = Mark._meta.get_field("student")
    name = next(
        n for n, d in _constraints("journal_mark").items() if "(school_id, student_id)" in d
    )
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER TABLE journal_mark DROP CONSTRAINT "{name}"')
    # what a migration's AddField runs: Django's plain key, refused by Citus, is left out
    with connection.schema_editor() as editor:
        editor.execute(editor._create_fk_sql(Mark, field, "_fk_%(to_table)s_%(to_column)s"))
    assert name not in _constraints("journal_mark")

    out = _distribute()
    assert "foreign keys created composite: 1, to reference tables: 0, dropped: 0" in out
    assert _constraints("journal_mark")[name] == (
        "FOREIGN KEY (school_id, student_id) REFERENCES school_student(school_id, id) "
        "DEFERRABLE INITIALLY DEFERRED"
    )
    assert "nothing to do" in _distribute()


@pytest.mark.django_db
def test_the_application_writes_and_reads_the_new_table_on_the_cluster():
    """After the runs above: a row saved, updated and read through the ORM (ZHURNAL_CITUS)."""
    student = StudentFactory()
    now = timezone.now()
    day = AbsenceDay.objects.create(
        school=student.school,
        student=student,
        date=date(2026, 12, 7),
        reason="Б",
        whole_day=True,
        entered_at=now,
        changed_at=now,
    )
    day.reason = "У"
    day.save()  # by id and school, school_id not rewritten
    row = AbsenceDay.objects.select_related("student").get(school=student.school, pk=day.pk)
    assert (row.reason, row.student.last_name) == ("У", student.last_name)
    assert student.absence_days.get().pk == day.pk
