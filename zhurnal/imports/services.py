"""Import use cases: upload a file, preview it against the database, commit it all or nothing.

DESIGN §5 "Imports: CSV and XLSX with a preview, per-row errors (line, field, reason) and
all-or-nothing commit"; §6 "bad input gets a clear error and loses nothing already saved".
The public functions are here; how each kind matches and writes its rows is in
``zhurnal.imports.kinds``:

- ``students`` (class lists with guardians) and ``staff``: matched by the personal file number
  and the staff number; an empty optional cell keeps what the register holds.
- ``timetable``: weekly entries matched by course, weekday, lesson number, weeks and start
  date; conflicts with the timetable and within the file are row errors.
- ``plan``: the items of one thematic plan (КТП), matched by their number; the file is the plan.

A re-import of the same file changes nothing. The commit re-validates (the database may have
changed since the preview), runs in one transaction and claims the batch first, so a double
submit imports once.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, timedelta
from types import ModuleType

from django.core.exceptions import ValidationError
from django.db import DatabaseError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhurnal.audit.actor import Actor
from zhurnal.core.spreadsheets import append_row, csv_row
from zhurnal.school import services as school_services  # noqa: F401  (tests patch it here)
from zhurnal.school.calendar import school_today
from zhurnal.school.models import School

from . import events, parsing
from .columns import COLUMNS
from .kinds import plan as plan_kind
from .kinds import staff as staff_kind
from .kinds import students as students_kind
from .kinds import timetable as timetable_kind
from .kinds.base import Change, GuardianPlan, Plan, RowPlan, RowStatus
from .models import BatchStatus, ImportBatch, ImportKind

__all__ = [
    "Change",
    "CommitOutcome",
    "CommitResult",
    "GuardianPlan",
    "Plan",
    "RowPlan",
    "RowStatus",
    "commit_batch",
    "create_batch",
    "plan_batch",
    "purge_stale_batches",
    "template_csv",
    "template_xlsx",
]

KIND_MODULES: dict[str, ModuleType] = {
    ImportKind.STUDENTS: students_kind,
    ImportKind.STAFF: staff_kind,
    ImportKind.TIMETABLE: timetable_kind,
    ImportKind.PLAN: plan_kind,
}
SHEET_TITLES = {
    ImportKind.STUDENTS: "Учащиеся",
    ImportKind.STAFF: "Сотрудники",
    ImportKind.TIMETABLE: "Расписание",
    ImportKind.PLAN: "КТП",
}


class CommitOutcome(models.TextChoices):
    COMMITTED = "committed"
    ALREADY_DONE = "already"  # the batch was committed (or failed) before: nothing to do
    INVALID = "invalid"  # re-validation found errors: nothing saved
    FAILED = "failed"  # a write was refused: everything rolled back


@dataclass
class CommitResult:
    outcome: CommitOutcome
    counts: dict[str, int] = field(default_factory=dict)
    plan: Plan | None = None
    message: str = ""


# --- Upload ----------------------------------------------------------------------------------


def create_batch(
    *, school: School, kind: str, actor: Actor, file_name: str, data: bytes, plan=None
) -> ImportBatch:
    """Parse an uploaded file and keep its cells for the preview; FileError if unreadable.
    A plan's items go into ``plan``."""
    if kind == ImportKind.PLAN and plan is None:
        raise ValueError("a plan is imported into a plan")
    table = parsing.read_table(data, kind)
    # Each upload also sweeps drafts abandoned for a week: no scheduler is needed for that.
    purge_stale_batches()
    return ImportBatch.objects.create(
        school=school,
        kind=kind,
        plan=plan if kind == ImportKind.PLAN else None,
        uploaded_by=actor.user,
        file_name=file_name[:255],
        rows=table.rows,
        columns=table.columns,
        ignored_columns=table.ignored,
    )


# --- Preview ---------------------------------------------------------------------------------


def plan_batch(batch: ImportBatch, *, today: date | None = None) -> Plan:
    """Every row of the batch with its status (new / changed / unchanged / error), the changed
    fields and the errors."""
    today = today or school_today(batch.school)
    parsed = parsing.parse_rows(batch.kind, batch.rows, today=today)
    plan = KIND_MODULES[batch.kind].build_plan(batch, parsed, today)
    plan.ignored_columns = list(batch.ignored_columns)
    return plan


# --- Commit ----------------------------------------------------------------------------------


class _Rollback(Exception):
    def __init__(self, result: CommitResult):
        self.result = result


