"""A report as tables — shown on the page, and the same tables as an XLSX workbook or an A4 PDF
(issue 12: "page + XLSX + PDF"). The pages build their ``Table``s once; ``xlsx`` and ``pdf``
turn them into files, so the three never disagree."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from io import BytesIO

from django.template.loader import render_to_string
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from zhurnal.core.spreadsheets import append_row

Value = str | int | Decimal | date | None


@dataclass(frozen=True)
class Cell:
    """A value with what the page adds to it: a link, a note (shown as a title and after the
    value in the files), a style (``forecast``: a mark not yet entered; ``bad``: a failing
    figure)."""

    value: Value
    url: str = ""
    note: str = ""
    css: str = ""
    signed: bool = False  # a change: «+3,2», «−1,0»

    @property
    def text(self) -> str:
        if self.signed and isinstance(self.value, Decimal):
            sign = "+" if self.value > 0 else "−" if self.value < 0 else "±"
            return sign + format_value(abs(self.value))
        return format_value(self.value)


@dataclass
class Table:
    title: str
    headers: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    footer: list[Cell] | None = None
    caption: str = ""

    def add(self, *values: Value | Cell) -> list[Cell]:
        row = [v if isinstance(v, Cell) else Cell(v) for v in values]
        self.rows.append(row)
        return row

    def total(self, *values: Value | Cell) -> None:
        self.footer = [v if isinstance(v, Cell) else Cell(v) for v in values]


def format_value(value: Value) -> str:
    """As the pages print it: «—» for nothing, decimals with a comma (Russian)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, Decimal):
        return str(value).replace(".", ",")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    return str(value)


def _file_value(value: Value):
    """A cell's value in the workbook: numbers as numbers (a mark «4» too), so they can be
    summed and sorted there."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return value


def _workbook_value(cell: Cell):
    """A cell's value with its note, if it has one (a forecast's is its italics instead)."""
    if not cell.note or "forecast" in cell.css:
        return _file_value(cell.value)
    return f"{cell.text} ({cell.note})"


def _sheet_name(text: str, used: set[str]) -> str:
    """A worksheet's name: at most 31 characters, none of []:*?/\\ and no quotes, unique."""
    name = re.sub(r"[\[\]:*?/\\«»\"']", "", text).strip(" .")[:31] or "1"
    base, n = name, 2
    while name in used:
        suffix = f" ({n})"
        name = base[: 31 - len(suffix)] + suffix
        n += 1
    used.add(name)
    return name


def xlsx(title: str, tables: list[Table]) -> bytes:
    """The tables as a workbook: one sheet per table, named by its title."""
    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    for table in tables:
        sheet = book.create_sheet(_sheet_name(table.title or title, used))
        append_row(sheet, [title])
        sheet["A1"].font = Font(bold=True, size=12)
        if table.caption:
            append_row(sheet, [table.caption])
        sheet.append([])
        append_row(sheet, table.headers)
        header_row = sheet.max_row
        for cell in sheet[header_row]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in [*table.rows, *([table.footer] if table.footer else [])]:
            # A forecast stays a number, in italics (its note is the page's title text).
            append_row(
                sheet,
                [
                    _file_value(c.value)
                    if not c.note or "forecast" in c.css
                    else f"{c.text} ({c.note})"
                    for c in row
                ],
            )
            for column, c in enumerate(row, start=1):
                target = sheet.cell(row=sheet.max_row, column=column)
                if isinstance(c.value, date):
                    target.number_format = "DD.MM.YYYY"
                elif c.signed:
                    target.number_format = "+0.0;-0.0;0.0"
                if "forecast" in c.css:
                    target.font = Font(italic=True, color="555555")
        if table.footer:
            for cell in sheet[sheet.max_row]:
                cell.font = Font(bold=True)
        for column in range(1, len(table.headers) + 1):
            width = max(
                [len(table.headers[column - 1])]
                + [len(r[column - 1].text) for r in table.rows if len(r) >= column]
            )
            sheet.column_dimensions[get_column_letter(column)].width = min(max(width + 2, 6), 48)
        sheet.freeze_panes = sheet.cell(row=header_row + 1, column=2)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def pdf(
    title: str,
    tables: list[Table],
    *,
    school,
    today: date,
    subtitle: str = "",
    landscape: bool = False,
    sign: str = "",
    template: str = "reports/print.html",
    extra: dict | None = None,
) -> bytes:
    """The tables on A4 (landscape for wide ones), with the school's name and the day printed,
    and a line for the signature of ``sign`` (e.g. the director's) at the end. A document with
    text around its tables (the справка) has its own ``template`` and ``extra`` context."""
    from weasyprint import HTML  # heavy: loaded for a PDF only

    html = render_to_string(
        template,
        {
            **(extra or {}),
            "title": title,
            "subtitle": subtitle,
            "tables": tables,
            "school": school,
            "landscape": landscape,
            "sign": sign,
            "printed": today,
        },
    )
    return HTML(string=html).write_pdf()
