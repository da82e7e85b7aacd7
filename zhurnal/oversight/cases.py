"""The cases behind each control indicator (issue 12, item 1: "each figure a link to the list
of cases behind it"), as tables (``reports.tables``) with links into the journals.

Most lists come from what ``indicators.control`` has already read; the late entries, the work
owed and the corrections, one query each for the cases' details."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.urls import reverse
from django.utils.translation import gettext as _

from zhurnal.audit.models import AuditEvent
from zhurnal.journal.models import Attendance, Mark, WorkCategory
from zhurnal.journal.scales import Special
from zhurnal.reports.tables import Cell, Table
from zhurnal.timetable.models import LessonStatus

from .indicators import BY_KEY, CORRECTION_ACTIONS, Control
from .levels import journal_label

LESSON_KEYS = {
    "no_topic": lambda r: not r.topic,
    "late_topic": lambda r: r.topic_late,
    "no_roll_call": lambda r: not r.roll_call,
    "no_homework": lambda r: not r.homework,
    "late_homework": lambda r: r.homework_late,
}
STUDENT_KEYS = {
    "no_marks": lambda r: r.marks == 0,
    "one_mark": lambda r: r.marks == 1,
    "below_norm": lambda r: r.marks < r.expected,
}


def _course_label(control: Control, course_id: int) -> str:
    own = control.courses[course_id]
    return journal_label(own, control.classes.get(own.class_id))


def _lesson_url(lesson_id: int) -> str:
    return reverse("journal:lesson", args=[lesson_id])


def _teachers(control: Control, course_id: int) -> str:
    return ", ".join(t.short_name for t in control.courses[course_id].teachers)


def cases(control: Control, key: str) -> Table:
    """The table of the cases of indicator ``key`` in the control's scope."""
    indicator = BY_KEY[key]
    title = f"{indicator.group}: {indicator.label}"
    if key in LESSON_KEYS:
        return _lessons(control, title, LESSON_KEYS[key])
    if key in STUDENT_KEYS:
        return _students(control, title, STUDENT_KEYS[key])
    return {
        "late_attendance": _late_attendance,
        "late_oral": _late_marks,
        "late_written": _late_marks,
        "owed": _owed,
        "corrections": _corrections,
        "lag": _lag,
        "breaches": _breaches,
        "overload": _overload,
    }[key](control, title, key)


def _lessons(control: Control, title: str, wanted) -> Table:
    table = Table(title, [_("Lesson"), _("Journal"), _("Teacher")])
    staff = {t.pk: t for own in control.courses.values() for t in own.teachers}
    for row in control.lessons:
        if not wanted(row):
            continue
        teacher = staff.get(row.teacher_id)
        table.add(
            Cell(f"{row.date:%d.%m.%Y}, {row.number}", url=_lesson_url(row.pk)),
            Cell(
                _course_label(control, row.course_id),
                url=reverse("journal:course", args=[row.course_id]),
            ),
            teacher.short_name if teacher else _teachers(control, row.course_id),
        )
    return table


def _students(control: Control, title: str, wanted) -> Table:
    table = Table(
        title, [_("Student"), _("Journal"), _("Marks"), _("Norm by now"), _("On the list since")]
    )
    for row in sorted(
        control.students, key=lambda r: (_course_label(control, r.course_id), r.student.last_name)
    ):
        if wanted(row):
            table.add(
                row.student.full_name,
                Cell(
                    _course_label(control, row.course_id),
                    url=reverse("journal:course", args=[row.course_id]),
                ),
                row.marks,
                row.expected,
                row.since if row.since > control.scope.start else None,
            )
    table.caption = _(
        "The norm: the school's number of marks in a quarter for the course's weekly hours, "
        "prorated by the lessons held while the student was on the list; «•» is not a mark."
    )
    return table


def _span(control: Control):
    return (control.scope.start, control.scope.day)


def _late_attendance(control: Control, title: str, _key) -> Table:
    table = Table(title, [_("Lesson"), _("Journal"), _("Student"), _("Code"), _("Entered")])
    for entry in (
        Attendance.objects.filter(
            lesson__course_id__in=list(control.courses),
            lesson__date__range=_span(control),
            late=True,
        )
        .exclude(lesson__status=LessonStatus.CANCELLED)
        .select_related("lesson", "student")
        .order_by("lesson__date", "lesson__number", "student__last_name")
    ):
        table.add(
            Cell(f"{entry.lesson.date:%d.%m.%Y}", url=_lesson_url(entry.lesson_id)),
            _course_label(control, entry.lesson.course_id),
            entry.student.full_name,
            entry.code,
            entry.entered_at.astimezone(_zone(control)).strftime("%d.%m.%Y %H:%M"),
        )
    return table


