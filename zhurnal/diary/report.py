"""The progress report (seed 002, regulation 2.2.2; issues 5 and 12): for every student of a
class, the marks and the absences of a period — sent to the guardians by e-mail as a PDF
(``tasks.send_progress_reports``) and printed in one batch by the class teacher for the parents
who do not use the electronic diary.

The period (``ReportPeriod``) is by default the two weeks ending on a day, the fortnightly
informing of regulation 2.2.2; issue 12 adds one of the class's terms (a parents' meeting: the
report then shows the term marks too) and any days chosen, at most ``MAX_PERIOD_DAYS`` long.

``progress_data`` costs five SQL queries whatever the size of the class and the length of the
period: the roster, the students' classes, groups and absence-register entries (one UNION ALL),
the lessons of the period, the marks, the attendance entries; six for a term (its term marks).
Absences are shown as the journal shows them
(``journal.queries.shown_attendance``: the class teacher's register turns «Н» or no entry into
its reason), over the lessons of the courses the student was on the list of, on that day, as
the diary counts them (``diary.queries.attendance_summary``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import urlencode

from django.db.models import Q
from django.template.loader import render_to_string

from zhurnal.journal.models import Attendance, AttendanceCode, Mark, PeriodKind, PeriodMark
from zhurnal.journal.queries import absence_reason, absence_rows, shown_attendance
from zhurnal.notifications.models import Kind, Preference
from zhurnal.school.models import SchoolClass, Student, StudentGuardian, Term
from zhurnal.school.rosters import class_roster, roster_spans
from zhurnal.timetable.models import Lesson, LessonStatus

PERIOD_DAYS = 14
# Issue 12: a period chosen by hand is at most one academic year long (a leap year's days: the
# school year itself is shorter, so a whole year, summer included, still fits).
MAX_PERIOD_DAYS = 366
# The reasons of an absence counted in the report, in the order of its columns; a late arrival
# («ОП») is counted apart.
REASONS = (AttendanceCode.ABSENT, AttendanceCode.ILL, AttendanceCode.EXCUSED)


def period_ending(end: date) -> tuple[date, date]:
    """The two weeks ending on ``end`` (both days included)."""
    return end - timedelta(days=PERIOD_DAYS - 1), end


def dates_title(start: date, end: date) -> str:
    return f"{start:%d.%m.%Y} – {end:%d.%m.%Y}"


@dataclass(frozen=True)
class ReportPeriod:
    """The period of a progress report (issue 12): the two weeks ending on a day (``fortnight``,
    the default: the fortnightly informing of seed 002, regulation 2.2.2), one of the class's
    terms (``term``), or any days chosen. Both days are included."""

    start: date
    end: date
    term: Term | None = None
    fortnight: bool = False

    @classmethod
    def ending(cls, end: date) -> ReportPeriod:
        start, end = period_ending(end)
        return cls(start, end, fortnight=True)

    @classmethod
    def of_term(cls, term: Term) -> ReportPeriod:
        return cls(term.start, term.end, term=term)

    @classmethod
    def between(cls, start: date, end: date) -> ReportPeriod:
        return cls(start, end)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def dates(self) -> str:
        """«05.11.2026 – 28.12.2026»."""
        return dates_title(self.start, self.end)

    @property
    def title(self) -> str:
        """The term's name («2-я четверть») for a term, else the dates."""
        return str(self.term.title) if self.term is not None else self.dates

    @property
    def query(self) -> str:
        """The query string that asks for this period again (``?`` not included)."""
        if self.term is not None:
            return urlencode({"term": self.term.pk})
        if self.fortnight:
            return urlencode({"end": self.end.isoformat()})
        return urlencode({"start": self.start.isoformat(), "end": self.end.isoformat()})


@dataclass
class ReportMark:
    day: date
    value: str
    work_type: str  # the work type's code («КР», «УО»…)


@dataclass
class SubjectProgress:
    subject: str
    marks: list[ReportMark] = field(default_factory=list)
    absences: dict[str, int] = field(default_factory=dict)  # code → lessons missed
    late: int = 0
    term_mark: str = ""  # the term mark of the report's term, when it is a term's and entered

    def missed(self, code: str) -> int:
        return self.absences.get(code, 0)

    @property
    def by_reason(self) -> list[int]:
        return [self.missed(code) for code in REASONS]


@dataclass
class StudentProgress:
    student: Student
    subjects: list[SubjectProgress] = field(default_factory=list)

    @property
    def marks_count(self) -> int:
        return sum(len(s.marks) for s in self.subjects)

    @property
    def absences(self) -> dict[str, int]:
        total: dict[str, int] = {}
        for s in self.subjects:
            for code, count in s.absences.items():
                total[code] = total.get(code, 0) + count
        return total

    @property
    def by_reason(self) -> list[int]:
        total = self.absences
        return [total.get(code, 0) for code in REASONS]

    @property
    def missed_total(self) -> int:
        return sum(self.by_reason)

    @property
    def late(self) -> int:
        return sum(s.late for s in self.subjects)

    @property
    def term_marks(self) -> list[SubjectProgress]:
        return [s for s in self.subjects if s.term_mark]


