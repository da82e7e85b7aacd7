"""The journal grid's cells as HTML, built in Python: a term's grid holds thousands of cells
(35 students × 60 lessons × attendance and marks), and a template tag per cell would cost
more than the whole page's budget (docs/performance.md). Every text is escaped; the markup is
the one ``static/zhurnal/journal.js`` drives (``td.c`` with ``data-*`` of the entry)."""

from __future__ import annotations

from html import escape

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .models import PeriodKind

KIND_CLASS = {"attendance": "a", "mark": "m", "period": "p"}


def cell(
    *,
    kind: str,
    value: str = "",
    shown: str | None = None,
    version: int = 0,
    edit: bool = False,
    late: bool = False,
    lesson_id: int | None = None,
    column_id: int | None = None,
    virtual: bool = False,
    period_kind: str | None = None,
    term_id: int | None = None,
    forecast: str | None = None,
    off: bool = False,
    late_title: str = "",
) -> str:
    """One ``<td>``, as compact as the grid's size asks (a term's grid has thousands): class
    ``c`` and ``a``/``m``/``p`` (attendance, mark, period mark), ``e`` when editable; the
    text is what the cell shows, ``data-v`` the saved value when it differs (an attendance
    cell shows the absence register's reason); ``data-n`` the version; ``data-l`` the
    lesson, ``data-c`` the mark column (empty with ``data-x`` = lesson for the column a first
    mark creates); ``data-k``/``data-t``/``data-f`` the period mark's kind, term and forecast.
    The student is the row's ``data-student``."""
    classes = "c " + KIND_CLASS[kind]
    if edit:
        classes += " e"
    if late:
        classes += " late"
    if off:
        classes += " off"
    attrs = f'class="{classes}" data-n="{version}"'
    if lesson_id is not None:
        attrs += f' data-l="{lesson_id}"'
    if column_id is not None:
        attrs += f' data-c="{column_id}"'
    elif virtual:
        attrs += f' data-c="" data-x="{lesson_id}"'
    if period_kind:
        attrs += f' data-k="{period_kind}"'
        if term_id:
            attrs += f' data-t="{term_id}"'
        if forecast:
            attrs += f' data-f="{escape(forecast)}"'
    if shown is not None and shown != value:
        attrs += f' data-v="{escape(value)}"'
    else:
        shown = value
    if late:
        attrs += f' title="{late_title}"'
    return f"<td {attrs}>{escape(shown)}</td>"


def grid_rows(rows, lessons: list[dict], periods: list[tuple], *, can_period: bool) -> SafeString:
    """The body of a course's grid: ``rows`` are ``queries.GridRow``, ``lessons`` the view's
    per-lesson dicts (in the rows' cell order), ``periods`` (kind, term id) for the
    period-mark cells on the right: a term mark's cell suggests the row's forecast, a year
    mark's the row's year forecast (the mean of the term marks), exam and final marks none."""
    out: list[str] = []
    late_title = escape(_("entered late"))
    joined_word, left_word = escape(_("from")), escape(_("to"))
    # Per lesson, once: its id, whether it is editable, its columns' ids, its empty column.
    plan = [
        (
            data["item"].lesson.pk,
            data["editable"],
            [column.pk for column in data["item"].columns],
            data["virtual"],
        )
        for data in lessons
    ]
    for number, row in enumerate(rows, 1):
        student = row.student
        note = ""
        if row.joined:
            note += f' <span class="muted">{joined_word} {row.joined:%d.%m}</span>'
        if row.left:
            note += f' <span class="muted">{left_word} {row.left:%d.%m}</span>'
        parts = [
            f'<tr data-student="{student.pk}"><th class="student" scope="row">'
            f'<span class="n">{number}.</span> {escape(student.last_name)} '
            f'<span class="fn">{escape(student.first_name)}</span>{note}</th>'
        ]
        for (lesson_id, editable, column_ids, virtual), grid_cell in zip(
            plan, row.cells, strict=True
        ):
            on_list = grid_cell.on_list
            edit = editable and on_list
            entry = grid_cell.teacher_attendance
            parts.append(
                cell(
                    kind="attendance",
                    lesson_id=lesson_id,
                    value=entry.code if entry else "",
                    shown=grid_cell.attendance,
                    version=entry.version if entry else 0,
                    late=bool(entry and entry.late),
                    late_title=late_title,
                    edit=edit,
                    off=not on_list,
                )
            )
            marks = grid_cell.marks
            for column_id in column_ids:
                mark = marks.get(column_id)
                parts.append(
                    cell(
                        kind="mark",
                        lesson_id=lesson_id,
                        column_id=column_id,
                        value=mark.value if mark else "",
                        version=mark.version if mark else 0,
                        late=bool(mark and mark.late),
                        late_title=late_title,
                        edit=edit,
                        off=not on_list,
                    )
                )
            if virtual:
                parts.append(
                    cell(kind="mark", lesson_id=lesson_id, virtual=True, edit=edit, off=not on_list)
                )
        average = f"{row.average:.2f}" if row.average is not None else ""
        predicted = escape(row.forecast or "")
        parts.append(f'<td class="avg">{average}</td><td class="fc">{predicted}</td>')
        suggested = {PeriodKind.TERM: row.forecast, PeriodKind.YEAR: row.year_forecast}
        for kind, term_id in periods:
            saved = row.period_marks.get((kind, term_id))
            parts.append(
                cell(
                    kind="period",
                    value=saved.value if saved else "",
                    version=saved.version if saved else 0,
                    late=bool(saved and saved.late),
                    late_title=late_title,
                    edit=can_period,
                    period_kind=kind,
                    term_id=term_id,
                    forecast=suggested.get(kind),
                )
            )
        parts.append("</tr>")
        out.append("".join(parts))
    return mark_safe("\n".join(out))  # noqa: S308  every text above is escaped


