"""Access entry points of the class journal (``core.access``), shared by the pages and the API.

The rules (DESIGN §4): ``journal.view`` opens a course's journal — its teachers, the class
teacher of its class, the administration, never a parent or a student; ``journal.keep_lesson``
writes a lesson's attendance, marks, columns, homework and notes — a substitute that lesson
only; ``journal.keep_period_marks`` the course's period marks.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from zhurnal.core.access import object_for, require
from zhurnal.school.courses import COURSE_PLACE
from zhurnal.school.models import Course, Student, Term
from zhurnal.timetable.models import Lesson

from .cell_reads import MarkCell, read_mark_cell
from .models import GradeColumn, HomeworkAttachment, ScaleRule, WorkType
from .policy import with_default_work_type, with_scale_rule
from .queries import NAME_FIELDS

# What comes with a journal's course: its subject, class or group (the course's place and its
# name), its scale rule and default work type (``journal.policy``). Its school is the request's,
# loaded with its journal policy (``accounts.memberships``): no join and no query for it.
COURSE_RELATED = ("subject", "year", *COURSE_PLACE)
LESSON_RELATED = (
    # The course's year too: whether it is closed decides every write (``check_year_open``).
    *(f"course__{name}" for name in ("subject", "year", *COURSE_PLACE)),
    "teacher",
    "substitute_for",
)

# A lesson's page and its pane show whether its attendance was taken: its roll call joined.
LESSON_WITH_ROLL_CALL = (*LESSON_RELATED, "roll_call")

KEEP = "journal.keep_lesson"
READ = "journal.view"


def journal_course_for(user, school, course_id: int, perm: str) -> Course:
    """A course's journal if ``perm`` (``journal.view``, ``journal.keep_period_marks``) allows."""
    courses = with_default_work_type(
        with_scale_rule(Course.objects.select_related(*COURSE_RELATED), school.pk), school.pk
    )
    return object_for(user, school, courses, perm, pk=course_id)


def may_read_lesson(user, lesson: Lesson) -> bool:
    """Who keeps the lesson, and whoever reads its course's journal."""
    return user.has_perm(KEEP, lesson) or user.has_perm(READ, lesson.course)


def journal_lesson_for(
    user, school, lesson_id: int, perm: str, *, related: tuple[str, ...] = LESSON_RELATED
) -> Lesson:
    """A lesson of the journal, with its course as the journal reads it (and ``related``).
    ``perm``: ``journal.keep_lesson`` to write its record, ``journal.view`` to read it
    (``may_read_lesson``: a substitute reads the one lesson they keep)."""
    lesson = object_for(user, school, Lesson.objects.select_related(*related), None, pk=lesson_id)
    lesson.course.school = school
    if perm == READ:
        if not may_read_lesson(user, lesson):
            raise PermissionDenied
    else:
        require(user, perm, lesson)
    return lesson


def column_for(user, school, column_id: int) -> GradeColumn:
    """A column of marks, to write its marks (``journal.keep_lesson`` on its lesson), with its
    work type, lesson and the lesson's course with the scale rule (``cell_reads``)."""
    return mark_cell_for(user, school, column_id).column


def mark_cell_for(
    user, school, column_id: int | None, student_id: int | None = None, term_id: int | None = None
) -> MarkCell:
    """A cell of a column of marks, to write its mark (``journal.keep_lesson`` on the lesson),
    read in two statements (``cell_reads``): 404 for a column or — when ``student_id`` is
    given — a student not of the school, 403 when the rule denies."""
    cell = read_mark_cell(school, column_id, student_id, term_id)
    if cell is None:
        raise Http404
    require(user, KEEP, cell.column.lesson)
    if student_id is not None and cell.student is None:
        raise Http404
    return cell


def homework_attachment_for(user, school, attachment_id: int) -> HomeworkAttachment:
    """A homework file, by the rule of the lesson it belongs to (``may_read_lesson``)."""
    item = object_for(
        user,
        school,
        HomeworkAttachment.objects.select_related(
            *(f"homework__lesson__{name}" for name in LESSON_RELATED)
        ),
        None,
        pk=attachment_id,
    )
    lesson = item.homework.lesson
    lesson.course.school = school
    if not may_read_lesson(user, lesson):
        raise PermissionDenied
    return item


def cell_student(school, student_id: int | None) -> Student:
    """The student of a journal cell, by name only (not the personal card: DESIGN §3). The
    rule is the lesson's or the course's; the services check the student is on its list."""
    return get_object_or_404(Student.objects.only(*NAME_FIELDS), school=school, pk=student_id)


def course_term(school, course: Course, term_id: int | None) -> Term | None:
    """A term of the course's year, by its id alone (no ORDER BY: the model's order joins the
    academic year); None for no id or a term of another year."""
    if term_id is None:
        return None
    return Term.objects.filter(school=school, year_id=course.year_id, pk=term_id).order_by().first()


def work_type_for(school, work_type_id: int) -> WorkType:
    """A work type of the school, to edit on the settings page (whose rule,
    ``journal.manage_settings``, is on the school)."""
    return get_object_or_404(WorkType, school=school, pk=work_type_id)


def scale_rule_for(school, rule_id: int) -> ScaleRule:
    """A grading scale rule of the school, to delete on the settings page."""
    return get_object_or_404(
        ScaleRule.objects.select_related("grade_level", "subject"), school=school, pk=rule_id
    )


def active_work_type_for(school, work_type_id: int) -> WorkType:
    """A work type in use, for a new column of marks (the lesson's rule has been checked)."""
    return get_object_or_404(WorkType, school=school, pk=work_type_id, is_active=True)


def term_for(school, term_id: int) -> Term:
    """A term of the school, named by a period mark (the course's rule has been checked)."""
    return get_object_or_404(Term, school=school, pk=term_id)


def batch_entries(school, course: Course, *, column_ids, lesson_ids, student_ids):
    """What a batch of marks and attendance names, of the course only: its columns (with their
    lessons), its lessons and the school's students, three queries. The rule of each entry —
    ``journal.keep_lesson`` on its lesson — is checked item by item by the caller."""
    columns = {
        c.pk: c
        for c in GradeColumn.objects.select_related("work_type", "lesson").filter(
            lesson__course=course, pk__in=set(column_ids)
        )
    }
    lessons = {
        lesson.pk: lesson for lesson in Lesson.objects.filter(course=course, pk__in=set(lesson_ids))
    }
    students = {s.pk: s for s in Student.objects.filter(school=school, pk__in=set(student_ids))}
    for column in columns.values():
        column.lesson.course = course
    for lesson in lessons.values():
        lesson.course = course
    return columns, lessons, students
