"""The columns of each kind of import (students, staff, the timetable, a thematic plan): the
Russian header of the template, the aliases a file may use, an example and the help shown on
the import page. ``parsing`` reads files by these; the templates are made from them."""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass
from typing import Any

from django.utils.translation import gettext_lazy, pgettext_lazy

STUDENTS = "students"
STAFF = "staff"
TIMETABLE = "timetable"
PLAN = "plan"


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the Russian header of the template; errors name the field by it
    _: KW_ONLY
    required: bool = False  # the column must be present in the file
    aliases: tuple[str, ...] = ()
    example: str = ""
    help: Any = ""  # shown on the import page


_DATE_HELP = gettext_lazy("ДД.ММ.ГГГГ or ГГГГ-ММ-ДД")
# One English text, two Russian agreements: «номер приказа — обязателен», «дата — обязательна».
_ORDER_NUMBER_HELP = pgettext_lazy(
    "the order's number (masculine)", "required for a new student and for a change of class"
)
_ORDER_DATE_HELP = pgettext_lazy(
    "the order's date (feminine)", "required for a new student and for a change of class"
)


def _guardian_columns(n: int, example: tuple[str, str, str, str]) -> list[Column]:
    p = f"Родитель {n}"
    return [
        Column(
            f"g{n}_name",
            f"{p} ФИО",
            aliases=(f"{p}", f"ФИО родителя {n}"),
            example=example[0],
            help=gettext_lazy(
                "last name, first name and patronymic; a guardian of the "
                "student with this name is updated, otherwise added"
            ),
        ),
        Column(
            f"g{n}_relation",
            f"{p} кем приходится",
            aliases=(f"{p} степень родства",),
            example=example[1],
            help=gettext_lazy("мать, отец, опекун or другое"),
        ),
        Column(f"g{n}_phone", f"{p} телефон", example=example[2]),
        Column(
            f"g{n}_email",
            f"{p} эл. почта",
            aliases=(f"{p} email", f"{p} e-mail", f"{p} электронная почта"),
            example=example[3],
        ),
    ]


STUDENT_COLUMNS: list[Column] = [
    Column(
        "file_number",
        "№ личного дела",
        required=True,
        aliases=("номер личного дела", "личное дело", "no личного дела", "n личного дела"),
        example="Л-0001",
        help=gettext_lazy("identifies the student: a known number updates that student"),
    ),
    Column("last_name", "Фамилия", required=True, example="Иванов"),
    Column("first_name", "Имя", required=True, example="Иван"),
    Column("middle_name", "Отчество", example="Иванович"),
    Column("birth_date", "Дата рождения", required=True, example="15.03.2015", help=_DATE_HELP),
    Column(
        "gender",
        "Пол (М/Ж)",
        required=True,
        aliases=("пол", "пол м/ж"),
        example="М",
        help=gettext_lazy("М or Ж"),
    ),
    Column(
        "class_name",
        "Класс",
        required=True,
        example="5А",
        help=gettext_lazy("a class of the current academic year, e.g. 5А; it must exist"),
    ),
    Column(
        "enrolled_on",
        "Дата зачисления",
        example="01.09.2026",
        help=gettext_lazy(
            "date of admission or transfer; if empty: the first day of the "
            "year for a new student, today for a change of class"
        ),
    ),
    Column(
        "order_number",
        "Номер приказа",
        aliases=("№ приказа", "приказ"),
        example="45-у",
        help=_ORDER_NUMBER_HELP,
    ),
    Column("order_date", "Дата приказа", example="28.08.2026", help=_ORDER_DATE_HELP),
    Column("address", "Адрес", example="г. Тверь, ул. Советская, д. 1, кв. 2"),
    Column("phone", "Телефон", example="+7 900 000-00-01"),
    Column("email", "Эл. почта", aliases=("email", "e-mail", "электронная почта"), example=""),
    *_guardian_columns(
        1, ("Иванова Мария Петровна", "мать", "+7 900 000-00-02", "ivanova@example.ru")
    ),
    *_guardian_columns(2, ("", "", "", "")),
]