def progress_data(
    school_class: SchoolClass, start: date, end: date, *, term: Term | None = None
) -> list[StudentProgress]:
    """Per student of the class on ``end`` (in list order): per subject (alphabetical) the marks
    of the period (date, value, work type code) and the lessons missed by reason; with ``term``
    (a term's report, issue 12: what a parents' meeting needs) also each subject's term mark of
    that term, if entered. Five queries, six with ``term``."""
    students = list(class_roster(school_class, end))
    if not students:
        return []
    ids = [s.pk for s in students]
    school_id = school_class.school_id
    extra = absence_rows(ids, start, end, school_id=school_id)
    spans = roster_spans(ids, start, end, extra=extra, school_id=school_id)
    class_ids = {span.ref_id for s in spans.values() for span in s.classes}
    group_ids = {span.ref_id for s in spans.values() for span in s.groups}
    lessons = list(
        Lesson.objects.filter(school_id=school_class.school_id, date__range=(start, end))
        .filter(Q(course__school_class_id__in=class_ids) | Q(course__group_id__in=group_ids))
        .exclude(status=LessonStatus.CANCELLED)
        .values_list(
            "pk", "date", "course__school_class_id", "course__group_id", "course__subject__name"
        )
        .order_by("date", "number", "pk")
    )
    marks = (
        Mark.objects.filter(
            school_id=school_class.school_id,
            student_id__in=ids,
            column__lesson__date__range=(start, end),
        )
        .exclude(column__lesson__status=LessonStatus.CANCELLED)
        .values_list(
            "student_id",
            "column__lesson__course__subject__name",
            "column__lesson__date",
            "value",
            "column__work_type__code",
        )
        .order_by("column__lesson__date", "column__lesson__number", "column__position", "pk")
    )
    entered = {
        (student_id, lesson_id): code
        for student_id, lesson_id, code in Attendance.objects.filter(
            school_id=school_class.school_id,
            student_id__in=ids,
            lesson__date__range=(start, end),
        ).values_list("student_id", "lesson_id", "code")
    }

    subjects: dict[int, dict[str, SubjectProgress]] = defaultdict(dict)

    def row(student_id: int, subject: str) -> SubjectProgress:
        per_student = subjects[student_id]
        if subject not in per_student:
            per_student[subject] = SubjectProgress(subject)
        return per_student[subject]

    for student_id, subject, day, value, work_type in marks:
        row(student_id, subject).marks.append(ReportMark(day, value, work_type))
    if term is not None:
        for student_id, subject, value in PeriodMark.objects.filter(
            school_id=school_class.school_id,
            student_id__in=ids,
            kind=PeriodKind.TERM,
            term=term,
        ).values_list("student_id", "course__subject__name", "value"):
            row(student_id, subject).term_mark = value
    for student_id in ids:
        own = spans[student_id]
        for lesson_id, day, class_id, group_id, subject in lessons:
            if not own.on_list(class_id, group_id, day):
                continue
            code = shown_attendance(
                entered.get((student_id, lesson_id), ""), absence_reason(own, day)
            )
            if not code:
                continue
            line = row(student_id, subject)
            if code == AttendanceCode.LATE:
                line.late += 1
            else:
                line.absences[code] = line.absences.get(code, 0) + 1
    return [
        StudentProgress(
            student=student,
            subjects=sorted(subjects.get(student.pk, {}).values(), key=lambda s: s.subject),
        )
        for student in students
    ]


def render_html(
    rows: list[StudentProgress],
    school_class: SchoolClass,
    start: date,
    end: date,
    *,
    term: Term | None = None,
) -> str:
    """The PDF's HTML. Its title states the period (issue 12): the term's name for a term's
    report («2-я четверть»), else the dates; a term's report has a column of term marks."""
    return render_to_string(
        "diary/progress_report_pdf.html",
        {
            "rows": rows,
            "school": school_class.school,
            "school_class": school_class,
            "start": start,
            "end": end,
            "term": term,
            "period_title": str(term.title) if term is not None else dates_title(start, end),
            "reasons": REASONS,
        },
    )


def render_pdf(
    rows: list[StudentProgress],
    school_class: SchoolClass,
    start: date,
    end: date,
    *,
    term: Term | None = None,
) -> bytes:
    """The report as a PDF, one page per student (WeasyPrint, DejaVu fonts), tagged for
    screen readers (issue 15: its headings, tables and their headers are in the PDF's
    structure) and in the language of its text (``<html lang>``: the PDF's /Lang)."""
    from weasyprint import HTML

    html = render_html(rows, school_class, start, end, term=term)
    return HTML(string=html).write_pdf(pdf_tags=True)


def without_email(students: list[Student]) -> list[Student]:
    """The students none of whose guardians gets the report by e-mail (no login, no address,
    or e-mails of this kind turned off): their family needs the printed copy. One query."""
    if not students:
        return []
    turned_off = Preference.objects.filter(kind=Kind.REPORT, email=False).values("user_id")
    reached = set(
        StudentGuardian.objects.filter(
            student_id__in=[s.pk for s in students],
            guardian__user__isnull=False,
            guardian__user__is_active=True,
        )
        .exclude(guardian__user__email="")
        .exclude(guardian__user_id__in=turned_off)
        .values_list("student_id", flat=True)
    )
    return [s for s in students if s.pk not in reached]
