"""Reading class lists and staff lists from CSV and XLSX, without touching the database.

DESIGN §5 "Imports: CSV and XLSX with a preview, per-row errors (line, field, reason) and
all-or-nothing commit". This module turns the bytes of an uploaded file into rows of cells
(``read_table``) and the cells of one row into typed values with precise errors
(``parse_rows``); ``zhurnal.imports.services`` checks them against the database. Pure functions,
so that the web pages, the API and a management command share one truth.

File rules: UTF-8 (with or without BOM), UTF-16 with BOM or Windows-1251 CSV with a comma,
semicolon or tab delimiter; XLSX (first sheet). Headers are matched case-insensitively, trimmed,
ё = е. At most 2 MB and 5000 data rows. Dates as ДД.ММ.ГГГГ or ГГГГ-ММ-ДД (or date cells).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from zhurnal.core.spreadsheets import csv_text

from .columns import COLUMNS, GUARDIAN_SLOTS, PLAN, STUDENTS, TIMETABLE, Column, header_of

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
MAX_COLUMNS = 60
XLSX_SCAN_ROWS = 4 * MAX_ROWS


class FileError(Exception):
    """The file as a whole cannot be imported (format, encoding, size, columns)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- Normalisation ---------------------------------------------------------------------------


def normalize_header(text: str) -> str:
    """'  Пол (М/Ж) ' == 'пол(м/ж)', 'E-mail' == 'email', 'Ё' == 'Е'."""
    text = text.replace("\ufeff", "").replace("\xa0", " ").strip().lower().replace("ё", "е")
    return re.sub(r"[\s*:._\-]+", "", text)


_LATIN_LOOKALIKES = str.maketrans("ABCEHKMOPTXY", "АВСЕНКМОРТХУ")


def normalize_class_name(text: str) -> str:
    """'5 а', '5-А', '5"А"' and a Latin 'A' all name the class 5А."""
    text = text.upper().replace("Ё", "Е")
    text = re.sub(r"[\s\-–—\"'«».]+", "", text)
    return text.translate(_LATIN_LOOKALIKES)


def normalize_name(text: str) -> str:
    """Full names compared for matching: case, ё/е and extra spaces do not matter."""
    return " ".join(text.replace("ё", "е").replace("Ё", "Е").split()).casefold()


def _clean(text: str) -> str:
    return " ".join(text.replace("\xa0", " ").split())


# --- Reading the file ------------------------------------------------------------------------


@dataclass
class Table:
    """The rows of a file under its recognised columns; ``line`` is the line (CSV) or the row
    number (XLSX) the user sees in their editor."""

    columns: list[str]
    ignored: list[str]
    rows: list[dict[str, Any]]  # {"line": int, "cells": {key: str}}


def read_table(data: bytes, kind: str) -> Table:
    """Bytes of an uploaded CSV or XLSX file to a Table, or FileError with a clear reason."""
    if not data or not data.strip():
        raise FileError(_("The file is empty."))
    if len(data) > MAX_BYTES:
        raise FileError(
            _("The file is larger than %(mb)d MB; split it into several files.") % {"mb": 2}
        )
    if data.startswith(b"PK\x03\x04"):
        records = _xlsx_records(data)
    elif data.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileError(
            _("This is an old Excel file (.xls). Save it as .xlsx or CSV and upload it again.")
        )
    elif data.startswith(b"%PDF"):
        raise FileError(_("This is a PDF document, not a spreadsheet. Upload a CSV or XLSX file."))
    else:
        records = _csv_records(_decode(data))
    return _table(records, kind)