STAFF_COLUMNS: list[Column] = [
    Column(
        "staff_number",
        "Табельный номер",
        required=True,
        aliases=("таб. номер", "табельный №", "таб. №"),
        example="0001",
        help=gettext_lazy("identifies the staff member: a known number updates them"),
    ),
    Column("last_name", "Фамилия", required=True, example="Петрова"),
    Column("first_name", "Имя", required=True, example="Анна"),
    Column("middle_name", "Отчество", example="Сергеевна"),
    Column("birth_date", "Дата рождения", example="02.11.1985", help=_DATE_HELP),
    Column(
        "gender", "Пол (М/Ж)", aliases=("пол", "пол м/ж"), example="Ж", help=gettext_lazy("М or Ж")
    ),
    Column("phone", "Телефон", example="+7 900 000-00-03"),
    Column(
        "email",
        "Эл. почта",
        aliases=("email", "e-mail", "электронная почта"),
        example="petrova@example.ru",
    ),
    Column(
        "positions",
        "Должность",
        aliases=("должности",),
        example="учитель математики; классный руководитель",
        help=gettext_lazy(
            "several positions separated by «;»; the list replaces the current positions"
        ),
    ),
]

_WEEKDAY_HELP = gettext_lazy("Пн…Сб, понедельник…суббота or 1…6")

TIMETABLE_COLUMNS: list[Column] = [
    Column(
        "audience",
        "Класс или группа",
        required=True,
        aliases=("класс", "группа", "класс/группа", "класс (группа)"),
        example="5А",
        help=gettext_lazy(
            "a class (5А) or a group (Англ. 1) of the current academic year; "
            "with the subject it names one course"
        ),
    ),
    Column(
        "subject",
        "Предмет",
        required=True,
        aliases=("дисциплина",),
        example="Математика",
        help=gettext_lazy("the subject's name or short name"),
    ),
    Column(
        "weekday", "День недели", required=True, aliases=("день",), example="Пн", help=_WEEKDAY_HELP
    ),
    Column(
        "number",
        "Номер урока",
        required=True,
        aliases=("урок", "№ урока", "no урока"),
        example="1",
        help=gettext_lazy("0 to 12, as in the bell schedule"),
    ),
    Column(
        "teacher",
        "Учитель",
        aliases=("преподаватель", "фио учителя", "учитель фио"),
        example="Петрова Анна Сергеевна",
        help=gettext_lazy(
            "full name, «Петрова А. С.» or the staff number; if empty, the course's only teacher"
        ),
    ),
    Column("room", "Кабинет", aliases=("каб", "аудитория", "кабинет №"), example="21"),
    Column(
        "parity",
        "Неделя",
        aliases=("недели", "чётность недели", "четность"),
        example="все",
        help=gettext_lazy("все (every week, if empty), чётная or нечётная"),
    ),
    Column(
        "valid_from",
        "Действует с",
        aliases=("с", "дата начала"),
        example="01.09.2026",
        help=gettext_lazy("ДД.ММ.ГГГГ; if empty, the first day of the academic year"),
    ),
    Column(
        "valid_to",
        "Действует по",
        aliases=("по", "дата окончания"),
        example="",
        help=gettext_lazy("ДД.ММ.ГГГГ; if empty, until the end of the year"),
    ),
]

PLAN_COLUMNS: list[Column] = [
    Column(
        "position",
        "№",
        required=True,
        aliases=("номер", "№ п/п", "no", "n", "номер урока", "№ урока", "п/п"),
        example="1",
        help=gettext_lazy("the item's number in the plan: a known number updates that item"),
    ),
    Column(
        "section",
        "Раздел",
        aliases=("раздел/тема", "глава", "модуль", "раздел программы"),
        example="Натуральные числа",
        help=gettext_lazy("if empty, the section of the row above (merged cells)"),
    ),
    Column(
        "topic",
        "Тема",
        required=True,
        aliases=("тема урока", "тема занятия"),
        example="Ряд натуральных чисел",
    ),
    Column(
        "hours",
        "Часы",
        aliases=("часов", "кол-во часов", "количество часов", "час"),
        example="1",
        help=gettext_lazy("a whole number from 1 to 40; 1 if empty"),
    ),
    Column(
        "kind",
        "Вид",
        aliases=("вид урока", "тип урока", "тип", "вид занятия"),
        example="урок",
        help=gettext_lazy("урок (if empty), лабораторная, практическая, контрольная or экскурсия"),
    ),
    Column(
        "planned_date",
        "Дата",
        aliases=("планируемая дата", "дата по плану", "плановая дата", "дата проведения"),
        example="",
        help=_DATE_HELP,
    ),
]

COLUMNS: dict[str, list[Column]] = {
    STUDENTS: STUDENT_COLUMNS,
    STAFF: STAFF_COLUMNS,
    TIMETABLE: TIMETABLE_COLUMNS,
    PLAN: PLAN_COLUMNS,
}
GUARDIAN_SLOTS = (1, 2)


def header_of(kind: str, key: str) -> str:
    return next(c.header for c in COLUMNS[kind] if c.key == key)
