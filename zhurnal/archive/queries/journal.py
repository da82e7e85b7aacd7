"""The read model of the printed documents of a class (issue 13; seed 002 §5.7, §5.9): the class
journal of a period in the paper journal's shape, its summary sheet of period marks and its
students' report cards.

``class_journal`` reads everything a class's year (or term) needs in NINE SQL queries whatever
the number of students, courses and lessons: the director's record, the class's courses, their
teachers, the year's terms, the class's list over the period, the students' groups and
absence-register entries (``school.rosters.roster_spans``, one UNION ALL), the lessons with
their homework and teachers, the marks and attendance entries (one UNION ALL), and the period
marks. The documents print what was entered, never a forecast: the archive is the record.

Who is on a course's list on a day is ``school.rosters``; the code a cell shows is the
journal's (``journal.queries.shown_attendance``: the class teacher's register turns «Н» or no
entry into its reason).
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import IntegerField, Value
from django.utils.dates import MONTHS
from django.utils.translation import gettext_lazy as _

from zhurnal.accounts.models import Role
from zhurnal.journal.models import Attendance, AttendanceCode, Mark, PeriodKind, PeriodMark
from zhurnal.journal.queries import absence_reason, absence_rows, shown_attendance
from zhurnal.school.calendar import terms_of_level
from zhurnal.school.courses import of_class
from zhurnal.school.models import (
    AcademicYear,
    Course,
    Enrollment,
    SchoolClass,
    Staff,
    Student,
    Term,
)
from zhurnal.school.rosters import RosterSpans, overlapping, roster_spans
from zhurnal.timetable.models import Lesson, LessonStatus

# A page of marks has one column per lesson (dates across); a month with more lessons than
# this (two lessons a day) continues on the next spread.
LESSONS_PER_PAGE = 25
# What a class's documents read with the class (one query with it).
CLASS_RELATED = ("school", "year", "grade_level", "class_teacher")
NAME_FIELDS = ("id", "last_name", "first_name", "middle_name")
# The period marks of a course after its terms, in the paper journal's order.
FINAL_TITLES = {
    PeriodKind.YEAR: _("Year"),
    PeriodKind.EXAM: _("Exam"),
    PeriodKind.FINAL: _("Final"),
}


# The columns of the terms: «I», «II», … as the paper forms head them.
ROMAN = ("", "I", "II", "III", "IV")


def month_title(day: date) -> str:
    return f"{MONTHS[day.month]} {day.year}"


@dataclass
class Listed:
    """A student of the class list: number in the list, name, when they came and left."""

    number: int
    student: Student
    joined: date | None = None  # arrived during the period
    left: date | None = None  # left during the period

    @property
    def name(self) -> str:
        return self.student.full_name


@dataclass
class PrintedLesson:
    date: date
    number: int
    topic: str
    homework: str
    teacher: str  # who taught it (short name)
    substitute_for: str  # whom they replaced («» when it was no замена)
    reason: str


@dataclass
class MarksRow:
    listed: Listed
    # One per lesson of the page: its text («Н», «5», «4/5», «ОП 5») and whether the student
    # was off the course's list that day (a shaded cell).
    cells: list[tuple[str, bool]]
    period: list[str] = field(default_factory=list)  # the page's period marks (see MonthPage)


@dataclass
class MonthPage:
    """A spread of the paper journal: the marks of a month's lessons on the left page, their
    dates, topics and homework on the right."""

    title: str
    lessons: list[PrintedLesson]
    rows: list[MarksRow]
    # As in the paper journal, a term's marks are a column after the term's last lesson, and
    # the year's, exam and final marks columns after the year's last lesson.
    period_headers: list[str] = field(default_factory=list)


@dataclass
class CourseJournal:
    course: Course
    subject: str
    audience: str  # the class, or the subgroup
    teachers: str
    months: list[MonthPage] = field(default_factory=list)
    lessons_held: int = 0


@dataclass
class AttendanceRow:
    listed: Listed
    months: list[tuple[int, int]]  # per month: lessons missed, of them for illness
    total: int = 0
    ill: int = 0


@dataclass
class SummarySubject:
    subject: str
    headers: list[str]


@dataclass
class SummaryRow:
    listed: Listed
    values: list[list[str]]  # per subject, per header


@dataclass
class Summary:
    """Сводная ведомость учёта успеваемости: students × subjects, their term, year, exam and
    final marks (seed 002 §5.9)."""

    subjects: list[SummarySubject]
    rows: list[SummaryRow]

    def pages(self, columns: int = 30) -> list[SummaryPage]:
        """The subjects cut into pages of at most ``columns`` mark columns: the sheet of a
        class of fifteen subjects does not fit across one A4."""
        pages: list[list[int]] = [[]]
        width = 0
        for index, subject in enumerate(self.subjects):
            if pages[-1] and width + len(subject.headers) > columns:
                pages.append([])
                width = 0
            pages[-1].append(index)
            width += len(subject.headers)
        return [
            SummaryPage(
                [self.subjects[i] for i in page],
                [(row.listed, [v for i in page for v in row.values[i]]) for row in self.rows],
            )
            for page in pages
            if page
        ]


@dataclass
class SummaryPage:
    subjects: list[SummarySubject]
    rows: list[tuple[Listed, list[str]]]  # the marks of the page's subjects, side by side


@dataclass
class ClassJournal:
    school_class: SchoolClass
    year: AcademicYear
    start: date
    end: date
    terms: list[Term]
    director: str
    students: list[Listed]
    courses: list[CourseJournal]
    substitutions: list[tuple[str, PrintedLesson]]  # (subject, lesson)
    attendance_months: list[str]
    attendance: list[AttendanceRow]
    summary: Summary

    @property
    def class_teacher(self) -> str:
        teacher = self.school_class.class_teacher
        return teacher.full_name if teacher is not None else ""


def _name(person: Staff | None) -> str:
    return person.short_name if person is not None else ""


def _months(start: date, end: date) -> list[date]:
    """The first days of the months from ``start`` to ``end``."""
    months = []
    day = start.replace(day=1)
    while day <= end:
        months.append(day)
        day = (
            day.replace(year=day.year + 1, month=1)
            if day.month == 12
            else day.replace(month=day.month + 1)
        )
    return months


def _month_end(first: date) -> date:
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


def _spans_of(course: Course, own: RosterSpans) -> list:
    """The student's dated stays on the course's list (their class's or their subgroup's)."""
    if course.group_id:
        return [s for s in own.groups if s.ref_id == course.group_id]
    return [s for s in own.classes if s.ref_id == course.school_class_id]


def director_name(school) -> str:
    """The director's full name, for the signature line (one query)."""
    director = (
        Staff.objects.filter(
            school=school, user__memberships__school=school, user__memberships__role=Role.DIRECTOR
        )
        .order_by("last_name", "pk")
        .first()
    )
    return director.full_name if director is not None else ""


