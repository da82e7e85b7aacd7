"""The tables of the results reports (issue 12, item 3), made from ``results.PeriodResults``:
no SQL here.

* by class, by parallel and for the school: the students' figures (``statistics.Figures``);
* by subject and by teacher: the figures of the subject results (``statistics.Tally``);
* the lists of excellent and good students, of those with one «3», and of those failing;
* the class summary (сводная ведомость): students × subjects.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from zhurnal.school.models import SchoolClass, Staff, Student

from .results import ClassResults, PeriodResults, Result
from .statistics import FAILING_GRADES, Figures, Grade, Standing, Tally, standing_of


@dataclass
class FiguresRow:
    """A row of a table by class, parallel or school: its students' figures, and the same
    figures for the previous period where there is one."""

    label: str
    figures: Figures
    previous: Figures | None = None
    school_class: SchoolClass | None = None


@dataclass
class TallyRow:
    """A row of a table by subject or teacher: the figures of its subject results."""

    label: str
    tally: Tally
    previous: Tally | None = None
    teachers: list[Staff] = field(default_factory=list)
    classes: list[str] = field(default_factory=list)


def class_figures(results: PeriodResults, class_results: ClassResults) -> Figures:
    figures = Figures()
    for student in class_results.students:
        figures.add_student([r.grade for r in results.of(student.pk).values()])
    return figures


def _of_classes(results: PeriodResults | None) -> dict[int, Figures]:
    if results is None:
        return {}
    return {c.school_class.pk: class_figures(results, c) for c in results.classes}


def by_class(results: PeriodResults, previous: PeriodResults | None = None) -> list[FiguresRow]:
    before = _of_classes(previous)
    return [
        FiguresRow(
            c.school_class.name,
            class_figures(results, c),
            before.get(c.school_class.pk),
            c.school_class,
        )
        for c in results.classes
    ]


def by_parallel(results: PeriodResults, previous: PeriodResults | None = None) -> list[FiguresRow]:
    def grouped(res: PeriodResults | None) -> dict[int, Figures]:
        out: dict[int, Figures] = {}
        if res is None:
            return out
        for c in res.classes:
            number = c.school_class.grade_level.number
            out[number] = out.get(number, Figures()) + class_figures(res, c)
        return out

    now, before = grouped(results), grouped(previous)
    return [
        FiguresRow(str(number), figures, before.get(number))
        for number, figures in sorted(now.items())
    ]


def school_figures(results: PeriodResults | None) -> Figures | None:
    if results is None:
        return None
    total = Figures()
    for c in results.classes:
        total = total + class_figures(results, c)
    return total


def _tallies(results: PeriodResults | None, keys_of) -> dict:
    """Tallies of the subject results grouped by ``keys_of(course info)``: the keys a course's
    results count for (its subject, each of its teachers, itself)."""
    out: dict = defaultdict(Tally)
    if results is None:
        return out
    counted = {s.pk for c in results.classes for s in c.students}
    for student_id, own in results.results.items():
        if student_id not in counted:
            continue
        for course_id, result in own.items():
            for key in keys_of(results.courses[course_id]):
                out[key] = out[key] + Tally.of([result.grade])
    return out


def by_subject(results: PeriodResults, previous: PeriodResults | None = None) -> list[TallyRow]:
    def subject(info):
        return [info.subject]

    now, before = _tallies(results, subject), _tallies(previous, subject)
    return [
        TallyRow(name, tally, before.get(name))
        for name, tally in sorted(now.items())
        if tally.counted
    ]


def by_teacher(results: PeriodResults, previous: PeriodResults | None = None) -> list[TallyRow]:
    def teachers(info):
        return [t.pk for t in info.teachers]

    now, before = _tallies(results, teachers), _tallies(previous, teachers)
    staff = {t.pk: t for info in results.courses.values() for t in info.teachers}
    rows = [
        TallyRow(staff[pk].full_name, tally, before.get(pk), teachers=[staff[pk]])
        for pk, tally in now.items()
        if tally.counted
    ]
    return sorted(rows, key=lambda r: r.label)


def by_course(
    results: PeriodResults,
    course_ids,
    previous: PeriodResults | None = None,
    *,
    with_class: bool = True,
):
    """A row per course of ``course_ids``: its subject, its class (a teacher's report; not in
    a class's own report) and its subgroup."""

    def course(info):
        return [info.pk]

    now, before = _tallies(results, course), _tallies(previous, course)
    class_names = {c.school_class.pk: c.school_class.name for c in results.classes}
    rows = []
    for course_id in course_ids:
        info = results.courses.get(course_id)
        if info is None:
            continue
        group = info.course.group.name if info.course.group_id else ""
        place = class_names.get(info.class_id, "") if with_class else ""
        label = info.subject
        if place and place not in group:
            label += f", {place}"
        if group:
            label += f" ({group})"
        rows.append(TallyRow(label, now.get(course_id, Tally()), before.get(course_id)))
    return rows


# --- lists of students ------------------------------------------------------------------------


@dataclass
class ListedStudent:
    student: Student
    school_class: SchoolClass
    # The subjects behind the standing: the «3» of one-three students, the failing subjects.
    subjects: list[tuple[str, Result]] = field(default_factory=list)
    standing: Standing = Standing.UNGRADED


LIST_ORDER = (Standing.EXCELLENT, Standing.GOOD, Standing.ONE_THREE, Standing.FAILING)


def student_lists(results: PeriodResults) -> dict[Standing, list[ListedStudent]]:
    """The students of the report by standing: excellent, good, one «3», failing — each with
    the subjects that put them there (the «3», the «2», «н/а», «незачёт»)."""
    lists: dict[Standing, list[ListedStudent]] = {standing: [] for standing in LIST_ORDER}
    for c in results.classes:
        for student in c.students:
            own = results.of(student.pk)
            standing = standing_of(r.grade for r in own.values())
            if standing not in lists:
                continue
            if standing == Standing.ONE_THREE:
                wanted = {Grade.THREE}
            elif standing == Standing.FAILING:
                wanted = FAILING_GRADES
            else:
                wanted = set()
            subjects = sorted(
                (results.courses[course_id].subject, result)
                for course_id, result in own.items()
                if result.grade in wanted
            )
            lists[standing].append(ListedStudent(student, c.school_class, subjects, standing))
    return lists


# --- the class summary --------------------------------------------------------------------------


@dataclass
class SummaryRow:
    student: Student
    cells: list[Result | None]  # per subject column; None: not on a course of that subject
    standing: Standing


@dataclass
class ClassSummary:
    """Сводная ведомость: the class's students × its subjects, with each subject's figures."""

    subjects: list[str]
    rows: list[SummaryRow]
    tallies: list[Tally]
    figures: Figures


def class_summary(results: PeriodResults, class_results: ClassResults) -> ClassSummary:
    students = class_results.students
    subject_of = {pk: info.subject for pk, info in results.courses.items()}
    subjects = sorted({subject_of[course_id] for s in students for course_id in results.of(s.pk)})
    column = {name: i for i, name in enumerate(subjects)}
    rows = []
    tallies = [Tally() for _ in subjects]
    for student in students:
        cells: list[Result | None] = [None] * len(subjects)
        own = results.of(student.pk)
        for course_id, result in own.items():
            index = column[subject_of[course_id]]
            cells[index] = result
            tallies[index] = tallies[index] + Tally.of([result.grade])
        rows.append(SummaryRow(student, cells, standing_of(r.grade for r in own.values())))
    return ClassSummary(subjects, rows, tallies, class_figures(results, class_results))
