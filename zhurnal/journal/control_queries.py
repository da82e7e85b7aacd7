"""Read models of the deputy's journal control (seed 002, regulation 2 and 2.3; DESIGN §3): the
audit of journal entries, work owed («•»), late entries per teacher, the absence register of a
class and the unlocks granted — each a fixed number of queries whatever the school's size. The
oversight reports build on these."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy

from zhurnal.audit.models import AuditAction, AuditEvent
from zhurnal.school.courses import COURSE_PLACE, of_class
from zhurnal.school.models import Enrollment, Staff
from zhurnal.timetable.models import Lesson, LessonStatus

from .models import Absence, Attendance, Homework, Mark, PeriodMark, Unlock
from .scales import Special

# The audit actions of the journal (the changes page): marks, attendance and the lessons' roll
# calls, period marks, the absence register (periods and days of the sheet), unlocks, and the
# lessons' own record — topic, homework and its files, notes, mark columns — with the changes
# of single lessons (cancellations, moves, extra lessons, substitutions). ``LESSON_CHANGED``:
# the rows written before the events were named.
JOURNAL_ACTIONS = (
    AuditAction.MARK_SET,
    AuditAction.MARK_DELETED,
    AuditAction.ATTENDANCE_SET,
    AuditAction.ATTENDANCE_DELETED,
    AuditAction.ROLL_CALL_TAKEN,
    AuditAction.PERIOD_MARK_SET,
    AuditAction.PERIOD_MARK_DELETED,
    AuditAction.ABSENCE_RECORDED,
    AuditAction.ABSENCE_DAY_SET,
    AuditAction.ABSENCE_DAY_DELETED,
    AuditAction.JOURNAL_UNLOCKED,
    AuditAction.TOPIC_SET,
    AuditAction.HOMEWORK_SET,
    AuditAction.HOMEWORK_DELETED,
    AuditAction.ATTACHMENT_ADDED,
    AuditAction.NOTE_ADDED,
    AuditAction.COLUMN_ADDED,
    AuditAction.LESSON_ADDED,
    AuditAction.LESSON_MOVED,
    AuditAction.LESSON_CANCELLED,
    AuditAction.LESSON_RESTORED,
    AuditAction.SUBSTITUTION,
    AuditAction.LESSON_CHANGED,
)
COURSE_RELATED = ("course__subject", *(f"course__{name}" for name in COURSE_PLACE))


def journal_changes(
    school, *, course=None, student=None, teacher=None, start=None, end=None
) -> QuerySet[AuditEvent]:
    """The audit of journal entries, newest first, filtered by course, student, teacher (who
    made the change) and the dates of the changes."""
    events = AuditEvent.objects.filter(school=school, action__in=JOURNAL_ACTIONS)
    if course:
        events = events.filter(course=course)
    if student:
        events = events.filter(student=student)
    if teacher:
        events = events.filter(actor_id=teacher.user_id)
    if start:
        events = events.filter(at__date__gte=start)
    if end:
        events = events.filter(at__date__lte=end)
    return events.select_related("actor", "student", *COURSE_RELATED).order_by("-at", "-id")


# The lesson date of an audited entry: object type → the lookup from the entry to the date.
_LESSON_DATE_OF = {
    "journal.mark": (Mark, "column__lesson__date"),
    "journal.attendance": (Attendance, "lesson__date"),
    "journal.homework": (Homework, "lesson__date"),
}


def lesson_dates(events: list[AuditEvent]) -> dict[tuple[str, str], object]:
    """The lesson date of each entry of the page: from the audited state where it is kept,
    else at most one query per kind of entry whatever the page (entries deleted since have
    none)."""
    ids: dict[str, set[int]] = {object_type: set() for object_type in _LESSON_DATE_OF}
    dates: dict[tuple[str, str], object] = {}
    for event in events:
        state = event.after or event.before or {}
        # Marks and attendance keep their lesson's date in the audit (older rows do not);
        # a lesson's own events carry its date.
        known = state.get("lesson_date") or (
            state.get("date") if event.object_type == "timetable.lesson" else None
        )
        if known:
            dates[(event.object_type, event.object_id)] = date.fromisoformat(known)
        elif event.object_type in ids and event.object_id.isdigit():
            ids[event.object_type].add(int(event.object_id))
    for object_type, pks in ids.items():
        if pks:
            model, lookup = _LESSON_DATE_OF[object_type]
            for pk, day in model.objects.filter(pk__in=pks).values_list("pk", lookup):
                dates[(object_type, str(pk))] = day
    return dates


def substitution_teachers(school, events: list[AuditEvent]) -> dict[int, str]:
    """The names of the teachers of the page's substitutions (who taught the lesson before and
    after): one query, none without a substitution on the page."""
    ids = {
        state.get("teacher")
        for event in events
        if event.action == AuditAction.SUBSTITUTION
        for state in (event.before or {}, event.after or {})
    } - {None}
    if not ids:
        return {}
    return {
        staff.pk: staff.short_name
        for staff in Staff.objects.filter(school=school, pk__in=ids).only(
            "id", "last_name", "first_name", "middle_name"
        )
    }


def owed_marks(school, start: date, end: date, school_class=None) -> QuerySet[Mark]:
    """Work owed («•» marks) of the lessons from ``start`` to ``end``, of a class's students if
    given, by student."""
    owed = Mark.objects.filter(
        school=school, value=Special.OWED, column__lesson__date__range=(start, end)
    )
    if school_class is not None:
        in_class = Enrollment.objects.filter(
            school_class=school_class, student=OuterRef("student"), school=OuterRef("school")
        )
        owed = owed.filter(Exists(in_class))
    return owed.select_related(
        "student",
        "column__work_type",
        "column__lesson__teacher",
        *(f"column__lesson__{name}" for name in COURSE_RELATED),
    ).order_by("student__last_name", "student__first_name", "column__lesson__date", "pk")


def class_absences(school, school_class) -> QuerySet[Absence]:
    """The absence register's entries of the students of a class, the latest first."""
    in_class = Enrollment.objects.filter(
        school_class=school_class, student=OuterRef("student"), school=OuterRef("school")
    )
    return (
        Absence.objects.filter(school=school)
        .filter(Exists(in_class))
        .select_related("student", "entered_by")
        .order_by("-start", "-pk")
    )


