"""The lessons of a diary day and the marks of a term as HTML, built in Python: a week holds
30-40 lessons with their marks, homework and notes, a term 60-100 marks, and the template
engine spent more on them than the rest of the page (docs/performance.md, "diary week").
Every text is escaped; the markup and classes are those ``static/zhurnal/diary.css`` styles,
the texts the same messages as the templates'."""

from __future__ import annotations

from html import escape

from django.template.defaultfilters import floatformat, linebreaksbr
from django.urls import reverse
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .queries import DiaryLesson, SubjectMarks


def _time(value) -> str:
    return value.strftime("%H:%M") if value else ""


def _marks(item: DiaryLesson, weight_label: str) -> str:
    parts = []
    for mark in item.marks:
        title = mark.work_type_name + (f": {mark.title}" if mark.title else "")
        title += f", {weight_label} {floatformat(mark.weight, '-2')}"
        parts.append(
            f'<span class="diary-mark" title="{escape(title)}">{escape(mark.value)} '
            f"<small>{escape(mark.work_type_code)}</small></span>"
        )
    return "".join(parts)


def _details(item: DiaryLesson, student_id: int) -> str:
    """What the lesson held: substitution, topic, homework (text, links, files), the
    comments of the marks and the teachers' notes."""
    lesson = item.lesson
    parts = []
    if item.substituted:
        text = _("Substitution: %(teacher)s instead of %(absent)s") % {
            "teacher": lesson.teacher.short_name,
            "absent": lesson.substitute_for.short_name,
        }
        parts.append(f'<p class="label">{escape(text)}</p>')
    if lesson.topic:
        parts.append(
            f'<p><span class="label">{escape(_("Topic"))}:</span> {escape(lesson.topic)}</p>'
        )
    homework = item.homework
    if homework:
        minutes = (
            f' <span class="muted">(~{homework.minutes} {escape(_("min"))})</span>'
            if homework.minutes
            else ""
        )
        parts.append(
            f'<p><span class="label">{escape(_("Homework"))}:</span> '
            f"{linebreaksbr(homework.text, autoescape=True)}{minutes}</p>"
        )
        parts.extend(
            f'<p><a href="{escape(link)}" rel="noopener noreferrer">{escape(link)}</a></p>'
            for link in homework.links or ()
        )
        parts.extend(
            f'<p><a href="{reverse("diary:attachment", args=[student_id, a.pk])}">'
            f"📎 {escape(a.name)}</a></p>"
            for a in item.attachments
        )
    parts.extend(
        f'<p class="muted">{escape(mark.value)}: {escape(mark.comment)}</p>'
        for mark in item.marks
        if mark.comment
    )
    parts.extend(
        f'<p class="diary-note {escape(note.kind)}"><span class="label">'
        f"{escape(note.kind_label)}:</span> {escape(note.text)}</p>"
        for note in item.notes
    )
    return "\n".join(parts)


def lessons_html(lessons: list[DiaryLesson], student_id: int) -> SafeString:
    """A day's lessons as the ``<li>`` items of its ``ol.diary-lessons``: number, subject,
    time, the student's attendance and marks; then a cancellation's reason, or what the lesson
    held (``_details``)."""
    weight_label, attendance_label = _("weight"), _("attendance")
    items = []
    for item in lessons:
        lesson = item.lesson
        line = (
            f'<span class="num">{lesson.number}</span>'
            f'<span class="subject">{escape(item.subject)}</span>'
        )
        if lesson.starts_at:
            line += f'<span class="time">{_time(lesson.starts_at)}–{_time(lesson.ends_at)}</span>'
        if item.cancelled:
            line += f'<span class="badge err">{escape(_("cancelled"))}</span>'
        if item.attendance:
            line += (
                f'<span class="diary-att" title="{escape(attendance_label)}">'
                f"{escape(item.attendance)}</span>"
            )
        line += _marks(item, weight_label)
        if item.cancelled:
            details = (
                f'<p class="muted">{escape(lesson.cancel_reason)}</p>'
                if lesson.cancel_reason
                else ""
            )
        else:
            details = _details(item, student_id)
        items.append(
            f'<li class="diary-lesson{" cancelled" if item.cancelled else ""}">'
            f'<div class="line1">{line}</div>\n{details}</li>'
        )
    return mark_safe("\n".join(items))  # noqa: S308 -- every text above is escaped


def subjects_html(subjects: list[SubjectMarks]) -> SafeString:
    """The marks of a term by subject, as the ``section.diary-subject`` blocks of the marks
    page: each mark with its work type, weight, comment and date, the weighted average and the
    forecast, the period marks. Built here for the same reason as the week's lessons (a term
    holds 13-15 subjects and ~60-100 marks)."""
    # The texts outside the f-strings below: xgettext does not read inside them.
    if not subjects:
        none = escape(_("No subjects in this term."))
        return mark_safe(f'<p class="muted">{none}</p>')  # noqa: S308 -- escaped
    weight_label, forecast_label = _("weight"), _("forecast")
    no_marks, average_label = escape(_("No marks yet.")), escape(_("Weighted average"))
    sections = []
    for subject in subjects:
        parts = [f'<section class="diary-subject">\n<h2>{escape(subject.subject)}</h2>']
        if subject.marks:
            items = []
            for mark in subject.marks:
                title = f"{mark.work_type_name}, {weight_label} {floatformat(mark.weight, '-2')}"
                if mark.comment:
                    title += f": {mark.comment}"
                items.append(
                    f'<li><span class="diary-mark" title="{escape(title)}">{escape(mark.value)} '
                    f"<small>{escape(mark.work_type_code)}</small></span>"
                    f'<small class="muted">{mark.date:%d.%m}</small></li>'
                )
            parts.append(f'<ul class="marks">{"".join(items)}</ul>')
        else:
            parts.append(f'<p class="muted">{no_marks}</p>')
        average = localize(subject.average) if subject.average is not None else "—"
        totals = f"{average_label}: <strong>{escape(average)}</strong>"
        if subject.forecast:
            totals += f" · {escape(forecast_label)}: <strong>{escape(subject.forecast)}</strong>"
        parts.append(f'<p class="totals">{totals}</p>')
        if subject.ordered_period_marks:
            period = " · ".join(
                f"{escape(entry.get_kind_display())}: <strong>{escape(entry.value)}</strong>"
                for entry in subject.ordered_period_marks
            )
            parts.append(f'<p class="totals">{period}</p>')
        parts.append("</section>")
        sections.append("\n".join(parts))
    return mark_safe("\n".join(sections))  # noqa: S308 -- every text above is escaped
