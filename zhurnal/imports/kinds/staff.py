"""Staff lists (issue 2): matched by the staff number; the «Должность» list replaces the
current positions."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from zhurnal.audit.actor import Actor
from zhurnal.school.models import School, Staff, StaffPosition

from ..columns import header_of
from ..models import ImportKind
from ..parsing import ParsedRow
from .base import Change, Plan, RowPlan, chunks, compare
from .students import audit_person


def build_plan(batch, parsed: list[ParsedRow], today: date) -> Plan:
    return _plan_staff(batch.school, parsed, today)


def _plan_staff(school: School, parsed: list[ParsedRow], today: date) -> Plan:
    kind = ImportKind.STAFF
    numbers = {p.cells.get("staff_number", "") for p in parsed} - {""}
    staff: dict[str, Staff] = {}
    for chunk in chunks(numbers):
        for member in Staff.objects.filter(school=school, staff_number__in=chunk):
            staff[member.staff_number] = member
    positions: dict[int, list[StaffPosition]] = defaultdict(list)
    for chunk in chunks([s.pk for s in staff.values()]):
        for position in StaffPosition.objects.filter(
            school=school, staff_id__in=chunk, end__isnull=True
        ):
            positions[position.staff_id].append(position)
    rows = []
    for row in parsed:
        plan = RowPlan(row=row)
        rows.append(plan)
        member = staff.get(row.cells.get("staff_number", ""))
        plan.target = member
        titles = row.values.get("positions") or []
        if member is None:
            plan.positions_added = list(titles)
            continue
        for key in (
            "last_name",
            "first_name",
            "middle_name",
            "birth_date",
            "gender",
            "phone",
            "email",
        ):
            compare(plan, kind, member, key, key, row.values.get(key), keep_empty=True)
        if titles:
            held = positions.get(member.pk, [])
            held_names = {p.title.casefold() for p in held}
            wanted = {t.casefold() for t in titles}
            plan.positions_added = [t for t in titles if t.casefold() not in held_names]
            plan.positions_ended = [p for p in held if p.title.casefold() not in wanted]
            if plan.positions_added or plan.positions_ended:
                plan.changes.append(
                    Change(
                        header_of(kind, "positions"),
                        "; ".join(sorted(p.title for p in held)) or "—",
                        "; ".join(titles),
                    )
                )
    return Plan(kind=kind, rows=rows)


def apply_row(row: RowPlan, *, batch, actor: Actor, today, state: dict) -> None:
    values = row.row.values
    school = batch.school
    if row.target is None:
        member = Staff.objects.create(
            school=school,
            staff_number=values["staff_number"],
            last_name=values["last_name"],
            first_name=values["first_name"],
            middle_name=values.get("middle_name", ""),
            birth_date=values.get("birth_date"),
            gender=values.get("gender", ""),
            phone=values.get("phone", ""),
            email=values.get("email", ""),
        )
    else:
        member = row.target
        if row.updates:
            for attr, value in row.updates.items():
                setattr(member, attr, value)
            member.save(update_fields=list(row.updates))
    for position in row.positions_ended:
        position.end = max(today, position.start) if position.start else today
        position.save(update_fields=["end"])
    StaffPosition.objects.bulk_create(
        StaffPosition(school=school, staff=member, title=title, start=today)
        for title in row.positions_added
    )
    audit_person(row, member, batch=batch, actor=actor)
