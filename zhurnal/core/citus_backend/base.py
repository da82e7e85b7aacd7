"""The PostgreSQL backend as a Citus coordinator needs it (``ZHURNAL_CITUS``; docs/scaling.md).

``zhurnal distribute`` makes the primary key of a school's table ``(id, school_id)`` (Citus
requires the distribution column in it). PostgreSQL then no longer takes the other columns as
determined by ``id`` alone, so Django must not group an aggregate's rows by the primary key
only ("column … must appear in the GROUP BY clause"): it groups by every selected column.

A migration on a distributed database ("Migrations on a live cluster"): Django's plain foreign
key from or to a table Citus already manages is refused (a distributed table's key is
``(id, school_id)``; a new local table referencing a reference table would become a
Citus-managed one, whose identity can no longer be dropped). ``migrate`` leaves such a key out
and ``zhurnal distribute``, run after every ``migrate``, creates it in the form Citus keeps.
"""

from django.db.backends.ddl_references import Statement
from django.db.backends.postgresql import base, features, schema


class DatabaseFeatures(features.DatabaseFeatures):
    allows_group_by_selected_pks = False


class DatabaseSchemaEditor(schema.DatabaseSchemaEditor):
    def _managed_by_citus(self, *tables: str) -> bool:
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass('pg_catalog.pg_dist_partition') IS NOT NULL")
            if not cursor.fetchone()[0]:
                return False
            cursor.execute(
                "SELECT EXISTS (SELECT 1 FROM pg_dist_partition "
                "WHERE logicalrelid = ANY (%s::regclass[]))",
                [list(tables)],
            )
            return cursor.fetchone()[0]

    def execute(self, sql, params=()):
        """A foreign key from or to a Citus table is left to ``zhurnal distribute``."""
        if (
            isinstance(sql, Statement)
            and sql.template == self.sql_create_fk
            and not self.collect_sql
            and self._managed_by_citus(sql.parts["table"].table, sql.parts["to_table"].table)
        ):
            return None
        return super().execute(sql, params)


class DatabaseWrapper(base.DatabaseWrapper):
    features_class = DatabaseFeatures
    SchemaEditorClass = DatabaseSchemaEditor
