"""Read models of the journal (issue 4): the journal grid of a course for a term, and one
lesson's sheet, in a fixed number of SQL queries whatever the number of students, lessons and
marks (DESIGN §5, "queries" layer). Who is on a course's list is ``school.rosters``."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connections, router
from django.db.models import (
    CharField,
    DecimalField,
    IntegerField,
    Q,
    QuerySet,
    Value,
)

from zhurnal.school.models import Course, Student, Term
from zhurnal.school.rosters import (
    RawPart,
    RosterSpans,
    as_date,
    course_roster,
    enrolled_on,
    roster_part,
    union_rows,
)
from zhurnal.timetable.models import Lesson, LessonStatus

from .averages import forecast, thresholds_from_policy, weighted_average, year_forecast
from .defaults import ensure_work_types
from .models import (
    Absence,
    AbsenceDay,
    Attendance,
    AttendanceCode,
    GradeColumn,
    Homework,
    JournalPolicy,
    Mark,
    PeriodKind,
    PeriodMark,
    RollCall,
    ScaleRule,
    StudentNote,
    WorkType,
)
from .policy import policy_of, scale_of
from .scales import ScaleKind

# The fields of a person the journal shows.
NAME_FIELDS = ("id", "school_id", "last_name", "first_name", "middle_name")


# The kinds of the absence register's rows among a student's lists (``roster_spans(extra=…)``):
# a range (every lesson of its days), a day of the sheet for the lessons entered «Н», a day of
# the sheet for the whole day.
ABSENCE_ROWS = "r"
DAY_ROWS = "d"
WHOLE_DAY_ROWS = "w"
REGISTER_KINDS = (ABSENCE_ROWS, DAY_ROWS, WHOLE_DAY_ROWS)


@dataclass(frozen=True, slots=True)
class RegisterReason:
    """What the class teacher's register says of a student's day (seed 002, regulation 2.2.1):
    the reason (Б, У, Н) and whether it covers every lesson of the day (a range does; a day of
    the sheet when so recorded) or only the lessons a teacher entered «Н» for."""

    code: str
    whole_day: bool


_RANGES_SQL = (
    f"SELECT '{ABSENCE_ROWS}', a.student_id, a.id, a.start, a.\"end\", a.reason, NULL "  # noqa: S608
    f"FROM {Absence._meta.db_table} a "
    'WHERE {students} AND a.start <= %s AND a."end" >= %s{school}'
)
_DAYS_SQL = (
    f"SELECT CASE WHEN a.whole_day THEN '{WHOLE_DAY_ROWS}' ELSE '{DAY_ROWS}' END, "  # noqa: S608
    f"a.student_id, a.id, a.date, a.date, a.reason, NULL FROM {AbsenceDay._meta.db_table} a "
    "WHERE {students} AND a.date <= %s AND a.date >= %s{school}"
)


def absence_rows(student_ids, start: date, end: date, *, school_id: int) -> list[RawPart]:
    """The absence register's rows of the students overlapping the period — the ranges and the
    days of the sheet — as parts of the same statement as their lists
    (``school.rosters.roster_spans(..., extra=...)``), of their school ``school_id``."""
    vendor = connections[router.db_for_read(Absence)].vendor
    dates = [end, start]
    return [
        roster_part(_RANGES_SQL, "a", student_ids, dates, school_id, vendor),
        roster_part(_DAYS_SQL, "a", student_ids, dates, school_id, vendor),
    ]


def register_entries(
    student_ids, start: date, end: date, *, school_id: int
) -> dict[int, list[tuple]]:
    """The absence register's rows of the students over the period, in ONE statement (a UNION
    ALL of the ranges and the days of the sheet): student id → ``(kind, pk, first, last,
    reason)`` as ``RosterSpans.extra`` holds them, for ``register_reason``; ``school_id``:
    their school, when known (Citus: one shard)."""
    rows: dict[int, list[tuple]] = defaultdict(list)
    ids = list(student_ids)
    if not ids:
        return rows
    parts = absence_rows(ids, start, end, school_id=school_id)
    for kind, student_id, pk, first, last, reason, _grade in union_rows(
        parts, router.db_for_read(Absence)
    ):
        rows[student_id].append((kind, pk, as_date(first), as_date(last), reason))
    return rows


def register_reason(rows: Sequence[tuple], day: date) -> RegisterReason | None:
    """The register's reason of the student's ``day`` from their rows (``register_entries`` or
    ``RosterSpans.extra``): the day of the sheet when the class teacher recorded one, else a
    range covering the day (DESIGN §2: a range is the default of each of its days)."""
    found, found_pk = None, 0
    for kind, pk, first, last, reason in rows:
        if kind == ABSENCE_ROWS:
            # Of overlapping ranges, the latest entered (a doctor's note after a parent's).
            if first <= day <= last and pk > found_pk:
                found, found_pk = RegisterReason(reason, True), pk
        elif kind in (DAY_ROWS, WHOLE_DAY_ROWS) and first == day:
            return RegisterReason(reason, kind == WHOLE_DAY_ROWS)
    return found


def absence_reason(spans: RosterSpans, day: date) -> RegisterReason | None:
    """The reason the absence register gives for the student's absence on ``day``."""
    return register_reason(spans.extra, day) if spans.extra else None


