"""A lesson's homework and its files, and the notes to students at a lesson (DESIGN §2): the
record of a lesson besides its marks. Homework may be entered ahead (seed 002); it is due
within the policy's hours after the class's last lesson that day."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from zhurnal.audit.actor import Actor
from zhurnal.notifications.dispatch import emit
from zhurnal.school.courses import class_of_course, of_class
from zhurnal.school.models import Student
from zhurnal.timetable.models import Lesson, LessonStatus

from .. import deadlines, events
from ..models import Homework, HomeworkAttachment, NoteKind, StudentNote
from ..policy import policy_of
from .cells import VersionedCell
from .rules import (
    Moment,
    check_not_cancelled,
    check_not_locked,
    check_student,
    check_year_open,
)

MAX_LINKS = 10
MAX_TEXT = 4000


def _clean_links(links: list[str]) -> list[str]:
    validate = URLValidator(schemes=["http", "https"])
    cleaned = []
    for link in links:
        link = link.strip()
        if not link:
            continue
        try:
            validate(link)
        except ValidationError as error:
            raise ValidationError(
                _("«%(link)s» is not a web address (http:// or https://).") % {"link": link[:80]}
            ) from error
        cleaned.append(link[:500])
    if len(cleaned) > MAX_LINKS:
        raise ValidationError(
            ngettext("At most %(n)d link.", "At most %(n)d links.", MAX_LINKS) % {"n": MAX_LINKS}
        )
    return cleaned


def class_day_end(lesson: Lesson) -> datetime | None:
    """When the last lesson of the lesson's class ends that day (school time); None without
    bell times or for a cross-class group."""
    school_class = class_of_course(lesson.course)
    if school_class is None:
        return None
    ends = (
        Lesson.objects.filter(date=lesson.date, ends_at__isnull=False)
        .filter(of_class(school_class, "course__"))
        .exclude(status=LessonStatus.CANCELLED)
        .order_by("-ends_at")
        .values_list("ends_at", flat=True)
        .first()
    )
    if ends is None:
        return None
    return datetime.combine(lesson.date, ends, tzinfo=ZoneInfo(lesson.course.school.timezone))


def homework_deadline(lesson: Lesson) -> datetime:
    """Within the policy's hours after the class's last lesson of the day (seed 002,
    regulation 2); the day's end without bell times."""
    school = lesson.course.school
    policy = policy_of(school)
    day_end = class_day_end(lesson)
    if day_end is not None:
        return deadlines.homework_deadline(policy, day_end)
    return deadlines.record_deadline(policy, lesson.date, school.timezone)


@transaction.atomic
def set_homework(
    *,
    lesson: Lesson,
    text: str,
    version: int,
    links: list[str] | None = None,
    minutes: int | None = None,
    files=(),
    actor: Actor,
    moment: Moment | None = None,
) -> Homework | None:
    """The homework of a lesson: text, links, the estimated minutes (the daily load check,
    СанПиН 1.2.3685-21) and new files (checked for kind and size by the form); a late entry is
    flagged. Empty text and no links remove it (and no file comes without a homework)."""
    course = lesson.course
    school = course.school
    moment = moment or Moment.of(school)
    check_not_cancelled(lesson)
    cell = VersionedCell.read(Homework.objects.filter(school_id=lesson.school_id, lesson=lesson))
    homework = cell.entry
    if homework is not None:
        homework.lesson = lesson  # the row in hand: no query for it
    text = text.strip()
    if len(text) > MAX_TEXT:
        raise ValidationError(_("The homework is too long: at most 4000 characters."))
    links = _clean_links(links or [])
    if minutes is not None and not 0 < minutes <= 240:
        raise ValidationError(_("The estimated time is from 1 to 240 minutes."))
    state = (text, links, minutes)
    if files and not text and not links:
        raise ValidationError(_("Write the homework before attaching files."))
    if homework is not None and (homework.text, homework.links, homework.minutes) == state:
        attach_files(homework=homework, files=files, actor=actor)
        return homework  # already so (a double submit), new files apart
    if homework is None and not text and not links:
        return None
    cell.check(version)
    deadline = homework_deadline(lesson)
    check_not_locked(policy_of(school), course, lesson.date, deadline, moment)
    before = events.homework_state(homework, lesson)
    if not text and not links:
        events.homework_deleted(homework, actor=actor)
        homework.delete()
        return None
    if homework is None:
        homework = Homework(
            school=school,
            lesson=lesson,
            entered_by=actor.user,
            entered_at=moment.now,
            late=deadlines.is_late(deadline, moment.now),
            version=0,
        )
    homework.text, homework.links, homework.minutes = state
    homework.changed_at = moment.now
    homework.version += 1
    if cell.save(homework, content=("text", "links", "minutes")):
        events.homework_set(homework, before, actor=actor)
    else:  # an identical save won the race: already so (a double submit), new files apart
        homework = cell.entry
    attach_files(homework=homework, files=files, actor=actor)
    return homework


@transaction.atomic
def attach_files(*, homework: Homework, files, actor: Actor) -> list[HomeworkAttachment]:
    """Files attached to a lesson's homework (checked for kind and size by the form); each
    recorded in the audit trail with the lesson's course."""
    attachments = [
        HomeworkAttachment.objects.create(
            school_id=homework.school_id,
            homework=homework,
            file=upload,
            name=upload.name[:200],
            size=upload.size,
        )
        for upload in files
    ]
    for attachment in attachments:
        events.attachment_added(attachment, homework.lesson, actor=actor)
    return attachments


@transaction.atomic
def add_note(
    *, lesson: Lesson, student: Student, kind: str, text: str, actor: Actor
) -> StudentNote:
    """A remark, a praise or a message to the parents about a student at a lesson; shown in
    the diary. The same note by the same author about the same student at the same lesson is
    a double submit (a double click, a phone's retry): the note already saved is answered,
    nothing is written or told again (the lesson's row is locked, so two at once save one)."""
    if kind not in NoteKind.values:
        raise ValidationError(_("Choose the kind of the note."), code="kind")
    text = " ".join(text.split())
    if not text:
        raise ValidationError(_("Write the note."), code="empty")
    if len(text) > 1000:
        raise ValidationError(_("The note is too long: at most 1000 characters."), code="too_long")
    check_student(lesson, student)
    check_year_open(lesson.course, lesson.date, timezone.now())
    Lesson.objects.select_for_update().filter(pk=lesson.pk, school_id=lesson.school_id).first()
    same = StudentNote.objects.filter(
        school_id=lesson.school_id,
        lesson=lesson,
        student=student,
        kind=kind,
        text=text,
        entered_by=actor.user,
    ).first()
    if same is not None:
        return same  # already so (a double submit)
    note = StudentNote.objects.create(
        school_id=lesson.school_id,
        lesson=lesson,
        student=student,
        kind=kind,
        text=text,
        entered_by=actor.user,
        entered_at=timezone.now(),
    )
    events.note_added(note, actor=actor)
    emit("note_added", note.pk)
    return note
