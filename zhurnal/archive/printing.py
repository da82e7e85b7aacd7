"""The printed documents as PDF/A (issue 13; seed 002 §5.7, §5.9): the class journal in the
paper journal's layout, the summary sheet of the marks and the report cards, made by WeasyPrint
from HTML templates with the DejaVu fonts, on A4.

PDF/A-3b (``PDF_VARIANT``): the archival PDF — fonts embedded, colours defined, metadata in XMP —
so that the file opens the same in 25 years (seed 002 §5.9: the summary sheet is kept 25 years).

The journal is printed on both sides, as the paper journal is bound: a month's marks on a left
page face the dates, topics and homework of the same lessons on the right (``break-before:
left``; WeasyPrint adds a blank page where one is needed). Its last page, for the director's
signature and the seal, states how many leaves were numbered and laced («Пронумеровано и
прошнуровано N листов»): the journal is laid out first, its pages counted, and the closing page
laid out after them (N = the leaves of both, two pages a leaf).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from io import BytesIO

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from .queries import ClassJournal, report_cards

PDF_VARIANT = "pdf/a-3b"
# Mark columns across one page of the summary sheet: in the journal (portrait) and on its own
# (landscape).
JOURNAL_SUMMARY_COLUMNS = 24
SHEET_COLUMNS = 36


@dataclass(frozen=True)
class Printed:
    """A PDF with its count of pages and of leaves (two pages a leaf, printed on both sides)."""

    content: bytes
    pages: int

    @property
    def sheets(self) -> int:
        return (self.pages + 1) // 2


def _document(html: str):
    from weasyprint import HTML  # heavy: loaded for a PDF only

    return HTML(string=html).render()


def _write(document, pages=None) -> bytes:
    if pages is not None:
        document = document.copy(pages)
    return document.write_pdf(pdf_variant=PDF_VARIANT)


def _context(journal: ClassJournal, printed: date, title: str) -> dict:
    return {
        "journal": journal,
        "school": journal.school_class.school,
        "school_class": journal.school_class,
        "year": journal.year,
        "printed": printed,
        "title": title,
    }


def journal_title(journal: ClassJournal, term=None) -> str:
    if term is not None:
        return _("Class journal of %(class)s, %(term)s %(year)s") % {
            "class": journal.school_class.name,
            "term": term.title,
            "year": journal.year,
        }
    return _("Class journal of %(class)s, %(year)s") % {
        "class": journal.school_class.name,
        "year": journal.year,
    }


def _part(context: dict, part: str, first_page: int, **extra) -> tuple[bytes, int]:
    """One part of the journal laid out from page ``first_page`` (its side: even pages are left
    ones), as PDF/A, and its number of pages. The journal is laid out part by part — the title,
    each course, the closing tables — so that WeasyPrint holds one course's pages at a time,
    not a year's (a class's year is some 300 pages: laid out at once, over 1 GB)."""
    document = _document(
        render_to_string(
            "archive/journal_pdf.html",
            {
                **context,
                **extra,
                "part": part,
                "first_page": first_page,
                "starts_left": first_page % 2 == 0,
            },
        )
    )
    return _write(document), len(document.pages)


def _merge(parts: list[bytes]) -> bytes:
    """The parts as one PDF: the first part's catalogue (its XMP metadata and PDF/A output
    intent, its document information) and every part's pages, each with its own embedded
    fonts."""
    from pypdf import PdfReader, PdfWriter  # loaded for a PDF only

    writer = PdfWriter(clone_from=PdfReader(BytesIO(parts[0])))
    info = dict(writer.metadata or {})
    for part in parts[1:]:
        writer.append(PdfReader(BytesIO(part)))
    writer.add_metadata(info)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def journal_pdf(journal: ClassJournal, *, printed: date, term=None) -> Printed:
    """The class journal: the title page with the contents, each course's spreads (a month's
    marks on the left page, its topics and homework on the right, the term and year marks in
    columns after the term's last lesson), the substitutions, the attendance summary, the
    summary sheet. The year's (``term`` None) ends with the closing page for the director's
    signature and seal; a term's copy (seed 002 §4.2: an electronic copy, not bound) has none.
    """
    title = journal_title(journal, term)
    context = {
        **_context(journal, printed, title),
        "term": term,
        "summary_pages": journal.summary.pages(JOURNAL_SUMMARY_COLUMNS),
        "summary_heading": _("Summary sheet of the marks"),
    }

    def heading(course) -> str:
        if course.course.group_id:
            return f"{course.subject} ({course.audience})"
        return course.subject

    # The title page is laid out twice: first to know its length, then with the contents'
    # page numbers (the same lines: the same length).
    contents = [(heading(c), "") for c in journal.courses]
    _title, title_pages = _part(context, "title", 1, contents=contents)
    parts: list[bytes] = []
    page = title_pages + 1
    starts = []
    for course in journal.courses:
        # A course opens on a left page: after a right one, a blank page comes first.
        needs_blank = page % 2 == 1
        starts.append(page + (1 if needs_blank else 0))
        content, count = _part(context, "course", page, course=course, needs_blank=needs_blank)
        parts.append(content)
        page += count
    contents = [(heading(c), start) for c, start in zip(journal.courses, starts, strict=True)]
    for part, heading_text in (
        ("substitutions", _("Substitutions")),
        ("attendance", _("Attendance summary")),
        ("summary", _("Summary sheet of the marks")),
    ):
        contents.append((heading_text, page))
        content, count = _part(context, part, page)
        parts.append(content)
        page += count
    title_part, _count = _part(context, "title", 1, contents=contents)
    parts.insert(0, title_part)
    if term is None:
        # The closing page is the last: N counts it (and every blank page).
        total = page
        closing = _document(
            render_to_string(
                "archive/closing_pdf.html",
                {**context, "page_number": total, "sheets": (total + 1) // 2, "pages": total},
            )
        )
        parts.append(_write(closing))
        page += 1
    return Printed(_merge(parts), page - 1)


def summary_pdf(journal: ClassJournal, *, printed: date, term=None) -> Printed:
    """Сводная ведомость учёта успеваемости of the class (seed 002 §5.9): students × subjects,
    their term, year, exam and final marks; landscape, the subjects cut into pages."""
    if term is not None:
        title = _("Summary sheet of the marks of %(class)s, %(term)s %(year)s") % {
            "class": journal.school_class.name,
            "term": term.title,
            "year": journal.year,
        }
    else:
        title = _("Summary sheet of the marks of %(class)s, %(year)s") % {
            "class": journal.school_class.name,
            "year": journal.year,
        }
    context = {
        **_context(journal, printed, title),
        "summary_pages": journal.summary.pages(SHEET_COLUMNS),
    }
    document = _document(render_to_string("archive/summary_pdf.html", context))
    return Printed(_write(document), len(document.pages))


def report_cards_pdf(journal: ClassJournal, *, printed: date) -> Printed:
    """The табель of every student of the class, one page each."""
    title = _("Report cards of %(class)s, %(year)s") % {
        "class": journal.school_class.name,
        "year": journal.year,
    }
    context = {**_context(journal, printed, title), "cards": report_cards(journal)}
    document = _document(render_to_string("archive/cards_pdf.html", context))
    return Printed(_write(document), len(document.pages))
