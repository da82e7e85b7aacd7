"""What happens in the school that families are told about (issue 5, "Events").

A service that made a change calls ``emit(event, pk)``: once its transaction commits, one task
row is queued (the only cost inside the request) and the worker runs the event's handler,
which decides who is told and how — a new mark joins a digest, an absence today is told at
once, and so on.

Dependency direction: the journal, diary and messaging services call ``emit``; this module
reads their models and never writes them.
"""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from zhurnal.school.models import Enrollment, Guardian, StudentGuardian
from zhurnal.school.queries import enrolled_on, school_today

from .models import Kind
from .services import add_to_digest, notify, recipients_of


def emit(event: str, pk: int) -> None:
    """Queue ``event`` about the object ``pk`` for the worker, once the current transaction
    commits (never for a rolled-back change)."""
    from .tasks import dispatch

    transaction.on_commit(lambda: dispatch.enqueue(event, pk))


def handlers() -> dict:
    """event → (the object's queryset, its handler)."""
    from zhurnal.diary.models import TermAcknowledgement
    from zhurnal.journal.models import Attendance, Mark, PeriodMark, StudentNote
    from zhurnal.messaging.models import Announcement, Message

    student = ("student__school", "student__user")
    return {
        "mark_saved": (
            Mark.objects.select_related(
                "column__work_type", "column__lesson__course__subject", *student
            ),
            mark_saved,
        ),
        "period_mark_saved": (
            PeriodMark.objects.select_related("course__subject", "term", *student),
            period_mark_saved,
        ),
        "attendance_saved": (
            Attendance.objects.select_related("lesson__course__subject", *student),
            attendance_saved,
        ),
        "note_added": (
            StudentNote.objects.select_related("lesson__course__subject", *student),
            note_added,
        ),
        "term_acknowledged": (
            TermAcknowledgement.objects.select_related("term__year", "user", *student),
            term_acknowledged,
        ),
        "message_posted": (
            Message.objects.select_related("thread__school", "author"),
            message_posted,
        ),
        "announcement_published": (
            Announcement.objects.select_related("school"),
            announcement_published,
        ),
    }


def _lesson_label(lesson) -> str:
    return f"{lesson.course.subject.name}, {lesson.date:%d.%m}"


def _diary_today(student) -> str:
    """The student's diary, this week, scrolled to today (a phone shows the days stacked)."""
    from zhurnal.diary.queries import week_today

    return week_today(student.pk)


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


def term_acknowledged(acknowledgement) -> None:
    """A guardian's «Ознакомлен» for a term's marks: a line in the next digest of the class
    teacher of the student's class (issue 5: "the class teacher is told and sees, per class,
    who has and has not acknowledged") — one e-mail for a class's parents, not one each. The
    class is the one whose list the acknowledgements page shows for the term: the student's
    class on the term's last day, or today during the term."""
    student = acknowledgement.student
    term = acknowledgement.term
    school = student.school
    day = min(max(school_today(school), term.start), term.end)
    enrollment = (
        Enrollment.objects.filter(enrolled_on(day), student=student)
        .select_related("school_class__class_teacher__user")
        .first()
    )
    school_class = enrollment.school_class if enrollment else None
    teacher = school_class.class_teacher if school_class else None
    user = teacher.user if teacher else None
    # Told only while they are the class's class teacher at work (their link must open the
    # list: ``diary.view_acknowledgements``), not a former one who kept the login.
    if user is None or not user.is_active or not teacher.is_active:
        return
    if not user.has_perm("diary.view_acknowledgements", school_class):
        return
    guardian = Guardian.objects.filter(school=school, user=acknowledgement.user).first()
    name = guardian.full_name if guardian else acknowledgement.user.display_name
    link = reverse("diary:acknowledgements", kwargs={"class_id": school_class.pk})
    add_to_digest(
        users=[user],
        school=school,
        student=student,
        kind=Kind.ACKNOWLEDGEMENTS,
        text=_("%(guardian)s acknowledged the term marks (%(term)s)")
        % {"guardian": name, "term": term},
        link=f"{link}?term={term.pk}",
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
        link=_diary_today(student),
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
        link=_diary_today(student),
    )


def message_posted(message) -> None:
    """A new message: everyone else in the conversation."""
    thread = message.thread
    others = [
        participant.user
        for participant in thread.participants.select_related("user")
        if participant.user_id != message.author_id
    ]
    notify(
        users=others,
        school=thread.school,
        kind=Kind.MESSAGE,
        title=_("New message: %(subject)s") % {"subject": thread.subject},
        body=f"{message.author.display_name}: {message.body[:500]}",
        link=reverse("messaging:thread", kwargs={"thread_id": thread.pk}),
    )


def announcement_published(announcement) -> None:
    """An announcement: the families (and/or students) of its classes, parallel or school."""
    school = announcement.school
    today = timezone.localdate()
    enrollments = Enrollment.objects.filter(enrolled_on(today), school=school)
    if announcement.school_class_id:
        enrollments = enrollments.filter(school_class_id=announcement.school_class_id)
    elif announcement.grade_level_id:
        enrollments = enrollments.filter(school_class__grade_level_id=announcement.grade_level_id)
    student_ids = set(enrollments.values_list("student_id", flat=True))
    users = []
    if announcement.audience in ("parents", "both"):
        users += [
            link.guardian.user
            for link in StudentGuardian.objects.filter(
                student_id__in=student_ids, guardian__user__isnull=False
            ).select_related("guardian__user")
        ]
    if announcement.audience in ("students", "both"):
        users += [
            enrollment.student.user
            for enrollment in enrollments.filter(student__user__isnull=False).select_related(
                "student__user", "student__school"
            )
            if enrollment.student.age_on(today) >= school.student_min_age
        ]
    notify(
        users=users,
        school=school,
        kind=Kind.ANNOUNCEMENT,
        title=announcement.title,
        body=announcement.body,
        link=reverse("messaging:announcements"),
    )
