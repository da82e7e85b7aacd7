"""The deputies' control of the journals in the demo school (issue 12): what the demo deputy, the
demo teacher and the demo parent find of it. The demo school only.

* the demo deputy's remarks, each on what the journal really shows, with their steps in order
  on school days before today: on the demo teacher's journal (maths, 5А) one accepted (topics
  not as in the КТП), one marked fixed and waiting to be checked (too few marks if a few
  students have, else a written work's marks or a lesson's attendance, all there now), one
  open due in a few days (the latest lessons without homework); on another teacher's, one
  open past its date (a lesson whose attendance was never taken); on a third teacher's, of
  another subject, one marked fixed and reopened (a written work some students who were there
  have no mark for);
* the work with lagging students of 5А: the student with a «2» forecast in a subject (a talk
  of the class teacher with a parent, an extra lesson of the subject's teacher), another with
  a low average (an individual plan), and the demo parent's child in 5А (a consultation in
  maths, the talk in the messages of ``family``), told to the parent as ``record_support``
  tells the family (notifications; the diary's "School support" tab);
* if no student of 5А (the demo parent's child aside) has a «2» forecast in the running term,
  the marks of one in one subject are made weak, so that the preliminary report lists someone;
* the справка of the last month's check, with the deputy's conclusions.

No audit events: the steps are a remark's history, and an audit event's time is the moment it
is written (``auto_now_add``), not the step's; the demo's acknowledgements and messages have
none either. Planned in memory with the rest of the school (``plan_control``, its own random
stream: every other row stays the same for a seed) and written after it (``write_control``,
when the lessons have their ids): five queries.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.urls import reverse

from zhurnal.journal import models as j
from zhurnal.journal.accumulation import DEFAULT_NORMS, expected_marks, quarter_norm
from zhurnal.journal.averages import DEFAULT_FIVE_POINT_THRESHOLDS, weighted_average
from zhurnal.journal.scales import ScaleKind, Special
from zhurnal.notifications.models import Kind, Notification
from zhurnal.oversight.models import (
    CheckReport,
    JournalRemark,
    RemarkKind,
    RemarkStatus,
    RemarkStep,
    StepAction,
    SupportAction,
    SupportKind,
)
from zhurnal.school import models as m
from zhurnal.school.calendar import pick_term, terms_of_level
from zhurnal.timetable.models import LessonStatus

from .journal import scale_of
from .lessons import school_days

# The control needs a few weeks of journal: none in the first weeks of the year.
MIN_DAYS = 15
# ``OversightPolicy``'s default: a student is lagging below this average.
LOW_AVERAGE = Decimal("3.00")
# Below this average the forecast on five points is a «2» (``journal.averages``).
FAILING_BELOW = DEFAULT_FIVE_POINT_THRESHOLDS[3]
# Subjects a student is given an extra lesson or a plan in only when no other is weak.
ARTS = frozenset(
    {"Музыка", "Изобразительное искусство", "Физическая культура", "Труд (технология)"}
)
# Works of the whole class a deputy checks the marks of (``journal.defaults``).
WRITTEN_WORKS = frozenset({"КР", "СР", "Д", "Т", "ЛР", "ПР"})
MONTHS = (
    "январь", "февраль", "март", "апрель", "май", "июнь",
    "июль", "август", "сентябрь", "октябрь", "ноябрь", "декабрь",
)  # fmt: skip
# The Russian of ``SupportKind`` (the family's notification is stored in the school's words).
SUPPORT_WORDS = {
    SupportKind.TALK_PARENTS: "беседа с родителями",
    SupportKind.EXTRA_LESSON: "дополнительное занятие или консультация",
    SupportKind.PLAN: "индивидуальный план",
}


@dataclass
class ControlPlan:
    remarks: list[JournalRemark] = field(default_factory=list)
    lessons: dict[int, object] = field(default_factory=dict)  # id(remark) -> lesson row
    steps: list[RemarkStep] = field(default_factory=list)
    support: list[SupportAction] = field(default_factory=list)
    reports: list[CheckReport] = field(default_factory=list)
    # Notifications to the demo parent, their links made once the rows have ids.
    notifications: list[tuple[Notification, object]] = field(default_factory=list)


def plan_control(builder) -> None:
    """Plan the remarks, the work with lagging students and the справка (demo school)."""
    builder.control_plan = None
    deputy = builder.demo_people.get("deputy")
    teacher = builder.demo_people.get("teacher")
    if not builder.life or deputy is None or teacher is None:
        return
    days = [d for d in school_days(builder)[None] if d < builder.today]
    if len(days) < MIN_DAYS:
        return
    control = _Control(builder, deputy, teacher, days)
    control.remarks()
    control.support()
    control.report()
    builder.control_plan = control.plan


def write_control(builder) -> None:
    """Write the planned rows (after the school's and the family's)."""
    plan: ControlPlan | None = getattr(builder, "control_plan", None)
    if plan is None:
        return
    for remark in plan.remarks:
        lesson = plan.lessons.get(id(remark))
        remark.lesson_id = lesson.pk if lesson is not None else None
    notifications = []
    for notification, link in plan.notifications:
        notification.link = link()
        notifications.append(notification)
    for model, rows in (
        (JournalRemark, plan.remarks),
        (RemarkStep, plan.steps),
        (SupportAction, plan.support),
        (CheckReport, plan.reports),
        (Notification, notifications),
    ):
        if rows:
            model.objects.bulk_create(rows)
    builder.counts.update(
        {
            "remarks": len(plan.remarks),
            "support_actions": len(plan.support),
            "check_reports": len(plan.reports),
            "notifications": len(notifications),
        }
    )


def _past(person, verb: str, feminine: str = "а") -> str:
    """A verb in the past tense agreeing with the person («выполнил» / «выполнила»)."""
    return verb + (feminine if person.gender == "f" else "")


def _dates(lessons) -> str:
    """«уроку 24.11» or «урокам 24.11 и 26.11» (the dative the remarks use)."""
    days = [f"{lesson.date:%d.%m}" for lesson in lessons]
    return f"уроку {days[0]}" if len(days) == 1 else f"урокам {', '.join(days[:-1])} и {days[-1]}"


def _names(students, limit: int = 3) -> str:
    names = ", ".join(s.short_name for s in students[:limit])
    return names + (" и др." if len(students) > limit else "")


class _Control:
    """The demo school's journal, indexed for the control, and the plan made of it."""

    def __init__(self, builder, deputy: m.Staff, teacher: m.Staff, days: list[date]) -> None:
        self.b = builder
        self.rng = random.Random("control:" + repr(builder.rng.getstate()))
        self.tz = ZoneInfo(builder.school.timezone)
        self.school = builder.school
        self.today = builder.today
        self.deputy = deputy.user
        self.teacher = teacher
        self.asc = days  # the school days before today, in order
        self.sd = days[::-1]  # latest first
        self.plan = ControlPlan()
        fast = builder.fast
        self.teacher_of = {id(t.course): t.staff for t in builder.rows[m.Course.teachers.through]}
        self.with_homework = {id(row.lesson) for row in fast.get(j.Homework, [])}
        self.with_roll_call = {id(row.lesson) for row in fast.get(j.RollCall, [])}
        self.absent: dict[int, set[int]] = defaultdict(set)
        for row in fast.get(j.Attendance, []):
            if row.code != "ОП":  # late, but present
                self.absent[id(row.lesson)].add(id(row.student))
        self.columns: dict[int, list] = defaultdict(list)
        for column in fast.get(j.GradeColumn, []):
            self.columns[id(column.lesson)].append(column)
        self.marks: dict[int, list] = defaultdict(list)
        for mark in fast.get(j.Mark, []):
            self.marks[id(mark.column)].append(mark)
        self.members: dict[int, list[m.Student]] = defaultdict(list)
        for membership in builder.rows[m.GroupMembership]:
            self.members[id(membership.group)].append(membership.student)
        self.five_a = builder.demo_classes[0]
        self.class_courses = [
            c
            for c in builder.rows[m.Course]
            if c.school_class is self.five_a
            or (c.group is not None and c.group.school_class is self.five_a)
        ]
        own = [c for c in self.class_courses if self.teacher_of.get(id(c)) is teacher]
        maths = [c for c in own if c.subject.name == "Математика"]
        self.maths = (maths or own or [None])[0]
        self._all_held: list | None = None

    # --- helpers -------------------------------------------------------------------------

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), tzinfo=self.tz)

    def next_day(self, day: date) -> date | None:
        """The first school day after ``day`` (before today), if any."""
        i = bisect_right(self.asc, day)
        return self.asc[i] if i < len(self.asc) else None

    def roster(self, course) -> list[m.Student]:
        if course.school_class is not None:
            return self.b.roster[id(course.school_class)]
        return self.members[id(course.group)]

    def held(self, course, before: date, after: date | None = None) -> list:
        """The course's lessons held before ``before`` (from ``after`` on), in order."""
        return [
            lesson
            for lesson in self.b.lessons.get(id(course), [])
            if lesson.date < before
            and (after is None or lesson.date >= after)
            and lesson.status != LessonStatus.CANCELLED
        ]

    def all_held(self) -> list:
        """Every lesson held before today: those of the last four weeks first, 5А's first
        among them, the latest first."""
        if self._all_held is None:
            five_a = {id(c) for c in self.class_courses}
            recent = self.today - timedelta(days=28)
            found = [
                lesson
                for lessons in self.b.lessons.values()
                for lesson in lessons
                if lesson.date < self.today and lesson.status != LessonStatus.CANCELLED
            ]
            self._all_held = sorted(
                found,
                key=lambda x: (
                    x.date < recent,
                    id(x.course) not in five_a,
                    -x.date.toordinal(),
                    x.number,
                ),
            )
        return self._all_held

    def topic_before(self, course, day: date) -> str:
        topics = [lesson.topic for lesson in self.held(course, day) if lesson.topic]
        return f"по теме «{topics[-1]}»" if topics else "по пройденному материалу"

    def add_remark(self, *, course, teacher, kind, text, steps, lesson=None) -> JournalRemark:
        """A remark and its steps ``(action, user, moment, comment, due)`` in order; its state
        is the one the steps leave, as the services would."""
        moments = [step[2] for step in steps]
        assert moments == sorted(moments) and moments[-1].date() < self.today, moments
        remark = JournalRemark(
            school=self.school, course=course, teacher=teacher, author=self.deputy, kind=kind,
            text=text, due=steps[0][4], created_at=steps[0][2],
        )  # fmt: skip
        for action, user, moment, comment, due in steps:
            if action in (StepAction.WRITTEN, StepAction.REOPENED):
                remark.status, remark.due, remark.fixed_at = RemarkStatus.OPEN, due, None
            elif action == StepAction.FIXED:
                remark.status, remark.fixed_at = RemarkStatus.FIXED, moment
            else:
                remark.status, remark.closed_at = RemarkStatus.ACCEPTED, moment
            self.plan.steps.append(
                RemarkStep(
                    school=self.school, remark=remark, action=action, by=user, at=moment,
                    comment=comment, due=due,
                )
            )  # fmt: skip
        self.plan.remarks.append(remark)
        if lesson is not None:
            self.plan.lessons[id(remark)] = lesson
        return remark

    # --- remarks ---------------------------------------------------------------------------

    def remarks(self) -> None:
        if self.maths is not None:
            self.topics_accepted()
            if not self.accumulation_fixed():
                self.marks_fixed()
            self.homework_open()
        overdue = self.attendance_overdue()
        self.marks_reopened(
            exclude={id(self.teacher), id(overdue.teacher) if overdue else None},
            subject=overdue.course.subject if overdue else None,
        )

    def topics_accepted(self) -> None:
        """Accepted: two lessons' topics were not as in the КТП (they are now)."""
        written = self.sd[12]
        lessons = [
            x for x in self.held(self.maths, written) if x.teacher is self.teacher and x.topic
        ][-2:]
        if not lessons:
            return
        due = written + timedelta(days=7)
        days = " и ".join(f"{x.date:%d.%m}" for x in lessons)
        topics = f"Темы уроков {days} записаны" if lessons[1:] else f"Тема урока {days} записана"
        text = (
            f"{topics} не по календарно-тематическому планированию (сокращённо). Записать темы "
            "уроков в соответствии с КТП."
        )
        self.add_remark(
            course=self.maths, teacher=self.teacher, kind=RemarkKind.TOPICS, text=text,
            lesson=lessons[0] if len(lessons) == 1 else None,
            steps=[
                (StepAction.WRITTEN, self.deputy, self.at(written, 10, 40), "", due),
                (StepAction.FIXED, self.teacher.user, self.at(self.sd[11], 16, 20),
                 "Темы уроков записаны по КТП.", None),
                (StepAction.ACCEPTED, self.deputy, self.at(self.sd[10], 9, 15),
                 "Проверено: темы уроков соответствуют КТП.", None),
            ],
        )  # fmt: skip

    def accumulation_fixed(self) -> bool:
        """Marked fixed, waiting for the deputy: too few marks since the term began (if a few
        students had)."""
        written = self.sd[6]
        course = self.maths
        terms = terms_of_level(self.b.rows[m.Term], self.five_a.grade_level)
        term = pick_term(terms, None, written)
        held = self.held(course, written, after=term.start)
        counts: dict[int, int] = defaultdict(int)
        for lesson in held:
            for column in self.columns.get(id(lesson), []):
                for mark in self.marks.get(id(column), []):
                    if mark.number is not None:
                        counts[id(mark.student)] += 1
        expected = expected_marks(course.hours_per_week, len(held), DEFAULT_NORMS)
        few = sum(1 for s in self.roster(course) if counts[id(s)] < expected)
        if few < 3:
            return False
        hours = int(course.hours_per_week)
        norm = quarter_norm(course.hours_per_week, DEFAULT_NORMS)
        marks = "отметки" if expected == 1 else "отметок"
        text = (
            f"Накопляемость отметок ниже нормы: к {written:%d.%m} у {few} учащихся меньше "
            f"{expected} {marks} (норма при {hours} ч в неделю — не менее {norm} отметок за "
            "четверть). Спланировать опрос так, чтобы выполнить норму."
        )
        self.add_remark(
            course=course, teacher=self.teacher, kind=RemarkKind.ACCUMULATION, text=text,
            steps=[
                (StepAction.WRITTEN, self.deputy, self.at(written, 12, 30), "",
                 written + timedelta(days=7)),
                (StepAction.FIXED, self.teacher.user, self.at(self.sd[1], 17, 5),
                 "Проведены устный опрос и самостоятельная работа, отметки выставлены.", None),
            ],
        )  # fmt: skip
        return True

    def marks_fixed(self) -> None:
        """Marked fixed, waiting for the deputy: a written work's marks were not in the
        journal (they all are now); without one, a lesson's attendance (taken now)."""
        written = self.sd[3]
        terms = terms_of_level(self.b.rows[m.Term], self.five_a.grade_level)
        term = pick_term(terms, None, written)
        lessons = [
            x for x in self.held(self.maths, written, after=term.start) if x.teacher is self.teacher
        ][::-1]
        work = next(
            (
                (lesson, found)
                for lesson in lessons
                if (found := self.written_work(lesson, complete=True)) is not None
            ),
            None,
        )
        if work is not None:
            lesson, (column, _, _) = work
            kind, fixed = RemarkKind.MARKS, "Отметки за работу выставлены."
            text = (
                f"{column.work_type.name} {lesson.date:%d.%m}: отметки в журнал не выставлены. "
                "Выставить отметки."
            )
        else:
            lesson = next((x for x in lessons if id(x) in self.with_roll_call), None)
            if lesson is None:
                return
            kind, fixed = RemarkKind.ATTENDANCE, "Посещаемость отмечена."
            text = (
                f"Не отмечена посещаемость на уроке {lesson.date:%d.%m} ({lesson.number}-й "
                "урок). Внести посещаемость."
            )
        self.add_remark(
            course=self.maths, teacher=self.teacher, kind=kind, lesson=lesson, text=text,
            steps=[
                (StepAction.WRITTEN, self.deputy, self.at(written, 9, 20), "",
                 written + timedelta(days=7)),
                (StepAction.FIXED, self.teacher.user, self.at(self.sd[2], 16, 40), fixed, None),
            ],
        )  # fmt: skip

    def written_work(self, lesson, *, complete: bool):
        """The lesson's first written work whose marks are all there (``complete``) or not:
        (its column, the students present without a mark, those owing it «•»), or None."""
        absent = self.absent.get(id(lesson), set())
        for column in self.columns.get(id(lesson), []):
            if column.work_type.code not in WRITTEN_WORKS:
                continue
            marks = self.marks.get(id(column), [])
            marked = {id(mark.student) for mark in marks if mark.value != Special.OWED}
            owed = [mark.student for mark in marks if mark.value == Special.OWED]
            missing = [
                s for s in self.roster(lesson.course) if id(s) not in marked and id(s) not in absent
            ]
            if bool(owed or missing) != complete:
                return column, missing, owed
        return None

    def homework_open(self) -> None:
        """Open, due in a few days: the latest lessons without homework."""
        written = self.sd[0]
        own = [self.maths] + [
            c
            for c in self.b.rows[m.Course]
            if c is not self.maths and self.teacher_of.get(id(c)) is self.teacher
        ]
        for since in (written - timedelta(days=14), None):
            for course in own:
                lessons = [
                    x
                    for x in self.held(course, written, after=since)
                    if x.teacher is self.teacher and id(x) not in self.with_homework
                ][-2:]
                if lessons:
                    break
            if lessons:
                break
        else:
            return
        self.add_remark(
            course=course, teacher=self.teacher, kind=RemarkKind.HOMEWORK,
            text=(
                f"Не записано домашнее задание к {_dates(lessons)}. Записать задание с "
                "номерами упражнений и временем на выполнение: его видят ученики и родители "
                "в дневнике."
            ),
            lesson=lessons[0] if len(lessons) == 1 else None,
            steps=[
                (StepAction.WRITTEN, self.deputy, self.at(written, 11, 50), "",
                 written + timedelta(days=7)),
            ],
        )  # fmt: skip

    def attendance_overdue(self) -> JournalRemark | None:
        """Open past its date, another teacher's: a lesson whose attendance was never taken."""
        for lesson in self.all_held():
            written = self.next_day(lesson.date)
            teacher = lesson.teacher
            if (
                id(lesson) in self.with_roll_call
                or teacher is self.teacher
                or teacher.user is None
                or written is None
                or written + timedelta(days=7) >= self.today
            ):
                continue
            return self.add_remark(
                course=lesson.course, teacher=teacher, kind=RemarkKind.ATTENDANCE, lesson=lesson,
                text=(
                    f"Не отмечена посещаемость на уроке {lesson.date:%d.%m} ({lesson.number}-й "
                    "урок): нет ни отметок об отсутствующих, ни отметки «Все присутствуют». "
                    "Внести посещаемость."
                ),
                steps=[
                    (StepAction.WRITTEN, self.deputy, self.at(written, 13, 10), "",
                     written + timedelta(days=7)),
                ],
            )  # fmt: skip
        return None

    def marks_reopened(self, exclude: set, subject=None) -> None:
        """Reopened and open again, a third teacher's (of another subject): a written work
        some students who were there have no mark for, or owe («•»)."""
        for lesson in self.all_held():
            teacher = lesson.teacher
            if id(teacher) in exclude or teacher.user is None or lesson.course.subject is subject:
                continue
            written = self.next_day(lesson.date)
            i = self.asc.index(written) if written is not None else len(self.asc)
            if i + 3 >= len(self.asc):
                continue
            reopened = self.asc[i + 3]
            due = reopened + timedelta(days=7)
            if due < self.today:
                continue  # one overdue remark is enough
            work = self.written_work(lesson, complete=False)
            if work is None:
                continue
            column, missing, owed = work
            detail = "; ".join(
                part
                for part in (
                    f"без отметки: {_names(missing)}" if missing else "",
                    f"не написали («•»): {_names(owed)}" if owed else "",
                )
                if part
            )
            self.add_remark(
                course=lesson.course, teacher=teacher, kind=RemarkKind.MARKS, lesson=lesson,
                text=(
                    f"{column.work_type.name} {lesson.date:%d.%m}: отметки выставлены не всем "
                    f"({detail}). Выставить отметки или назначить срок написания работы."
                ),
                steps=[
                    (StepAction.WRITTEN, self.deputy, self.at(written, 12, 0), "",
                     written + timedelta(days=7)),
                    (StepAction.FIXED, teacher.user, self.at(self.asc[i + 2], 15, 45),
                     "Отметки за работу выставлены.", None),
                    (StepAction.REOPENED, self.deputy, self.at(reopened, 10, 30),
                     f"Отметки по-прежнему не выставлены ({detail}). Прошу выставить.", due),
                ],
            )  # fmt: skip
            return

    # --- the work with lagging students -------------------------------------------------------

    def averages(self, term) -> dict[tuple[int, int], tuple[Decimal, list]]:
        """(id(student), id(course)) → the weighted average of 5А's marks on five points in
        the running term so far, and the marks."""
        found: dict[tuple[int, int], list] = defaultdict(list)
        for course in self.class_courses:
            if scale_of(self.b, course, self.five_a.grade_level.number) != ScaleKind.FIVE:
                continue
            for lesson in self.held(course, min(self.today, term.end + timedelta(days=1))):
                if lesson.date < term.start:
                    continue
                for column in self.columns.get(id(lesson), []):
                    for mark in self.marks.get(id(column), []):
                        # Work owed («•») is a row without a number.
                        if getattr(mark, "number", None) is not None:
                            found[(id(mark.student), id(course))].append(mark)
        return {key: (_average(marks), marks) for key, marks in found.items()}

    def weaken(self, students, averages) -> None:
        """Nobody of 5А has a «2» forecast: one student's marks in one subject made weak."""
        candidates = [
            (student, course)
            for student in students
            for course in self.class_courses
            if len(averages.get((id(student), id(course)), (None, []))[1]) >= 3
        ]
        if not candidates:
            return
        main = [(s, c) for s, c in candidates if id(c) in self.b.course_items]
        student, course = self.rng.choice(main or candidates)
        marks = sorted(averages[(id(student), id(course))][1], key=lambda mk: mk.column.weight)
        for mark in marks:
            mark.value, mark.number = "2", Decimal(2)
        marks[0].value, marks[0].number = "3", Decimal(3)
        if _average(marks) >= FAILING_BELOW:
            marks[0].value, marks[0].number = "2", Decimal(2)
        averages[(id(student), id(course))] = (_average(marks), marks)

    def support(self) -> None:
        five_a = self.five_a
        terms = terms_of_level(self.b.rows[m.Term], five_a.grade_level)
        term = pick_term(terms, None, self.today)
        if term is None or term.start >= self.today:
            return
        averages = self.averages(term)
        children = {id(s) for s in self.b.demo_children}
        students = sorted(
            (s for s in self.b.roster[id(five_a)] if id(s) not in children),
            key=lambda s: (s.last_name, s.first_name),
        )
        course_of = {id(c): c for c in self.class_courses}
        planned = self.b.course_items  # the courses that follow a КТП: the main subjects

        def tier(course) -> int:
            """0: a main subject, 1: another academic one, 2: the arts, music, PE, labour."""
            return 0 if id(course) in planned else 2 if course.subject.name in ARTS else 1

        def weakest(student, below: Decimal, avoid=None):
            """The student's course with the lowest average below ``below``: a main subject
            first, another than ``avoid`` first."""
            own = [
                (avg, course_of[course_id])
                for (student_id, course_id), (avg, _) in averages.items()
                if student_id == id(student) and avg is not None and avg < below
            ]
            best = min(
                own,
                key=lambda p: (tier(p[1]), p[1] is avoid, p[0], p[1].subject.name),
                default=None,
            )
            return best[1] if best else None

        def pick(below: Decimal, exclude=None, avoid=None):
            """A student with a course below ``below``, one of a main subject if any."""
            found = [(s, weakest(s, below, avoid)) for s in students if s is not exclude]
            found = [(s, course) for s, course in found if course is not None]
            for level in (0, 1):
                fitting = [(s, c) for s, c in found if tier(c) == level and c is not avoid]
                if fitting:
                    return self.rng.choice(fitting)
            return self.rng.choice(found) if found else (None, None)

        first, course = pick(FAILING_BELOW)
        if first is None:
            self.weaken(students, averages)
            first, course = pick(FAILING_BELOW)
        if first is not None:
            self.failing_student(first, course)
            second, other = pick(LOW_AVERAGE, exclude=first, avoid=course)
            if second is not None:
                self.individual_plan(second, other)
        self.demo_child()

    def record(self, student, course, kind, day: date, text: str, author, moment: datetime):
        action = SupportAction(
            school=self.school, student=student, course=course, kind=kind, day=day, text=text,
            author=author, created_at=moment,
        )  # fmt: skip
        self.plan.support.append(action)
        return action

    def parent_word(self, student) -> str:
        relations = {
            link.relation for link in self.b.rows[m.StudentGuardian] if link.student is student
        }
        if "mother" in relations:
            return "с мамой"
        return "с папой" if "father" in relations else "с родителями"

    def failing_student(self, student, course) -> None:
        """A «2» forecast: the class teacher talks with a parent, the subject's teacher gives
        an extra lesson."""
        name, subject = student.first_name, course.subject.name
        day = self.sd[9]
        self.record(
            student, course, SupportKind.TALK_PARENTS, day,
            f"Беседа {self.parent_word(student)} по телефону: по предмету «{subject}» за "
            "четверть выходит «2», много неудовлетворительных отметок. Договорились, что "
            f"{name} ходит на дополнительные занятия к учителю, дома проверяют выполнение "
            "домашних заданий.",
            self.teacher.user, self.at(day, 17, 30),
        )  # fmt: skip
        teacher = self.teacher_of.get(id(course))
        if teacher is None or teacher.user is None:
            return
        day = self.sd[5]
        self.record(
            student, course, SupportKind.EXTRA_LESSON, day,
            f"Дополнительное занятие после уроков {self.topic_before(course, day)}: разобрали "
            f"ошибки, {name} {_past(student, 'выполнил')} работу над ошибками. Следующее "
            "занятие — через неделю.",
            teacher.user, self.at(day, 15, 0),
        )  # fmt: skip

    def individual_plan(self, student, course) -> None:
        day = self.sd[4]
        self.record(
            student, course, SupportKind.PLAN, day,
            f"Составлен индивидуальный план по предмету «{course.subject.name}» до конца "
            "четверти: темы для повторения, сроки сдачи работ, консультации учителя. План "
            "согласован с учителем-предметником и родителями.",
            self.teacher.user, self.at(day, 16, 0),
        )  # fmt: skip

    def demo_child(self) -> None:
        """The demo parent's child in 5А: a consultation in maths, and the talk the messages
        of ``family`` are (the notifications of both for the parent)."""
        child = self.b.demo_children[0]
        parent = self.b.demo_users.get("parent")
        if self.maths is None or parent is None:
            return
        name = child.first_name
        day = self.sd[7]
        done = [
            self.record(
                child, self.maths, SupportKind.EXTRA_LESSON, day,
                f"Консультация по математике после уроков {self.topic_before(self.maths, day)}: "
                f"{name} {_past(child, 'разобрал')} ошибки в домашней работе и "
                f"{_past(child, 'решил')} три задачи самостоятельно. Консультации — по средам "
                "после уроков.",
                self.teacher.user, self.at(day, 15, 10),
            )
        ]  # fmt: skip
        family = getattr(self.b, "family_plan", None)
        messages = [
            msg
            for msg in (family.messages if family else [])
            if msg.thread.subject == "Домашняя работа по математике"
        ]
        if messages:
            done.append(
                self.record(
                    child, self.maths, SupportKind.TALK_PARENTS,
                    messages[0].created_at.date(),
                    f"Переписка с мамой в журнале: {name} два раза не "
                    f"{_past(child, 'сдал')} домашнюю работу по математике. Договорились сдать "
                    "работы до пятницы; мама проверяет дневник.",
                    self.teacher.user, messages[-1].created_at + timedelta(minutes=10),
                )
            )  # fmt: skip
        for k, action in enumerate(done):
            latest = k == len(done) - 1
            self.plan.notifications.append(
                (
                    Notification(
                        school=self.school, user=parent, kind=Kind.SUPPORT,
                        title=f"Работа школы с ребёнком ({name}): {SUPPORT_WORDS[action.kind]}",
                        body=action.text, created_at=action.created_at,
                        read_at=None if latest else action.created_at + timedelta(hours=4),
                    ),
                    lambda: reverse("oversight:support", kwargs={"student_id": child.pk}),
                )
            )  # fmt: skip

    # --- the справка ---------------------------------------------------------------------------

    def report(self) -> None:
        """The справка of the last month checked: written on the second school day after it."""
        month_end = self.today.replace(day=1) - timedelta(days=1)
        for _ in range(2):
            after = [d for d in self.asc if d > month_end]
            if len(after) > 1:
                break
            month_end = month_end.replace(day=1) - timedelta(days=1)
        else:
            return
        start, written = max(month_end.replace(day=1), self.b.year.start), after[1]
        if start > month_end:
            return
        remarks = any(start <= r.created_at.date() <= month_end for r in self.plan.remarks)
        month = f"{MONTHS[month_end.month - 1]} {month_end.year} г."
        conclusions = [
            f"1. Проверены электронные журналы 1–11 классов за {month}: своевременность записи "
            "тем уроков и домашних заданий, выставления отметок, учёт посещаемости, "
            "накопляемость отметок, выполнение программы.",
            "2. В целом журналы ведутся своевременно: темы уроков записываются по КТП в день "
            "урока, программа выполняется.",
            "3. Выявлено: на отдельных уроках не отмечена посещаемость и не записано домашнее "
            "задание; низкая накопляемость отметок по предметам с 1–2 часами в неделю.",
        ]
        if remarks:
            conclusions.append(
                "4. Учителям вынесены замечания со сроком устранения (таблица «Замечания, "
                "вынесенные за период»)."
            )
        conclusions.append(
            "Рекомендации: учителям-предметникам обеспечить накопляемость отметок; классным "
            "руководителям еженедельно проверять учёт посещаемости. Повторная проверка — через "
            "месяц."
        )
        self.plan.reports.append(
            CheckReport(
                school=self.school, start=start, end=month_end,
                title=f"Справка по итогам проверки ведения электронного журнала за {month}",
                conclusions="\n".join(conclusions), author=self.deputy,
                created_at=self.at(written, 15, 0),
            )
        )  # fmt: skip


def _average(marks) -> Decimal | None:
    return weighted_average((mark.number, mark.column.weight) for mark in marks)
