"""The assessment schedule as an XLSX workbook, the file schools publish on their website
(class, date, subject, topic): one sheet with every class, then a sheet per class."""

from __future__ import annotations

from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from zhurnal.core.spreadsheets import append_row

from .queries import Schedule


def workbook(data: Schedule) -> bytes:
    header = [_("Class"), _("Date"), _("Subject"), _("Topic")]
    book = Workbook()
    sheet = book.active
    sheet.title = _("All classes")[:31]
    sheets = [(sheet, data.rows)]
    for school_class in data.classes:
        sheets.append((book.create_sheet(school_class.name[:31]), data.rows_of(school_class)))
    for ws, rows in sheets:
        append_row(ws, header)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            append_row(ws, [row.class_name, row.date, row.subject_name, row.topic])
            ws.cell(row=ws.max_row, column=2).number_format = "DD.MM.YYYY"
        ws.column_dimensions["A"].width = 8
        ws.column_dimensions["B"].width = 12
        ws.column_dimensions["C"].width = 28
        ws.column_dimensions["D"].width = 60
    out = BytesIO()
    book.save(out)
    return out.getvalue()
