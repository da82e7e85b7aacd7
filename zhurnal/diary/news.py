"""What is new about a family's children, for the home page of a parent or a student (issue
15: "the parent's home page shows only the children's names"): per child, the marks put in or
changed over the last week, the homework due today and on the next school day, and the terms
whose marks wait for the parents' «Ознакомлен» (issue 5).

"New" is a fixed window, the last ``NEW_MARKS_DAYS`` days of entries (``Mark.changed_at``: a
corrected mark is news too), not "since the last visit": a mark does not vanish from the home
page because the page was opened once, on another device or by the other parent.

One read for all the children of a family, in a fixed number of queries whatever the number
of children, lessons or marks (``family_news``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Q

from zhurnal.journal.models import Homework, Mark, PeriodKind, PeriodMark
from zhurnal.school.calendar import terms_of_level
from zhurnal.school.models import SchoolClass, Student, Term
from zhurnal.school.rosters import RosterSpans, roster_spans
from zhurnal.timetable.models import Lesson, LessonStatus

from .models import TermAcknowledgement
from .queries import LOOK_BACK_DAYS, HomeworkItem, homework_due_days

# The window of "new" marks, in days up to now.
NEW_MARKS_DAYS = 7
# The marks listed per child; the rest are counted, with a link to the marks page.
NEW_MARKS_SHOWN = 8
# How far ahead the next school day with lessons is looked for (a week and the holidays'
# first days: after a Friday, Monday; before a short break, the day school resumes).
NEXT_DAY_WITHIN = 10


@dataclass
class NewMark:
    date: date
    subject: str
    value: str
    work_type_code: str
    work_type_name: str
    title: str = ""
    comment: str = ""


@dataclass
class DueDay:
    day: date
    items: list[HomeworkItem]


@dataclass
class ChildNews:
    student: Student
    school_class: SchoolClass | None
    marks: list[NewMark] = field(default_factory=list)
    more_marks: int = 0
    today: DueDay | None = None
    next_day: DueDay | None = None
    # Terms of the child's class whose marks are in and wait for this guardian's «Ознакомлен».
    to_acknowledge: list[Term] = field(default_factory=list)


def family_news(
    school,
    students: list[Student],
    *,
    today: date,
    now: datetime,
    acknowledging: set[int],
    user=None,
) -> list[ChildNews]:
    """The news of each of ``students`` (the children the user may read, in the order given),
    and of the terms to acknowledge for those in ``acknowledging`` (the children ``user`` is a
    guardian of: ``diary.acknowledge``). Eight queries at most, whatever the number of
    children, lessons and marks: the children's lists (classes and groups), their classes,
    the lessons, the homework due, the marks, the terms, the term marks entered, the user's
    acknowledgements."""
    if not students:
        return []
    ids = [s.pk for s in students]
    start = today - timedelta(days=LOOK_BACK_DAYS)
    last = today + timedelta(days=NEXT_DAY_WITHIN)
    spans = roster_spans(ids, start, last, school_id=school.pk)
    class_ids = {_class_on(spans[pk], today) for pk in ids} - {None}
    classes = (
        SchoolClass.objects.filter(school=school, pk__any_of=class_ids)
        .select_related("grade_level")
        .in_bulk()
        if class_ids
        else {}
    )
    news = {
        s.pk: ChildNews(student=s, school_class=classes.get(_class_on(spans[s.pk], today)))
        for s in students
    }
    _add_homework(school, news, spans, start, last, today)
    _add_marks(school, news, now - timedelta(days=NEW_MARKS_DAYS))
    if acknowledging and user is not None:
        _add_terms(school, news, acknowledging & set(news), today, user)
    return list(news.values())


def _class_on(spans: RosterSpans, day: date) -> int | None:
    return next((s.ref_id for s in spans.classes if s.covers(day)), None)


def _add_homework(school, news, spans, start: date, last: date, today: date) -> None:
    """The homework due today and on the next day with lessons (the rule of ``queries.
    homework_due_days``): every child's lessons of the period as plain rows in ONE query, then
    the homework due on those days in one more (none when nothing is due)."""
    lists = Q()
    for own in spans.values():
        if own.classes or own.groups:
            lists |= own.lessons_filter()
    if not lists:
        return
    rows = list(
        Lesson.objects.filter(school=school, date__range=(start, last))
        .filter(lists)
        .exclude(status=LessonStatus.CANCELLED)
        .order_by("date", "number", "pk")
        .values_list("course_id", "date", "course__school_class_id", "course__group_id", "homework")
    )
    wanted: dict[int, list[tuple[ChildNews, date, date]]] = defaultdict(list)
    for pk, item in news.items():
        own = [
            (course_id, day, homework)
            for course_id, day, class_id, group_id, homework in rows
            if spans[pk].on_list(class_id, group_id, day)
        ]
        later = sorted({day for _c, day, _h in own if day > today})
        if any(day == today for _c, day, _h in own):
            item.today = DueDay(today, [])
        if later:
            item.next_day = DueDay(later[0], [])
        days = {d.day for d in (item.today, item.next_day) if d is not None}
        for due, set_on, homework_id in homework_due_days(own, today):
            if due in days:
                wanted[homework_id].append((item, due, set_on))
    if not wanted:
        return
    homework = Homework.objects.filter(pk__any_of=list(wanted)).select_related(
        "lesson__course__subject"
    )
    for entry in homework.only("text", "minutes", "lesson__course__subject__name"):
        for item, due, set_on in wanted[entry.pk]:
            day = item.today if item.today is not None and item.today.day == due else item.next_day
            day.items.append(HomeworkItem(entry.lesson.course.subject.name, set_on, entry))
    for item in news.values():
        for day in (item.today, item.next_day):
            if day is not None:
                day.items.sort(key=lambda i: i.subject)


def _add_marks(school, news, since: datetime) -> None:
    """The children's marks put in or changed since ``since``, newest lesson first (marks of
    a cancelled lesson left out): ONE query."""
    marks = (
        Mark.objects.filter(school=school, student_id__any_of=list(news), changed_at__gte=since)
        .exclude(column__lesson__status=LessonStatus.CANCELLED)
        .select_related("column__lesson__course__subject", "column__work_type")
        .only(
            "student_id",
            "value",
            "comment",
            "column__title",
            "column__lesson__date",
            "column__lesson__course__subject__name",
            "column__work_type__code",
            "column__work_type__name",
        )
        .order_by("-column__lesson__date", "-column__lesson__number", "column__position", "pk")
    )
    for mark in marks:
        item = news[mark.student_id]
        if len(item.marks) >= NEW_MARKS_SHOWN:
            item.more_marks += 1
            continue
        column = mark.column
        item.marks.append(
            NewMark(
                date=column.lesson.date,
                subject=column.lesson.course.subject.name,
                value=mark.value,
                work_type_code=column.work_type.code,
                work_type_name=column.work_type.name,
                title=column.title,
                comment=mark.comment,
            )
        )


def _add_terms(school, news, ids: set[int], today: date, user) -> None:
    """The terms of each child's class this year that have begun, hold at least one of the
    child's term marks, and are not yet acknowledged by ``user`` (the rule of the marks page,
    ``services.may_acknowledge``, is then met: the marks are in). Three queries."""
    classes = {pk: news[pk].school_class for pk in ids if news[pk].school_class is not None}
    if not classes:
        return
    year_terms = list(
        Term.objects.filter(
            school=school, year_id__any_of={c.year_id for c in classes.values()}
        ).order_by("start")
    )
    candidates = {
        pk: [
            t
            for t in terms_of_level(
                [t for t in year_terms if t.year_id == c.year_id], c.grade_level
            )
            if t.start <= today
        ]
        for pk, c in classes.items()
    }
    term_ids = {t.pk for terms in candidates.values() for t in terms}
    if not term_ids:
        return
    entered = set(
        PeriodMark.objects.filter(
            school=school,
            student_id__any_of=list(classes),
            kind=PeriodKind.TERM,
            term_id__any_of=term_ids,
        )
        .values_list("student_id", "term_id")
        .distinct()
    )
    done = set(
        TermAcknowledgement.objects.filter(
            school=school, user=user, student_id__any_of=list(classes), term_id__any_of=term_ids
        ).values_list("student_id", "term_id")
    )
    for pk, terms in candidates.items():
        news[pk].to_acknowledge = [
            t for t in terms if (pk, t.pk) in entered and (pk, t.pk) not in done
        ]
