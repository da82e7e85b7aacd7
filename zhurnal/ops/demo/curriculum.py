"""The demo curriculum: subjects and weekly hours close to the federal basic plan (ФУП of the
ФООП: НОО, ООО, СОО, first variant, 5-day week), and who teaches what.

Hours are per grade level 1..11 (index 0 is grade 1); 0 means the subject is not taught there.
"""

from __future__ import annotations

from dataclasses import dataclass

ENGLISH = "Иностранный язык (английский)"
TALKS = "Разговоры о важном"


@dataclass(frozen=True)
class SubjectPlan:
    name: str
    short_name: str
    hours: tuple[float, ...]  # per grade level 1..11
    split: bool = False  # taught in two subgroups of a class

    def hours_for(self, grade: int) -> float:
        return self.hours[grade - 1]


# fmt: off
SUBJECTS: tuple[SubjectPlan, ...] = (
    #                                            1  2  3  4  5  6  7  8  9 10 11
    SubjectPlan("Русский язык", "Рус. яз.",      (5, 5, 5, 5, 5, 6, 4, 3, 3, 2, 2)),
    SubjectPlan("Литературное чтение", "Лит. чт.", (4, 4, 4, 3, 0, 0, 0, 0, 0, 0, 0)),
    SubjectPlan("Литература", "Лит-ра",          (0, 0, 0, 0, 3, 3, 2, 2, 3, 3, 3)),
    SubjectPlan(ENGLISH, "Англ. яз.",            (0, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3), split=True),
    SubjectPlan("Математика", "Матем.",          (4, 4, 4, 4, 5, 5, 0, 0, 0, 0, 0)),
    SubjectPlan("Алгебра", "Алгебра",            (0, 0, 0, 0, 0, 0, 3, 3, 3, 3, 3)),
    SubjectPlan("Геометрия", "Геом.",            (0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2)),
    SubjectPlan("Вероятность и статистика", "ВиС", (0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1)),
    SubjectPlan("Информатика", "Информ.",        (0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1)),
    SubjectPlan("Окружающий мир", "Окр. мир",    (2, 2, 2, 2, 0, 0, 0, 0, 0, 0, 0)),
    SubjectPlan("История", "История",            (0, 0, 0, 0, 2, 2, 2, 2, 2, 2, 2)),
    SubjectPlan("Обществознание", "Общ.",        (0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2)),
    SubjectPlan("География", "Геогр.",           (0, 0, 0, 0, 1, 1, 2, 2, 2, 1, 1)),
    SubjectPlan("Биология", "Биол.",             (0, 0, 0, 0, 1, 1, 1, 2, 2, 1, 1)),
    SubjectPlan("Физика", "Физика",              (0, 0, 0, 0, 0, 0, 2, 2, 3, 2, 2)),
    SubjectPlan("Химия", "Химия",                (0, 0, 0, 0, 0, 0, 0, 2, 2, 1, 1)),
    SubjectPlan("Изобразительное искусство", "ИЗО", (1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0)),
    SubjectPlan("Музыка", "Музыка",              (1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0)),
    SubjectPlan("Труд (технология)", "Труд",     (1, 1, 1, 1, 2, 2, 2, 1, 1, 0, 0)),
    SubjectPlan("Физическая культура", "Физ-ра", (2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2)),
    SubjectPlan("Основы безопасности и защиты Родины", "ОБЗР",
                                                 (0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1)),
    SubjectPlan("Основы религиозных культур и светской этики", "ОРКСЭ",
                                                 (0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0)),
    SubjectPlan("Основы духовно-нравственной культуры народов России", "ОДНКНР",
                                                 (0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0)),
    SubjectPlan("Индивидуальный проект", "Инд. пр.", (0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1)),
)
# fmt: on


@dataclass(frozen=True)
class Elective:
    """A course outside the federal part: per class (taught by the class teacher) or one
    cross-class group of a grade level (taught by a teacher of ``department``)."""

    subject: str
    short_name: str
    kind: str  # CourseKind value
    hours: float
    grades: tuple[int, ...]
    per_class: bool = False
    department: str = ""


ELECTIVES: tuple[Elective, ...] = (
    Elective(TALKS, "РоВ", "extracurricular", 1, tuple(range(1, 12)), per_class=True),
    Elective("Финансовая грамотность", "Фин. гр.", "elective", 1, (8,), department="history"),
    Elective("Практикум по математике", "Практ. мат.", "elective", 1, (9,), department="math"),
)


@dataclass(frozen=True)
class Department:
    """Teachers of one position, the subjects they teach and in which grade levels."""

    key: str
    position: str
    subjects: tuple[str, ...]
    grades: tuple[int, ...] = tuple(range(5, 12))
    female_share: float = 0.85


PRIMARY = Department(
    "primary",
    "Учитель начальных классов",
    (
        "Русский язык",
        "Литературное чтение",
        "Математика",
        "Окружающий мир",
        "Изобразительное искусство",
        "Труд (технология)",
        "Основы религиозных культур и светской этики",
    ),
    grades=(1, 2, 3, 4),
    female_share=0.97,
)

# The subject teachers; a subject not listed for a grade level belongs to the primary teacher.
DEPARTMENTS: tuple[Department, ...] = (
    PRIMARY,
    Department("russian", "Учитель русского языка и литературы", ("Русский язык", "Литература")),
    Department("english", "Учитель английского языка", (ENGLISH,), grades=tuple(range(2, 12))),
    Department(
        "math",
        "Учитель математики",
        ("Математика", "Алгебра", "Геометрия", "Вероятность и статистика"),
        female_share=0.75,
    ),
    Department("cs", "Учитель информатики", ("Информатика",), female_share=0.4),
    Department(
        "history",
        "Учитель истории и обществознания",
        (
            "История",
            "Обществознание",
            "Основы духовно-нравственной культуры народов России",
            "Индивидуальный проект",
        ),
        female_share=0.7,
    ),
    Department("geography", "Учитель географии", ("География",)),
    Department("biology", "Учитель биологии", ("Биология",)),
    Department("chemistry", "Учитель химии", ("Химия",)),
    Department("physics", "Учитель физики", ("Физика",), female_share=0.6),
    Department("art", "Учитель изобразительного искусства", ("Изобразительное искусство",)),
    Department("music", "Учитель музыки", ("Музыка",), grades=tuple(range(1, 12))),
    Department("labour", "Учитель труда (технологии)", ("Труд (технология)",), female_share=0.5),
    Department(
        "pe",
        "Учитель физической культуры",
        ("Физическая культура",),
        grades=tuple(range(1, 12)),
        female_share=0.4,
    ),
    Department(
        "obzr",
        "Преподаватель-организатор ОБЗР",
        ("Основы безопасности и защиты Родины",),
        female_share=0.2,
    ),
)

# A full teaching load (ставка) is 18 hours a week; teachers usually carry a bit more.
TARGET_LOAD = 20.0


def department_for(subject: str, grade: int) -> Department:
    for department in DEPARTMENTS:
        if subject in department.subjects and grade in department.grades:
            return department
    raise LookupError(f"No department teaches {subject} in grade {grade}")


# Administration: (role, position, how many, age range); the first of each role gets the demo
# login.
ADMINISTRATION: tuple[tuple[str, str, int, tuple[int, int]], ...] = (
    ("director", "Директор", 1, (42, 62)),
    ("deputy", "Заместитель директора по учебно-воспитательной работе", 2, (34, 60)),
    ("secretary", "Секретарь учебной части", 1, (22, 58)),
    ("hr", "Специалист по кадрам", 1, (28, 60)),
    ("admin", "Системный администратор", 1, (23, 50)),
)