def shown_attendance(teacher_code: str, reason: RegisterReason | None) -> str:
    """The code the journal shows (DESIGN §2, two layers): the class teacher's register turns
    the teacher's «Н» into its reason, and on a whole day absent (a range, or a day of the sheet
    so recorded) a lesson without an entry too; «Б», «У» and «ОП» entered by the teacher
    stand."""
    if reason is None:
        return teacher_code
    if teacher_code == AttendanceCode.ABSENT or (not teacher_code and reason.whole_day):
        return reason.code
    return teacher_code


@dataclass(slots=True)
class Entry:
    """A mark or an attendance entry as the grid reads it: thousands per page, so a light
    object rather than a model instance. ``parent_id`` is the mark's column or the attendance
    entry's lesson."""

    pk: int
    parent_id: int
    student_id: int
    value: str
    number: Decimal | None
    comment: str
    version: int
    late: bool

    @property
    def column_id(self) -> int:
        return self.parent_id

    @property
    def lesson_id(self) -> int:
        return self.parent_id

    @property
    def code(self) -> str:
        return self.value


class _NoMarks(Mapping):
    """The marks of a cell without any (most cells): one shared, read-only, empty mapping
    instead of an empty dict per cell (a 30 × 40 grid has 1,200 cells). A grid kept in the
    cache (``freshness``) comes back with the same one."""

    def __getitem__(self, key):
        raise KeyError(key)

    def __iter__(self):
        return iter(())

    def __len__(self) -> int:
        return 0

    def __reduce__(self) -> str:
        return "NO_MARKS"  # unpickled as this module's NO_MARKS


NO_MARKS: Mapping[int, Entry] = _NoMarks()


@dataclass(slots=True)
class GridCell:
    """A student at a lesson: attendance (as shown and as the teacher entered it, with the
    version for the next save) and the marks by column id."""

    on_list: bool
    attendance: str
    teacher_attendance: Entry | None
    marks: Mapping[int, Entry]  # NO_MARKS when none


@dataclass
class GridRow:
    student: Student
    joined: date | None  # joined the list during the term (arrival), shown in the grid
    left: date | None  # left the list during the term (departure)
    cells: list[GridCell]
    average: Decimal | None
    forecast: str | None
    period_marks: dict[tuple[str, int | None], PeriodMark]
    # The year mark's forecast (only when the grid is asked for it: the year's last term).
    year_forecast: str | None = None


@dataclass
class GridLesson:
    lesson: Lesson
    columns: list[GradeColumn]

    @property
    def homework(self) -> Homework | None:
        """The lesson's homework (loaded with the lesson: no query)."""
        try:
            return self.lesson.homework
        except Homework.DoesNotExist:
            return None

    @property
    def roll_call(self) -> RollCall | None:
        """The lesson's roll call (loaded with the lesson: no query)."""
        return roll_call_of(self.lesson)


@dataclass
class JournalGrid:
    course: Course
    term: Term
    scale: str
    lessons: list[GridLesson]
    rows: list[GridRow]


def _cells(school_id: int, lessons: list[Lesson], student_ids) -> tuple[dict, dict]:
    """The marks and the attendance entries of the school's lessons, in ONE query (a UNION
    ALL of the two tables), keyed by (column, student) and (lesson, student)."""
    # No ORDER BY in the branches of a compound statement (SQLite refuses it).
    marks_q = Mark.objects.filter(
        school_id=school_id, column__lesson__in=lessons, student_id__in=student_ids
    ).order_by()
    attendance_q = Attendance.objects.filter(
        school_id=school_id, lesson__in=lessons, student_id__in=student_ids
    ).order_by()
    rows = marks_q.values_list(
        Value("m"), "pk", "column_id", "student_id", "value", "number", "comment", "version", "late"
    ).union(
        attendance_q.values_list(
            Value("a"),
            "pk",
            "lesson_id",
            "student_id",
            "code",
            Value(None, output_field=DecimalField(max_digits=5, decimal_places=2)),
            Value("", output_field=CharField()),
            "version",
            "late",
        ),
        all=True,
    )
    marks: dict[tuple[int, int], Entry] = {}
    attendance: dict[tuple[int, int], Entry] = {}
    for kind, *fields in rows:
        entry = Entry(*fields)
        target = marks if kind == "m" else attendance
        target[(entry.parent_id, entry.student_id)] = entry
    return marks, attendance


