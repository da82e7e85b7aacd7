"""Reading CSV/XLSX files and the values of a row, without the database (imports.parsing)."""

from __future__ import annotations

import codecs
import io
from datetime import date

import openpyxl
import pytest
from django.utils import translation

from zhurnal.imports import parsing
from zhurnal.imports.parsing import FileError, parse_date, parse_rows, read_table

TODAY = date(2026, 11, 20)
STAFF_HEADER = "Табельный номер;Фамилия;Имя;Отчество;Дата рождения;Пол;Телефон;Email;Должность"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def staff_table(*lines: str, header: str = STAFF_HEADER, encoding="utf-8"):
    return read_table(("\n".join([header, *lines]) + "\n").encode(encoding), "staff")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15.03.2015", date(2015, 3, 15)),
        ("5.3.2015", date(2015, 3, 5)),
        ("2015-03-15", date(2015, 3, 15)),
        ("2015-03-15 00:00:00", date(2015, 3, 15)),
        ("31.02.2015", None),
        ("15/03/2015", None),
        ("15.03.15", None),
        ("вчера", None),
    ],
)
def test_dates_are_read_as_dd_mm_yyyy_or_iso(text, expected):
    assert parse_date(text) == expected


def test_headers_match_regardless_of_case_spaces_and_yo():
    header = "  ТАБЕЛЬНЫЙ НОМЕР ,фамилия,  Имя ,отчество,пол (м/ж),E-mail,Должности,Стаж"
    table = read_table(f"{header}\n1,Петрова,Анна,Сергеевна,ж,a@b.ru,учитель,5\n".encode(), "staff")
    assert table.columns == [
        "staff_number",
        "last_name",
        "first_name",
        "middle_name",
        "gender",
        "email",
        "positions",
    ]
    assert table.ignored == ["Стаж"]
    assert table.rows == [
        {
            "line": 2,
            "cells": {
                "staff_number": "1",
                "last_name": "Петрова",
                "first_name": "Анна",
                "middle_name": "Сергеевна",
                "gender": "ж",
                "email": "a@b.ru",
                "positions": "учитель",
            },
        }
    ]
    assert parsing.normalize_header("Отчёство") == parsing.normalize_header("отчество")


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_the_delimiter_is_sniffed(delimiter):
    header = STAFF_HEADER.replace(";", delimiter)
    line = delimiter.join(["7", "Петрова", "Анна", "", "", "", "", "", "учитель"])
    table = staff_table(line, header=header)
    assert table.rows[0]["cells"]["last_name"] == "Петрова"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1251", "utf-16"])
def test_utf8_with_or_without_bom_windows_1251_and_utf16_are_read(encoding):
    table = staff_table("7;Ёлкина;Анна;;;;;;", encoding=encoding)
    assert table.rows[0]["cells"]["last_name"] == "Ёлкина"
    assert table.columns[0] == "staff_number"  # no BOM left in the first header


def test_line_numbers_count_blank_lines_and_quoted_line_breaks():
    table = staff_table("", "1;Петрова;Анна;;;;;;", '2;"Сидо\nрова";Ольга;;;;;;', "3;Ким;Ли;;;;;;")
    assert [r["line"] for r in table.rows] == [3, 4, 6]


def test_xlsx_rows_keep_their_sheet_numbers_and_cell_types():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A2"], ws["B2"], ws["C2"], ws["D2"] = "Табельный номер", "Фамилия", "Имя", "Дата рождения"
    ws["A5"], ws["B5"], ws["C5"], ws["D5"] = 17.0, "Петрова", "Анна", date(1985, 11, 2)
    buffer = io.BytesIO()
    wb.save(buffer)
    table = read_table(buffer.getvalue(), "staff")
    assert table.rows == [
        {
            "line": 5,
            "cells": {
                "staff_number": "17",
                "last_name": "Петрова",
                "first_name": "Анна",
                "birth_date": "1985-11-02",
            },
        }
    ]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"\n\n", "empty"),
        (f"{STAFF_HEADER}\n".encode(), "no rows of data"),
        ("Фамилия;Имя\nПетрова;Анна\n".encode(), "«Табельный номер»"),
        ("Табельный номер;Фамилия;Имя;Фамилия\n1;А;Б;В\n".encode(), "appears twice"),
        (b"\x00\x01\x02binary", "neither a CSV"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", ".xls"),
        (b"PK\x03\x04garbage", "XLSX"),
        (codecs.BOM_UTF8 + b"\xff\xfe broken", "neither a CSV"),
    ],
)
def test_malformed_files_get_a_clear_message(data, reason):
    with pytest.raises(FileError) as error:
        read_table(data, "staff")
    assert reason in error.value.message


def test_more_than_5000_rows_are_refused():
    lines = [f"{n};Петрова;Анна;;;;;;" for n in range(parsing.MAX_ROWS + 1)]
    with pytest.raises(FileError, match="more than 5000 rows"):
        staff_table(*lines)
    assert len(staff_table(*lines[:-1]).rows) == parsing.MAX_ROWS


def test_more_than_two_megabytes_is_refused():
    with pytest.raises(FileError, match="larger than 2 MB"):
        read_table(b"a" * (parsing.MAX_BYTES + 1), "staff")


