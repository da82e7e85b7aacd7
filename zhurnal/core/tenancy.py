"""On Citus, every join between two school-owned tables also matches their schools.

A region on Citus distributes the school-owned tables by ``school_id`` (docs/scaling.md,
``zhurnal distribute``). Citus runs a join of two such tables on one node only when the join
says that both rows are of one school; the ORM joins a foreign key by its id alone
(``mark.student_id = student.id``), which Citus refuses ("complex joins are only supported
when all distributed tables are co-located and joined on their distribution columns") or, at
best, repartitions across the nodes. With ``ZHURNAL_CITUS`` on, ``install()`` gives every
foreign key from a school-owned model to another the condition ``AND target.school_id =
source.school_id`` in its joins (Django's ``get_extra_restriction``, the hook Citus's own
django-multitenant uses) and the school in the look-up of ``instance.fk`` (Django's
``get_extra_descriptor_filter``); and a school-owned row's ``save()`` updates it by its id *in
its school*, without rewriting ``school_id`` (Citus refuses an UPDATE that sets the
distribution column, even to its own value, unless the row is named by it). The rows are the
same with or without it (a row and what it references are always of one school, and a row
never changes school: DESIGN §2, "Tenancy"); SQLite and plain PostgreSQL run without it, as
they always did.

This is what django-multitenant's ``TenantModelMixin`` and ``TenantForeignKey`` do, set up
once here for the models as they are rather than through a base class and a field class on
every model (docs/scaling.md says why and what a base class would change).
"""

from __future__ import annotations

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models.sql.where import AND, WhereNode


def school_field(model) -> models.ForeignKey | None:
    """The model's non-null ``school`` foreign key: what makes it school-owned."""
    try:
        field = model._meta.get_field("school")
    except FieldDoesNotExist:
        return None
    if isinstance(field, models.ForeignKey) and not field.null:
        return field
    return None


class _SameSchool:
    """``get_extra_restriction`` of one foreign key: the target's school is the source's."""

    def __init__(self, source: models.ForeignKey, target: models.ForeignKey) -> None:
        self.source, self.target = source, target

    def __call__(self, alias: str | None, related_alias: str | None) -> WhereNode | None:
        # Django passes the target's alias first, the source's second (the reverse relation
        # swaps them back); without both there is no join to restrict (a subquery's filter).
        if not (alias and related_alias):
            return None
        condition = WhereNode()
        condition.add(
            self.target.get_lookup("exact")(
                self.target.get_col(alias), self.source.get_col(related_alias)
            ),
            AND,
        )
        return condition


class _SchoolOf:
    """``get_extra_descriptor_filter``: ``lesson.course`` looks for the course in the lesson's
    school (one shard) rather than by its id in every shard."""

    def __init__(self, source: models.ForeignKey) -> None:
        self.attname = source.attname

    def __call__(self, instance) -> dict:
        return {"school_id": getattr(instance, self.attname)}


def _update_in_school(do_update):
    """``Model._do_update`` of a school-owned model: the row named by its id and its school,
    ``school_id`` not rewritten."""

    def _do_update(self, base_qs, using, pk_val, values, update_fields, forced_update):
        values = [value for value in values if value[0].attname != "school_id"]
        in_school = base_qs.filter(school_id=self.school_id)
        return do_update(self, in_school, using, pk_val, values, update_fields, forced_update)

    return _do_update


def install() -> int:
    """Give every foreign key between two school-owned models the school's condition; return
    how many. Called once at start-up, when the setting ``ZHURNAL_CITUS`` is on."""
    count = 0
    for model in apps.get_models():
        source = school_field(model)
        if source is None:
            continue
        model._do_update = _update_in_school(model._do_update)
        for field in model._meta.concrete_fields:
            if not isinstance(field, models.ForeignKey) or field is source:
                continue
            target = school_field(field.related_model)
            if target is None:
                continue
            field.get_extra_restriction = _SameSchool(source, target)
            field.get_extra_descriptor_filter = _SchoolOf(source)
            count += 1
    return count