def sheet_rows(rows: list[dict], columns: list, *, edit: bool, virtual: bool) -> SafeString:
    """The body of one lesson's sheet (``views.lesson_journal``)."""
    out: list[str] = []
    late_title = escape(_("entered late"))
    for number, data in enumerate(rows, 1):
        row = data["row"]
        sid = row.student.pk
        entry = row.teacher_attendance
        lesson_id = data["lesson_id"]
        parts = [
            f'<tr data-student="{sid}"><th class="student" scope="row"><span class="n">{number}.'
            f"</span> {escape(row.student.last_name)} {escape(row.student.first_name)}</th>",
            cell(
                kind="attendance",
                lesson_id=lesson_id,
                value=entry.code if entry else "",
                shown=row.attendance,
                version=entry.version if entry else 0,
                late=bool(entry and entry.late),
                late_title=late_title,
                edit=edit,
            ),
        ]
        for column, mark in data["marks"]:
            parts.append(
                cell(
                    kind="mark",
                    lesson_id=lesson_id,
                    column_id=column.pk,
                    value=mark.value if mark else "",
                    version=mark.version if mark else 0,
                    late=bool(mark and mark.late),
                    late_title=late_title,
                    edit=edit,
                )
            )
        if virtual:
            parts.append(cell(kind="mark", lesson_id=lesson_id, virtual=True, edit=edit))
        parts.append("</tr>")
        out.append("".join(parts))
    return mark_safe("\n".join(out))  # noqa: S308  every text above is escaped


def grid_head(lessons: list[dict], *, default_type, period_labels: list[str]) -> SafeString:
    """The two header rows of a course's grid: per lesson its date (opening the lesson's side
    pane, ``views.lesson_pane``, or its page in a new tab; the topic and a substitution in the
    tooltip) over its attendance and mark columns — a past lesson whose attendance was never
    taken marked on its attendance column (seed 002, regulation 2.1.1); then the average, the
    forecast and the period marks."""
    lesson_url = reverse("journal:lesson", kwargs={"lesson_id": 0})[:-2]  # ".../lessons/"
    weight_word = escape(_("weight"))
    subst_word = escape(_("subst."))
    homework_word, homework_title = escape(_("hw")), escape(_("homework"))
    attendance_label = escape(_("att."))
    attendance_title = escape(_("attendance: Н, Б, У, ОП"))
    not_taken_title = escape(_("attendance not taken"))
    dates, columns = [], []
    for data in lessons:
        lesson = data["item"].lesson
        classes = "lesson-h"
        if data["today"]:
            classes += " today"
        if data.get("latest"):
            classes += " latest"
        if data["planned"]:
            classes += " planned"
        title = date_format(lesson.date, "l, d.m.Y")
        if lesson.topic:
            title += f" — {lesson.topic}"
        marks = ""
        if lesson.substitute_for_id:
            title += " · " + _("substitution: instead of %(name)s") % {
                "name": lesson.substitute_for.short_name
            }
            title += f" ({lesson.teacher.short_name})"
            marks += f'<sup class="subst">{subst_word}</sup>'
        if data["item"].homework is not None:
            marks += f'<sup title="{homework_title}">{homework_word}</sup>'
        dates.append(
            f'<th colspan="{data["span"]}" class="{classes}" scope="colgroup" '
            f'title="{escape(title)}"><a href="{lesson_url}{lesson.pk}/" '
            f'hx-get="{lesson_url}{lesson.pk}/pane/" hx-target="#lesson-pane">'
            f"{lesson.date:%d.%m}</a>{marks}</th>"
        )
        if data.get("no_roll_call"):
            columns.append(
                f'<th class="att-h no-roll-call" scope="col" title="{attendance_title} · '
                f'{not_taken_title}">{attendance_label}<sup>?</sup></th>'
            )
        else:
            columns.append(
                f'<th class="att-h" scope="col" title="{attendance_title}">{attendance_label}</th>'
            )
        for column in data["item"].columns:
            tip = column.work_type.name + (f": {column.title}" if column.title else "")
            columns.append(
                f'<th class="mark-h" scope="col" title="{escape(tip)} · {weight_word} '
                f'{column.weight.normalize()}">{escape(column.work_type.code)}</th>'
            )
        if data["virtual"] and default_type:
            columns.append(
                f'<th class="mark-h virtual" scope="col" data-virtual-h="{lesson.pk}" '
                f'title="{escape(default_type["name"])} · {weight_word} '
                f'{default_type["weight"].normalize()}">{escape(default_type["code"])}</th>'
            )
    # gettext outside the f-strings: xgettext does not look inside them.
    average_title, average_label = escape(_("weighted average")), escape(_("Avg."))
    forecast_title, forecast_label = escape(_("forecast of the term mark")), escape(_("Fcst."))
    student_label = escape(_("Student"))
    right = (
        f'<th rowspan="2" class="avg" scope="col" title="{average_title}">{average_label}</th>'
        f'<th rowspan="2" class="fc" scope="col" title="{forecast_title}">{forecast_label}</th>'
        + "".join(
            f'<th rowspan="2" class="period-h" scope="col">{escape(label)}</th>'
            for label in period_labels
        )
    )
    student = f'<th rowspan="2" class="student" scope="col">{student_label}</th>'
    html = f"<tr>{student}{''.join(dates)}{right}</tr>\n<tr>{''.join(columns)}</tr>"
    return mark_safe(html)  # noqa: S308  every text above is escaped