def journal_grid(
    course: Course,
    term: Term,
    *,
    policy: JournalPolicy | None = None,
    year_terms: Sequence[Term] = (),
) -> JournalGrid:
    """The journal of ``course`` for ``term``: its lessons in date order with their mark
    columns, the students on its list at any time in the term (in list order, arrivals and
    departures dated), every cell, the weighted average, the forecast and the period marks.
    With ``year_terms`` (the course's terms, when ``term`` is the year's last), also the term
    marks of those terms and each row's year forecast: the mean of the term marks, this
    term's forecast standing in for its mark until it is entered. Eight queries; seven with
    the course from ``policy.with_scale_rule`` and its school loaded with the request
    (``accounts.memberships`` brings the school's policy along)."""
    if policy is None:
        policy = policy_of(course.school if Course.school.is_cached(course) else course.school_id)
    scale = scale_of(course, policy)
    lessons = list(
        Lesson.objects.filter(
            school_id=course.school_id, course=course, date__range=(term.start, term.end)
        )
        .exclude(status=LessonStatus.CANCELLED)
        # The homework and the roll call (was attendance taken?) come with the lessons.
        .select_related("teacher", "substitute_for", "homework", "roll_call")
        # Only what the grid shows: no personal data of the teachers, lighter objects.
        .only(
            "id",
            "school_id",
            "course_id",
            "date",
            "number",
            "status",
            "topic",
            "room",
            *(f"{who}__{name}" for who in ("teacher", "substitute_for") for name in NAME_FIELDS),
            "homework",
            "roll_call__id",
            "roll_call__lesson_id",
            "roll_call__entered_at",
            "roll_call__late",
        )
        .order_by("date", "number", "pk")
    )
    columns_of: dict[int, list[GradeColumn]] = defaultdict(list)
    for column in (
        GradeColumn.objects.filter(school_id=course.school_id, lesson__in=lessons)
        .select_related("work_type")
        .order_by("position", "pk")
    ):
        columns_of[column.lesson_id].append(column)
    spans: dict[int, list[tuple[date, date | None]]] = defaultdict(list)
    students: dict[int, Student] = {}
    in_term = Q(start__lte=term.end) & (Q(end__isnull=True) | Q(end__gte=term.start))
    for row in (
        course_roster(course)
        .filter(in_term)
        .select_related("student")
        # The list needs the names only (not the personal card: DESIGN §3, 152-FZ).
        .only("start", "end", "student_id", *(f"student__{name}" for name in NAME_FIELDS))
    ):
        spans[row.student_id].append((row.start, row.end))
        students[row.student_id] = row.student
    marks, attendance = _cells(course.school_id, lessons, students)
    absences = register_entries(students, term.start, term.end, school_id=course.school_id)
    period: dict[int, dict[tuple[str, int | None], PeriodMark]] = defaultdict(dict)
    terms_shown = [t.pk for t in year_terms] or [term.pk]
    for entry in PeriodMark.objects.filter(
        school_id=course.school_id, course=course, student_id__in=students
    ).filter(Q(term__in=terms_shown) | Q(term__isnull=True)):
        period[entry.student_id][(entry.kind, entry.term_id)] = entry
    # The policy's thresholds are those of the five-point scale; other scales round.
    thresholds = (
        thresholds_from_policy(policy.forecast_thresholds) if scale == ScaleKind.FIVE else None
    )
    grid_lessons = [GridLesson(lesson, columns_of.get(lesson.pk, [])) for lesson in lessons]
    rows = []
    lesson_keys = [
        (gl.lesson.date, gl.lesson.pk, [(c.pk, c.weight) for c in gl.columns])
        for gl in grid_lessons
    ]
    for student in sorted(
        students.values(), key=lambda s: (s.last_name, s.first_name, s.middle_name, s.pk)
    ):
        student_spans = spans[student.pk]
        own_absences = absences.get(student.pk)
        single_span = len(student_spans) == 1  # most students: on the list all term
        first_start, first_end = student_spans[0]
        cells = []
        weighted = []
        for day, lesson_id, columns in lesson_keys:
            if single_span:
                on_list = first_start <= day and (first_end is None or day <= first_end)
            else:
                on_list = any(
                    start <= day and (end is None or day <= end) for start, end in student_spans
                )
            entry = attendance.get((lesson_id, student.pk))
            reason = None
            if own_absences and on_list:
                reason = register_reason(own_absences, day)
            cell_marks = {}
            for column_id, weight in columns:
                mark = marks.get((column_id, student.pk))
                if mark is not None:
                    cell_marks[column_id] = mark
                    weighted.append((mark.number, weight))
            cells.append(
                GridCell(
                    on_list,
                    shown_attendance(entry.code if entry else "", reason),
                    entry,
                    cell_marks or NO_MARKS,
                )
            )
        average = weighted_average(weighted)
        first = min(start for start, _end in student_spans)
        ends = [end for _start, end in student_spans]
        last = None if any(end is None for end in ends) else max(ends)
        predicted = forecast(scale, average, thresholds)
        own_period = period[student.pk]
        year_predicted = None
        if year_terms:
            year_predicted = year_forecast(
                scale,
                (
                    _term_number(own_period, t.pk, predicted if t.pk == term.pk else None)
                    for t in year_terms
                ),
                thresholds,
            )
        rows.append(
            GridRow(
                student=student,
                joined=first if first > term.start else None,
                left=last if last is not None and last < term.end else None,
                cells=cells,
                average=average,
                forecast=predicted,
                period_marks=own_period,
                year_forecast=year_predicted,
            )
        )
    return JournalGrid(course=course, term=term, scale=scale, lessons=grid_lessons, rows=rows)