def class_journal(
    school_class: SchoolClass, start: date | None = None, end: date | None = None
) -> ClassJournal:
    """The journal of ``school_class`` (with ``school``, ``year``, ``grade_level`` and
    ``class_teacher`` selected) from ``start`` to ``end`` — by default its whole year: every
    course taught to it (its own and its subgroups'), month by month, its period marks, the
    substitutions, the attendance summary and the summary sheet. Nine queries."""
    year = school_class.year
    start = start or year.start
    end = end or year.end
    school = school_class.school
    director = director_name(school)
    courses = list(
        Course.objects.filter(of_class(school_class), school=school, year=year)
        # The subgroup's name tells its class and grade (``Group.__str__``).
        .select_related("subject", "group__school_class__grade_level")
        .prefetch_related("teachers")
        .order_by("subject__name", "group__name", "pk")
    )
    all_terms = list(Term.objects.filter(year=year).order_by("start", "kind", "number"))
    terms = terms_of_level(all_terms, school_class.grade_level)
    in_period = [t for t in terms if t.start <= end and t.end >= start]

    enrollments = (
        Enrollment.objects.filter(overlapping(start, end), school_class=school_class)
        .select_related("student")
        .only("start", "end", "student_id", *(f"student__{n}" for n in NAME_FIELDS))
        .order_by("student__last_name", "student__first_name", "student__middle_name", "pk")
    )
    listed: dict[int, Listed] = {}
    for enrollment in enrollments:
        own = listed.get(enrollment.student_id)
        if own is None:
            own = listed[enrollment.student_id] = Listed(len(listed) + 1, enrollment.student)
        if enrollment.start > start:
            own.joined = enrollment.start
        if enrollment.end is not None and enrollment.end < end:
            own.left = enrollment.end
    ids = list(listed)
    extra = absence_rows(ids, start, end, school_id=school.pk)
    spans = roster_spans(ids, start, end, extra=extra, school_id=school.pk) if ids else {}

    lessons_of: dict[int, list[Lesson]] = defaultdict(list)
    lessons = (
        Lesson.objects.filter(course__in=courses, date__range=(start, end))
        .exclude(status=LessonStatus.CANCELLED)
        .select_related("teacher", "substitute_for", "homework")
        .only(
            "id",
            "course_id",
            "date",
            "number",
            "topic",
            "substitution_reason",
            "homework__text",
            "homework__lesson_id",
            *(f"{who}__{n}" for who in ("teacher", "substitute_for") for n in NAME_FIELDS),
        )
        .order_by("date", "number", "pk")
    )
    for lesson in lessons:
        lessons_of[lesson.course_id].append(lesson)
    lesson_ids = [lesson.pk for own in lessons_of.values() for lesson in own]

    # The marks and the attendance entries in ONE query; marks in their columns' order.
    marks_q = (
        Mark.objects.filter(
            column__lesson__course__in=courses, column__lesson__date__range=(start, end)
        )
        .filter(student_id__in=ids)
        .values_list(
            Value("m"), "column__lesson_id", "student_id", "value", "column__position", "pk"
        )
        .order_by()
    )
    attendance_q = (
        Attendance.objects.filter(lesson__course__in=courses, lesson__date__range=(start, end))
        .filter(student_id__in=ids)
        .values_list(
            Value("a"),
            "lesson_id",
            "student_id",
            "code",
            Value(0, output_field=IntegerField()),
            "pk",
        )
        .order_by()
    )
    marks: dict[tuple[int, int], list[tuple[int, int, str]]] = defaultdict(list)
    entered: dict[tuple[int, int], str] = {}
    if lesson_ids and ids:
        for kind, lesson_id, student_id, value, position, pk in marks_q.union(
            attendance_q, all=True
        ):
            if kind == "m":
                marks[(lesson_id, student_id)].append((position, pk, value))
            else:
                entered[(lesson_id, student_id)] = value

    period: dict[tuple[int, int, str, int | None], str] = {}
    for student_id, course_id, kind, term_id, value in (
        PeriodMark.objects.filter(course__in=courses, student_id__in=ids)
        .values_list("student_id", "course_id", "kind", "term_id", "value")
        .order_by()
    ):
        period[(student_id, course_id, kind, term_id)] = value

    months = _months(start, end)
    missed: dict[int, list[list[int]]] = {pk: [[0, 0] for _m in months] for pk in ids}
    month_index = {(m.year, m.month): i for i, m in enumerate(months)}
    printed: list[CourseJournal] = []
    substitutions: list[tuple[str, PrintedLesson]] = []
    for course in courses:
        own_lessons = lessons_of.get(course.pk, [])
        subject = course.subject.name
        journal = CourseJournal(
            course=course,
            subject=subject,
            audience=str(course.group) if course.group_id else school_class.name,
            teachers=", ".join(
                t.full_name for t in sorted(course.teachers.all(), key=lambda t: t.last_name)
            ),
            lessons_held=len(own_lessons),
        )
        course_spans = {pk: _spans_of(course, spans[pk]) for pk in ids}
        on_course = [listed[pk] for pk in ids if course_spans[pk]]
        for first in months:
            last = _month_end(first)
            month_lessons = [x for x in own_lessons if first <= x.date <= last]
            for part in range(0, len(month_lessons), LESSONS_PER_PAGE):
                chunk = month_lessons[part : part + LESSONS_PER_PAGE]
                page = MonthPage(month_title(first), [], [])
                for lesson in chunk:
                    homework = getattr(lesson, "homework", None)
                    page.lessons.append(
                        PrintedLesson(
                            date=lesson.date,
                            number=lesson.number,
                            topic=lesson.topic,
                            homework=homework.text if homework is not None else "",
                            teacher=_name(lesson.teacher),
                            substitute_for=_name(lesson.substitute_for),
                            reason=lesson.substitution_reason,
                        )
                    )
                for student in on_course:
                    stays = course_spans[student.student.pk]
                    own = spans[student.student.pk]
                    row = MarksRow(student, [])
                    for lesson in chunk:
                        if not any(s.covers(lesson.date) for s in stays):
                            row.cells.append(("", True))
                            continue
                        key = (lesson.pk, student.student.pk)
                        code = shown_attendance(
                            entered.get(key, ""), absence_reason(own, lesson.date)
                        )
                        values = "/".join(v for _p, _pk, v in sorted(marks.get(key, ())))
                        row.cells.append((" ".join(p for p in (code, values) if p), False))
                        if code and code != AttendanceCode.LATE:
                            counts = missed[student.student.pk][
                                month_index[(lesson.date.year, lesson.date.month)]
                            ]
                            counts[0] += 1
                            if code == AttendanceCode.ILL:
                                counts[1] += 1
                    page.rows.append(row)
                journal.months.append(page)
        _add_period_columns(journal, own_lessons, in_period, period, start, end, terms)
        for lesson in own_lessons:
            if lesson.substitute_for_id:
                substitutions.append(
                    (
                        subject,
                        PrintedLesson(
                            lesson.date,
                            lesson.number,
                            lesson.topic,
                            "",
                            _name(lesson.teacher),
                            _name(lesson.substitute_for),
                            lesson.substitution_reason,
                        ),
                    )
                )
        printed.append(journal)
    substitutions.sort(key=lambda s: (s[1].date, s[1].number))
    students = list(listed.values())
    attendance = []
    for student in students:
        counts = missed[student.student.pk]
        attendance.append(
            AttendanceRow(
                student,
                [(total, ill) for total, ill in counts],
                sum(c[0] for c in counts),
                sum(c[1] for c in counts),
            )
        )
    return ClassJournal(
        school_class=school_class,
        year=year,
        start=start,
        end=end,
        terms=in_period,
        director=director,
        students=students,
        courses=printed,
        substitutions=substitutions,
        attendance_months=[str(MONTHS[m.month]) for m in months],
        attendance=attendance,
        summary=_summary(students, printed, period, in_period, start, end, terms),
    )