def _decode(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    elif data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8")
        except UnicodeDecodeError:
            pass
    elif b"\x00" not in data:
        for encoding in ("utf-8", "cp1251"):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                continue
    raise FileError(
        _(
            "The file is neither a CSV table (UTF-8 or Windows-1251) nor an XLSX workbook. "
            "Save it from Excel as «CSV (разделители — запятые)» or as .xlsx."
        )
    )


def _csv_records(text: str):
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max(";,\t", key=first.count)  # ties go to ';' (Excel in Russia)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    previous_end = 0
    try:
        for record in reader:
            line = previous_end + 1
            previous_end = reader.line_num
            yield line, [csv_text(field) for field in record]
    except csv.Error as error:
        raise FileError(
            _("The CSV file is malformed near line %(line)d: %(error)s")
            % {"line": previous_end + 1, "error": error}
        ) from error


def _xlsx_records(data: bytes):
    import openpyxl

    try:
        # Formulas as written, not their results (issue 16, finding 6): a workbook saved by a
        # program other than Excel carries no result, and a formula is refused anyway.
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as error:  # any malformed archive: untrusted input, one clear message
        raise FileError(
            _(
                "The file could not be read as an XLSX workbook. Save it from Excel as .xlsx "
                "or CSV and upload it again."
            )
        ) from error
    try:
        sheet = workbook.worksheets[0]
        # A sheet formatted down to row 1048576 holds a million empty rows: scan a bounded
        # window; data that far down means far more than MAX_ROWS rows anyway.
        scan = XLSX_SCAN_ROWS
        for number, row in enumerate(
            sheet.iter_rows(max_col=MAX_COLUMNS, max_row=scan + 1), start=1
        ):
            cells = [_formula(c.value) if c.data_type == "f" else _cell_text(c.value) for c in row]
            if number > scan and any(c.strip() for c in cells):
                raise FileError(
                    ngettext(
                        "The file has more than %(max)d row; split it into several files.",
                        "The file has more than %(max)d rows; split it into several files.",
                        MAX_ROWS,
                    )
                    % {"max": MAX_ROWS}
                )
            yield number, cells
    except FileError:
        raise
    except Exception as error:
        raise FileError(_("The XLSX workbook is damaged and cannot be read.")) from error
    finally:
        workbook.close()


class Formula(str):
    """The text of a formula cell of a workbook. A formula is never imported: its result is in
    the file only if the program that saved it computed one (a generated file has none), and
    the value must be typed."""


def _formula(value: Any) -> Formula:
    return Formula(getattr(value, "text", value))  # an array formula keeps its text there


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    return str(value)


def _table(records, kind: str) -> Table:
    by_header: dict[str, Column] = {}
    for column in COLUMNS[kind]:
        for name in (column.header, *column.aliases):
            by_header[normalize_header(name)] = column
    header_line = None
    positions: dict[str, int] = {}
    ignored: list[str] = []
    rows: list[dict[str, Any]] = []
    for line, record in records:
        formulas = {index for index, c in enumerate(record) if isinstance(c, Formula)}
        cells = [_clean(c) for c in record]
        if not any(cells):
            continue
        if header_line is None:
            header_line = line
            for index, raw in enumerate(cells):
                if not raw:
                    continue
                column = by_header.get(normalize_header(raw))
                if column is None:
                    ignored.append(raw)
                elif column.key in positions:
                    raise FileError(
                        _("The column «%(column)s» appears twice in the header.")
                        % {"column": column.header}
                    )
                else:
                    positions[column.key] = index
            missing = [c.header for c in COLUMNS[kind] if c.required and c.key not in positions]
            if missing:
                raise FileError(
                    _(
                        "Required columns are missing: %(columns)s. The first filled row "
                        "must hold the column headers, as in the template."
                    )
                    % {"columns": ", ".join(f"«{h}»" for h in missing)}
                )
            continue
        if len(rows) >= MAX_ROWS:
            raise FileError(
                ngettext(
                    "The file has more than %(max)d row; split it into several files.",
                    "The file has more than %(max)d rows; split it into several files.",
                    MAX_ROWS,
                )
                % {"max": MAX_ROWS}
            )
        row: dict[str, Any] = {
            "line": line,
            "cells": {
                key: cells[index] if index < len(cells) else "" for key, index in positions.items()
            },
        }
        if formula_keys := [key for key, index in positions.items() if index in formulas]:
            row["formulas"] = formula_keys
        rows.append(row)
    if header_line is None:
        raise FileError(_("The file is empty."))
    if not rows:
        raise FileError(_("The file has column headers but no rows of data."))
    return Table(columns=list(positions), ignored=ignored, rows=rows)


# --- Values of one row -----------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    line: int
    field: str  # the column header, e.g. "Дата рождения"
    message: str


@dataclass
class GuardianData:
    slot: int
    last_name: str
    first_name: str
    middle_name: str
    relation: str | None  # None: not given in the file
    phone: str
    email: str

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)


