"""The demo journal of the days before "today", planned in memory, written with ``bulk_create``.

As a teacher would have filled it, lesson by lesson, on the day of the lesson (each record is
stamped: entered by the teacher who taught the lesson, entered and changed at the end of the
lesson, version 1, not late):

- the grading scales: grade 1 without marks (ФГОС НОО), the talks (Разговоры о важном)
  without marks, ОРКСЭ, ОДНКНР and the electives on pass/fail, five points elsewhere (the
  policy's default);
- mark columns with their work type: a test, laboratory or practical lesson of the plan gets a
  column for the whole class; other lessons often an oral column with a few marks, sometimes
  a written one (a dictation in Russian) for all present. Each student has a level (strong,
  average, weak), so the five-point marks are mostly 4 and 5, some 3, few 2; an absent student
  on a test owes the work («•») now and then;
- attendance: spells of illness (Б, with the class teacher's register entry and a doctor's
  note), family reasons (У), a missed day (Н), now and then a late arrival (ОП); the roll call
  of almost every lesson (its attendance taken), a few lessons without an entry left without
  one (~2 %: attendance never taken, for the deputy's control);
- homework for the lessons of the main subjects from grade 2, with the estimated minutes;
- a few notes to students (praise, remarks);
- the term marks of the 1st quarter (grades 2–9; 10–11 study in halves, the first not over),
  the forecast of each student's weighted average.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from zhurnal.journal.averages import forecast, weighted_average
from zhurnal.journal.defaults import DEFAULT_WORK_TYPES
from zhurnal.journal.models import (
    Absence,
    Attendance,
    GradeColumn,
    Homework,
    Mark,
    PeriodKind,
    PeriodMark,
    RollCall,
    ScaleRule,
    StudentNote,
    WorkType,
)
from zhurnal.journal.scales import FAILED, PASSED, ScaleKind, Special
from zhurnal.school import models as m
from zhurnal.timetable.models import LessonKind, LessonStatus

from .curriculum import ELECTIVES, TALKS
from .lessons import at

PASS_FAIL_SUBJECTS = (
    "Основы религиозных культур и светской этики",
    "Основы духовно-нравственной культуры народов России",
)
# Level → weights of 5, 4, 3, 2.
LEVELS = {
    "strong": (60, 35, 5, 0),
    "average": (25, 50, 22, 3),
    "weak": (8, 35, 45, 12),
}
LEVEL_SHARES = (("strong", 0.3), ("average", 0.5), ("weak", 0.2))
FIVE_VALUES = ("5", "4", "3", "2")

ORAL_SHARE = 0.6  # lessons with an oral column
# More students answer orally at a lesson of a subject of few hours a week (hours → extra).
ORAL_EXTRA = {1: 4, 2: 2}
WRITTEN_SHARE = 0.12  # lessons with a written column for everyone present
HOMEWORK_SHARE = 0.85
NOTE_SHARE = 0.008
LATE_SHARE = 0.04
# Lessons without an attendance entry (~70 % of all) whose attendance was never taken: ~2 % of
# the lessons held.
NO_ROLL_CALL_SHARE = 0.03

PRAISES = (
    "Отличная работа на уроке!",
    "Активно работал(а) на уроке, помогал(а) одноклассникам.",
    "Подготовил(а) интересный доклад.",
    "Победитель(ница) школьного этапа олимпиады.",
)
REMARKS = (
    "Нет тетради и учебника.",
    "Не выполнено домашнее задание.",
    "Разговаривал(а) на уроке, отвлекал(а) одноклассников.",
    "Опоздание на урок без уважительной причины.",
)
DOCUMENTS = ("Справка из поликлиники № {n}", "Заявление родителей", "Справка № {n}")


def plan_scales(builder) -> None:
    """The scale rules and the default work types; ``builder.scale_of(course)``."""
    school = builder.school
    builder.work_types = {
        code: builder.add(
            WorkType(
                school=school, code=code, name=name, weight=weight, category=category, position=i
            )
        )
        for i, (code, name, weight, category) in enumerate(DEFAULT_WORK_TYPES)
    }
    by_subject = {TALKS: ScaleKind.NONE}
    by_subject |= dict.fromkeys(PASS_FAIL_SUBJECTS, ScaleKind.PASS_FAIL)
    by_subject |= {e.subject: ScaleKind.PASS_FAIL for e in ELECTIVES if e.subject != TALKS}
    for name, scale in by_subject.items():
        subject = builder.subjects.get(name)
        if subject is not None:
            builder.add(ScaleRule(school=school, subject=subject, scale=scale))
    builder.add(ScaleRule(school=school, grade_level=builder.grade_levels[1], scale=ScaleKind.NONE))
    builder.subject_scales = by_subject


def scale_of(builder, course, grade: int | None) -> str:
    """As ``journal.policy.resolve_scale``: the subject's rule, else the grade level's, else
    the policy's default (five points)."""
    scale = builder.subject_scales.get(course.subject.name)
    if scale is not None:
        return scale
    return ScaleKind.NONE if grade == 1 else ScaleKind.FIVE


