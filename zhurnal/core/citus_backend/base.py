"""The PostgreSQL backend as a Citus coordinator needs it (``ZHURNAL_CITUS``; docs/scaling.md).

``zhurnal distribute`` makes the primary key of a school's table ``(id, school_id)`` (Citus
requires the distribution column in it). PostgreSQL then no longer takes the other columns as
determined by ``id`` alone, so Django must not group an aggregate's rows by the primary key
only ("column … must appear in the GROUP BY clause"): it groups by every selected column.
"""

from django.db.backends.postgresql import base, features


class DatabaseFeatures(features.DatabaseFeatures):
    allows_group_by_selected_pks = False


class DatabaseWrapper(base.DatabaseWrapper):
    features_class = DatabaseFeatures