@dataclass
class ParsedRow:
    line: int
    cells: dict[str, str]
    values: dict[str, Any] = field(default_factory=dict)
    guardians: list[GuardianData] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    formulas: frozenset[str] = frozenset()  # keys of formula cells: said once, as formulas

    @property
    def key(self) -> str:
        return self.cells.get("file_number") or self.cells.get("staff_number") or ""

    @property
    def full_name(self) -> str:
        parts = (self.cells.get(k, "") for k in ("last_name", "first_name", "middle_name"))
        return " ".join(p for p in parts if p)


_DMY = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?$")

GENDERS = {
    "м": "m",
    "муж": "m",
    "мужской": "m",
    "m": "m",
    "ж": "f",
    "жен": "f",
    "женский": "f",
    "f": "f",
}
RELATIONS = {
    "мать": "mother",
    "мама": "mother",
    "mother": "mother",
    "отец": "father",
    "папа": "father",
    "father": "father",
    "опекун": "guardian",
    "попечитель": "guardian",
    "guardian": "guardian",
    "другое": "other",
    "другой": "other",
    "законный представитель": "other",
    "other": "other",
}
_MAX_LENGTH = {
    "file_number": 30,
    "staff_number": 30,
    "last_name": 100,
    "first_name": 100,
    "middle_name": 100,
    "address": 300,
    "phone": 40,
    "email": 254,
    "order_number": 40,
    "audience": 100,
    "subject": 150,
    "teacher": 310,
    "room": 20,
    "section": 300,
    "topic": 500,
}


def parse_date(text: str) -> date | None:
    """ДД.ММ.ГГГГ or ГГГГ-ММ-ДД; None when the text is not a real date."""
    match = _DMY.match(text)
    if match:
        day, month, year = (int(g) for g in match.groups())
    else:
        match = _ISO.match(text)
        if not match:
            return None
        year, month, day = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


class _RowReader:
    """Collects typed values and errors of one row."""

    def __init__(self, kind: str, row: dict[str, Any], today: date):
        self.kind = kind
        self.today = today
        self.parsed = ParsedRow(line=row["line"], cells=dict(row["cells"]))
        # A formula cell is one error, said as such (not "empty" nor "not a date").
        self.parsed.formulas = frozenset(row.get("formulas", ()))
        for key in row.get("formulas", ()):
            self.parsed.errors.append(
                RowError(
                    self.parsed.line,
                    self.header(key),
                    _(
                        "the cell holds a formula (%(formula)s); formulas are not imported: "
                        "type the value itself"
                    )
                    % {"formula": row["cells"].get(key, "")[:40]},
                )
            )

    def header(self, key: str) -> str:
        return header_of(self.kind, key)

    def error(self, key: str, message: str) -> None:
        if key not in self.parsed.formulas:
            self.parsed.errors.append(RowError(self.parsed.line, self.header(key), message))

    def text(self, key: str, *, required: bool = False) -> str:
        value = self.parsed.cells.get(key, "")
        if required and not value:
            self.error(key, _("the cell is empty; this column is required"))
        limit = _MAX_LENGTH.get(key)
        if limit and len(value) > limit:
            self.error(
                key,
                ngettext(
                    "too long: at most %(n)d character", "too long: at most %(n)d characters", limit
                )
                % {"n": limit},
            )
        self.parsed.values[key] = value
        return value

    def date(self, key: str, *, required: bool = False, past: bool = False) -> date | None:
        raw = self.parsed.cells.get(key, "")
        value = None
        if not raw:
            if required:
                self.error(key, _("the cell is empty; this column is required"))
        else:
            value = parse_date(raw)
            if value is None:
                self.error(
                    key, _("«%(value)s» is not a date (expected ДД.ММ.ГГГГ)") % {"value": raw}
                )
            elif value.year < 1900:
                self.error(key, _("the date %(value)s is too early") % {"value": raw})
                value = None
            elif past and value >= self.today:
                self.error(key, _("the date %(value)s is not in the past") % {"value": raw})
                value = None
        self.parsed.values[key] = value
        return value

    def gender(self, *, required: bool) -> None:
        raw = self.parsed.cells.get("gender", "")
        value = GENDERS.get(raw.casefold().rstrip("."))
        if raw and value is None:
            self.error("gender", _("gender must be М or Ж, not «%(value)s»") % {"value": raw})
        elif not raw and required:
            self.error("gender", _("the cell is empty; gender must be М or Ж"))
        self.parsed.values["gender"] = value or ""

    def phone(self, key: str) -> str:
        value = self.text(key)
        if value and sum(ch.isdigit() for ch in value) < 5:
            self.error(key, _("«%(value)s» is not a phone number") % {"value": value})
        return value

    def email(self, key: str) -> str:
        value = self.text(key)
        if value:
            try:
                validate_email(value)
            except ValidationError:
                self.error(key, _("«%(value)s» is not an e-mail address") % {"value": value})
        return value


