"""The reports' tables (``tables.Table``) built from the analysis rows: the same tables make the
page, the XLSX and the PDF. Column titles speak the school's language (успеваемость, качество,
СОУ), explained in the user guide (docs/user-guide/reports.md)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhurnal.journal.attendance_counts import REASONS, AttendanceLine, ClassAttendance

from .analysis import ClassSummary, FiguresRow, ListedStudent, TallyRow
from .statistics import Figures, Grade, Standing, Tally
from .tables import Cell, Table


def delta(now: Decimal | None, before: Decimal | None) -> Cell:
    """The change since the previous period, signed («+3,2», «−1,0»)."""
    if now is None or before is None:
        return Cell(None)
    change = now - before
    css = "delta up" if change > 0 else "delta down" if change < 0 else ""
    return Cell(change, css=css, signed=True)


def figures_headers(first: str, compare: bool) -> list[str]:
    headers = [
        first,
        _("Students"),
        _("Excellent"),
        _("Good"),
        _("With one «3»"),
        _("Failing"),
        _("Success, %"),
    ]
    if compare:
        headers.append(_("Change"))
    headers.append(_("Quality, %"))
    if compare:
        headers.append(_("Change"))
    return [*headers, _("СОУ, %"), _("Average mark")]


def figures_cells(label: Cell | str, figures: Figures, previous: Figures | None, compare: bool):
    cells: list = [
        label,
        figures.students,
        figures.standings[Standing.EXCELLENT],
        figures.standings[Standing.GOOD],
        figures.standings[Standing.ONE_THREE],
        Cell(figures.failing, css="bad" if figures.failing else ""),
        figures.success_rate,
    ]
    if compare:
        cells.append(delta(figures.success_rate, previous.success_rate if previous else None))
    cells.append(figures.quality)
    if compare:
        cells.append(delta(figures.quality, previous.quality if previous else None))
    return [*cells, figures.sou, figures.average]


def figures_table(
    title: str,
    first: str,
    rows: list[FiguresRow],
    total: tuple[Figures, Figures | None] | None,
    *,
    compare: bool,
    url: Callable[[FiguresRow], str] | None = None,
) -> Table:
    table = Table(title, figures_headers(first, compare))
    for row in rows:
        label = Cell(row.label, url=url(row) if url else "")
        table.add(*figures_cells(label, row.figures, row.previous, compare))
    if total is not None:
        table.total(*figures_cells(_("School"), total[0], total[1], compare))
    table.caption = _(
        "Success: students without «2», «н/а» or «незачёт»; quality: students with only «4» "
        "and «5»; СОУ and the average mark over every subject result. Results not yet entered "
        "are the journal's forecasts."
    )
    return table


def tally_headers(first: str, compare: bool, extra: list[str] = ()) -> list[str]:
    headers = [first, *extra, _("Results"), "5", "4", "3", "2", "н/а", _("зач / незач")]
    headers.append(_("Success, %"))
    if compare:
        headers.append(_("Change"))
    headers.append(_("Quality, %"))
    if compare:
        headers.append(_("Change"))
    return [*headers, _("СОУ, %"), _("Average mark")]


def tally_cells(label, tally: Tally, previous: Tally | None, compare: bool, extra=()):
    pass_fail = tally[Grade.PASSED] + tally[Grade.FAILED]
    cells: list = [
        label,
        *extra,
        tally.counted,
        tally[Grade.FIVE],
        tally[Grade.FOUR],
        tally[Grade.THREE],
        Cell(tally[Grade.TWO], css="bad" if tally[Grade.TWO] else ""),
        Cell(tally[Grade.NOT_ATTESTED], css="bad" if tally[Grade.NOT_ATTESTED] else ""),
        f"{tally[Grade.PASSED]} / {tally[Grade.FAILED]}" if pass_fail else None,
        tally.success_rate,
    ]
    if compare:
        cells.append(delta(tally.success_rate, previous.success_rate if previous else None))
    cells.append(tally.quality)
    if compare:
        cells.append(delta(tally.quality, previous.quality if previous else None))
    return [*cells, tally.sou, tally.average]


def tally_table(
    title: str, first: str, rows: list[TallyRow], *, compare: bool, teachers: bool = False
) -> Table:
    extra = [_("Teacher")] if teachers else []
    table = Table(title, tally_headers(first, compare, extra))
    total = Tally()
    for row in rows:
        names = ", ".join(t.short_name for t in row.teachers)
        table.add(
            *tally_cells(row.label, row.tally, row.previous, compare, [names] if teachers else [])
        )
        total = total + row.tally
    if rows:
        table.total(*tally_cells(_("Total"), total, None, compare, [""] if teachers else []))
    table.caption = _(
        "One result per student and subject: the term (or year) mark, or the journal's forecast "
        "where none is entered yet. Exempt students and students without marks are not counted."
    )
    return table


STANDING_TITLES = {
    Standing.EXCELLENT: gettext_lazy("Excellent students (only «5»)"),
    Standing.GOOD: gettext_lazy("Good students (only «4» and «5»)"),
    Standing.ONE_THREE: gettext_lazy("With one «3»"),
    Standing.FAILING: gettext_lazy("Failing («2», «н/а», «незачёт»)"),
}


def _subject_result(subject: str, result) -> str:
    text = f"{subject} {result.value or '—'}"
    return f"{text} ({_('forecast')})" if result.forecast else text


def list_tables(lists: dict[Standing, list[ListedStudent]], *, with_class: bool) -> list[Table]:
    tables = []
    for standing, students in lists.items():
        headers = [_("Student")] + ([_("Class")] if with_class else []) + [_("Subjects")]
        table = Table(f"{STANDING_TITLES[standing]}: {len(students)}", headers)
        for listed in students:
            subjects = ", ".join(
                f"{subject} {result.value or '—'}"
                + (f" ({_('forecast')})" if result.forecast else "")
                for subject, result in listed.subjects
            )
            row = [listed.student.full_name]
            if with_class:
                row.append(listed.school_class.name)
            table.add(*row, subjects or None)
        tables.append(table)
    return tables


def summary_table(title: str, summary: ClassSummary) -> Table:
    table = Table(title, [_("Student"), *summary.subjects, _("Standing")])
    standing_names = {
        Standing.EXCELLENT: _("excellent"),
        Standing.GOOD: _("good"),
        Standing.ONE_THREE: _("one «3»"),
        Standing.SATISFACTORY: _("satisfactory"),
        Standing.PASSED: _("passed"),
        Standing.FAILING: _("failing"),
        Standing.UNGRADED: "",
    }
    for number, row in enumerate(summary.rows, start=1):
        cells: list = [f"{number}. {row.student.full_name}"]
        for result in row.cells:
            if result is None:
                cells.append(Cell(None))
            else:
                css = "forecast" if result.forecast else ""
                if result.grade in (Grade.TWO, Grade.NOT_ATTESTED, Grade.FAILED):
                    css = f"{css} bad".strip()
                cells.append(
                    Cell(
                        result.value or None, css=css, note=_("forecast") if result.forecast else ""
                    )
                )
        cells.append(standing_names[row.standing] or None)
        table.add(*cells)
    table.total(_("Average mark"), *[t.average for t in summary.tallies], summary.figures.average)
    table.caption = _(
        "Italic: the journal's forecast, the mark not yet entered. Success %(success)s %%, "
        "quality %(quality)s %%, СОУ %(sou)s %%."
    ) % {
        "success": Cell(summary.figures.success_rate).text,
        "quality": Cell(summary.figures.quality).text,
        "sou": Cell(summary.figures.sou).text,
    }
    return table


def attendance_headers(first: str, lessons: str) -> list[str]:
    return [
        first,
        lessons,
        _("Lessons missed"),
        *[_("«%(code)s», lessons") % {"code": code} for code in REASONS],
        _("Missed, %"),
        _("Late"),
        _("Days missed"),
        *[_("«%(code)s», days") % {"code": code} for code in REASONS],
    ]


def attendance_cells(label, line: AttendanceLine) -> list:
    return [
        label,
        line.lessons,
        line.missed_total,
        *line.by_reason(),
        line.missed_share,
        line.late,
        line.days_total,
        *line.days_by_reason(),
    ]


def class_attendance_table(title: str, data: ClassAttendance) -> Table:
    table = Table(title, attendance_headers(_("Student"), _("Lessons")))
    for row in data.students:
        table.add(*attendance_cells(row.student.full_name, row.line))
    table.total(*attendance_cells(_("Class"), data.total))
    table.caption = _(
        "Н: without a valid reason; Б: ill; У: a valid reason — as the class teacher recorded "
        "them in the absence register (its periods and the daily sheet), else as the subject "
        "teacher entered them. A day missed: every lesson of the day."
    )
    return table


def school_attendance_table(title: str, classes: list[ClassAttendance], url) -> Table:
    table = Table(title, attendance_headers(_("Class"), _("Student-lessons")))
    total = AttendanceLine()
    for data in classes:
        table.add(*attendance_cells(Cell(data.school_class.name, url=url(data)), data.total))
        total += data.total
    table.total(*attendance_cells(_("School"), total))
    table.caption = _(
        "Student-lessons: the lessons each student of the class had, summed; days missed: "
        "the students' whole days missed, summed. A class opens its students."
    )
    return table