def _is_whole_year(start: date, end: date, terms: list[Term]) -> bool:
    """The period covers the class's last term: the year's marks belong to it."""
    return bool(terms) and start <= terms[-1].end <= end


def _period_columns(in_period, period, course_id, start, end, terms):
    """The period marks a course's page shows: (title, kind, term id) of the period's terms,
    and for the year the year mark, and the exam and final marks where any was entered."""
    columns = [(ROMAN[t.number], PeriodKind.TERM, t.pk) for t in in_period]
    if _is_whole_year(start, end, terms):
        entered_kinds = {kind for (_s, c, kind, _t) in period if c == course_id}
        columns.append((str(FINAL_TITLES[PeriodKind.YEAR]), PeriodKind.YEAR, None))
        columns.extend(
            (str(FINAL_TITLES[kind]), kind, None)
            for kind in (PeriodKind.EXAM, PeriodKind.FINAL)
            if kind in entered_kinds
        )
    return columns


def _add_period_columns(journal, lessons, in_period, period, start, end, terms) -> None:
    """Put each term's marks after the term's last lesson and the year's after the last, on
    the page of that lesson (a course without lessons has no page to put them on)."""
    if not journal.months:
        return
    page_of: dict[int, MonthPage] = {}
    lesson_pages = iter(journal.months)
    page = next(lesson_pages)
    seen = 0
    for lesson in lessons:
        if seen == len(page.lessons):
            page, seen = next(lesson_pages), 0
        page_of[lesson.pk] = page
        seen += 1
    columns = _period_columns(in_period, period, journal.course.pk, start, end, terms)
    for title, kind, term_id in columns:
        if kind == PeriodKind.TERM:
            term = next(t for t in in_period if t.pk == term_id)
            last = [x for x in lessons if x.date <= term.end]
            target = page_of[last[-1].pk] if last else journal.months[0]
        else:
            target = journal.months[-1]
        target.period_headers.append(title)
        for row in target.rows:
            row.period.append(
                period.get((row.listed.student.pk, journal.course.pk, kind, term_id), "")
            )


