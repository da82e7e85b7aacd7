"""Read models of the control of the journals (issue 12): the remarks (a deputy's all, a
teacher's own, a journal's), their history, the support log of a student, the saved справки.
Each a fixed number of queries whatever the school's size."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Q, QuerySet

from zhurnal.school.models import Course, Staff, Student
from zhurnal.school.rosters import enrolled_on

from .access import REMARK_RELATED
from .models import CheckReport, JournalRemark, RemarkStatus, RemarkStep, SupportAction

NOT_CLOSED = (RemarkStatus.OPEN, RemarkStatus.FIXED)


def remarks(
    school,
    *,
    teacher: Staff | None = None,
    course: Course | None = None,
    status: str = "",
    overdue_on: date | None = None,
) -> QuerySet[JournalRemark]:
    """Remarks of the school, the newest first: of a teacher or a course; by status (empty:
    not accepted yet; ``all``); only those overdue on a day (open past their due date)."""
    found = JournalRemark.objects.filter(school=school).select_related(*REMARK_RELATED)
    if teacher is not None:
        found = found.filter(Q(teacher=teacher) | Q(course__teachers=teacher)).distinct()
    if course is not None:
        found = found.filter(course=course)
    if status == "all":
        pass
    elif status:
        found = found.filter(status=status)
    else:
        found = found.filter(status__in=NOT_CLOSED)
    if overdue_on is not None:
        found = found.filter(status=RemarkStatus.OPEN, due__lt=overdue_on)
    return found.order_by("status", "due", "-created_at", "-pk")


def open_remarks_of(school, staff_id: int) -> list[JournalRemark]:
    """The remarks a teacher has to fix or waits to have accepted (their home page): one
    query."""
    return list(
        JournalRemark.objects.filter(school=school, teacher_id=staff_id, status__in=NOT_CLOSED)
        .select_related(*REMARK_RELATED)
        .order_by("status", "due", "pk")
    )


def remark_counts(school, today: date) -> dict[str, int]:
    """How many remarks are open, overdue and marked fixed (waiting for the deputy): one
    query."""
    return JournalRemark.objects.filter(school=school, status__in=NOT_CLOSED).aggregate(
        open=Count("pk", filter=Q(status=RemarkStatus.OPEN)),
        overdue=Count("pk", filter=Q(status=RemarkStatus.OPEN, due__lt=today)),
        fixed=Count("pk", filter=Q(status=RemarkStatus.FIXED)),
    )


def steps_of(remark: JournalRemark) -> QuerySet[RemarkStep]:
    return remark.steps.select_related("by").order_by("at", "pk")


def remark_teachers(school) -> QuerySet[Staff]:
    """The teachers who have remarks (the filter of the remarks page)."""
    return (
        Staff.objects.filter(school=school, remarks__isnull=False)
        .distinct()
        .order_by("last_name", "first_name")
    )


def staff_among(school, ids) -> QuerySet[Staff]:
    """Staff of the school by id (the teachers a remark may be addressed to)."""
    return Staff.objects.filter(school=school, pk__in=ids).order_by("last_name", "first_name")


def support_log(student: Student) -> QuerySet[SupportAction]:
    return (
        SupportAction.objects.filter(student=student)
        .select_related("course__subject", "author")
        .order_by("-day", "-pk")
    )


def student_courses(student: Student, day: date) -> QuerySet[Course]:
    """The courses a student is on the list of on a day (the subjects of a support record)."""
    class_ids = student.enrollments.filter(enrolled_on(day)).values("school_class_id")
    group_ids = student.group_memberships.filter(enrolled_on(day)).values("group_id")
    return (
        Course.objects.filter(school_id=student.school_id)
        .filter(Q(school_class_id__in=class_ids) | Q(group_id__in=group_ids))
        .select_related("subject", "school_class__grade_level", "group")
        .order_by("subject__name", "pk")
    )


def check_reports(school) -> QuerySet[CheckReport]:
    return (
        CheckReport.objects.filter(school=school).select_related("author").order_by("-end", "-pk")
    )
