"""Model instances from the columns of a hand-written statement, as the ORM makes them.

A statement that runs on every request (the memberships of the floor, the reads of a grid
cell's save) is written as SQL, not as a queryset: Django took longer to compile such a
queryset (``select_related`` through several tables, subqueries) than the database took to
run it (docs/performance.md, "The floor" and "One mark saved"). ``ModelRows`` names a model's
columns for the statement's select list and turns their values back into an instance
(``Model.from_db``, each field's database converters applied: booleans and dates on SQLite,
JSON, decimals), so that the rest of the code sees what a queryset would have given it;
tests/test_user_context.py and tests/test_cell_reads.py compare them with the ORM's.
"""

from __future__ import annotations

from django.db import connections


class ModelRows:
    """The concrete columns of ``model`` under the table alias ``alias`` — or ``only`` those
    fields, the others deferred as ``QuerySet.only`` leaves them — (``select``: their list for
    a SELECT, ``width``: how many), and ``make`` to build an instance of them."""

    def __init__(self, model, alias: str, *, only: tuple[str, ...] | None = None):
        self.model = model
        self.fields = [f for f in model._meta.concrete_fields if only is None or f.attname in only]
        self.select = ", ".join(f'{alias}."{f.column}"' for f in self.fields)
        self.width = len(self.fields)
        self.attnames = [f.attname for f in self.fields]
        self._converters: dict[str, list] = {}  # by database alias

    def _converters_of(self, using: str) -> list:
        if using not in self._converters:
            db = connections[using]
            self._converters[using] = [
                (col, db.ops.get_db_converters(col) + model_field.get_db_converters(db))
                for model_field in self.fields
                for col in (model_field.get_col(self.model._meta.db_table),)
            ]
        return self._converters[using]

    def make(self, values, using: str):
        """The instance of ``values`` (this model's columns, in ``select``'s order)."""
        db = connections[using]
        converted = []
        for (col, converters), value in zip(self._converters_of(using), values, strict=True):
            for convert in converters:
                value = convert(value, col, db)
            converted.append(value)
        return self.model.from_db(using, self.attnames, converted)

    def make_or_none(self, values, using: str):
        """``make``, or None for the all-NULL columns of an outer join that found no row."""
        return None if values[0] is None else self.make(values, using)

    def take(self, row, start: int, using: str, *, optional: bool = False):
        """The instance of this model's columns at ``row[start:]``, and where the next begin."""
        values = row[start : start + self.width]
        made = self.make_or_none(values, using) if optional else self.make(values, using)
        return made, start + self.width
