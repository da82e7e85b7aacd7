"""A report's answer: its page, or the same tables as a file — the XLSX workbook or the A4 PDF
(``?format=xlsx|pdf``). Shared by the reports and the control of the journals."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode

from zhurnal.core.access import current_school
from zhurnal.school.calendar import school_today

from . import tables


def respond(
    request: HttpRequest,
    template: str,
    page: dict,
    *,
    title: str,
    subtitle: str,
    tables_: list[tables.Table],
    filename: str,
    landscape: bool = False,
    sign: str = "",
    print_template: str = "reports/print.html",
) -> HttpResponse:
    """The page, or its tables as a file (``?format=xlsx`` or ``?format=pdf``): the page's
    template gets ``title``, ``subtitle``, ``tables`` and the addresses of the two files."""
    wanted = request.GET.get("format")
    school = current_school(request)
    if wanted == "xlsx":
        response = HttpResponse(
            tables.xlsx(f"{title}. {subtitle}", tables_),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    elif wanted == "pdf":
        response = HttpResponse(
            tables.pdf(
                title,
                tables_,
                school=school,
                today=school_today(school),
                subtitle=subtitle,
                landscape=landscape,
                sign=sign,
                template=print_template,
                extra=page,
            ),
            content_type="application/pdf",
        )
    else:
        query = request.GET.copy()
        query.pop("format", None)
        return render(
            request,
            template,
            {
                **page,
                "title": title,
                "subtitle": subtitle,
                "tables": tables_,
                "xlsx_url": f"?{urlencode({**query.dict(), 'format': 'xlsx'})}",
                "pdf_url": f"?{urlencode({**query.dict(), 'format': 'pdf'})}",
            },
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}.{wanted}"'
    response["Cache-Control"] = "private, no-store"
    return response