def _zone(control: Control) -> ZoneInfo:
    """The school's time zone: the times shown are the school's."""
    return ZoneInfo(control.scope.school.timezone)


def _late_marks(control: Control, title: str, key: str) -> Table:
    oral = key == "late_oral"
    marks = Mark.objects.filter(
        column__lesson__course_id__in=list(control.courses),
        column__lesson__date__range=_span(control),
        late=True,
    ).exclude(column__lesson__status=LessonStatus.CANCELLED)
    category = {"column__work_type__category": WorkCategory.ORAL}
    marks = marks.filter(**category) if oral else marks.exclude(**category)
    table = Table(
        title, [_("Lesson"), _("Journal"), _("Student"), _("Mark"), _("Work type"), _("Entered")]
    )
    for mark in marks.select_related("column__lesson", "column__work_type", "student").order_by(
        "column__lesson__date", "student__last_name"
    ):
        lesson = mark.column.lesson
        table.add(
            Cell(f"{lesson.date:%d.%m.%Y}", url=_lesson_url(lesson.pk)),
            _course_label(control, lesson.course_id),
            mark.student.full_name,
            mark.value,
            mark.column.work_type.code,
            mark.entered_at.astimezone(_zone(control)).strftime("%d.%m.%Y %H:%M"),
        )
    return table


def _owed(control: Control, title: str, _key) -> Table:
    table = Table(title, [_("Lesson"), _("Journal"), _("Student"), _("Work type")])
    for mark in (
        Mark.objects.filter(
            column__lesson__course_id__in=list(control.courses),
            column__lesson__date__range=_span(control),
            value=Special.OWED,
        )
        .exclude(column__lesson__status=LessonStatus.CANCELLED)
        .select_related("column__lesson", "column__work_type", "student")
        .order_by("student__last_name", "column__lesson__date")
    ):
        lesson = mark.column.lesson
        table.add(
            Cell(f"{lesson.date:%d.%m.%Y}", url=_lesson_url(lesson.pk)),
            _course_label(control, lesson.course_id),
            mark.student.full_name,
            mark.column.work_type.code,
        )
    return table


def _corrections(control: Control, title: str, _key) -> Table:
    table = Table(title, [_("When"), _("Journal"), _("Student"), _("Change"), _("Reason"), _("By")])
    for event in (
        AuditEvent.objects.filter(
            school=control.scope.school,
            course_id__in=list(control.courses),
            action__in=CORRECTION_ACTIONS,
            at__date__range=(control.scope.start, control.scope.end),
        )
        .exclude(reason="")
        .exclude(before__isnull=True)
        .select_related("student", "actor")
        .order_by("at", "pk")
    ):
        before = (event.before or {}).get("value", "")
        after = (event.after or {}).get("value", "—") if event.after else "—"
        table.add(
            event.at.astimezone(_zone(control)).strftime("%d.%m.%Y %H:%M"),
            _course_label(control, event.course_id),
            event.student.full_name if event.student else None,
            f"{before} → {after}",
            event.reason,
            event.actor.display_name if event.actor else None,
        )
    return table


def _lag(control: Control, title: str, _key) -> Table:
    table = Table(
        title,
        [_("Journal"), _("Teacher"), _("Planned"), _("Held"), _("Behind"), _("Items not covered")],
    )
    rows = sorted(
        ((course_id, f) for course_id, f in control.lag.items() if f.lag > 0),
        key=lambda pair: -pair[1].lag,
    )
    for course_id, fulfilment in rows:
        table.add(
            Cell(
                _course_label(control, course_id),
                url=reverse("lessons:fulfilment", args=[course_id]),
            ),
            _teachers(control, course_id),
            fulfilment.planned,
            fulfilment.held,
            fulfilment.lag,
            len(fulfilment.not_covered),
        )
    return table


def _breaches(control: Control, title: str, _key) -> Table:
    table = Table(title, [_("Date"), _("Class"), _("Breach")])
    for breach in sorted(control.breaches, key=lambda b: (b.date, b.class_id)):
        school_class = control.classes.get(breach.class_id)
        table.add(breach.date, school_class.name if school_class else None, breach.message)
    return table


def _overload(control: Control, title: str, _key) -> Table:
    table = Table(title, [_("Date"), _("Class"), _("Minutes"), _("Limit"), _("Subjects")])
    for day in control.overload:
        table.add(day.day, day.school_class.name, day.minutes, day.limit, ", ".join(day.subjects))
    table.caption = _(
        "The homework due on the day, by its teachers' estimate of minutes, against the limit of "
        "СанПиН 1.2.3685-21 for the grade (grades 2–3: 1.5 h; 4–5: 2 h; 6–8: 2.5 h; 9–11: 3.5 h)."
    )
    return table
