"""One school with a person for every role, and an outsider from another school (DESIGN §7.7).

Used by the access matrix and by page tests: teacher, class teacher, deputy, parent, student,
outsider — as healthchecks tests alice/bob/charlie on every view.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from zhurnal.accounts.models import Role
from zhurnal.planning.models import CoursePlan, PlanItem, ThematicPlan
from zhurnal.school import models as m
from zhurnal.timetable.generation import generate_lessons
from zhurnal.timetable.models import (
    BellPeriod,
    BellSchedule,
    Lesson,
    LessonKind,
    TimetableEntry,
    Weekday,
)

from .factories import (
    GradeLevelFactory,
    GuardianFactory,
    SchoolClassFactory,
    SchoolFactory,
    StaffFactory,
    StudentFactory,
    SubjectFactory,
    UserFactory,
    YearFactory,
    enroll,
    grant,
)

PERSONAS = (
    "admin",
    "director",
    "deputy",
    "teacher",
    "class_teacher",
    "secretary",
    "hr",
    "parent",
    "student",
    "outsider",
    "nobody",
)


@dataclass
class World:
    school: m.School
    other_school: m.School
    year: m.AcademicYear
    class_5a: m.SchoolClass
    class_6b: m.SchoolClass
    student: m.Student  # in 5А, child of the parent
    older_student: m.Student  # the student persona, 15 years old, in 6Б
    guardian: m.Guardian
    teacher_staff: m.Staff
    class_teacher_staff: m.Staff
    course: m.Course  # Математика 6Б, taught by the teacher persona
    class_course: m.Course  # Русский язык 5А, taught by the class teacher
    group: m.Group
    users: dict
    term: m.Term  # 2nd quarter, 05.11–28.12.2026; its lessons are generated
    bells: BellSchedule
    entry: TimetableEntry  # Математика 6Б, Wednesday, lesson 3
    lesson: Lesson  # that entry's lesson on Wednesday 18.11.2026 (two days before "now")
    plan: ThematicPlan  # Математика, grade 6: the course's plan

    def obj_ids(self) -> dict[str, int | str]:
        return {
            "class_id": self.class_5a.pk,
            "student_id": self.student.pk,
            "guardian_id": self.guardian.pk,
            "staff_id": self.teacher_staff.pk,
            "group_id": self.group.pk,
            "course_id": self.course.pk,
            "term_id": self.term.pk,
            "schedule_id": self.bells.pk,
            "entry_id": self.entry.pk,
            "lesson_id": self.lesson.pk,
            "plan_id": self.plan.pk,
            # Not an object of the school: the students' import template.
            "kind": "students",
            "fmt": "csv",
            # A control indicator's key (/control/cases/<key>/).
            "key": "no_topic",
        }


def build_world() -> World:
    school = SchoolFactory(short_name="СОШ № 1")
    other = SchoolFactory(short_name="СОШ № 99")
    year = YearFactory(school=school, start=date(2026, 9, 1), end=date(2027, 5, 31))
    YearFactory(school=other, start=date(2026, 9, 1), end=date(2027, 5, 31))
    g5 = GradeLevelFactory(school=school, number=5)
    g6 = GradeLevelFactory(school=school, number=6)
    users = {name: UserFactory(username=name) for name in PERSONAS}
    teacher_staff = StaffFactory(school=school, user=users["teacher"], last_name="Петрова")
    ct_staff = StaffFactory(school=school, user=users["class_teacher"], last_name="Смирнова")
    for role_user, role in (
        ("admin", Role.ADMIN),
        ("director", Role.DIRECTOR),
        ("deputy", Role.DEPUTY),
        ("secretary", Role.SECRETARY),
        ("hr", Role.HR),
    ):
        StaffFactory(school=school, user=users[role_user])
        grant(users[role_user], school, role)
    grant(users["teacher"], school, Role.TEACHER)
    grant(users["class_teacher"], school, Role.TEACHER)
    class_5a = SchoolClassFactory(
        school=school, year=year, grade_level=g5, letter="А", class_teacher=ct_staff
    )
    class_6b = SchoolClassFactory(school=school, year=year, grade_level=g6, letter="Б")
    subject = SubjectFactory(school=school, name="Математика")
    course = m.Course.objects.create(
        school=school, year=year, subject=subject, school_class=class_6b
    )
    course.teachers.add(teacher_staff)
    group = m.Group.objects.create(school=school, year=year, name="Англ. 1", school_class=class_5a)
    student = StudentFactory(school=school, birth_date=date(2015, 4, 1))
    enroll(student, class_5a)
    older = StudentFactory(school=school, birth_date=date(2010, 1, 10), user=users["student"])
    enroll(older, class_6b)
    grant(users["student"], school, Role.STUDENT)
    guardian = GuardianFactory(school=school, user=users["parent"])
    m.StudentGuardian.objects.create(
        school=school, student=student, guardian=guardian, relation="mother"
    )
    grant(users["parent"], school, Role.PARENT)
    StaffFactory(school=other, user=users["outsider"])
    grant(users["outsider"], other, Role.ADMIN)
    class_course = m.Course.objects.create(
        school=school,
        year=year,
        subject=SubjectFactory(school=school, name="Русский язык"),
        school_class=class_5a,
    )
    class_course.teachers.add(ct_staff)
    timetable = _build_timetable(school, year, course, class_course)
    return World(
        school=school,
        other_school=other,
        year=year,
        class_5a=class_5a,
        class_6b=class_6b,
        student=student,
        older_student=older,
        guardian=guardian,
        teacher_staff=teacher_staff,
        class_teacher_staff=ct_staff,
        course=course,
        group=group,
        users=users,
        class_course=class_course,
        **timetable,
    )


def _build_timetable(school, year, course, class_course) -> dict:
    """Quarters 1–2 with the autumn holiday, the bells, a week of the two courses, the 2nd
    quarter's lessons, and a plan of 6th-grade mathematics for the course."""
    m.Term.objects.create(
        school=school,
        year=year,
        kind="quarter",
        number=1,
        start=date(2026, 9, 1),
        end=date(2026, 10, 24),
    )
    term = m.Term.objects.create(
        school=school,
        year=year,
        kind="quarter",
        number=2,
        start=date(2026, 11, 5),
        end=date(2026, 12, 28),
    )
    m.Holiday.objects.create(
        school=school,
        year=year,
        title="Осенние каникулы",
        start=date(2026, 10, 25),
        end=date(2026, 11, 4),
    )
    bells = BellSchedule.objects.create(school=school, name="Основное", is_default=True)
    for number, (start, end) in enumerate(
        [
            ("08:30", "09:15"),
            ("09:25", "10:10"),
            ("10:30", "11:15"),
            ("11:35", "12:20"),
            ("12:30", "13:15"),
            ("13:25", "14:10"),
            ("14:20", "15:05"),
        ],
        start=1,
    ):
        BellPeriod.objects.create(
            school=school,
            schedule=bells,
            number=number,
            start=time.fromisoformat(start),
            end=time.fromisoformat(end),
        )
    teacher = course.teachers.get()
    class_teacher = class_course.teachers.get()
    slots = [
        (course, teacher, Weekday.MONDAY, 2),
        (course, teacher, Weekday.WEDNESDAY, 3),
        (course, teacher, Weekday.FRIDAY, 1),
        (class_course, class_teacher, Weekday.MONDAY, 1),
        (class_course, class_teacher, Weekday.TUESDAY, 2),
    ]
    entries = [
        TimetableEntry.objects.create(
            school=school,
            year=year,
            course=c,
            teacher=t,
            weekday=d,
            number=n,
            room="21",
            valid_from=year.start,
        )
        for c, t, d, n in slots
    ]
    generate_lessons(school=school, year=year, start=term.start, end=term.end)
    plan = ThematicPlan.objects.create(
        school=school,
        year=year,
        subject=course.subject,
        grade_level=course.school_class.grade_level,
        title="Базовый уровень",
    )
    PlanItem.objects.bulk_create(
        PlanItem(
            school=school,
            plan=plan,
            position=n,
            section="Дроби",
            topic=f"Тема {n}",
            hours=2 if n % 3 == 0 else 1,
            kind=LessonKind.TEST if n % 5 == 0 else LessonKind.LESSON,
        )
        for n in range(1, 31)
    )
    CoursePlan.objects.create(school=school, course=course, plan=plan)
    return {
        "term": term,
        "bells": bells,
        "entry": entries[1],
        "lesson": Lesson.objects.get(course=course, date=date(2026, 11, 18)),
        "plan": plan,
    }


def keeper(user):
    """The rule by which ``journal.services.fill_topics`` fills only the lessons ``user`` keeps
    (the pages pass the same)."""
    return lambda lesson: user.has_perm("timetable.keep_lesson", lesson)