def commit_batch(*, batch: ImportBatch, actor: Actor, today: date | None = None) -> CommitResult:
    """Write every row of a draft batch in one transaction, or nothing at all."""
    try:
        with transaction.atomic():
            locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
            # The claim: of two concurrent or repeated commits only one moves the draft on.
            claimed = ImportBatch.objects.filter(pk=locked.pk, status=BatchStatus.DRAFT).update(
                status=BatchStatus.COMMITTED, committed_at=timezone.now()
            )
            if not claimed:
                return CommitResult(CommitOutcome.ALREADY_DONE, counts=locked.summary or {})
            plan = plan_batch(locked, today=today)
            if plan.has_errors:
                message = _refusal(locked, today)
                raise _Rollback(CommitResult(CommitOutcome.INVALID, plan=plan, message=message))
            today = today or school_today(locked.school)
            _apply(plan, batch=locked, actor=actor, today=today)
            counts = {
                "new": plan.counts[RowStatus.NEW],
                "updated": plan.counts[RowStatus.CHANGED],
                "unchanged": plan.counts[RowStatus.UNCHANGED],
            }
            if locked.kind == ImportKind.PLAN:
                counts["removed"] = len(plan.removed)
                counts["kept"] = len(plan.kept)
            ImportBatch.objects.filter(pk=locked.pk).update(summary=counts, rows=[])
            events.file_imported(
                locked, actor=actor, after={"kind": locked.kind, "file": locked.file_name, **counts}
            )
    except _Rollback as rollback:
        result = rollback.result
        if result.outcome == CommitOutcome.FAILED:
            ImportBatch.objects.filter(pk=batch.pk, status=BatchStatus.DRAFT).update(
                status=BatchStatus.FAILED, summary={"error": result.message}, rows=[]
            )
        return result
    batch.refresh_from_db()
    return CommitResult(CommitOutcome.COMMITTED, counts=counts)


def _refusal(batch: ImportBatch, today: date | None) -> str:
    """Why a batch with errors is not imported (issue 16, finding 6). Errors of the file itself
    were on its preview from the start, which offered no import (a forged or replayed commit);
    others may come from a change of the register since the preview."""
    today = today or school_today(batch.school)
    if any(row.errors for row in parsing.parse_rows(batch.kind, batch.rows, today=today)):
        return _(
            "The file has errors (see below) and cannot be imported. Nothing was imported: "
            "correct the file and upload it again."
        )
    return _(
        "Some rows are not valid (see the errors below), so the file cannot be imported; "
        "nothing was imported. If the preview showed no errors, the register has changed "
        "since."
    )


def _apply(plan: Plan, *, batch: ImportBatch, actor: Actor, today: date) -> None:
    module = KIND_MODULES[plan.kind]
    state: dict = {}
    line = 0
    # No savepoint per row: any failure rolls the whole import back (all or nothing).
    try:
        order = getattr(module, "commit_order", None)
        for row in order(plan.rows) if order else plan.rows:
            if row.status == RowStatus.UNCHANGED:
                continue
            line = row.line
            module.apply_row(row, batch=batch, actor=actor, today=today, state=state)
        line = 0
        finish = getattr(module, "finish", None)
        if finish is not None:
            finish(plan, batch=batch, actor=actor, today=today, state=state)
    except (ValidationError, DatabaseError) as error:
        reason = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        if line:
            message = _("Line %(line)d could not be saved: %(reason)s. Nothing was imported.") % {
                "line": line,
                "reason": reason,
            }
        else:
            message = _("The import could not be saved: %(reason)s. Nothing was imported.") % {
                "reason": reason
            }
        raise _Rollback(CommitResult(CommitOutcome.FAILED, message=message)) from error


def purge_stale_batches(*, older_than: timedelta = timedelta(days=7)) -> int:
    """Drop the cells of drafts nobody committed (152-FZ: keep personal data no longer than
    needed). Run on every upload; returns the number of batches removed."""
    cutoff = timezone.now() - older_than
    deleted, _by_model = ImportBatch.objects.filter(
        status__in=[BatchStatus.DRAFT, BatchStatus.FAILED], created_at__lt=cutoff
    ).delete()
    return deleted


# --- Templates -------------------------------------------------------------------------------


def template_rows(kind: str) -> list[list[str]]:
    """The header row (Russian, as the parser expects) and one example row."""
    columns = COLUMNS[kind]
    return [[c.header for c in columns], [c.example for c in columns]]


def template_csv(kind: str) -> bytes:
    """UTF-8 with BOM and semicolons: opens in Excel in Russia as a table."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerows(csv_row(row) for row in template_rows(kind))
    return buffer.getvalue().encode("utf-8-sig")


def template_xlsx(kind: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_TITLES[kind]
    header, example = template_rows(kind)
    append_row(sheet, header)
    append_row(sheet, example)
    for index, title in enumerate(header, start=1):
        sheet.cell(row=1, column=index).font = Font(bold=True)
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(14, len(title) + 4)
        # Text cells: Excel would turn "0001" into 1 and dates into its own formats.
        for row in range(2, 202):
            sheet.cell(row=row, column=index).number_format = "@"
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