def _summary(students, courses, period, in_period, start, end, terms) -> Summary:
    """The summary sheet: one column group per subject (a subject taught in subgroups is one
    subject: each student has the marks of their own subgroup's course)."""
    by_subject: dict[str, list[CourseJournal]] = {}
    for course in courses:
        by_subject.setdefault(course.subject, []).append(course)
    whole_year = _is_whole_year(start, end, terms)
    subjects = []
    values: dict[int, list[list[str]]] = {s.student.pk: [] for s in students}
    for subject, subject_courses in by_subject.items():
        course_ids = {c.course.pk for c in subject_courses}
        kinds = [(ROMAN[t.number], PeriodKind.TERM, t.pk) for t in in_period]
        if whole_year:
            entered = {kind for (_s, c, kind, _t) in period if c in course_ids}
            kinds.append((str(FINAL_TITLES[PeriodKind.YEAR]), PeriodKind.YEAR, None))
            kinds.extend(
                (str(FINAL_TITLES[kind]), kind, None)
                for kind in (PeriodKind.EXAM, PeriodKind.FINAL)
                if kind in entered
            )
        subjects.append(SummarySubject(subject, [title for title, _k, _t in kinds]))
        for student in students:
            values[student.student.pk].append(
                [
                    next(
                        (
                            period[(student.student.pk, c, kind, term)]
                            for c in course_ids
                            if (student.student.pk, c, kind, term) in period
                        ),
                        "",
                    )
                    for _title, kind, term in kinds
                ]
            )
    return Summary(subjects, [SummaryRow(s, values[s.student.pk]) for s in students])


@dataclass
class ReportCard:
    """A student's табель: their subjects' period marks and the lessons they missed."""

    listed: Listed
    headers: list[str]
    lines: list[tuple[str, list[str]]]  # (subject, a value per header)
    attendance: AttendanceRow


def report_cards(journal: ClassJournal) -> list[ReportCard]:
    """The табель of every student of the class list, from the journal's summary sheet: the
    columns are the widest subject's (the terms, the year, exam and final where entered)."""
    headers: list[str] = max((s.headers for s in journal.summary.subjects), key=len, default=[])
    attendance = {row.listed.student.pk: row for row in journal.attendance}
    cards = []
    for row in journal.summary.rows:
        lines = []
        for subject, values in zip(journal.summary.subjects, row.values, strict=True):
            by_header = dict(zip(subject.headers, values, strict=True))
            lines.append((subject.subject, [by_header.get(h, "") for h in headers]))
        cards.append(ReportCard(row.listed, headers, lines, attendance[row.listed.student.pk]))
    return cards