class _Journal:
    def __init__(self, builder) -> None:
        self.b = builder
        self.rng = builder.rng
        self.school = builder.school
        self.tz = ZoneInfo(builder.school.timezone)
        self.today = builder.today
        self.levels = {}
        for students in builder.roster.values():
            for s in students:
                self.levels[id(s)] = self.level()
        self.members: dict[int, list[m.Student]] = defaultdict(list)
        for membership in builder.rows[m.GroupMembership]:
            self.members[id(membership.group)].append(membership.student)
        self.absent: dict[tuple[int, date], str] = {}  # (id(student), day) -> code
        q1_start, q1_end = builder.cal.quarters[0]
        self.q1 = (q1_start, q1_end)
        self.q1_marks: dict[tuple[int, int], list[tuple[Decimal, Decimal]]] = defaultdict(list)
        # Marks so far per (course, student): a teacher asks orally those with the fewest
        # (накопляемость, seed 002 regulation 2.1.6), so that every student gets marks.
        self.mark_counts: Counter = Counter()
        self.wt = builder.work_types
        # Whose attendance was never taken: a stream of its own, seeded from the builder's
        # state without drawing from it, so that every other row stays the same for a seed.
        self.roll_rng = random.Random(repr(builder.rng.getstate()))

    def level(self) -> str:
        r = self.rng.random()
        for name, share in LEVEL_SHARES:
            r -= share
            if r < 0:
                return name
        return "average"

    def students_of(self, course) -> list[m.Student]:
        if course.school_class is not None:
            return self.b.roster[id(course.school_class)]
        return self.members[id(course.group)]

    # --- attendance -------------------------------------------------------------------

    def plan_absences(self, days: list[date]) -> None:
        """Spells of absence per class over the school days before today."""
        b, rng = self.b, self.rng
        past = [d for d in days if d < self.today]
        if not past:
            return
        weeks = max(1, len(past) // 5)
        for cls in b.classes:
            students = b.roster[id(cls)]
            teacher = cls.class_teacher
            count = max(1, round(len(students) * weeks * 0.03))
            for k in range(count):
                student = rng.choice(students)
                r = rng.random()
                code = "Б" if r < 0.6 else "У" if r < 0.8 else "Н"
                length = (
                    rng.randint(2, 5) if code == "Б" else 1 if code == "Н" else rng.randint(1, 2)
                )
                # The demo class teacher's class: one spell in the last full week at least.
                start_at = len(past) - 5 - length if k == 0 else rng.randrange(len(past))
                start_at = max(0, start_at)
                span = past[start_at : start_at + length]
                for day in span:
                    self.absent[(id(student), day)] = code
                if code != "Н" and teacher is not None:
                    n = rng.randint(10, 999)
                    b.row(
                        Absence,
                        school=self.school,
                        student=student,
                        start=span[0],
                        end=span[-1],
                        reason=code,
                        document=rng.choice(DOCUMENTS).format(n=n),
                        entered_by=teacher.user,
                        entered_at=at(span[-1] + timedelta(days=1), time(8, 0), self.tz),
                    )

    # --- one lesson -------------------------------------------------------------------

    def stamp(self, lesson) -> dict:
        moment = at(lesson.date, lesson.ends_at, self.tz)
        return {
            "school": self.school,
            "entered_by": lesson.teacher.user,
            "entered_at": moment,
            "changed_at": moment,
            "version": 1,
            "late": False,
        }

    def mark_value(self, student, scale: str) -> tuple[str, Decimal | None]:
        if scale == ScaleKind.PASS_FAIL:
            return (PASSED if self.rng.random() < 0.95 else FAILED), None
        value = self.rng.choices(FIVE_VALUES, LEVELS[self.levels.get(id(student), "average")])[0]
        return value, Decimal(value)

    def column(self, lesson, code: str, position: int, title: str = "") -> GradeColumn:
        work_type = self.wt[code]
        return self.b.row(
            GradeColumn,
            school=self.school,
            lesson=lesson,
            work_type=work_type,
            weight=work_type.weight,
            title=title,
            position=position,
        )

    def marks(self, lesson, column, students, scale: str, stamp: dict, owed=()) -> None:
        in_q1 = self.q1[0] <= lesson.date <= self.q1[1]
        for student in students:
            value, number = self.mark_value(student, scale)
            self.b.row(Mark, column=column, student=student, value=value, number=number, **stamp)
            self.mark_counts[(id(lesson.course), id(student))] += 1
            if in_q1 and number is not None:
                self.q1_marks[(id(lesson.course), id(student))].append((number, column.weight))
        for student in owed:
            self.b.row(Mark, column=column, student=student, value=Special.OWED, **stamp)

    def lesson(self, lesson, students, scale: str, homework: bool, grade: int | None) -> None:
        rng, b = self.rng, self.b
        stamp = self.stamp(lesson)
        absent = []
        present = []
        for s in students:
            code = self.absent.get((id(s), lesson.date))
            if code:
                absent.append(s)
                b.row(Attendance, lesson=lesson, student=s, code=code, **stamp)
            else:
                present.append(s)
        late_arrival = bool(present) and rng.random() < LATE_SHARE
        if late_arrival:
            b.row(Attendance, lesson=lesson, student=rng.choice(present), code="ОП", **stamp)
        # A lesson with an entry had its attendance taken (as ``set_attendance`` records it).
        if absent or late_arrival or self.roll_rng.random() >= NO_ROLL_CALL_SHARE:
            b.row(
                RollCall,
                school=self.school,
                lesson=lesson,
                entered_by=stamp["entered_by"],
                entered_at=stamp["entered_at"],
                late=False,
            )
        if scale in (ScaleKind.FIVE, ScaleKind.PASS_FAIL) and present:
            kind = lesson.kind
            position = 0
            whole = {LessonKind.TEST: "КР", LessonKind.LAB: "ЛР", LessonKind.PRACTICAL: "ПР"}
            if scale == ScaleKind.FIVE and kind in whole:
                column = self.column(lesson, whole[kind], position)
                owed = [s for s in absent if rng.random() < 0.5]
                self.marks(lesson, column, present, scale, stamp, owed)
                position += 1
            elif scale == ScaleKind.FIVE and rng.random() < WRITTEN_SHARE:
                code = "Д" if lesson.course.subject.name == "Русский язык" else "СР"
                column = self.column(lesson, code, position)
                self.marks(
                    lesson, column, [s for s in present if rng.random() < 0.95], scale, stamp
                )
                position += 1
            if rng.random() < (ORAL_SHARE if scale == ScaleKind.FIVE else 0.25):
                column = self.column(lesson, "У", position)
                # Fewer lessons, more answers each: a one-hour subject keeps its marks too.
                extra = ORAL_EXTRA.get(int(lesson.course.hours_per_week or 0), 0)
                count = min(len(present), rng.randint(2, 5) + extra)
                # Those with the fewest marks first, in a random order among equals.
                order = rng.sample(present, len(present))
                order.sort(key=lambda s: self.mark_counts[(id(lesson.course), id(s))])
                self.marks(lesson, column, order[:count], scale, stamp)
        if homework and rng.random() < HOMEWORK_SHARE:
            b.row(
                Homework,
                lesson=lesson,
                text=self.homework_text(lesson),
                minutes=self.homework_minutes(grade),
                **stamp,
            )
        if present and rng.random() < NOTE_SHARE:
            praise = rng.random() < 0.6
            b.row(
                StudentNote,
                school=self.school,
                lesson=lesson,
                student=rng.choice(present),
                kind="praise" if praise else "remark",
                text=rng.choice(PRAISES if praise else REMARKS),
                entered_by=stamp["entered_by"],
                entered_at=stamp["entered_at"],
            )

    def homework_text(self, lesson) -> str:
        r = self.rng.randint
        subject = lesson.course.subject.name
        topic = lesson.topic or "материал урока"
        if subject.startswith("Иностранный"):
            return f"SB p. {r(8, 120)}, ex. {r(1, 9)}; WB p. {r(4, 70)}, ex. {r(1, 6)}"
        if subject in ("Математика", "Алгебра", "Геометрия"):
            a = r(1, 900)
            return f"Тема «{topic}»: № {a}, {a + r(1, 4)}, {a + r(5, 9)}"
        if subject == "Русский язык":
            return f"Упр. {r(1, 650)}; повторить правило по теме «{topic}»"
        if subject in ("Литература", "Литературное чтение"):
            return f"Прочитать с. {r(10, 280)}–{r(281, 300)}, ответить на вопросы; «{topic}»"
        return f"§ {r(1, 60)}, вопросы 1–{r(3, 8)} после параграфа («{topic}»)"

    def homework_minutes(self, grade: int | None) -> int:
        if grade is not None and grade <= 4:
            return self.rng.choice((10, 15, 20, 25))
        if grade is not None and grade <= 9:
            return self.rng.choice((15, 20, 25, 30, 40))
        return self.rng.choice((20, 30, 40, 45, 60))

    # --- the 1st quarter's marks ------------------------------------------------------

    def term_marks(self, course, students, teacher, scale: str) -> None:
        if scale != ScaleKind.FIVE or teacher is None or self.q1[1] >= self.today:
            return
        term = self.b.q1_term
        moment = datetime.combine(self.q1[1], time(16, 0), tzinfo=self.tz)
        stamp = {
            "school": self.school,
            "entered_by": teacher.user,
            "entered_at": moment,
            "changed_at": moment,
            "version": 1,
            "late": False,
        }
        for student in students:
            average = weighted_average(self.q1_marks.get((id(course), id(student)), ()))
            value = forecast(scale, average)
            if value is None:
                continue
            self.b.row(
                PeriodMark,
                student=student,
                course=course,
                kind=PeriodKind.TERM,
                term=term,
                value=value,
                number=Decimal(value),
                **stamp,
            )


def plan_journal(builder, days: list[date]) -> None:
    """The journal of the lessons before today (``builder.lessons``)."""
    journal = _Journal(builder)
    journal.plan_absences(days)
    teacher_of = {id(t.course): t.staff for t in builder.rows[m.Course.teachers.through]}
    for course_lessons in builder.lessons.values():
        if not course_lessons:
            continue
        course = course_lessons[0].course
        cls = course.school_class or course.group.school_class
        grade = cls.grade_level.number if cls is not None else None
        scale = scale_of(builder, course, grade)
        students = journal.students_of(course)
        homework = id(course) in builder.course_items and (grade or 0) >= 2
        for lesson in course_lessons:
            if lesson.date >= builder.today:
                break
            if lesson.status == LessonStatus.CANCELLED:
                continue
            journal.lesson(lesson, students, scale, homework, grade)
        if grade is not None and grade <= 9:
            journal.term_marks(course, students, teacher_of.get(id(course)), scale)