def _term_number(
    period_marks: Mapping[tuple[str, int | None], PeriodMark], term_id: int, stand_in: str | None
) -> Decimal | None:
    """The number of a student's term mark for the year forecast: the entered mark's, else
    ``stand_in`` (the current term's forecast), else none."""
    saved = period_marks.get((PeriodKind.TERM, term_id))
    if saved is not None:
        return saved.number
    return Decimal(stand_in) if stand_in else None


@dataclass(frozen=True)
class Summary:
    """A student's totals in a course for a term, as the grid's right-hand columns show them."""

    average: Decimal | None
    forecast: str | None
    year_forecast: str | None = None


def student_summary(
    course: Course,
    term: Term,
    student_id: int,
    *,
    policy: JournalPolicy | None = None,
    with_year: bool = False,
) -> Summary:
    """A student's weighted average and forecast in ``course`` for ``term`` — and, with
    ``with_year`` (the year's last term), the year forecast from the course's term marks, this
    term's forecast standing in for its mark until it is entered, as ``journal_grid`` computes
    it — in ONE query (the marks and the term marks in a UNION ALL); answered after each saved
    mark so the row's totals stay true."""
    if policy is None:
        policy = policy_of(course.school if Course.school.is_cached(course) else course.school_id)
    scale = scale_of(course, policy)
    no_term = Value(None, output_field=IntegerField())
    rows = (
        Mark.objects.filter(
            school_id=course.school_id,
            student_id=student_id,
            column__lesson__course=course,
            column__lesson__date__range=(term.start, term.end),
        )
        .exclude(column__lesson__status=LessonStatus.CANCELLED)
        .values_list(Value("m"), "number", "column__weight", no_term)
        .order_by()
    )
    if with_year:
        term_marks = (
            PeriodMark.objects.filter(
                school_id=course.school_id,
                student_id=student_id,
                course=course,
                kind=PeriodKind.TERM,
                term__kind=term.kind,
            )
            .values_list(
                Value("t"),
                "number",
                Value(None, output_field=DecimalField(max_digits=4, decimal_places=2)),
                "term_id",
            )
            .order_by()
        )
        rows = rows.union(term_marks, all=True)
    pairs, term_numbers = [], {}
    for kind, number, weight, term_id in rows:
        if kind == "m":
            pairs.append((number, weight))
        else:
            term_numbers[term_id] = number
    average = weighted_average(pairs)
    thresholds = (
        thresholds_from_policy(policy.forecast_thresholds) if scale == ScaleKind.FIVE else None
    )
    predicted = forecast(scale, average, thresholds)
    year_predicted = None
    if with_year:
        if term.pk not in term_numbers:
            term_numbers[term.pk] = Decimal(predicted) if predicted else None
        year_predicted = year_forecast(scale, term_numbers.values(), thresholds)
    return Summary(average, predicted, year_predicted)