def school_unlocks(school) -> QuerySet[Unlock]:
    """The unlocks granted in the school, the latest first."""
    return (
        Unlock.objects.filter(school=school)
        .select_related(*COURSE_RELATED, "granted_by")
        .order_by("-granted_at", "-pk")
    )


# The kinds of entry whose deadline a teacher can miss (seed 002, regulation 2), with their
# column titles, in the order of the late-entries table.
LATE_KINDS = {
    "marks": gettext_lazy("Marks"),
    "attendance": gettext_lazy("Attendance"),
    "topics": gettext_lazy("Topics"),
    "homework": gettext_lazy("Homework"),
    "period_marks": gettext_lazy("Period marks"),
}


def _late_counts(school, start, end, school_class) -> dict[str, object]:
    """kind → (user id, count) rows of the late entries of lessons from ``start`` to ``end``
    (period marks: entered in those days, school time), of a class if given — a student's
    entries by the student's enrollment in it, a lesson's own (topic, homework) by its course's
    class, whole or a subgroup. Cancelled lessons count no more. One query per kind."""
    in_class = Enrollment.objects.filter(
        school_class=school_class, student=OuterRef("student"), school=OuterRef("school")
    )

    def of_students(queryset):
        return queryset if school_class is None else queryset.filter(Exists(in_class))

    def of_lessons(queryset, lesson=""):
        if school_class is None:
            return queryset
        return queryset.filter(of_class(school_class, f"{lesson}course__"))

    def per_user(queryset, user="entered_by"):
        return queryset.values_list(user).annotate(n=Count("pk")).order_by()

    zone = ZoneInfo(school.timezone)
    entered_from = datetime.combine(start, time.min, tzinfo=zone)
    entered_until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone)
    held = ~Q(status=LessonStatus.CANCELLED)
    return {
        "marks": per_user(
            of_students(
                Mark.objects.filter(
                    school=school, late=True, column__lesson__date__range=(start, end)
                )
            )
        ),
        "attendance": per_user(
            of_students(
                Attendance.objects.filter(
                    school=school, late=True, lesson__date__range=(start, end)
                )
            )
        ),
        # A topic is the lesson's teacher's (the one who taught it, the substitute included).
        "topics": per_user(
            of_lessons(
                Lesson.objects.filter(
                    held, school=school, topic_late=True, date__range=(start, end)
                )
            ),
            user="teacher__user_id",
        ),
        "homework": per_user(
            of_lessons(
                Homework.objects.filter(
                    school=school, late=True, lesson__date__range=(start, end)
                ).exclude(lesson__status=LessonStatus.CANCELLED),
                lesson="lesson__",
            )
        ),
        "period_marks": per_user(
            of_students(
                PeriodMark.objects.filter(
                    school=school,
                    late=True,
                    entered_at__gte=entered_from,
                    entered_at__lt=entered_until,
                )
            )
        ),
    }


def late_entries(school, start, end, school_class=None) -> list[dict]:
    """Late entries per teacher (the rows of the debts page): each kind's count and the total,
    the most first. Six queries whatever the school's size."""
    counts: dict[int | None, Counter] = {}
    rows_of_kinds = _late_counts(school, start, end, school_class)
    user_ids = {user_id for rows in rows_of_kinds.values() for user_id, _n in rows}
    staff_of = {
        s.user_id: s
        for s in Staff.objects.filter(school=school, user_id__in=[u for u in user_ids if u])
    }
    for kind, rows in rows_of_kinds.items():
        for user_id, n in rows:
            # Entries of people without a staff card here (a deleted login, an import) are
            # counted together as «unknown».
            key = user_id if user_id in staff_of else None
            counts.setdefault(key, Counter())[kind] += n
    rows = [
        {
            "staff": staff_of.get(user_id),
            "counts": [per_kind[kind] for kind in LATE_KINDS],
            "total": sum(per_kind.values()),
        }
        for user_id, per_kind in counts.items()
    ]
    return sorted(
        rows, key=lambda row: (-row["total"], row["staff"].full_name if row["staff"] else "")
    )