def _parse_person(reader: _RowReader, number_key: str) -> None:
    reader.text(number_key, required=True)
    reader.text("last_name", required=True)
    reader.text("first_name", required=True)
    reader.text("middle_name")
    reader.phone("phone")
    reader.email("email")


def _parse_guardian(reader: _RowReader, slot: int) -> None:
    cells = reader.parsed.cells
    name_key, relation_key = f"g{slot}_name", f"g{slot}_relation"
    name = cells.get(name_key, "")
    relation_raw = cells.get(relation_key, "")
    phone = reader.phone(f"g{slot}_phone")
    email = reader.email(f"g{slot}_email")
    if not name:
        if relation_raw or phone or email:
            reader.error(
                name_key,
                _(
                    "the guardian's full name is empty, but other columns of "
                    "this guardian are filled"
                ),
            )
        return
    parts = name.split()
    if len(parts) < 2:
        reader.error(
            name_key,
            _("«%(value)s»: give at least the last name and the first name") % {"value": name},
        )
        return
    if any(len(p) > 100 for p in parts):
        reader.error(name_key, _("too long: at most %(n)d characters") % {"n": 100})
        return
    relation = None
    if relation_raw:
        relation = RELATIONS.get(relation_raw.casefold())
        if relation is None:
            reader.error(
                relation_key,
                _("«%(value)s» is not a relation; write мать, отец, опекун or другое")
                % {"value": relation_raw},
            )
    reader.parsed.guardians.append(
        GuardianData(slot, parts[0], parts[1], " ".join(parts[2:]), relation, phone, email)
    )


def _parse_student(reader: _RowReader) -> None:
    _parse_person(reader, "file_number")
    reader.date("birth_date", required=True, past=True)
    reader.gender(required=True)
    reader.text("class_name", required=True)
    reader.date("enrolled_on")
    reader.text("order_number")
    reader.date("order_date")
    reader.text("address")
    for slot in GUARDIAN_SLOTS:
        _parse_guardian(reader, slot)
    guardians = reader.parsed.guardians
    if len(guardians) == 2 and normalize_name(guardians[0].full_name) == normalize_name(
        guardians[1].full_name
    ):
        reader.error(
            "g2_name", _("the same person as «%(column)s»") % {"column": reader.header("g1_name")}
        )
        guardians.pop()


def _parse_staff(reader: _RowReader) -> None:
    _parse_person(reader, "staff_number")
    reader.date("birth_date", past=True)
    reader.gender(required=False)
    raw = reader.parsed.cells.get("positions", "")
    titles: list[str] = []
    for title in re.split(r"[;\n]", raw):
        title = _clean(title)
        if title and title.casefold() not in {t.casefold() for t in titles}:
            titles.append(title)
            if len(title) > 150:
                reader.error(
                    "positions",
                    ngettext(
                        "the position «%(value)s…» is too long: at most %(n)d character",
                        "the position «%(value)s…» is too long: at most %(n)d characters",
                        150,
                    )
                    % {"value": title[:30], "n": 150},
                )
    reader.parsed.values["positions"] = titles


