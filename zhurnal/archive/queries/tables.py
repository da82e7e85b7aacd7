"""The year's record as tables, for the archive package (issue 13): students, courses,
lessons, marks, attendance, period marks, audit — one query each, streamed when written."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from zhurnal.audit.models import AuditEvent
from zhurnal.journal.models import Attendance, Mark, PeriodMark
from zhurnal.school.models import (
    AcademicYear,
    Course,
    Enrollment,
    GroupMembership,
    SchoolClass,
    Staff,
    Term,
)
from zhurnal.timetable.models import Lesson


@dataclass
class ExportTable:
    """A table of the archive package's machine-readable part: its file name, its header and
    its rows (read as they are written: one query, streamed)."""

    name: str
    header: list[str]
    rows: object  # an iterable of tuples


def export_tables(school, year: AcademicYear, until) -> list[ExportTable]:
    """The year's record as tables (issue 13: students, courses, lessons, marks, attendance,
    period marks, audit), one query each when read. Personal data: the students' names, birth
    dates and personal file numbers and their classes — not their addresses or contacts, nor
    their guardians' (DESIGN §3: only what the record needs). The audit is the school's events
    from the year's first day to ``until`` (the build: corrections made after the year's end
    belong to it)."""
    zone = ZoneInfo(school.timezone)
    since = datetime.combine(year.start, time.min, tzinfo=zone)
    in_year = {"school": school, "year": year}
    students = (
        Enrollment.objects.filter(school=school, school_class__year=year)
        .values_list(
            "student_id",
            "student__last_name",
            "student__first_name",
            "student__middle_name",
            "student__birth_date",
            "student__personal_file_number",
            "school_class_id",
            "start",
            "end",
        )
        .order_by("school_class_id", "student__last_name", "student__first_name", "pk")
    )
    groups = (
        GroupMembership.objects.filter(school=school, group__year=year)
        .values_list("student_id", "group_id", "group__name", "start", "end")
        .order_by("group_id", "student_id", "pk")
    )
    courses = (
        Course.objects.filter(**in_year)
        .values_list(
            "pk",
            "subject__name",
            "school_class_id",
            "group_id",
            "kind",
            "hours_per_week",
        )
        .order_by("pk")
    )
    lessons = (
        Lesson.objects.filter(school=school, course__year=year)
        .values_list(
            "pk",
            "course_id",
            "date",
            "number",
            "status",
            "teacher_id",
            "substitute_for_id",
            "topic",
            "homework__text",
        )
        .order_by("date", "number", "pk")
    )
    marks = (
        Mark.objects.filter(school=school, column__lesson__course__year=year)
        .values_list(
            "pk",
            "column__lesson_id",
            "column__work_type__code",
            "column__weight",
            "student_id",
            "value",
            "comment",
            "entered_at",
            "changed_at",
            "entered_by_id",
        )
        .order_by("pk")
    )
    attendance = (
        Attendance.objects.filter(school=school, lesson__course__year=year)
        .values_list("pk", "lesson_id", "student_id", "code", "entered_at", "entered_by_id")
        .order_by("pk")
    )
    period_marks = (
        PeriodMark.objects.filter(school=school, course__year=year)
        .values_list(
            "pk", "course_id", "student_id", "kind", "term_id", "value", "entered_at", "changed_at"
        )
        .order_by("pk")
    )
    audit = (
        AuditEvent.objects.filter(school=school, at__gte=since, at__lte=until)
        .values_list(
            "pk",
            "at",
            "actor_id",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "student_id",
            "course_id",
            "before",
            "after",
            "reason",
            "address",
        )
        .order_by("at", "pk")
    )
    staff = (
        Staff.objects.filter(school=school)
        .values_list("pk", "last_name", "first_name", "middle_name")
        .order_by("pk")
    )
    classes = (
        SchoolClass.objects.filter(**in_year)
        .values_list("pk", "grade_level__number", "letter", "class_teacher_id")
        .order_by("grade_level__number", "letter")
    )
    terms = (
        Term.objects.filter(year=year)
        .values_list("pk", "kind", "number", "start", "end")
        .order_by("start", "kind")
    )
    return [
        ExportTable("classes", ["id", "grade", "letter", "class_teacher_id"], classes),
        ExportTable("terms", ["id", "kind", "number", "start", "end"], terms),
        ExportTable("staff", ["id", "last_name", "first_name", "middle_name"], staff),
        ExportTable(
            "students",
            [
                "student_id",
                "last_name",
                "first_name",
                "middle_name",
                "birth_date",
                "personal_file_number",
                "class_id",
                "start",
                "end",
            ],
            students,
        ),
        ExportTable("groups", ["student_id", "group_id", "group", "start", "end"], groups),
        ExportTable(
            "courses",
            ["id", "subject", "class_id", "group_id", "kind", "hours_per_week"],
            courses,
        ),
        ExportTable(
            "lessons",
            [
                "id",
                "course_id",
                "date",
                "number",
                "status",
                "teacher_id",
                "substitute_for_id",
                "topic",
                "homework",
            ],
            lessons,
        ),
        ExportTable(
            "marks",
            [
                "id",
                "lesson_id",
                "work_type",
                "weight",
                "student_id",
                "value",
                "comment",
                "entered_at",
                "changed_at",
                "entered_by",
            ],
            marks,
        ),
        ExportTable(
            "attendance",
            ["id", "lesson_id", "student_id", "code", "entered_at", "entered_by"],
            attendance,
        ),
        ExportTable(
            "period_marks",
            [
                "id",
                "course_id",
                "student_id",
                "kind",
                "term_id",
                "value",
                "entered_at",
                "changed_at",
            ],
            period_marks,
        ),
        ExportTable(
            "audit",
            [
                "id",
                "at",
                "actor_id",
                "action",
                "object_type",
                "object_id",
                "object",
                "student_id",
                "course_id",
                "before",
                "after",
                "reason",
                "address",
            ],
            audit,
        ),
    ]
