"""Turning a migrated PostgreSQL database into a distributed one on Citus (docs/scaling.md).

Zhurnal's schema is the same on SQLite, PostgreSQL and Citus; Citus only asks more of it than
the migrations give, and ``distribute`` makes up the difference on the coordinator after every
``migrate`` (the first time for every table, later for what the new migrations added):

* a school-owned table (a non-null ``school_id``) is *distributed* by ``school_id``, all of
  them co-located, so that one school's rows of every table sit on one node;
* the shared tables — the schools themselves and their settings (one row per school), the
  users, Django's permission tables and the many-to-many tables between school-owned rows that
  carry no ``school_id`` — are *reference* tables, copied to every node, so that any node joins
  them with its shards;
* what only the application server uses by key (sessions, the task queue, lockout records,
  backups) stays *local* on the coordinator, as does a table whose ``school_id`` may be null
  (the audit trail keeps server-wide events without a school).

Citus requires, for a distributed table, that no column be an identity column (Django's
``BigAutoField`` is one: it becomes a sequence default), that its primary key and every unique
constraint include ``school_id`` (the id stays first, so a look-up by id alone still uses the
index on each shard), and that a foreign key to another distributed table include it on both
sides. Foreign keys are dropped first and re-created last, composite where both sides are
distributed: a table that has a foreign key to a reference table becomes a Citus-managed table
on which the identity can no longer be dropped (the order that works, found on the cluster). A
foreign key Citus cannot keep (from a reference or local table to a distributed one) is
dropped and reported: the application's own checks (every write goes through a service) keep
those links.

Nothing here runs on SQLite or plain PostgreSQL: the schema and the code stay as they are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import connection, transaction

SCHOOL_COLUMN = "school_id"

# Shared tables without a school: the tenant list, the people and Django's permission tables.
# The memberships too, though they have a school: every request reads them by user across all
# the user's schools, which a reference table answers on one node (``accounts.memberships``
# then reads the standing in each school by its id: one shard per school).
_SHARED_APPS = {"auth", "contenttypes", "accounts"}
_SHARED_TABLES = {"school_school", "notifications_preference", "accounts_membership"}


@dataclass
class Layout:
    """Which table goes where (the module's docstring says why)."""

    distributed: list[str] = field(default_factory=list)
    reference: list[str] = field(default_factory=list)
    local: list[str] = field(default_factory=list)


@dataclass
class ForeignKey:
    name: str
    table: str
    columns: list[str]
    target: str
    target_columns: list[str]
    definition: str


@dataclass
class Report:
    """What ``distribute`` did, for the command's output."""

    layout: Layout
    # the tables this run distributed or made reference tables (all of them the first time)
    distributed: list[str] = field(default_factory=list)
    reference: list[str] = field(default_factory=list)
    sequences: int = 0
    keys_widened: list[str] = field(default_factory=list)
    foreign_keys_kept: int = 0
    foreign_keys_composite: int = 0
    foreign_keys_dropped: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(
            self.distributed
            or self.reference
            or self.sequences
            or self.keys_widened
            or self.foreign_keys_kept
            or self.foreign_keys_composite
            or self.foreign_keys_dropped
        )


def _school_column_nullable(cursor) -> dict[str, bool]:
    cursor.execute(
        "SELECT table_name, is_nullable = 'YES' FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND column_name = %s",
        [SCHOOL_COLUMN],
    )
    return dict(cursor.fetchall())


def _one_per_school(model) -> bool:
    """A school's settings (its journal policy, oversight policy, exchange policy): one row per
    school, read with the school's row (``select_related("school__journal_policy")``), which
    Citus joins only when both are reference tables (a reference table outer-joined to a
    distributed one is refused)."""
    try:
        field = model._meta.get_field("school")
    except FieldDoesNotExist:
        return False
    return field.concrete and field.unique


def layout(cursor) -> Layout:
    """Classify every table of Zhurnal's models (the rules in the module's docstring)."""
    nullable = _school_column_nullable(cursor)
    result = Layout()
    tables = sorted(
        {
            model._meta.db_table: model
            for model in apps.get_models(include_auto_created=True)
            if model._meta.managed
        }.items()
    )
    for table, model in tables:
        if table in _SHARED_TABLES or _one_per_school(model):
            result.reference.append(table)
        elif table in nullable and not nullable[table]:
            result.distributed.append(table)
        elif model._meta.auto_created or model._meta.app_label in _SHARED_APPS:
            result.reference.append(table)
        else:
            result.local.append(table)
    return result


def _citus_tables(cursor) -> dict[str, str]:
    """The tables Citus already manages: ``distributed``, ``reference`` or ``local``."""
    cursor.execute(
        "SELECT logicalrelid::regclass::text, CASE WHEN partmethod = 'h' THEN 'distributed' "
        "WHEN repmodel = 't' THEN 'reference' ELSE 'local' END FROM pg_dist_partition"
    )
    return dict(cursor.fetchall())


def prepare_nodes(cursor, workers: list[tuple[str, int]]) -> None:
    """Make this database a Citus one: the extension here, the coordinator and the workers
    registered. A new database (a test database, a region's) knows no nodes; the workers are
    those of the maintenance database's cluster unless given, and each gets a new database of
    the same name with the extension (Citus keeps one cluster per database)."""
    import psycopg  # the PostgreSQL driver: only here, on a PostgreSQL connection

    params = connection.get_connection_params()
    name = connection.settings_dict["NAME"]
    host = params.get("host") or "127.0.0.1"
    port = int(params.get("port") or 5432)
    user = params.get("user") or "postgres"
    if not workers:
        with psycopg.connect(host=host, port=port, user=user, dbname="postgres") as maint:
            workers = maint.execute(
                "SELECT nodename, nodeport FROM pg_dist_node "
                "WHERE groupid <> 0 AND noderole = 'primary' ORDER BY nodeid"
            ).fetchall()
    for worker_host, worker_port in workers:
        with psycopg.connect(
            host=worker_host, port=worker_port, user=user, dbname="postgres", autocommit=True
        ) as node:
            # a copy left by an earlier database of this name (dropped on the coordinator
            # only: Citus does not drop the workers' copies) holds stale shards
            node.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            node.execute(f'CREATE DATABASE "{name}"')
        with psycopg.connect(
            host=worker_host, port=worker_port, user=user, dbname=name, autocommit=True
        ) as node:
            node.execute("CREATE EXTENSION IF NOT EXISTS citus")
    cursor.execute("CREATE EXTENSION IF NOT EXISTS citus")
    cursor.execute("SELECT citus_set_coordinator_host(%s, %s)", [host, port])
    for worker_host, worker_port in workers:
        cursor.execute(
            "SELECT 1 FROM pg_dist_node WHERE nodename = %s AND nodeport = %s",
            [worker_host, worker_port],
        )
        if cursor.fetchone() is None:
            cursor.execute("SELECT citus_add_node(%s, %s)", [worker_host, worker_port])


def _foreign_keys(cursor, tables: set[str]) -> list[ForeignKey]:
    cursor.execute(
        """
        SELECT c.conname, c.conrelid::regclass::text, c.confrelid::regclass::text,
               ARRAY(SELECT a.attname FROM unnest(c.conkey) k
                     JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k),
               ARRAY(SELECT a.attname FROM unnest(c.confkey) k
                     JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k),
               pg_get_constraintdef(c.oid)
        FROM pg_constraint c
        JOIN pg_namespace n ON n.oid = c.connamespace
        WHERE c.contype = 'f' AND n.nspname = current_schema()
        ORDER BY 2, 1
        """
    )
    return [
        ForeignKey(name, table, list(cols), target, list(target_cols), definition)
        for name, table, target, cols, target_cols, definition in cursor.fetchall()
        if table in tables or target in tables
    ]


def _model_foreign_keys(tables: set[str]) -> list[ForeignKey]:
    """The foreign keys the models declare from or to ``tables``, named and defined as Django's
    migrations create them (``migrate`` on a distributed database leaves out those Citus would
    refuse: ``zhurnal.core.citus_backend``)."""
    editor = connection.SchemaEditorClass(connection)
    keys = {}
    for model in apps.get_models(include_auto_created=True):
        for fk in model._meta.local_fields:
            if not (fk.is_relation and fk.many_to_one and fk.db_constraint):
                continue
            table, target = model._meta.db_table, fk.target_field.model._meta.db_table
            if not (model._meta.managed and fk.target_field.model._meta.managed):
                continue
            if table not in tables and target not in tables:
                continue
            name = str(editor._fk_constraint_name(model, fk, "_fk_%(to_table)s_%(to_column)s"))
            column, target_column = fk.column, fk.target_field.column
            keys[(table, column)] = ForeignKey(
                name.strip('"'),
                table,
                [column],
                target,
                [target_column],
                f'FOREIGN KEY ("{column}") REFERENCES "{target}" ("{target_column}") '
                "DEFERRABLE INITIALLY DEFERRED",
            )
    return list(keys.values())


def _missing_foreign_keys(
    distributed: set[str], reference: set[str], existing: set[str], present: list[ForeignKey]
) -> list[ForeignKey]:
    """The models' foreign keys not in the database, in either form (``(x_id)`` or, composite,
    ``(school_id, x_id)``), that Citus can keep: between two distributed tables, or to a
    reference table (the others were dropped and listed when their tables were placed)."""
    there = {
        (key.table, next((c for c in key.columns if c != SCHOOL_COLUMN), SCHOOL_COLUMN))
        for key in present
    }
    return [
        key
        for key in _model_foreign_keys(distributed | reference)
        if (key.table, key.columns[0]) not in there
        and (key.target in reference or {key.table, key.target} <= distributed)
        and key.table in existing
    ]


def _identity_to_sequence(cursor, table: str) -> int:
    """``GENERATED BY DEFAULT AS IDENTITY`` → a sequence owned by the column, at the same next
    value (Citus refuses identity columns on distributed tables)."""
    cursor.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass "
        "AND attidentity <> '' AND NOT attisdropped",
        [table],
    )
    count = 0
    for (column,) in cursor.fetchall():
        sequence = f"{table}_{column}_seq"
        # names from the catalog, not from input
        cursor.execute(f'SELECT coalesce(max("{column}"), 0) + 1 FROM "{table}"')  # noqa: S608
        start = cursor.fetchone()[0]
        cursor.execute(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" DROP IDENTITY')
        cursor.execute(
            f'CREATE SEQUENCE "{sequence}" START WITH {int(start)} OWNED BY "{table}"."{column}"'
        )
        cursor.execute(
            f'ALTER TABLE "{table}" ALTER COLUMN "{column}" '
            f"SET DEFAULT nextval('\"{sequence}\"'::regclass)"
        )
        count += 1
    return count


def _widen_keys(cursor, table: str) -> list[str]:
    """The primary key → (id, school_id); each unique constraint or unique index without
    ``school_id`` → the same with ``school_id`` first. Uniqueness within a school is what every
    such rule means (a lesson's one roll call, a column's one mark per student)."""
    widened = []
    cursor.execute(
        """
        SELECT c.conname, c.contype, pg_get_constraintdef(c.oid),
               ARRAY(SELECT a.attname FROM unnest(c.conkey) k
                     JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k)
        FROM pg_constraint c WHERE c.conrelid = %s::regclass AND c.contype IN ('p', 'u')
        """,
        [table],
    )
    for name, kind, definition, columns in cursor.fetchall():
        if SCHOOL_COLUMN in columns:
            continue
        cols = ", ".join(f'"{c}"' for c in columns)
        if kind == "p":
            new = f'PRIMARY KEY ({cols}, "{SCHOOL_COLUMN}")'
        else:
            suffix = definition[definition.index(")") + 1 :]  # e.g. DEFERRABLE, NULLS NOT ...
            new = f'UNIQUE ("{SCHOOL_COLUMN}", {cols}){suffix}'
        cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
        cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {new}')
        widened.append(f"{table}.{name}")
    # Unique indexes that are not constraints: Django's conditional or expression uniques.
    cursor.execute(
        """
        SELECT i.relname, pg_get_indexdef(x.indexrelid),
               ARRAY(SELECT a.attname FROM unnest(x.indkey) k
                     JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k)
        FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
        WHERE x.indrelid = %s::regclass AND x.indisunique
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
        """,
        [table],
    )
    for name, definition, columns in cursor.fetchall():
        if SCHOOL_COLUMN in columns:
            continue
        new = re.sub(r"USING (\w+) \(", rf'USING \1 ("{SCHOOL_COLUMN}", ', definition, count=1)
        cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute(new)
        widened.append(f"{table}.{name}")
    return widened


def distribute(*, shard_count: int = 32, workers: list[tuple[str, int]] | None = None) -> Report:
    """Distribute this (migrated, PostgreSQL) database's tables on its Citus cluster, keeping
    its rows; on a database already distributed, only what is not yet in place (the tables and
    foreign keys of the migrations since). Run on the coordinator after every ``migrate``,
    before the application serves (docs/scaling.md, "Migrations on a live cluster")."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'citus'")
        if cursor.fetchone() is None:
            prepare_nodes(cursor, workers or [])
    # All or nothing: a refusal half-way leaves the database as migrate made it.
    with transaction.atomic(), connection.cursor() as cursor:
        # one connection per worker in the transaction: DDL and the moved rows see each other
        cursor.execute("SET LOCAL citus.multi_shard_modify_mode TO 'sequential'")
        plan = layout(cursor)
        # a model whose migration has not run here yet is left for the run after that migrate
        existing = set(connection.introspection.table_names(cursor))
        for tables in (plan.distributed, plan.reference, plan.local):
            tables[:] = [t for t in tables if t in existing]
        placed = _citus_tables(cursor)
        report = Report(plan)
        report.distributed = [t for t in plan.distributed if placed.get(t) != "distributed"]
        report.reference = [t for t in plan.reference if placed.get(t) != "reference"]
        distributed, reference = set(plan.distributed), set(plan.reference)
        new = set(report.distributed) | set(report.reference)
        keys = _foreign_keys(cursor, new)
        missing = _missing_foreign_keys(
            distributed, reference, existing, _foreign_keys(cursor, distributed | reference)
        )
        for key in keys:
            cursor.execute(f'ALTER TABLE "{key.table}" DROP CONSTRAINT "{key.name}"')
        # every table: a local one with a foreign key to a reference table becomes Citus-managed
        # too, and its identity's next value was seen lost on the way
        for table in plan.distributed + plan.reference + plan.local:
            report.sequences += _identity_to_sequence(cursor, table)
        for table in report.distributed:
            report.keys_widened += _widen_keys(cursor, table)
        for table in report.reference:
            cursor.execute("SELECT create_reference_table(%s)", [table])
        # co-located with the tables distributed before, else the first one sets the shards
        anchor = next((t for t in plan.distributed if placed.get(t) == "distributed"), None)
        for table in report.distributed:
            if anchor is None:
                anchor = table
                cursor.execute(
                    "SELECT create_distributed_table(%s, %s, shard_count => %s)",
                    [table, SCHOOL_COLUMN, shard_count],
                )
            else:
                cursor.execute(
                    "SELECT create_distributed_table(%s, %s, colocate_with => %s)",
                    [table, SCHOOL_COLUMN, anchor],
                )
        for key in keys + missing:
            _restore_foreign_key(cursor, key, distributed, reference, report)
    return report


def _restore_foreign_key(cursor, key: ForeignKey, distributed, reference, report) -> None:
    if key.table in distributed and key.target in distributed:
        if SCHOOL_COLUMN in key.columns:
            columns, target_columns = key.columns, key.target_columns
        else:
            columns = [SCHOOL_COLUMN, *key.columns]
            target_columns = [SCHOOL_COLUMN, *key.target_columns]
        tail = " DEFERRABLE INITIALLY DEFERRED" if "DEFERRABLE" in key.definition else ""
        definition = (
            f"FOREIGN KEY ({', '.join(columns)}) "
            f'REFERENCES "{key.target}" ({", ".join(target_columns)}){tail}'
        )
        report.foreign_keys_composite += 1
    elif key.target in reference:
        # from a local table too: the table becomes Citus-managed, joinable with references
        definition = key.definition
        report.foreign_keys_kept += 1
    else:
        report.foreign_keys_dropped.append(f"{key.table}.{key.name} → {key.target}")
        return
    cursor.execute(f'ALTER TABLE "{key.table}" ADD CONSTRAINT "{key.name}" {definition}')