@dataclass
class SheetRow:
    """A student on a lesson's list: the shown attendance, the teacher's entry, marks by
    column id."""

    student: Student
    attendance: str
    teacher_attendance: Entry | None
    marks: dict[int, Entry]


def lesson_sheet(lesson: Lesson) -> tuple[list[GradeColumn], list[SheetRow]]:
    """One lesson of the journal: its mark columns and the students on its list that day (in
    list order) with attendance and marks. Five queries whatever the class size."""
    columns = list(
        GradeColumn.objects.filter(lesson=lesson)
        .select_related("work_type")
        .order_by("position", "pk")
    )
    students = {
        row.student_id: row.student
        for row in course_roster(lesson.course)
        .filter(enrolled_on(lesson.date))
        .select_related("student")
    }
    marks, attendance = _cells(lesson.school_id, [lesson], students)
    registers = register_entries(students, lesson.date, lesson.date, school_id=lesson.school_id)
    rows = []
    for student in sorted(
        students.values(), key=lambda s: (s.last_name, s.first_name, s.middle_name, s.pk)
    ):
        entry = attendance.get((lesson.pk, student.pk))
        rows.append(
            SheetRow(
                student=student,
                attendance=shown_attendance(
                    entry.code if entry else "",
                    register_reason(registers.get(student.pk, ()), lesson.date),
                ),
                teacher_attendance=entry,
                marks={
                    c.pk: marks[(c.pk, student.pk)] for c in columns if (c.pk, student.pk) in marks
                },
            )
        )
    return columns, rows


# --- small reads of the journal's pages ------------------------------------------------------


def journal_courses(school, year) -> QuerySet[Course]:
    """The courses of a year with what the list of journals shows (subject, class or group,
    teachers): two queries."""
    return (
        Course.objects.filter(school=school, year=year)
        .select_related("subject", "school_class__grade_level", "group__school_class__grade_level")
        .prefetch_related("teachers")
        .order_by("subject__name", "pk")
    )


def lesson_homework(lesson: Lesson) -> Homework | None:
    """The lesson's homework with its files (two queries)."""
    return Homework.objects.filter(lesson=lesson).prefetch_related("attachments").first()


def lesson_notes(lesson: Lesson) -> QuerySet[StudentNote]:
    """The notes to students at the lesson, in list order, with who wrote them."""
    return (
        StudentNote.objects.filter(lesson=lesson)
        .select_related("student", "entered_by")
        .order_by("student__last_name", "pk")
    )


def course_lessons_of(course: Course) -> list[Lesson]:
    """Every lesson of a course with its teachers and plan item (the lessons page)."""
    return list(
        Lesson.objects.filter(course=course).select_related(
            "teacher", "substitute_for", "plan_item"
        )
    )


def roll_call_of(lesson: Lesson) -> RollCall | None:
    """The lesson's roll call, None when its attendance was never taken (seed 002, regulation
    2.1.1); no query when it came with the lesson (``select_related("roll_call")``: the grid,
    ``journal.access.LESSON_WITH_ROLL_CALL``)."""
    try:
        return lesson.roll_call
    except RollCall.DoesNotExist:
        return None


def homework_of(lesson: Lesson) -> Homework | None:
    """The lesson's homework (its version for the form), without its files."""
    return Homework.objects.filter(lesson=lesson).first()


def lesson_students(lesson: Lesson) -> list[Student]:
    """The students on the lesson's list that day, in list order, by name only (one query)."""
    rows = (
        course_roster(lesson.course)
        .filter(enrolled_on(lesson.date))
        .select_related("student")
        .only("student_id", *(f"student__{name}" for name in NAME_FIELDS))
    )
    students = {row.student_id: row.student for row in rows}
    return sorted(students.values(), key=lambda s: (s.last_name, s.first_name, s.pk))


def lesson_has_columns(lesson: Lesson) -> bool:
    return GradeColumn.objects.filter(lesson=lesson).exists()


def documented_absence(student, day: date) -> RegisterReason | None:
    """The reason the class teacher's absence register gives for the student on ``day`` (one
    query)."""
    return register_reason(
        register_entries([student.pk], day, day, school_id=student.school_id).get(student.pk, ()),
        day,
    )


def school_work_types(school) -> QuerySet[WorkType]:
    """The school's work types in their order, the defaults made on first use."""
    ensure_work_types(school)
    return WorkType.objects.filter(school=school).order_by("position", "code")


def scale_rules(school) -> QuerySet[ScaleRule]:
    """The school's grading scale rules, by grade level and subject."""
    return (
        ScaleRule.objects.filter(school=school)
        .select_related("grade_level", "subject")
        .order_by("grade_level__number", "subject__name")
    )
