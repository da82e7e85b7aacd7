"""Writing a record from validated data, for the services of plain records (reference data,
personal cards, settings): a page's form or an API call validates, then hands the service its
cleaned data as a dict — the service writes it and audits the change in one transaction.

``snapshot`` is the audit's view of a record (JSON-ready values); ``write`` sets the fields,
saves, and sets the many-to-many ones after the save, as ``ModelForm.save`` would.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from django.db import models
from django.forms.models import model_to_dict

M = TypeVar("M", bound=models.Model)


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The record's ``fields`` as the audit keeps them (ids, strings, numbers, booleans)."""
    data = model_to_dict(obj, fields=list(fields))
    return {
        key: value if isinstance(value, int | str | bool | None) else _plain(value)
        for key, value in data.items()
    }


def _plain(value):
    if isinstance(value, list | tuple):
        return [item.pk if isinstance(item, models.Model) else item for item in value]
    return str(value)


def fresh(obj: M) -> M:
    """The record as saved now, locked until the transaction ends: the "before" of a change
    whose form has already set the new values on ``obj`` in memory. A school's row is read in
    its school: on Citus a row is locked only by its shard's key (docs/scaling.md)."""
    lookup = {"pk": obj.pk}
    if hasattr(obj, "school_id"):
        lookup["school_id"] = obj.school_id
    return type(obj)._default_manager.select_for_update().get(**lookup)


def write(obj: M, data: Mapping[str, Any]) -> M:
    """Set ``data`` on ``obj`` and save it (many-to-many fields after the save). Call inside
    the service's transaction."""
    many = {field.name for field in obj._meta.many_to_many}
    for name, value in data.items():
        if name not in many:
            setattr(obj, name, value)
    obj.save()
    for name, value in data.items():
        if name in many:
            getattr(obj, name).set(value)
    return obj
