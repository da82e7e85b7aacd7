"""What the families are told of the journal's changes (issue 5, "Events"): the handlers the
journal registers with ``notifications.dispatch`` (``JournalConfig.ready``). They run in the
worker, after the change has committed."""

from __future__ import annotations

from django.utils.translation import gettext as _

from zhurnal.notifications.dispatch import register
from zhurnal.notifications.models import Kind
from zhurnal.notifications.services import add_to_digest, diary_today_url, notify, recipients_of
from zhurnal.school.calendar import school_today

from .models import Attendance, Mark, PeriodMark, StudentNote

STUDENT = ("student__school", "student__user")


def _lesson_label(lesson) -> str:
    return f"{lesson.course.subject.name}, {lesson.date:%d.%m}"


def mark_saved(mark) -> None:
    """A new or changed mark: a line in the next digest of the student's family."""
    lesson = mark.column.lesson
    student = mark.student
    text = f"{_lesson_label(lesson)}: {mark.value} ({mark.column.work_type.code})"
    add_to_digest(
        users=recipients_of(student),
        school=student.school,
        student=student,
        kind=Kind.MARKS,
        text=text,
    )


def period_mark_saved(entry) -> None:
    """A term, year, exam or final mark: visible in the diary at once; the family gets it in
    a digest (DESIGN §3: final results within 24 hours)."""
    student = entry.student
    label = entry.get_kind_display()
    if entry.term_id:
        label = f"{label} ({entry.term})"
    add_to_digest(
        users=recipients_of(student),
        school=student.school,
        student=student,
        kind=Kind.PERIOD_MARKS,
        text=f"{entry.course.subject.name}: {label} — {entry.value}",
    )


def attendance_saved(entry) -> None:
    """An absence entered on the day of the lesson is told at once (a late entry about a past
    day is not news any more: the diary shows it)."""
    lesson = entry.lesson
    student = entry.student
    school = student.school
    if entry.code not in ("Н", "Б", "У") or lesson.date != school_today(school):
        return
    notify(
        users=recipients_of(student),
        school=school,
        kind=Kind.ABSENCE,
        title=_("%(student)s is absent: %(lesson)s")
        % {"student": student.short_name, "lesson": _lesson_label(lesson)},
        body=_("Lesson %(number)s, %(subject)s: «%(code)s».")
        % {"number": lesson.number, "subject": lesson.course.subject.name, "code": entry.code},
        link=diary_today_url(student.pk),
    )


def note_added(note) -> None:
    """A teacher's remark, praise or message to the parents."""
    student = note.student
    notify(
        users=recipients_of(student),
        school=student.school,
        kind=Kind.NOTE,
        title=_("%(kind)s about %(student)s")
        % {
            "kind": note.get_kind_display().capitalize(),
            "student": student.short_name,
        },
        body=f"{_lesson_label(note.lesson)}. {note.text}",
        link=diary_today_url(student.pk),
    )


def register_handlers() -> None:
    register(
        "mark_saved",
        lambda: Mark.objects.select_related(
            "column__work_type", "column__lesson__course__subject", *STUDENT
        ),
        mark_saved,
    )
    register(
        "period_mark_saved",
        lambda: PeriodMark.objects.select_related("course__subject", "term", *STUDENT),
        period_mark_saved,
    )
    register(
        "attendance_saved",
        lambda: Attendance.objects.select_related("lesson__course__subject", *STUDENT),
        attendance_saved,
    )
    register(
        "note_added",
        lambda: StudentNote.objects.select_related("lesson__course__subject", *STUDENT),
        note_added,
    )