def _student(**cells):
    base = {
        "file_number": "1",
        "last_name": "Иванов",
        "first_name": "Иван",
        "birth_date": "15.03.2015",
        "gender": "М",
        "class_name": "5А",
    }
    base.update(cells)
    return {"line": 2, "cells": base}


def _errors(row):
    [parsed] = parse_rows("students", [row], today=TODAY)
    return {e.field: e.message for e in parsed.errors}, parsed


def test_a_good_row_has_typed_values():
    errors, parsed = _errors(
        _student(
            gender="ж",
            g1_name="Иванова  Мария Петровна",
            g1_relation="Мать",
            g1_phone="8 (900) 111-22-33",
        )
    )
    assert errors == {}
    assert parsed.values["birth_date"] == date(2015, 3, 15)
    assert parsed.values["gender"] == "f"
    [guardian] = parsed.guardians
    assert (guardian.last_name, guardian.first_name, guardian.middle_name) == (
        "Иванова",
        "Мария",
        "Петровна",
    )
    assert guardian.relation == "mother"


@pytest.mark.parametrize(
    ("cells", "field", "message"),
    [
        (
            {"birth_date": "2015/03/15"},
            "Дата рождения",
            "«2015/03/15» is not a date (expected ДД.ММ.ГГГГ)",
        ),
        ({"birth_date": ""}, "Дата рождения", "the cell is empty; this column is required"),
        ({"birth_date": "01.01.2030"}, "Дата рождения", "the date 01.01.2030 is not in the past"),
        ({"gender": "муж.ской"}, "Пол (М/Ж)", "gender must be М or Ж, not «муж.ской»"),
        ({"gender": ""}, "Пол (М/Ж)", "the cell is empty; gender must be М or Ж"),
        ({"email": "ivanov@"}, "Эл. почта", "«ivanov@» is not an e-mail address"),
        ({"phone": "нет"}, "Телефон", "«нет» is not a phone number"),
        ({"file_number": "x" * 31}, "№ личного дела", "too long: at most 30 characters"),
        ({"order_date": "вчера"}, "Дата приказа", "«вчера» is not a date (expected ДД.ММ.ГГГГ)"),
        (
            {"g1_name": "Иванова"},
            "Родитель 1 ФИО",
            "«Иванова»: give at least the last name and the first name",
        ),
        (
            {"g1_name": "", "g1_phone": "+7 900 1112233"},
            "Родитель 1 ФИО",
            "the guardian's full name is empty, but other columns of this guardian are filled",
        ),
        (
            {"g1_name": "Иванова Мария", "g1_relation": "тётя"},
            "Родитель 1 кем приходится",
            "«тётя» is not a relation; write мать, отец, опекун or другое",
        ),
        (
            {"g1_name": "Иванова Мария", "g2_name": "иванова мария"},
            "Родитель 2 ФИО",
            "the same person as «Родитель 1 ФИО»",
        ),
    ],
)
def test_bad_cells_get_precise_reasons(cells, field, message):
    errors, _parsed = _errors(_student(**cells))
    assert errors == {field: message}


def test_class_names_are_normalised():
    names = {parsing.normalize_class_name(n) for n in ("5А", "5 а", "5-А", "5A", "5 «а»")}
    assert names == {"5А"}


def test_staff_positions_are_split_on_semicolons_without_repeats():
    [parsed] = parse_rows(
        "staff",
        [
            {
                "line": 2,
                "cells": {
                    "staff_number": "1",
                    "last_name": "Петрова",
                    "first_name": "Анна",
                    "positions": "учитель; Учитель ;; завуч",
                },
            }
        ],
        today=TODAY,
    )
    assert parsed.errors == []
    assert parsed.values["positions"] == ["учитель", "завуч"]


# --- Formulas (issue 16, finding 6) ----------------------------------------------------------

FORMULA = "the cell holds a formula (=B1); formulas are not imported: type the value itself"


def _workbook(*rows, text_cells=()) -> bytes:
    book = openpyxl.Workbook()
    for values in rows:
        book.active.append(values)
    for name in text_cells:  # a text cell beginning with "=", as Zhurnal's own files hold
        book.active[name].data_type = "s"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_formula_cell_is_told_as_a_formula_not_as_an_empty_cell():
    data = _workbook(
        ["Табельный номер", "Фамилия", "Имя", "Дата рождения"],
        ["17", "=B1", "Анна", "=TODAY()"],
        ["18", "Петрова", "Анна", "02.11.1985"],
    )
    table = read_table(data, "staff")
    assert table.rows[0]["formulas"] == ["last_name", "birth_date"]
    assert "formulas" not in table.rows[1]
    first, second = parse_rows("staff", table.rows, today=TODAY)
    assert [(e.field, e.message) for e in first.errors] == [
        ("Фамилия", FORMULA),
        ("Дата рождения", FORMULA.replace("=B1", "=TODAY()")),
    ]
    assert second.errors == []


def test_a_text_cell_starting_with_equals_is_text_not_a_formula():
    data = _workbook(
        ["Табельный номер", "Фамилия", "Имя"], ["17", "=Петрова", "Анна"], text_cells=["B2"]
    )
    [only] = read_table(data, "staff").rows
    assert only == {
        "line": 2,
        "cells": {"staff_number": "17", "last_name": "=Петрова", "first_name": "Анна"},
    }
