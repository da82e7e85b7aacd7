"""A thematic plan (КТП) from a file (issue 3): number, section, topic, hours, kind, date.

The file is the whole plan, imported into the plan chosen on its page:

- a row is matched with the plan's item of the same number: the same file imported twice
  changes nothing; a changed topic, section, hours, kind or date updates that item (lessons
  already linked to it stay linked and keep their own topic);
- a number not in the plan adds an item;
- an item whose number is not in the file is removed, unless lessons are linked to it: then it
  is kept and listed on the preview (never deleted silently) — delete it on the plan's page
  after unlinking its lessons, or put it back in the file;
- an empty section is the section of the row above (merged cells in Excel); an empty hours,
  kind or date cell keeps what the item holds (1 hour, a lesson, no date for a new item).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.utils.translation import gettext as _

from zhurnal.audit.actor import Actor
from zhurnal.planning.models import PlanItem
from zhurnal.timetable.models import Lesson, LessonKind

from .. import events
from ..columns import header_of
from ..models import ImportKind
from ..parsing import ParsedRow
from .base import Change, Plan, RowPlan, fmt

KIND = ImportKind.PLAN
FIELDS = ("section", "topic", "hours", "kind", "planned_date")


def build_plan(batch, parsed: list[ParsedRow], today: date) -> Plan:
    thematic_plan = batch.plan
    year = thematic_plan.year
    items = {item.position: item for item in PlanItem.objects.filter(plan=thematic_plan)}
    linked: dict[int, list[date]] = defaultdict(list)
    for item_id, day in (
        Lesson.objects.filter(plan_item__plan=thematic_plan)
        .order_by("date")
        .values_list("plan_item_id", "date")
    ):
        linked[item_id].append(day)
    rows = []
    for row in parsed:
        plan = RowPlan(row=row)
        rows.append(plan)
        _plan_row(plan, items, year)
    in_file = {r.row.values.get("position") for r in rows}
    result = Plan(
        kind=KIND,
        rows=rows,
        year=year,
        target=thematic_plan,
        headers=[
            header_of(KIND, k)
            for k in ("position", "section", "topic", "hours", "kind", "planned_date")
        ],
    )
    for position, item in sorted(items.items()):
        if position in in_file:
            continue
        label = f"№ {position} «{item.topic}»"
        if linked.get(item.pk):
            days = linked[item.pk]
            result.kept.append(
                _("%(item)s: lessons are linked to it (%(days)s); it is kept")
                % {
                    "item": label,
                    "days": ", ".join(fmt(d) for d in days[:5]) + (" …" if len(days) > 5 else ""),
                }
            )
        else:
            result.removed.append(label)
            result.removed_records.append(item)
    return result


def _plan_row(plan: RowPlan, items: dict[int, PlanItem], year) -> None:
    values = plan.row.values
    day = values.get("planned_date")
    if year.is_closed:  # issue 13: a closed year's plans are read-only (planning.services)
        plan.error(
            "position",
            KIND,
            _("the academic year %(year)s is closed: its plans are read-only") % {"year": year},
        )
    if day and not year.start <= day <= year.end:
        plan.error(
            "planned_date",
            KIND,
            _("the date %(day)s is outside the academic year %(year)s")
            % {"day": fmt(day), "year": year},
        )
    kind = values.get("kind")
    plan.shown = [
        plan.row.cells.get("position", ""),
        values.get("section", ""),
        values.get("topic", ""),
        str(values["hours"]) if values.get("hours") else plan.row.cells.get("hours", ""),
        str(LessonKind(kind).label) if kind else plan.row.cells.get("kind", ""),
        fmt(day) if day else plan.row.cells.get("planned_date", ""),
    ]
    if plan.row.errors:
        return
    item = items.get(values["position"])
    if item is None:
        plan.updates = {
            "position": values["position"],
            "section": values.get("section", ""),
            "topic": values["topic"],
            "hours": values.get("hours") or 1,
            "kind": kind or LessonKind.LESSON,
            "planned_date": day,
        }
        return
    plan.target = item
    for attr in FIELDS:
        new = values.get(attr)
        if new in (None, ""):
            continue  # an empty cell keeps what the item holds
        old = getattr(item, attr)
        if new == old:
            continue
        plan.updates[attr] = new
        if attr == "kind":
            old, new = LessonKind(old).label, LessonKind(new).label
        plan.changes.append(Change(header_of(KIND, attr), fmt(old), fmt(new)))


def apply_row(row: RowPlan, *, batch, actor: Actor, today, state: dict) -> None:
    if row.target is None:
        item = PlanItem(school=batch.school, plan=batch.plan, **row.updates)
    else:
        item = row.target
        for attr, value in row.updates.items():
            setattr(item, attr, value)
    item.full_clean(validate_unique=False, validate_constraints=False)
    item.save()


def finish(plan: Plan, *, batch, actor: Actor, today, state: dict) -> None:
    """Remove the items not in the file (none has a lesson linked) and audit the plan."""
    if plan.removed_records:
        PlanItem.objects.filter(pk__in=[i.pk for i in plan.removed_records]).delete()
    thematic_plan = batch.plan
    thematic_plan.save(update_fields=["updated_at"])
    counts = plan.counts
    events.plan_imported(
        thematic_plan,
        actor=actor,
        school=batch.school,
        file_name=batch.file_name,
        after={
            "file": batch.file_name,
            "new": counts["new"],
            "updated": counts["changed"],
            "unchanged": counts["unchanged"],
            "removed": plan.removed,
            "kept": plan.kept,
        },
    )
