"""Cells of the spreadsheets Zhurnal writes, safe from formula injection (issue 16, finding 1).

OWASP "CSV Injection": a cell whose text begins with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return is run as a formula by Excel and LibreOffice — a lesson topic
``=HYPERLINK("http://evil.example/", …)`` would become a live link in a published workbook.
Every CSV and XLSX writer passes its cells through this module: text that could start a formula
is written as text (an XLSX string cell with the quote prefix, shown literally; a CSV field with
a leading apostrophe). Only text is touched: a number (a negative one too) stays a number.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from openpyxl.worksheet.worksheet import Worksheet

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def starts_formula(value: Any) -> bool:
    """Whether a spreadsheet program would read this value as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_value(value: Any) -> Any:
    """A CSV field: text that could start a formula gets a leading apostrophe (OWASP)."""
    return f"'{value}" if starts_formula(value) else value


def csv_row(values: Iterable[Any]) -> list[Any]:
    """A CSV record with every field through ``csv_value``."""
    return [csv_value(v) for v in values]


def csv_text(field: str) -> str:
    """The text of a CSV field ``csv_value`` wrote: its apostrophe dropped, so that a template
    filled in (a phone «+7 …») reads back as typed."""
    return field[1:] if field.startswith("'") and starts_formula(field[1:]) else field


def append_row(sheet: Worksheet, values: Iterable[Any]) -> None:
    """``sheet.append(values)``, with text that could start a formula stored as a string cell
    with the quote prefix: Excel shows it as typed and never evaluates it."""
    values = list(values)
    sheet.append(values)
    row = sheet.max_row
    for column, value in enumerate(values, start=1):
        if starts_formula(value):
            cell = sheet.cell(row=row, column=column)
            cell.data_type = "s"
            cell.quotePrefix = True
