"""Plain rows for the big demo tables (lessons and the journal), inserted without the ORM.

A year of lessons and a term of marks are some 100 000 rows per school: building model
instances and letting ``bulk_create`` prepare them would take most of the time of a 20-school
benchmark. A ``Row`` is a bag of attributes named after the model's fields (a related object
is anything with ``pk``: a saved model instance or another ``Row``); ``insert`` gives the rows
their primary keys (after the table's largest one) and writes them with multi-row INSERTs,
values prepared once per distinct value by the fields themselves. ``reset_sequences`` brings
PostgreSQL's id sequences past the explicit keys (SQLite's AUTOINCREMENT follows by itself).

On PostgreSQL (and Citus) ``copy`` writes the same rows — a ``Row`` or an unsaved model
instance — with ``COPY … FROM STDIN`` (psycopg 3's ``cursor.copy``), their ids drawn in one
block from the table's own sequence (``nextval``), so the sequence is already past them and
several writers (processes, or the application) can insert into the table at the same time.
That is the region generator's path (``zhurnal region``, docs/scaling.md).
"""

from __future__ import annotations

from django.core.management.color import no_style
from django.db import connection
from django.db.models import Model
from django.db.models.fields import Field
from django.utils import timezone

_PLAIN = frozenset(
    {
        "CharField",
        "TextField",
        "IntegerField",
        "SmallIntegerField",
        "BigIntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "PositiveBigIntegerField",
        "BooleanField",
    }
)


class Row:
    """One row to insert; ``pk`` is set by ``insert``."""

    pk: int | None = None

    def __init__(self, **values) -> None:
        self.__dict__.update(values)


def insert(model: type[Model], rows: list[Row]) -> None:
    if not rows:
        return
    opts = model._meta
    qn = connection.ops.quote_name
    table = qn(opts.db_table)
    pk_column = qn(opts.pk.column)
    with connection.cursor() as cursor:
        # Names from the model's metadata, quoted; no user input.
        cursor.execute(f"SELECT MAX({pk_column}) FROM {table}")  # noqa: S608
        start = (cursor.fetchone()[0] or 0) + 1
    for offset, row in enumerate(rows):
        row.pk = start + offset
    fields = [f for f in opts.concrete_fields if not f.primary_key]
    now = timezone.now()
    getters = []
    for f in fields:
        getters.append(_getter(f, now))
    columns = ", ".join([pk_column, *(qn(f.column) for f in fields)])
    width = len(fields) + 1
    limit = connection.features.max_query_params or 10000
    batch = max(1, min(1000, limit // width))
    one = "(" + ", ".join(["%s"] * width) + ")"
    sql = f"INSERT INTO {table} ({columns}) VALUES "  # noqa: S608 (names from the model)
    with connection.cursor() as cursor:
        for i in range(0, len(rows), batch):
            chunk = rows[i : i + batch]
            params = []
            for row in chunk:
                params.append(row.pk)
                params.extend(get(row) for get in getters)
            cursor.execute(sql + ", ".join([one] * len(chunk)), params)


def _getter(field, now):
    name = field.name
    if field.is_relation:

        def related(row):
            obj = getattr(row, name, None)
            return None if obj is None else obj.pk

        return related
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        value = field.get_db_prep_save(now, connection)
        return lambda row: value
    default = field.get_default()
    if field.get_internal_type() in _PLAIN:
        return lambda row: getattr(row, name, default)
    memo: dict = {}

    def prepared(row):
        value = getattr(row, name, default)
        try:
            return memo[value]
        except KeyError:
            memo[value] = result = field.get_db_prep_save(value, connection)
            return result
        except TypeError:  # unhashable (JSON)
            return field.get_db_prep_save(value, connection)

    return prepared


def reset_sequences(models: list[type[Model]]) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), models)
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def copy(model: type[Model], rows: list) -> None:
    """Write ``rows`` (``Row``s or unsaved ``model`` instances) with PostgreSQL's COPY, each
    given an id from the table's sequence first."""
    if not rows:
        return
    opts = model._meta
    assert not opts.parents, f"{opts.label}: multi-table inheritance is not copied"
    qn = connection.ops.quote_name
    pk_field = opts.pk
    for row, pk in zip(rows, allocate_ids(model, len(rows)), strict=True):
        row.pk = pk
    fields = [f for f in opts.concrete_fields if not f.primary_key]
    now = timezone.now()
    if isinstance(rows[0], Model):
        getters = [_instance_getter(f) for f in fields]
        for obj in rows:
            # As ``bulk_create``: a foreign key to an object saved earlier gets its id.
            obj._prepare_related_fields_for_save(operation_name="copy")
    else:
        getters = [_getter(f, now) for f in fields]
    columns = ", ".join([qn(pk_field.column), *(qn(f.column) for f in fields)])
    sql = f"COPY {qn(opts.db_table)} ({columns}) FROM STDIN"
    # The values first: nothing may use the connection while it is in COPY (a message other
    # than the data ends the connection: "protocol synchronization was lost").
    values = [[row.pk, *(get(row) for get in getters)] for row in rows]
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copier:
        write = copier.write_row
        for value in values:
            write(value)
    if isinstance(rows[0], Model):
        for obj in rows:
            obj._state.adding = False
            obj._state.db = connection.alias


# The first key of the advisory locks on unique values (``claim_unique``).
UNIQUE_LOCK = 0x7A686A  # "zhj"


def claim_unique(model: type[Model], name: str, values: list[str]) -> set[str]:
    """Of ``values`` of the unique field ``name`` of ``model``, those this transaction may
    write: each is locked until the transaction ends (``pg_try_advisory_xact_lock`` on its
    hash), so that no other writer is writing it, and is not in the table. The region
    generator's jobs write their schools at the same time: a value another job is writing or
    has written is refused, and the caller picks another (two values of one hash: one more
    refused, never a duplicate)."""
    if not values:
        return set()
    qn = connection.ops.quote_name
    column = qn(model._meta.get_field(name).column)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT value FROM unnest(%s::text[]) AS value "
            "WHERE pg_try_advisory_xact_lock(%s, hashtext(value))",
            [values, UNIQUE_LOCK],
        )
        locked = [value for (value,) in cursor.fetchall()]
        cursor.execute(
            # Names from the model's metadata, quoted; no user input.
            f"SELECT {column} FROM {qn(model._meta.db_table)} "  # noqa: S608
            f"WHERE {column} = ANY(%s::text[])",
            [locked],
        )
        written = {value for (value,) in cursor.fetchall()}
    return set(locked) - written


def allocate_ids(model: type[Model], count: int) -> list[int]:
    """``count`` new ids from the sequence of ``model``'s table (its identity column's, or the
    sequence owned by the column on Citus), in one statement."""
    opts = model._meta
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [connection.ops.quote_name(opts.db_table), opts.pk.column, count],
        )
        return [pk for (pk,) in cursor.fetchall()]


def _instance_getter(field: Field):
    """A model instance's value of ``field`` as ``bulk_create`` writes it (``pre_save``: the
    ``auto_now`` stamps)."""
    if field.get_internal_type() in _PLAIN:
        attname = field.attname
        return lambda obj: getattr(obj, attname)

    def prepared(obj):
        return field.get_db_prep_save(field.pre_save(obj, True), connection)

    return prepared