def parse_rows(kind: str, rows: list[dict[str, Any]], *, today: date) -> list[ParsedRow]:
    """Typed values and errors of every row, including numbers repeated within the file."""
    if kind == TIMETABLE:
        return [_parse_timetable(_RowReader(kind, row, today)) for row in rows]
    if kind == PLAN:
        return _parse_plan_rows(rows, today)
    parse = _parse_student if kind == STUDENTS else _parse_staff
    number_key = "file_number" if kind == STUDENTS else "staff_number"
    parsed: list[ParsedRow] = []
    lines_by_number: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        reader = _RowReader(kind, row, today)
        parse(reader)
        parsed.append(reader.parsed)
        number = reader.parsed.cells.get(number_key, "")
        if number:
            lines_by_number[number.casefold()].append(reader.parsed.line)
    message = (
        _("duplicate personal file number: the same number is in line %(lines)s")
        if kind == STUDENTS
        else _("duplicate staff number: the same number is in line %(lines)s")
    )
    for row in parsed:
        lines = lines_by_number.get(row.cells.get(number_key, "").casefold(), [])
        others = [str(n) for n in lines if n != row.line]
        if others:
            row.errors.append(
                RowError(
                    row.line, header_of(kind, number_key), message % {"lines": ", ".join(others)}
                )
            )
    return parsed


# --- Timetable and thematic plans (issue 3) --------------------------------------------------


def _word(text: str) -> str:
    """'Пн.', ' ПОНЕДЕЛЬНИК ', 'чётная' → 'пн', 'понедельник', 'четная'."""
    return text.casefold().replace("ё", "е").strip().rstrip(".").strip()


WEEKDAYS = {
    **{str(n): n for n in range(1, 7)},
    "пн": 1,
    "пнд": 1,
    "пон": 1,
    "понедельник": 1,
    "mon": 1,
    "monday": 1,
    "вт": 2,
    "втр": 2,
    "вторник": 2,
    "tue": 2,
    "tuesday": 2,
    "ср": 3,
    "срд": 3,
    "среда": 3,
    "wed": 3,
    "wednesday": 3,
    "чт": 4,
    "чтв": 4,
    "четверг": 4,
    "thu": 4,
    "thursday": 4,
    "пт": 5,
    "птн": 5,
    "пятница": 5,
    "fri": 5,
    "friday": 5,
    "сб": 6,
    "суб": 6,
    "суббота": 6,
    "sat": 6,
    "saturday": 6,
}
_SUNDAY = {"7", "вс", "вск", "воскресенье", "sun", "sunday"}
PARITIES = {
    "": "every",
    "все": "every",
    "каждая": "every",
    "каждую": "every",
    "еженедельно": "every",
    "every": "every",
    "all": "every",
    "четная": "even",
    "четные": "even",
    "чет": "even",
    "чн": "even",
    "even": "even",
    "нечетная": "odd",
    "нечетные": "odd",
    "нечет": "odd",
    "нч": "odd",
    "odd": "odd",
}
KINDS = {
    "": "lesson",
    "урок": "lesson",
    "lesson": "lesson",
    "лабораторная": "lab",
    "лабораторная работа": "lab",
    "лаб": "lab",
    "л/р": "lab",
    "лр": "lab",
    "lab": "lab",
    "практическая": "practical",
    "практическая работа": "practical",
    "практикум": "practical",
    "практ": "practical",
    "п/р": "practical",
    "пр": "practical",
    "practical": "practical",
    "контрольная": "test",
    "контрольная работа": "test",
    "к/р": "test",
    "кр": "test",
    "проверочная": "test",
    "проверочная работа": "test",
    "тест": "test",
    "диагностическая работа": "test",
    "test": "test",
    "экскурсия": "excursion",
    "excursion": "excursion",
}
_WHOLE = re.compile(r"^\d+$")


