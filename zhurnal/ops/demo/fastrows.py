"""Plain rows for the big demo tables (lessons and the journal), inserted without the ORM.

A year of lessons and a term of marks are some 100 000 rows per school: building model
instances and letting ``bulk_create`` prepare them would take most of the time of a 20-school
benchmark. A ``Row`` is a bag of attributes named after the model's fields (a related object
is anything with ``pk``: a saved model instance or another ``Row``); ``insert`` gives the rows
their primary keys (after the table's largest one) and writes them with multi-row INSERTs,
values prepared once per distinct value by the fields themselves. ``reset_sequences`` brings
PostgreSQL's id sequences past the explicit keys (SQLite's AUTOINCREMENT follows by itself).
"""

from __future__ import annotations

from django.core.management.color import no_style
from django.db import connection
from django.db.models import Model
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
