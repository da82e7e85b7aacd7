"""Generated demo schools, written with bulk inserts.

Each school is first planned in memory as unsaved model instances that refer to each other,
then written table by table with ``bulk_create`` (a few dozen queries per school whatever its
size). Foreign keys to rows saved earlier in the same run are filled in by Django when the
referring rows are inserted.

Students are admitted as ``zhurnal.school.services.admit_student`` would do it — an open
Enrollment from the first day of the year, an admission Movement with the order number and
date, and the audit event of the movement — but in bulk, since the service's per-student
queries would make large data sets slow.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import models, transaction
from django.utils import timezone

from zhurnal.accounts.models import Membership, Role
from zhurnal.audit.models import AuditAction, AuditEvent
from zhurnal.journal import models as j
from zhurnal.planning.models import CoursePlan, PlanItem, ThematicPlan
from zhurnal.school import models as m
from zhurnal.timetable.models import BellPeriod, BellSchedule, Lesson, TimetableEntry

from . import fastrows, journal, lessons, names, people, plans
from . import timetable as tt
from .calendar import CalendarPlan, plan_calendar
from .control import plan_control, write_control
from .curriculum import (
    ELECTIVES,
    PRIMARY,
    SUBJECTS,
    Department,
    department_for,
)
from .family import plan_family, write_family
from .logins import DEMO_LOGINS, DEMO_PASSWORD, DEMO_USERNAMES

DEFAULT_SEED = 2026
LETTERS = "АБВГДЕ"
BATCH = 500
SCHOOL_NAME = "Муниципальное бюджетное общеобразовательное учреждение"
# The big tables, in the order of their foreign keys (``fastrows``).
FAST_ORDER = (
    Lesson, j.GradeColumn, j.Mark, j.Attendance, j.RollCall, j.Absence, j.Homework,
    j.StudentNote, j.PeriodMark,
)  # fmt: skip


@dataclass(frozen=True)
class Size:
    """How big a generated school is: classes per grade level and students per class."""

    classes: tuple[int, int]
    students: tuple[int, int]


SIZES: dict[str, Size] = {
    "small": Size(classes=(1, 1), students=(10, 10)),
    "school": Size(classes=(2, 3), students=(25, 30)),
    "large": Size(classes=(4, 4), students=(30, 30)),
}


@dataclass
class DemoResult:
    schools: list[m.School] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)
    # (username, role, who) of the demo logins created in this run
    logins: list[tuple[str, str, str]] = field(default_factory=list)
    # demo usernames that already existed, so were not created
    skipped_logins: list[str] = field(default_factory=list)


@dataclass
class _Bundle:
    """The courses of one department in one class (or one subgroup): one teacher teaches them."""

    department: Department
    school_class: m.SchoolClass
    courses: list[m.Course]
    hours: float
    subgroup: int = 0
    teacher: m.Staff | None = None


def generate(
    *,
    schools: int = 1,
    size: str = "school",
    seed: int = DEFAULT_SEED,
    today: date | None = None,
    demo_logins: bool = True,
    first_number: int = 1,
    life: bool = True,
    copy: bool = False,
    progress: Callable[[m.School, Counter], None] | None = None,
) -> DemoResult:
    """Generate ``schools`` schools numbered from ``first_number`` in one transaction.

    The demo logins (``logins.DEMO_LOGINS``) are created in the first school, unless
    ``demo_logins`` is false; a demo username that is already taken is left out (the person
    gets a login named after them instead). Without ``life`` only the structure, the people
    and the weekly timetable are made: no lessons, plans or journal (seconds instead of tens
    of seconds).

    With ``copy`` (PostgreSQL only; the region generator, ``zhurnal region``) the rows are
    written with COPY, their ids drawn from the tables' sequences, and each school commits
    by itself: a region of hundreds of schools is not one transaction, and a failure keeps
    the schools written before it. ``progress(school, counts)`` follows each school.
    """
    today = today or timezone.localdate()
    calendar = plan_calendar(today)
    password = make_password(DEMO_PASSWORD)  # hashed once, shared by every generated login
    taken = set(get_user_model().objects.values_list("username", flat=True))
    result = DemoResult(skipped_logins=sorted(taken & DEMO_USERNAMES) if demo_logins else [])
    with_logins = demo_logins and bool(DEMO_USERNAMES - taken)
    with nullcontext() if copy else transaction.atomic():
        for index in range(schools):
            number = first_number + index
            builder = _SchoolBuilder(
                number=number,
                size=SIZES[size],
                rng=random.Random(f"{seed}:{number}"),
                calendar=calendar,
                today=today,
                password=password,
                taken=taken,
                demo=with_logins and index == 0,
                life=life,
                copy=copy,
            )
            builder.plan()
            with transaction.atomic() if copy else nullcontext():
                builder.write()
            result.schools.append(builder.school)
            result.counts.update(builder.counts)
            result.logins.extend(builder.logins)
            if progress is not None:
                progress(builder.school, builder.counts)
        if not copy:  # COPY drew its ids from the sequences
            fastrows.reset_sequences(list(FAST_ORDER))
    return result


class _SchoolBuilder:
    def __init__(
        self,
        *,
        number: int,
        size: Size,
        rng: random.Random,
        calendar: CalendarPlan,
        today: date,
        password: str,
        taken: set[str],
        demo: bool,
        life: bool = True,
        copy: bool = False,
    ) -> None:
        self.number = number
        self.size = size
        self.rng = rng
        self.cal = calendar
        self.today = today
        self.substitution = None
        self.password = password
        self.taken = taken
        self.demo = demo
        self.life = life
        self.copy = copy  # written with COPY, ids from the sequences (``fastrows.copy``)
        self.rows: dict[type[models.Model], list[models.Model]] = defaultdict(list)
        self.fast: dict[type[models.Model], list[fastrows.Row]] = defaultdict(list)
        self.counts: Counter = Counter()
        self.logins: list[tuple[str, str, str]] = []
        self.demo_users: dict[str, object] = {}
        self.demo_people: dict[str, object] = {}
        self.staff_count = 0
        self.file_count = 0

    # --- planning -------------------------------------------------------------------------

    def add(self, obj: models.Model) -> models.Model:
        self.rows[type(obj)].append(obj)
        return obj

    def row(self, model: type[models.Model], **values) -> fastrows.Row:
        """A row of a big table (lessons, the journal), written without the ORM."""
        row = fastrows.Row(**values)
        self.fast[model].append(row)
        return row

    def plan(self) -> None:
        number = self.number
        self.school = m.School(
            name=f"{SCHOOL_NAME} «Средняя общеобразовательная школа № {number}»",
            short_name=f"СОШ № {number}",
            timezone="Europe/Moscow",
            week_days=m.WeekDays.FIVE,
            address=f"{names.TOWN}, {self.rng.choice(names.STREETS)}, д. {self.rng.randint(1, 60)}",
            phone=f"+7 (800) 000-{number // 100:02d}-{number % 100:02d}",
            email=f"school{number}@example.com",
        )
        self.plan_year()
        self.plan_subjects()
        self.plan_classes()
        self.plan_courses()
        people.plan_staff(self)
        people.plan_students(self)
        people.plan_electives(self)
        self.plan_timetable()
        if self.life:
            self.plan_life()
        if self.demo:
            plan_family(self)
            plan_control(self)

    def plan_year(self) -> None:
        cal, school = self.cal, self.school
        self.year = self.add(
            m.AcademicYear(school=school, title=cal.title, start=cal.start, end=cal.end)
        )
        for kind, spans in ((m.TermKind.QUARTER, cal.quarters), (m.TermKind.HALF, cal.halves)):
            for n, (start, end) in enumerate(spans, start=1):
                term = self.add(
                    m.Term(school=school, year=self.year, kind=kind, number=n, start=start, end=end)
                )
                if kind == m.TermKind.QUARTER and n == 1:
                    self.q1_term = term
        self.grade_levels = {
            g: self.add(
                m.GradeLevel(
                    school=school,
                    number=g,
                    term_kind=m.TermKind.HALF if g >= 10 else m.TermKind.QUARTER,
                )
            )
            for g in range(1, 12)
        }
        self.holiday_grades = []
        for plan in cal.holidays:
            holiday = self.add(
                m.Holiday(
                    school=school, year=self.year, title=plan.title, start=plan.start, end=plan.end
                )
            )
            for g in plan.grades:
                self.holiday_grades.append(
                    m.Holiday.grade_levels.through(holiday=holiday, gradelevel=self.grade_levels[g])
                )
        self.first_day = cal.quarters[0][0]
        # The admission orders are signed on the last working day of August.
        order_day = cal.start - timedelta(days=1)
        while order_day.weekday() >= 5:
            order_day -= timedelta(days=1)
        self.order_day = order_day

    def plan_subjects(self) -> None:
        self.subjects = {}
        for plan in SUBJECTS:
            self.subjects[plan.name] = self.add(
                m.Subject(school=self.school, name=plan.name, short_name=plan.short_name)
            )
        for elective in ELECTIVES:
            self.subjects[elective.subject] = self.add(
                m.Subject(school=self.school, name=elective.subject, short_name=elective.short_name)
            )
        for plan in SUBJECTS:
            for g, level in self.grade_levels.items():
                hours = plan.hours_for(g)
                if hours:
                    self.add(
                        m.CurriculumLine(
                            school=self.school,
                            year=self.year,
                            subject=self.subjects[plan.name],
                            grade_level=level,
                            hours_per_week=Decimal(str(hours)),
                        )
                    )

    def plan_classes(self) -> None:
        self.classes: list[m.SchoolClass] = []
        room = 100
        for level in self.grade_levels.values():
            low, high = self.size.classes
            for letter in LETTERS[: self.rng.randint(low, high)]:
                room += 1
                self.classes.append(
                    self.add(
                        m.SchoolClass(
                            school=self.school,
                            year=self.year,
                            grade_level=level,
                            letter=letter,
                            room=str(room),
                        )
                    )
                )
        by_name = {c.name: c for c in self.classes}
        # The demo parent's children: 5А and 8Б (8А when grade 8 has one class).
        self.demo_classes = (by_name["5А"], by_name.get("8Б") or by_name["8А"])
        self.demo_student_class = by_name["10А"]

    def plan_courses(self) -> None:
        """One course per subject and class; split subjects get two subgroups, each a course."""
        self.bundles: list[_Bundle] = []
        self.subgroups: dict[int, list[m.Group]] = defaultdict(list)  # id(class) -> groups
        for cls in self.classes:
            g = cls.grade_level.number
            by_department: dict[str, _Bundle] = {}
            for plan in SUBJECTS:
                hours = plan.hours_for(g)
                if not hours:
                    continue
                department = department_for(plan.name, g)
                subject = self.subjects[plan.name]
                common = {
                    "school": self.school,
                    "year": self.year,
                    "subject": subject,
                    "kind": m.CourseKind.REGULAR,
                    "hours_per_week": Decimal(str(hours)),
                }
                if plan.split:
                    for k in (1, 2):
                        group = self.add(
                            m.Group(
                                school=self.school,
                                year=self.year,
                                name=f"{cls.name}, {plan.short_name}, гр. {k}",
                                school_class=cls,
                                subject=subject,
                            )
                        )
                        self.subgroups[id(cls)].append(group)
                        course = self.add(m.Course(group=group, **common))
                        self.bundles.append(_Bundle(department, cls, [course], hours, subgroup=k))
                    continue
                course = self.add(m.Course(school_class=cls, **common))
                bundle = by_department.get(department.key)
                if bundle is None:
                    bundle = by_department[department.key] = _Bundle(department, cls, [], 0)
                    self.bundles.append(bundle)
                bundle.courses.append(course)
                bundle.hours += hours

    # --- timetable ------------------------------------------------------------------------

    def teacher_rooms(self) -> dict[int, str]:
        """id(teacher) -> room: a primary teacher teaches in the class's room, a PE teacher in
        a gym, every other teacher in a cabinet of their own (201, 202…, 301… by floor)."""
        rooms: dict[int, str] = {}
        for bundle in self.bundles:
            if bundle.department is PRIMARY:
                rooms[id(bundle.teacher)] = bundle.school_class.room
        cabinets = gyms = 0
        for key, staff in self.teachers.items():
            for teacher in staff:
                if id(teacher) in rooms:
                    continue
                if key == "pe":
                    gyms += 1
                    rooms[id(teacher)] = f"Спортзал {gyms}"
                else:
                    rooms[id(teacher)] = f"{2 + cabinets // 30}{cabinets % 30 + 1:02d}"
                    cabinets += 1
        return rooms

    def plan_timetable(self) -> None:
        """The bell schedules and the weekly timetable of every class (``timetable``)."""
        school = self.school
        main = self.add(BellSchedule(school=school, name="Основное расписание", is_default=True))
        first = self.add(BellSchedule(school=school, name="1-е классы (ступенчатый режим)"))
        for schedule, bells in ((main, tt.MAIN_BELLS), (first, tt.GRADE_ONE_BELLS)):
            for number, start, end in bells:
                self.add(
                    BellPeriod(
                        school=school, schedule=schedule, number=number, start=start, end=end
                    )
                )
        for cls in self.classes:
            if cls.grade_level.number == 1:
                self.add(BellSchedule.classes.through(bellschedule=first, schoolclass=cls))

        teacher_of = {id(t.course): t.staff for t in self.rows[m.Course.teachers.through]}
        rooms = self.teacher_rooms()
        special = {id(c) for c, _ in self.talks} | {id(c) for c, _, _ in self.cross}
        weeks = {id(cls): tt.ClassWeek(cls, cls.grade_level.number, []) for cls in self.classes}
        split: dict[tuple[int, int], list[m.Course]] = defaultdict(list)
        for course in self.rows[m.Course]:
            if id(course) in special:
                continue
            if course.group is not None:
                split[(id(course.group.school_class), id(course.subject))].append(course)
                continue
            teacher = teacher_of[id(course)]
            part = tt.Part(course, teacher, rooms[id(teacher)])
            hours = int(course.hours_per_week)
            unit = tt.Unit((part,), key=id(course.subject), weekly=hours)
            weeks[id(course.school_class)].units.extend([unit] * hours)
        for courses in split.values():
            parts = tuple(
                tt.Part(c, teacher_of[id(c)], rooms[id(teacher_of[id(c)])]) for c in courses
            )
            hours = int(courses[0].hours_per_week)
            week = weeks[id(courses[0].group.school_class)]
            if len({id(p.teacher) for p in parts}) == len(parts):
                week.units.extend(
                    [tt.Unit(parts, key=id(courses[0].subject), weekly=hours)] * hours
                )
            else:  # one teacher for both subgroups: one after the other
                for part in parts:
                    unit = tt.Unit((part,), key=id(part.course), weekly=hours)
                    week.units.extend([unit] * hours)
        fixed = [
            (tt.Part(course, teacher, course.school_class.room), 1, 1)
            for course, teacher in self.talks
        ]
        cross = [
            (
                tt.Part(course, teacher, rooms[id(teacher)]),
                [c for c in self.classes if c.grade_level.number == grade],
            )
            for course, teacher, grade in self.cross
        ]
        self.week = tt.plan_week(list(weeks.values()), fixed, cross, self.rng)
        for placement in self.week.placements:
            part = placement.part
            self.add(
                TimetableEntry(
                    school=school,
                    year=self.year,
                    course=part.course,
                    weekday=placement.weekday,
                    number=placement.number,
                    teacher=part.teacher,
                    room=part.room,
                    valid_from=self.year.start,
                )
            )

    def plan_life(self) -> None:
        """The year's lessons, the plans, and the journal of the days before today."""
        journal.plan_scales(self)
        plans.plan_plans(self)
        lessons.plan_lessons(self)
        lessons.plan_changes(self)
        lessons.plan_topics(self)
        journal.plan_journal(self, lessons.school_days(self)[None])

    # --- writing --------------------------------------------------------------------------

    def write(self) -> None:
        if self.copy:
            people.claim_usernames(self)
        self.school.save()
        User = get_user_model()
        order = [
            m.AcademicYear, m.Term, m.GradeLevel, m.Holiday, m.Holiday.grade_levels.through,
            m.Subject, m.CurriculumLine, User, Membership, m.Staff, m.StaffPosition,
            m.SchoolClass, m.Group, m.Course, m.Course.teachers.through, m.Student, m.Guardian,
            m.StudentGuardian, m.Enrollment, m.Movement, m.GroupMembership, m.Consent,
            BellSchedule, BellPeriod, BellSchedule.classes.through, TimetableEntry,
            j.WorkType, j.ScaleRule, ThematicPlan, PlanItem, CoursePlan,
        ]  # fmt: skip
        self.rows[m.Holiday.grade_levels.through] = self.holiday_grades
        for model in order:
            rows = self.rows.get(model, [])
            if rows and self.copy:
                fastrows.copy(model, rows)
            elif rows:
                model.objects.bulk_create(rows, batch_size=BATCH)
        missing = set(self.rows) - set(order)
        assert not missing, f"rows planned but not written: {missing}"
        for model in FAST_ORDER:
            (fastrows.copy if self.copy else fastrows.insert)(model, self.fast.get(model, []))
        missing = set(self.fast) - set(FAST_ORDER)
        assert not missing, f"rows planned but not written: {missing}"
        if self.copy:
            fastrows.copy(AuditEvent, self.movement_events())
        else:
            AuditEvent.objects.bulk_create(self.movement_events(), batch_size=BATCH)
        self.count()
        if self.demo:
            write_family(self)
            write_control(self)
        if self.demo:
            self.describe_logins()

    def movement_events(self) -> list[AuditEvent]:
        """The audit events ``admit_student`` writes (system actor), one per admission."""
        events = []
        for movement in self.rows[m.Movement]:
            student = movement.student
            events.append(
                AuditEvent(
                    school=self.school,
                    action=AuditAction.MOVEMENT,
                    object_type=student._meta.label_lower,
                    object_id=str(student.pk),
                    object_repr=str(student)[:300],
                    student=student,
                    after={
                        "kind": movement.kind,
                        "date": movement.date.isoformat(),
                        "from_class": None,
                        "to_class": movement.to_class.name,
                        "order": f"{movement.order_number} от {movement.order_date:%d.%m.%Y}",
                    },
                )
            )
        return events

    def count(self) -> None:
        rows, fast = self.rows, self.fast
        self.counts.update(
            {
                "schools": 1,
                "classes": len(rows[m.SchoolClass]),
                "students": len(rows[m.Student]),
                "staff": len(rows[m.Staff]),
                "guardians": len(rows[m.Guardian]),
                "courses": len(rows[m.Course]),
                "users": len(rows[get_user_model()]),
                "timetable_entries": len(rows[TimetableEntry]),
                "lessons": len(fast[Lesson]),
                "past_lessons": sum(1 for x in fast[Lesson] if x.date < self.today),
                "plans": len(rows[ThematicPlan]),
                "plan_items": len(rows[PlanItem]),
                "mark_columns": len(fast[j.GradeColumn]),
                "marks": len(fast[j.Mark]),
                "attendance": len(fast[j.Attendance]),
                "absences": len(fast[j.Absence]),
                "homework": len(fast[j.Homework]),
                "notes": len(fast[j.StudentNote]),
                "period_marks": len(fast[j.PeriodMark]),
            }
        )

    def describe_logins(self) -> None:
        known = self.demo_people
        led = {id(c.class_teacher): c.name for c in self.classes if c.class_teacher}
        for login in DEMO_LOGINS:
            person = known.get(login.username)
            if person is None:  # the username was taken before this run
                continue
            who = person.full_name
            if login.role == Role.TEACHER:
                position = next(p.title for p in self.rows[m.StaffPosition] if p.staff is person)
                who += f", {position}, class teacher of {led[id(person)]}"
            elif login.role == Role.PARENT:
                classes = ", ".join(c.name for c in self.demo_classes)
                who += f", mother of {', '.join(s.first_name for s in self.demo_children)}"
                who += f" ({classes})"
            elif login.role == Role.STUDENT:
                who += f", {self.demo_student_class.name}"
            elif isinstance(person, m.Staff):
                position = next(p.title for p in self.rows[m.StaffPosition] if p.staff is person)
                who += f", {position}"
            self.logins.append((login.username, login.role, who))
