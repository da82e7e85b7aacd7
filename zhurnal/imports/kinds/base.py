"""What every kind of import shares: the status of a row, its changes, the plan of a batch."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy, pgettext_lazy

from zhurnal.school.models import AcademicYear, Gender, GuardianRelation

from ..columns import header_of
from ..parsing import GuardianData, ParsedRow, RowError

CHUNK = 500


class RowStatus(models.TextChoices):
    NEW = "new", pgettext_lazy("an import row's status", "new")
    CHANGED = "changed", gettext_lazy("changed")
    UNCHANGED = "unchanged", gettext_lazy("unchanged")
    ERROR = "error", gettext_lazy("error")


@dataclass(frozen=True)
class Change:
    field: str  # column header
    old: str
    new: str


@dataclass
class GuardianPlan:
    data: GuardianData
    link: Any  # the student's existing StudentGuardian with this name, or None
    sibling_guardian: Any = None  # an existing Guardian of another student
    updates: dict[str, str] = field(default_factory=dict)  # guardian fields
    relation: str | None = None  # new relation of an existing link


@dataclass
class RowPlan:
    row: ParsedRow
    target: Any = None  # the existing record the row updates (None: a new one)
    changes: list[Change] = field(default_factory=list)
    updates: dict[str, Any] = field(default_factory=dict)  # model fields of the target
    # Students
    school_class: Any = None
    movement: str = ""  # "admit" | "transfer" | ""
    day: date | None = None
    guardians: list[GuardianPlan] = field(default_factory=list)
    # Staff
    positions_added: list[str] = field(default_factory=list)
    positions_ended: list[Any] = field(default_factory=list)
    # Timetable and plans: what the preview shows of the row, under ``Plan.headers``.
    shown: list[str] = field(default_factory=list)

    @property
    def line(self) -> int:
        return self.row.line

    @property
    def errors(self) -> list[RowError]:
        return self.row.errors

    @property
    def status(self) -> RowStatus:
        if self.row.errors:
            return RowStatus.ERROR
        if self.target is None:
            return RowStatus.NEW
        return RowStatus.CHANGED if self.changes else RowStatus.UNCHANGED

    def error(self, key: str, kind: str, message: str) -> None:
        if key not in self.row.formulas:  # a formula cell is told once, as a formula
            self.row.errors.append(RowError(self.row.line, header_of(kind, key), message))


@dataclass
class Plan:
    kind: str
    rows: list[RowPlan]
    year: AcademicYear | None = None
    ignored_columns: list[str] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)  # of ``RowPlan.shown``
    # Records the commit removes (a thematic plan's items not in the file) and records it keeps
    # although they are not in the file, each with the reason (never deleted silently).
    removed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    removed_records: list[Any] = field(default_factory=list)
    target: Any = None  # the record the whole file goes into (a thematic plan)

    @property
    def counts(self) -> dict[str, int]:
        counter = Counter(r.status for r in self.rows)
        return {s.value: counter.get(s, 0) for s in RowStatus}

    @property
    def has_errors(self) -> bool:
        return any(r.row.errors for r in self.rows)

    @property
    def errors(self) -> list[RowError]:
        return [e for r in self.rows for e in r.row.errors]


def chunks(values: Iterable, size: int = CHUNK) -> Iterator[list]:
    values = list(values)
    for i in range(0, len(values), size):
        yield values[i : i + size]


def fmt(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, date):
        return f"{value:%d.%m.%Y}"
    return str(value)


def digits(phone: str) -> str:
    """Russian numbers compared: "8 (900) 123-45-67" is "+7 900 1234567"."""
    only = "".join(ch for ch in phone if ch.isdigit())
    if len(only) == 11 and only[0] == "8":
        return "7" + only[1:]
    if len(only) == 10 and only[0] == "9":
        return "7" + only
    return only


GENDER_LETTER = {Gender.MALE: "М", Gender.FEMALE: "Ж"}
RELATION_WORD = {
    GuardianRelation.MOTHER: "мать",
    GuardianRelation.FATHER: "отец",
    GuardianRelation.GUARDIAN: "опекун",
    GuardianRelation.OTHER: "другое",
}


def compare(plan: RowPlan, kind: str, obj, key: str, attr: str, new: Any, *, keep_empty: bool):
    """Record a change of ``attr`` if the file gives a different value (empty keeps)."""
    if keep_empty and new in ("", None):
        return
    old = getattr(obj, attr)
    if old == new or (attr == "phone" and old and digits(old) == digits(new)):
        return
    plan.updates[attr] = new
    if attr == "gender":
        old, new = GENDER_LETTER.get(old, old), GENDER_LETTER.get(new, new)
    plan.changes.append(Change(header_of(kind, key), fmt(old), fmt(new)))
