"""The control indicators summed up a level (issue 12, item 1: "school → parallel → class →
course → teacher"): rows of ``indicators.Control`` by parallel, class, teacher or course, and
the school's total. No SQL here."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from zhurnal.reports.statistics import percent

from .indicators import INDICATORS, STUDENTS, Control

LEVELS = ("class", "grade", "teacher", "course")


@dataclass
class IndicatorRow:
    label: str
    # The scope of the row's cases (query parameters of the cases page).
    params: dict = field(default_factory=dict)
    counts: Counter = field(default_factory=Counter)
    lessons: int = 0
    students: int = 0
    courses: int = 0

    def add(self, own) -> None:
        self.counts.update(own.counts)
        self.lessons += own.lessons
        self.students += own.students
        self.courses += 1

    def share(self, key: str):
        """A students' figure as a share of the students on the lists, per cent."""
        return percent(self.counts[key], self.students)

    @property
    def flagged(self) -> int:
        """How many cases the row has in all (what sorts the worst first)."""
        return sum(self.counts[i.key] for i in INDICATORS)


def rows_by(control: Control, by: str) -> list[IndicatorRow]:
    """The rows of a level, the most flagged first (then by name)."""
    rows: dict = {}

    def row(key, label, params) -> IndicatorRow:
        if key not in rows:
            rows[key] = IndicatorRow(label, params)
        return rows[key]

    for own in control.courses.values():
        school_class = control.classes.get(own.class_id)
        if by == "course":
            row(own.course.pk, journal_label(own, school_class), {"course": own.course.pk}).add(own)
        elif by == "teacher":
            for teacher in own.teachers or [None]:
                if teacher is None:
                    row(None, _("no teacher"), {}).add(own)
                else:
                    row(teacher.pk, teacher.short_name, {"teacher": teacher.pk}).add(own)
        elif by == "grade":
            number = school_class.grade_level.number if school_class else None
            label = str(number) if number else _("cross-class groups")
            row(number, label, {"grade": number} if number else {}).add(own)
        else:
            if school_class is None:
                row(None, _("cross-class groups"), {}).add(own)
            else:
                row(school_class.pk, school_class.name, {"class": school_class.pk}).add(own)
    # The figures of classes, not of journals: a day over the homework limit counts for its
    # class; a breach of the assessment limits once for its class (its journals each counted
    # it above), and once for a teacher whatever the number of their journals in it.
    if by in ("class", "grade"):
        for r in rows.values():
            r.counts["breaches"] = 0
        for breach in control.breaches:
            school_class = control.classes.get(breach.class_id)
            if school_class is not None:
                _class_row(row, school_class, by).counts["breaches"] += 1
        for day in control.overload:
            _class_row(row, day.school_class, by).counts["overload"] += 1
    elif by == "teacher":
        for r in rows.values():
            r.counts["breaches"] = 0
        for breach in control.breaches:
            teachers = {
                t.pk
                for course_id in breach.course_ids
                if course_id in control.courses
                for t in control.courses[course_id].teachers
            }
            for pk in teachers:
                if pk in rows:
                    rows[pk].counts["breaches"] += 1
    ordered = sorted(rows.values(), key=lambda r: (-r.flagged, r.label))
    return ordered


def journal_label(own, school_class) -> str:
    """A journal as the control names it: its subject and class, and its group — without
    saying a name twice (a group's name often holds its class or its subject)."""
    subject = own.course.subject.name
    group = own.course.group.name if own.course.group_id else ""
    if group.startswith(subject):
        return group
    label = subject
    if school_class is not None and school_class.name not in group:
        label += f", {school_class.name}"
    return f"{label} ({group})" if group else label


def _class_row(row, school_class, by: str) -> IndicatorRow:
    if by == "grade":
        number = school_class.grade_level.number
        return row(number, str(number), {"grade": number})
    return row(school_class.pk, school_class.name, {"class": school_class.pk})


def total(control: Control) -> IndicatorRow:
    whole = IndicatorRow(_("Total"))
    for own in control.courses.values():
        whole.add(own)
    whole.counts["overload"] += len(control.overload)
    whole.counts["breaches"] = len(control.breaches)
    return whole


def cell(row: IndicatorRow, indicator) -> tuple[int, object]:
    """A figure and, for a students' figure, its share of the students."""
    n = row.counts[indicator.key]
    return n, (row.share(indicator.key) if indicator.unit == STUDENTS else None)
