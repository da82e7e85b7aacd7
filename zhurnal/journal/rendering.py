"""The journal grid's cells as HTML, built in Python: a term's grid holds thousands of cells
(35 students × 60 lessons × attendance and marks), and a template tag per cell would cost
more than the whole page's budget (docs/performance.md). Every text is escaped; the markup is
the one ``static/zhurnal/journal.js`` drives (``td.c`` with ``data-*`` of the entry)."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _


def cell(
    *,
    kind: str,
    student_id: int,
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
) -> str:
    """One ``<td>``: ``value`` is what is saved (the editor starts from it), ``shown`` what
    the cell displays (an attendance cell shows the absence register's reason)."""
    classes = ["c", kind]
    if not edit:
        classes.append("ro")
    if late:
        classes.append("late")
    if off:
        classes.append("off")
    attrs = [
        f'class="{" ".join(classes)}"',
        f'data-kind="{kind}"',
        f'data-student="{student_id}"',
        f'data-value="{escape(value)}"',
        f'data-version="{version}"',
    ]
    if lesson_id is not None:
        attrs.append(f'data-lesson="{lesson_id}"')
    if column_id is not None:
        attrs.append(f'data-column="{column_id}"')
    elif virtual:
        attrs.append(f'data-column="" data-virtual="{lesson_id}"')
    if edit:
        attrs.append('data-edit="1"')
    if period_kind:
        attrs.append(f'data-period-kind="{period_kind}"')
        if term_id:
            attrs.append(f'data-term="{term_id}"')
        if forecast:
            attrs.append(f'data-forecast="{escape(forecast)}"')
    if late:
        attrs.append(f'title="{escape(_("entered late"))}"')
    text = escape(value if shown is None else shown)
    hint = ""
    if period_kind and not value and forecast:
        hint = f'<span class="hint">{escape(forecast)}</span>'
    return f'<td {" ".join(attrs)}><span class="v">{text}</span>{hint}</td>'


def grid_rows(rows: list[dict], lessons: list[dict], *, can_period: bool) -> SafeString:
    """The body of a course's grid (see ``views.course_journal`` for the dicts)."""
    out: list[str] = []
    for number, data in enumerate(rows, 1):
        row = data["row"]
        student = row.student
        sid = student.pk
        note = ""
        if row.joined:
            note += f' <span class="muted">{escape(_("from"))} {row.joined:%d.%m}</span>'
        if row.left:
            note += f' <span class="muted">{escape(_("to"))} {row.left:%d.%m}</span>'
        parts = [
            f'<tr data-student="{sid}"><th class="student" scope="row">'
            f'<span class="n">{number}.</span> {escape(student.last_name)} '
            f"{escape(student.first_name)}{note}</th>"
        ]
        for lesson, entry in zip(lessons, data["cells"], strict=True):
            grid_cell = entry["cell"]
            lesson_id = lesson["item"].lesson.pk
            edit = lesson["editable"] and grid_cell.on_list
            teacher_entry = grid_cell.teacher_attendance
            parts.append(
                cell(
                    kind="attendance",
                    student_id=sid,
                    lesson_id=lesson_id,
                    value=teacher_entry.code if teacher_entry else "",
                    shown=grid_cell.attendance,
                    version=teacher_entry.version if teacher_entry else 0,
                    late=bool(teacher_entry and teacher_entry.late),
                    edit=edit,
                    off=not grid_cell.on_list,
                )
            )
            for column, mark in entry["marks"]:
                parts.append(
                    cell(
                        kind="mark",
                        student_id=sid,
                        lesson_id=lesson_id,
                        column_id=column.pk,
                        value=mark.value if mark else "",
                        version=mark.version if mark else 0,
                        late=bool(mark and mark.late),
                        edit=edit,
                        off=not grid_cell.on_list,
                    )
                )
            if lesson["virtual"]:
                parts.append(
                    cell(
                        kind="mark",
                        student_id=sid,
                        lesson_id=lesson_id,
                        virtual=True,
                        edit=edit,
                        off=not grid_cell.on_list,
                    )
                )
        average = f"{row.average:.2f}" if row.average is not None else ""
        predicted = escape(row.forecast or "")
        parts.append(f'<td class="avg">{average}</td><td class="fc">{predicted}</td>')
        for period in data["period"]:
            saved = period["entry"]
            parts.append(
                cell(
                    kind="period",
                    student_id=sid,
                    value=saved.value if saved else "",
                    version=saved.version if saved else 0,
                    late=bool(saved and saved.late),
                    edit=can_period,
                    period_kind=period["kind"],
                    term_id=period["term"],
                    forecast=row.forecast if period["kind"] in ("term", "year") else None,
                )
            )
        parts.append("</tr>")
        out.append("".join(parts))
    return mark_safe("\n".join(out))  # noqa: S308  every text above is escaped


def sheet_rows(rows: list[dict], columns: list, *, edit: bool, virtual: bool) -> SafeString:
    """The body of one lesson's sheet (``views.lesson_journal``)."""
    out: list[str] = []
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
                student_id=sid,
                lesson_id=lesson_id,
                value=entry.code if entry else "",
                shown=row.attendance,
                version=entry.version if entry else 0,
                late=bool(entry and entry.late),
                edit=edit,
            ),
        ]
        for column, mark in data["marks"]:
            parts.append(
                cell(
                    kind="mark",
                    student_id=sid,
                    lesson_id=lesson_id,
                    column_id=column.pk,
                    value=mark.value if mark else "",
                    version=mark.version if mark else 0,
                    late=bool(mark and mark.late),
                    edit=edit,
                )
            )
        if virtual:
            parts.append(
                cell(kind="mark", student_id=sid, lesson_id=lesson_id, virtual=True, edit=edit)
            )
        parts.append("</tr>")
        out.append("".join(parts))
    return mark_safe("\n".join(out))  # noqa: S308  every text above is escaped
