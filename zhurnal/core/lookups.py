"""``field__any_of=ids``: membership in a list of values sent as one parameter.

``field__in=ids`` writes one placeholder per value: a school-wide read model filters on the
school's ~370 courses in a dozen statements, ~5,000 parameters a request that psycopg splits,
binds and quotes one by one in Python (1.5–2 ms a statement on this machine), each list length
a new prepared statement for PostgreSQL. On PostgreSQL ``any_of`` sends the list as one array
(``field = ANY(%s)``): one parameter whatever the length, one prepared statement. Elsewhere
(SQLite) it is ``IN``, as ``field__in`` writes it. An empty list matches nothing, as ``in``.

The values are ids or other plain values of the field (not model instances or querysets:
``__in`` is the lookup for a subquery).
"""

from __future__ import annotations

from django.core.exceptions import EmptyResultSet
from django.db.models import Field, ForeignObject, Lookup


class AnyOf(Lookup):
    lookup_name = "any_of"
    prepare_rhs = False  # a list, prepared value by value below

    def get_prep_lookup(self):
        field = self.lhs.output_field
        # A foreign key prepares its values as its target field does (ints for ids).
        return [field.get_prep_value(value) for value in self.rhs]

    def as_sql(self, compiler, connection):
        if not self.rhs:
            raise EmptyResultSet
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", (*lhs_params, list(self.rhs))

    def as_sqlite(self, compiler, connection):
        if not self.rhs:
            raise EmptyResultSet
        lhs, lhs_params = self.process_lhs(compiler, connection)
        placeholders = ", ".join(["%s"] * len(self.rhs))
        return f"{lhs} IN ({placeholders})", (*lhs_params, *self.rhs)


Field.register_lookup(AnyOf)
# Relations keep their own lookups (not inherited from Field): ``course_id__any_of``.
ForeignObject.register_lookup(AnyOf)


def any_of_sql(column: str, values, vendor: str) -> tuple[str, list]:
    """``column`` among ``values`` in a hand-written statement, as ``any_of`` writes it: one
    array parameter on PostgreSQL, ``IN`` elsewhere; an empty list matches nothing."""
    values = list(values)
    if not values:
        return "1 = 0", []
    if vendor == "postgresql":
        return f"{column} = ANY(%s)", [values]
    return f"{column} IN ({', '.join(['%s'] * len(values))})", values