def _whole_number(text: str) -> int | None:
    """'3', '3.' and '3.0' (a number cell) are 3; anything else is None."""
    text = text.strip().rstrip(".")
    if text.endswith(".0") or text.endswith(",0"):
        text = text[:-2]
    return int(text) if _WHOLE.match(text) else None


def _parse_timetable(reader: _RowReader) -> ParsedRow:
    values = reader.parsed.values
    reader.text("audience", required=True)
    reader.text("subject", required=True)
    reader.text("teacher")
    reader.text("room")
    raw = reader.parsed.cells.get("weekday", "")
    values["weekday"] = WEEKDAYS.get(_word(raw))
    if not raw:
        reader.error("weekday", _("the cell is empty; this column is required"))
    elif _word(raw) in _SUNDAY:
        reader.error("weekday", _("Sunday is not a school day"))
    elif values["weekday"] is None:
        reader.error(
            "weekday",
            _("«%(value)s» is not a day of the week; write Пн, Вт, Ср, Чт, Пт, Сб or 1…6")
            % {"value": raw},
        )
    raw = reader.parsed.cells.get("number", "")
    number = _whole_number(raw)
    if not raw:
        reader.error("number", _("the cell is empty; this column is required"))
    elif number is None or number > 12:
        reader.error(
            "number", _("«%(value)s» is not a lesson number from 0 to 12") % {"value": raw}
        )
        number = None
    values["number"] = number
    raw = reader.parsed.cells.get("parity", "")
    values["parity"] = PARITIES.get(_word(raw).removesuffix(" неделя").removesuffix(" недели"))
    if values["parity"] is None:
        reader.error(
            "parity", _("«%(value)s» is not a week: write все, чётная or нечётная") % {"value": raw}
        )
    start = reader.date("valid_from")
    end = reader.date("valid_to")
    if start and end and end < start:
        reader.error(
            "valid_to",
            _("the end %(end)s is before the start %(start)s")
            % {"end": f"{end:%d.%m.%Y}", "start": f"{start:%d.%m.%Y}"},
        )
    return reader.parsed


def _parse_plan_row(reader: _RowReader, section_above: str) -> ParsedRow:
    values = reader.parsed.values
    raw = reader.parsed.cells.get("position", "")
    position = _whole_number(raw)
    if not raw:
        reader.error("position", _("the cell is empty; this column is required"))
    elif position is None or not 1 <= position <= 10000:
        reader.error("position", _("«%(value)s» is not a positive whole number") % {"value": raw})
        position = None
    values["position"] = position
    section = reader.text("section") or section_above
    values["section"] = section
    reader.text("topic", required=True)
    raw = reader.parsed.cells.get("hours", "")
    hours = _whole_number(raw) if raw else None
    if raw and (hours is None or not 1 <= hours <= 40):
        reader.error(
            "hours", _("«%(value)s» is not a whole number of hours from 1 to 40") % {"value": raw}
        )
        hours = None
    values["hours"] = hours
    raw = reader.parsed.cells.get("kind", "")
    kind = KINDS.get(_word(raw))
    if kind is None:
        reader.error(
            "kind",
            _(
                "«%(value)s» is not a kind of lesson: write урок, лабораторная, "
                "практическая, контрольная or экскурсия"
            )
            % {"value": raw},
        )
    values["kind"] = kind if raw else None
    reader.date("planned_date")
    return reader.parsed


def _parse_plan_rows(rows: list[dict[str, Any]], today: date) -> list[ParsedRow]:
    parsed: list[ParsedRow] = []
    section = ""
    lines_by_position: dict[int, list[int]] = defaultdict(list)
    for row in rows:
        result = _parse_plan_row(_RowReader(PLAN, row, today), section)
        section = result.values.get("section", "")
        parsed.append(result)
        if result.values.get("position"):
            lines_by_position[result.values["position"]].append(result.line)
    for row in parsed:
        others = [
            str(n) for n in lines_by_position.get(row.values.get("position"), []) if n != row.line
        ]
        if others:
            row.errors.append(
                RowError(
                    row.line,
                    header_of(PLAN, "position"),
                    _("duplicate number: the same number is in line %(lines)s")
                    % {"lines": ", ".join(others)},
                )
            )
    return parsed
