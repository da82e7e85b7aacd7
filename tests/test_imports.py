"""Import of class lists and staff: upload, preview, per-row errors, all-or-nothing commit."""

from __future__ import annotations

import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from zhurnal.accounts.models import Membership
from zhurnal.audit.actor import Actor
from zhurnal.audit.models import AuditAction, AuditEvent
from zhurnal.imports import services
from zhurnal.imports.models import BatchStatus, ImportBatch
from zhurnal.school import models as m

from .factories import SchoolClassFactory, UserFactory, grant
from .personas import build_world

STUDENT_HEADER = [
    "№ личного дела",
    "Фамилия",
    "Имя",
    "Отчество",
    "Дата рождения",
    "Пол (М/Ж)",
    "Класс",
    "Дата зачисления",
    "Номер приказа",
    "Дата приказа",
    "Адрес",
    "Телефон",
    "Эл. почта",
    "Родитель 1 ФИО",
    "Родитель 1 кем приходится",
    "Родитель 1 телефон",
    "Родитель 1 эл. почта",
    "Родитель 2 ФИО",
    "Родитель 2 кем приходится",
    "Родитель 2 телефон",
    "Родитель 2 эл. почта",
]


def student_row(
    number,
    last,
    first="Иван",
    *,
    birth="15.03.2015",
    gender="М",
    cls="5А",
    order="12-у",
    order_date="28.08.2026",
    phone="",
    g1="",
    g1_relation="мать",
    g1_phone="",
    g2="",
    enrolled="",
):
    return [
        number,
        last,
        first,
        "Петрович",
        birth,
        gender,
        cls,
        enrolled,
        order,
        order_date,
        "г. Тверь",
        phone,
        "",
        g1,
        g1_relation if g1 else "",
        g1_phone,
        "",
        g2,
        "отец" if g2 else "",
        "",
        "",
    ]


GOOD_ROWS = [
    student_row("И-001", "Андреев", g1="Андреева Ольга Игоревна", g1_phone="+7 900 111-11-11"),
    student_row("И-002", "Борисова", "Анна", gender="Ж", cls="6Б"),
    student_row("И-003", "Васильев", g1="Васильева Ирина Сергеевна", g2="Васильев Пётр Иванович"),
]


def csv_bytes(rows, header=STUDENT_HEADER, delimiter=",", encoding="utf-8-sig"):
    lines = [delimiter.join(header)] + [delimiter.join(r) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def xlsx_bytes(rows, header=STUDENT_HEADER):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def world(db):
    with time_machine.travel(datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Europe/Moscow"))):
        yield build_world()


@pytest.fixture
def admin_client(client, world):
    client.force_login(world.users["admin"])
    # English msgids in assertions: pick English as a user would (the switch sets a cookie).
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def register_counts():
    return {
        model.__name__: model.objects.count()
        for model in (
            m.Student,
            m.Enrollment,
            m.Movement,
            m.Guardian,
            m.StudentGuardian,
            m.Staff,
            m.StaffPosition,
        )
    }


def upload(client, data, name="list.csv", kind="students"):
    return client.post(
        reverse("imports:upload"),
        {"kind": kind, "file": SimpleUploadedFile(name, data)},
    )


def upload_and_preview(client, data, name="list.csv", kind="students"):
    response = upload(client, data, name, kind)
    assert response.status_code == 302, response.context["form"].errors
    batch = ImportBatch.objects.latest("id")
    preview = client.get(reverse("imports:batch", kwargs={"batch_id": batch.pk}))
    assert preview.status_code == 200
    return batch, preview.context["plan"]


def commit(client, batch):
    return client.post(reverse("imports:commit", kwargs={"batch_id": batch.pk}))


def statuses(plan):
    return {r.row.key: r.status.value for r in plan.rows}


# --- Good files ------------------------------------------------------------------------------


def test_a_good_csv_class_list_admits_students_with_guardians(admin_client, world):
    batch, plan = upload_and_preview(admin_client, csv_bytes(GOOD_ROWS))
    assert statuses(plan) == {"И-001": "new", "И-002": "new", "И-003": "new"}
    response = commit(admin_client, batch)
    assert response.status_code == 302
    assert response["Location"] == reverse("school:students")
    page = admin_client.get(response["Location"])
    assert page["Content-Language"] == "en"
    assert "Imported: 3 new, 0 updated, 0 unchanged." in page.content.decode()

    andreev = m.Student.objects.get(school=world.school, personal_file_number="И-001")
    assert (andreev.last_name, andreev.middle_name, andreev.gender) == ("Андреев", "Петрович", "m")
    assert andreev.birth_date == date(2015, 3, 15)
    enrollment = m.Enrollment.objects.get(student=andreev)
    assert enrollment.school_class == world.class_5a
    assert enrollment.start == world.year.start and enrollment.end is None
    movement = m.Movement.objects.get(student=andreev)
    assert (movement.kind, movement.order_number, movement.order_date) == (
        "admission",
        "12-у",
        date(2026, 8, 28),
    )
    link = m.StudentGuardian.objects.get(student=andreev)
    assert link.guardian.full_name == "Андреева Ольга Игоревна"
    assert (link.relation, link.guardian.phone) == ("mother", "+7 900 111-11-11")
    assert (
        m.Enrollment.objects.get(student__personal_file_number="И-002").school_class
        == world.class_6b
    )
    assert m.StudentGuardian.objects.filter(student__personal_file_number="И-003").count() == 2
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMMITTED
    assert batch.summary == {"new": 3, "updated": 0, "unchanged": 0}
    assert batch.rows == []  # no second copy of personal data kept
    events = AuditEvent.objects.filter(action=AuditAction.IMPORTED)
    assert events.filter(object_type="imports.importbatch").count() == 1
    assert events.filter(student=andreev).count() == 1


def test_a_good_xlsx_with_date_cells_and_numbers_imports(admin_client, world):
    row = student_row("", "Григорьев", phone="")
    row[0] = 1001  # a number cell: stored as "1001", not "1001.0"
    row[4] = datetime(2015, 3, 15)  # a date cell
    row[9] = date(2026, 8, 28)
    row[11] = 79001112233
    batch, plan = upload_and_preview(admin_client, xlsx_bytes([row]), name="list.xlsx")
    assert statuses(plan) == {"1001": "new"}
    commit(admin_client, batch)
    student = m.Student.objects.get(school=world.school, personal_file_number="1001")
    assert student.birth_date == date(2015, 3, 15)
    assert student.phone == "79001112233"


def test_reimporting_the_same_file_changes_nothing(admin_client, world):
    batch, _plan = upload_and_preview(admin_client, csv_bytes(GOOD_ROWS))
    commit(admin_client, batch)
    before = register_counts()
    students_before = list(m.Student.objects.values())
    batch2, plan = upload_and_preview(admin_client, csv_bytes(GOOD_ROWS))
    assert set(statuses(plan).values()) == {"unchanged"}
    response = commit(admin_client, batch2)
    assert (
        "Imported: 0 new, 0 updated, 3 unchanged."
        in admin_client.get(response["Location"]).content.decode()
    )
    assert register_counts() == before
    assert list(m.Student.objects.values()) == students_before


def test_a_changed_row_updates_that_student_and_transfers_by_order(admin_client, world):
    batch, _plan = upload_and_preview(admin_client, csv_bytes(GOOD_ROWS))
    commit(admin_client, batch)
    changed = [
        student_row(
            "И-001",
            "Андреев",
            cls="6Б",
            order="77-п",
            order_date="19.11.2026",
            phone="+7 900 555-55-55",
            g1="Андреева Ольга Игоревна",
            g1_phone="+7 900 222-22-22",
        ),
        *GOOD_ROWS[1:],
    ]
    batch2, plan = upload_and_preview(admin_client, csv_bytes(changed))
    assert statuses(plan) == {"И-001": "changed", "И-002": "unchanged", "И-003": "unchanged"}
    row = plan.rows[0]
    assert {(c.field, c.old, c.new) for c in row.changes} == {
        ("Телефон", "—", "+7 900 555-55-55"),
        ("Класс", "5А", "6Б"),
        ("Родитель 1 телефон", "+7 900 111-11-11", "+7 900 222-22-22"),
    }
    commit(admin_client, batch2)
    student = m.Student.objects.get(personal_file_number="И-001")
    assert student.phone == "+7 900 555-55-55"
    enrollments = list(m.Enrollment.objects.filter(student=student).order_by("start"))
    assert [(e.school_class_id, e.end) for e in enrollments] == [
        (world.class_5a.pk, date(2026, 11, 19)),
        (world.class_6b.pk, None),
    ]
    transfer = m.Movement.objects.get(student=student, kind="transfer")
    assert transfer.order_number == "77-п" and transfer.date == date(2026, 11, 20)
    assert m.Guardian.objects.filter(last_name="Андреева").count() == 1
    assert m.Guardian.objects.get(last_name="Андреева").phone == "+7 900 222-22-22"
    event = AuditEvent.objects.get(
        action=AuditAction.IMPORTED, student=student, before__isnull=False
    )
    assert event.before["Телефон"] == "—" and event.after["Класс"] == "6Б"


def test_an_empty_optional_cell_keeps_what_the_register_holds(admin_client, world):
    world.student.phone = "+7 900 999-99-99"
    world.student.save()
    row = student_row(
        world.student.personal_file_number,
        world.student.last_name,
        world.student.first_name,
        birth="01.04.2015",
        gender="Ж",
    )
    row[3] = row[10] = ""  # no patronymic, no address in the file
    _batch, plan = upload_and_preview(admin_client, csv_bytes([row]))
    assert statuses(plan) == {world.student.personal_file_number: "unchanged"}


# --- Bad rows --------------------------------------------------------------------------------

BAD_ROWS = [
    student_row("И-001", "Андреев"),
    student_row("И-002", "Борисова", birth="31.02.2015"),
    student_row("И-003", "Васильев", cls="5Я"),
    student_row("И-004", "Григорьев", gender="X"),
    student_row("И-001", "Дмитриев"),
    student_row("И-006", "Егоров", order="", order_date=""),
    student_row("И-007", "", g1="Одинслово"),
]


def test_bad_rows_are_listed_with_line_field_and_reason_and_nothing_is_saved(admin_client, world):
    before = register_counts()
    batch, plan = upload_and_preview(admin_client, csv_bytes(BAD_ROWS))
    errors = {(e.line, e.field): e.message for e in plan.errors}
    assert errors[(3, "Дата рождения")] == "«31.02.2015» is not a date (expected ДД.ММ.ГГГГ)"
    assert errors[(4, "Класс")] == "unknown class 5Я in the academic year 2026/2027"
    assert errors[(5, "Пол (М/Ж)")] == "gender must be М or Ж, not «X»"
    assert errors[(2, "№ личного дела")] == (
        "duplicate personal file number: the same number is in line 6"
    )
    assert errors[(6, "№ личного дела")] == (
        "duplicate personal file number: the same number is in line 2"
    )
    assert errors[(7, "Номер приказа")] == "the order number is required to admit a new student"
    assert errors[(7, "Дата приказа")] == "the order date is required to admit a new student"
    assert errors[(8, "Фамилия")] == "the cell is empty; this column is required"
    assert (8, "Родитель 1 ФИО") in errors
    assert plan.counts["error"] == 7

    page = admin_client.get(reverse("imports:batch", kwargs={"batch_id": batch.pk})).content
    assert b'id="import-errors"' in page
    assert b'id="import-commit"' not in page
    assert "unknown class 5Я" in page.decode()

    response = commit(admin_client, batch)  # a forged POST without the button
    assert response["Location"] == reverse("imports:batch", kwargs={"batch_id": batch.pk})
    assert register_counts() == before
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DRAFT


def test_a_fixed_file_uploaded_again_imports(admin_client, world):
    bad = [GOOD_ROWS[0], student_row("И-009", "Жуков", cls="5Я")]
    _batch, plan = upload_and_preview(admin_client, csv_bytes(bad))
    assert plan.has_errors
    fixed = [GOOD_ROWS[0], student_row("И-009", "Жуков", cls="5А")]
    batch, plan = upload_and_preview(admin_client, csv_bytes(fixed))
    assert not plan.has_errors
    commit(admin_client, batch)
    assert m.Student.objects.filter(personal_file_number__in=["И-001", "И-009"]).count() == 2


def test_a_transfer_without_an_order_is_a_row_error(admin_client, world):
    row = student_row(
        world.student.personal_file_number,
        world.student.last_name,
        world.student.first_name,
        birth="01.04.2015",
        gender="Ж",
        cls="6Б",
        order="",
        order_date="",
    )
    _batch, plan = upload_and_preview(admin_client, csv_bytes([row]))
    messages = {e.field: e.message for e in plan.errors}
    assert messages["Номер приказа"] == (
        "the order number is required to transfer the student from 5А to 6Б"
    )


def test_a_transfer_on_the_day_the_enrollment_began_is_a_row_error(admin_client, world):
    row = student_row(
        world.student.personal_file_number,
        world.student.last_name,
        world.student.first_name,
        birth="01.04.2015",
        gender="Ж",
        cls="6Б",
        enrolled="01.09.2026",
    )
    _batch, plan = upload_and_preview(admin_client, csv_bytes([row]))
    assert [e.field for e in plan.errors] == ["Дата зачисления"]


# --- Encodings, delimiters and malformed files -----------------------------------------------


def test_a_windows_1251_file_with_semicolons_imports(admin_client, world):
    data = csv_bytes(GOOD_ROWS, delimiter=";", encoding="cp1251")
    batch, plan = upload_and_preview(admin_client, data)
    assert statuses(plan) == {"И-001": "new", "И-002": "new", "И-003": "new"}
    commit(admin_client, batch)
    assert m.Student.objects.get(personal_file_number="И-003").last_name == "Васильев"


def test_a_missing_required_column_is_a_file_error_and_nothing_is_kept(admin_client, world):
    header = [h for h in STUDENT_HEADER if h != "Класс"]
    rows = [[c for i, c in enumerate(r) if STUDENT_HEADER[i] != "Класс"] for r in GOOD_ROWS]
    response = upload(admin_client, csv_bytes(rows, header=header))
    assert response.status_code == 200
    assert "Required columns are missing: «Класс»" in response.context["form"].errors["file"][0]
    assert not ImportBatch.objects.exists()


@pytest.mark.parametrize(
    ("data", "name", "reason"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "photo.png", "neither a CSV"),
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "list.pdf", "PDF"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "list.xls", ".xls"),
        (b"PK\x03\x04not really a zip", "list.xlsx", "XLSX"),
        (b"   \r\n", "empty.csv", "empty"),
    ],
)
def test_a_file_that_is_not_a_spreadsheet_gets_a_clear_message(
    admin_client, world, data, name, reason
):
    response = upload(admin_client, data, name=name)
    assert response.status_code == 200
    assert reason in response.context["form"].errors["file"][0]
    assert not ImportBatch.objects.exists()


def test_a_file_over_two_megabytes_is_refused(admin_client, world):
    data = csv_bytes(GOOD_ROWS) + b"x" * (2 * 1024 * 1024)
    response = upload(admin_client, data)
    assert "larger than 2 MB" in response.context["form"].errors["file"][0]


# --- Commit safety ---------------------------------------------------------------------------


def test_a_double_commit_imports_once(admin_client, world):
    batch, _plan = upload_and_preview(admin_client, csv_bytes(GOOD_ROWS))
    commit(admin_client, batch)
    after_first = register_counts()
    response = commit(admin_client, batch)
    assert response["Location"] == reverse("imports:batch", kwargs={"batch_id": batch.pk})
    assert register_counts() == after_first
    assert AuditEvent.objects.filter(object_type="imports.importbatch").count() == 1
    result = services.commit_batch(batch=batch, actor=Actor(world.users["admin"]))
    assert result.outcome == services.CommitOutcome.ALREADY_DONE


def test_the_commit_revalidates_against_the_register(admin_client, world):
    new_class = SchoolClassFactory(
        school=world.school, year=world.year, grade_level=world.class_5a.grade_level, letter="В"
    )
    batch, plan = upload_and_preview(
        admin_client, csv_bytes([student_row("И-1", "Иванов", cls="5В")])
    )
    assert not plan.has_errors
    new_class.delete()
    before = register_counts()
    result = services.commit_batch(batch=batch, actor=Actor(world.users["admin"]))
    assert result.outcome == services.CommitOutcome.INVALID
    assert result.plan.errors[0].field == "Класс"
    assert register_counts() == before
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DRAFT


def _commit_messages(client, batch) -> list[str]:
    response = commit(client, batch)
    assert response.status_code == 302
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_a_forged_commit_of_a_file_with_errors_says_the_file_has_errors(admin_client, world):
    """Issue 16, finding 6: the preview offered no import; the refusal is not blamed on a
    change of the register."""
    batch, plan = upload_and_preview(admin_client, csv_bytes([student_row("И-1", "")]))
    assert plan.has_errors
    assert _commit_messages(admin_client, batch) == [
        "The file has errors (see below) and cannot be imported. Nothing was imported: "
        "correct the file and upload it again."
    ]
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DRAFT


def test_a_commit_after_the_register_changed_says_it_may_have_changed(admin_client, world):
    new_class = SchoolClassFactory(
        school=world.school, year=world.year, grade_level=world.class_5a.grade_level, letter="В"
    )
    batch, plan = upload_and_preview(
        admin_client, csv_bytes([student_row("И-1", "Иванов", cls="5В")])
    )
    assert not plan.has_errors
    new_class.delete()
    [message] = _commit_messages(admin_client, batch)
    assert message.startswith("Some rows are not valid (see the errors below)")
    assert message.endswith("If the preview showed no errors, the register has changed since.")


def test_a_write_refused_midway_rolls_back_every_row(admin_client, world, monkeypatch):
    batch, _plan = upload_and_preview(admin_client, csv_bytes(GOOD_ROWS))
    before = register_counts()
    audit_before = AuditEvent.objects.count()
    real_admit = services.school_services.admit_student
    calls = []

    def admit_then_fail(**kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise ValidationError("The class is full.")
        return real_admit(**kwargs)

    monkeypatch.setattr(services.school_services, "admit_student", admit_then_fail)
    response = commit(admin_client, batch)
    assert register_counts() == before
    assert AuditEvent.objects.count() == audit_before
    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED
    assert "Line 4 could not be saved: The class is full." in batch.summary["error"]
    page = admin_client.get(response["Location"]).content.decode()
    assert "Line 4 could not be saved" in page


# --- Staff -----------------------------------------------------------------------------------

STAFF_HEADER = [
    "Табельный номер",
    "Фамилия",
    "Имя",
    "Отчество",
    "Дата рождения",
    "Пол",
    "Телефон",
    "Эл. почта",
    "Должность",
]


def test_staff_import_creates_updates_and_reimports_idempotently(client, world):
    client.force_login(world.users["hr"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    rows = [
        [
            "К-1",
            "Кузнецова",
            "Анна",
            "Сергеевна",
            "02.11.1985",
            "Ж",
            "",
            "a@example.ru",
            "учитель математики; классный руководитель",
        ],
        ["К-2", "Лебедев", "Олег", "", "", "", "", "", "учитель физики"],
    ]
    batch, plan = upload_and_preview(client, csv_bytes(rows, header=STAFF_HEADER), kind="staff")
    assert statuses(plan) == {"К-1": "new", "К-2": "new"}
    response = commit(client, batch)
    assert response["Location"] == reverse("school:staff")
    anna = m.Staff.objects.get(school=world.school, staff_number="К-1")
    assert sorted(anna.positions.values_list("title", flat=True)) == [
        "классный руководитель",
        "учитель математики",
    ]

    batch, plan = upload_and_preview(client, csv_bytes(rows, header=STAFF_HEADER), kind="staff")
    assert set(statuses(plan).values()) == {"unchanged"}

    rows[0][8] = "учитель математики"
    rows[1][6] = "+7 900 123-45-67"
    batch, plan = upload_and_preview(client, csv_bytes(rows, header=STAFF_HEADER), kind="staff")
    assert statuses(plan) == {"К-1": "changed", "К-2": "changed"}
    commit(client, batch)
    assert list(anna.positions.filter(end__isnull=True).values_list("title", flat=True)) == [
        "учитель математики"
    ]
    assert anna.positions.get(title="классный руководитель").end == date(2026, 11, 20)
    assert m.Staff.objects.get(staff_number="К-2").phone == "+7 900 123-45-67"


def test_duplicate_staff_numbers_are_row_errors(client, world):
    client.force_login(world.users["hr"])
    rows = [
        ["К-1", "Кузнецова", "Анна", "", "", "", "", "", ""],
        ["К-1", "Лебедев", "Олег", "", "", "м", "", "", ""],
    ]
    _batch, plan = upload_and_preview(client, csv_bytes(rows, header=STAFF_HEADER), kind="staff")
    assert {(e.line, e.field) for e in plan.errors} == {
        (2, "Табельный номер"),
        (3, "Табельный номер"),
    }


# --- Templates -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["students", "staff"])
def test_the_xlsx_template_opens_and_has_the_headers(admin_client, world, kind):
    response = admin_client.get(reverse("imports:template", args=[kind, "xlsx"]))
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    rows = list(workbook.active.iter_rows(values_only=True, max_row=2))
    header = (
        STUDENT_HEADER
        if kind == "students"
        else [*STAFF_HEADER[:5], "Пол (М/Ж)", *STAFF_HEADER[6:]]
    )
    assert list(rows[0]) == header
    assert any(rows[1])  # one example row


def test_the_filled_in_csv_template_example_imports(admin_client, world):
    response = admin_client.get(reverse("imports:template", args=["students", "csv"]))
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    batch, plan = upload_and_preview(admin_client, response.content)
    assert statuses(plan) == {"Л-0001": "new"}
    commit(admin_client, batch)
    assert m.Student.objects.filter(personal_file_number="Л-0001").exists()


# --- Access ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "students", "staff", "timetable"),
    [
        ("admin", True, True, True),
        ("secretary", True, False, False),
        ("hr", False, True, False),
        ("director", False, False, False),
        ("deputy", False, False, True),
        ("teacher", False, False, False),
        ("class_teacher", False, False, False),
        ("parent", False, False, False),
        ("student", False, False, False),
    ],
)
def test_who_may_import_what(client, world, persona, students, staff, timetable):
    client.force_login(world.users[persona])
    any_kind = students or staff or timetable
    assert client.get(reverse("imports:index")).status_code == (200 if any_kind else 403)
    assert client.get(reverse("imports:upload")).status_code == (200 if any_kind else 403)
    for kind, allowed in (("students", students), ("staff", staff)):
        url = reverse("imports:template", args=[kind, "csv"])
        assert client.get(url).status_code == (200 if allowed else 403), kind
        data = (
            csv_bytes(GOOD_ROWS)
            if kind == "students"
            else csv_bytes(
                [["К-1", "Кузнецова", "Анна", "", "", "", "", "", ""]], header=STAFF_HEADER
            )
        )
        response = client.post(
            reverse("imports:upload"), {"kind": kind, "file": SimpleUploadedFile("x.csv", data)}
        )
        if allowed:
            assert response.status_code == 302, kind
        else:
            assert response.status_code in (200, 403), kind  # not a choice, or no page at all
    expected_batches = int(students) + int(staff)
    assert ImportBatch.objects.filter(uploaded_by=world.users[persona]).count() == (
        expected_batches
    )


def test_the_index_lists_only_the_kinds_the_user_may_import(client, world):
    client.force_login(world.users["secretary"])
    page = client.get(reverse("imports:index")).content.decode()
    assert 'id="import-kind-students"' in page and 'id="import-kind-staff"' not in page


def test_anonymous_visitors_are_sent_to_login(client, world):
    for url in (
        reverse("imports:index"),
        reverse("imports:upload"),
        reverse("imports:template", args=["students", "xlsx"]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_another_users_draft_and_another_schools_batch_are_not_found(client, world):
    batch = services.create_batch(
        school=world.school,
        kind="students",
        actor=Actor(world.users["secretary"]),
        file_name="a.csv",
        data=csv_bytes(GOOD_ROWS),
    )
    for persona in ("admin", "outsider"):
        client.force_login(world.users[persona])
        assert client.get(reverse("imports:batch", args=[batch.pk])).status_code == 404
        assert client.post(reverse("imports:commit", args=[batch.pk])).status_code == 404
    assert not m.Student.objects.filter(personal_file_number="И-001").exists()


def test_a_user_who_lost_the_role_cannot_commit_their_draft(client, world):
    user = grant(UserFactory(username="temp"), world.school, "secretary")
    batch = services.create_batch(
        school=world.school,
        kind="students",
        actor=Actor(user),
        file_name="a.csv",
        data=csv_bytes(GOOD_ROWS),
    )
    Membership.objects.filter(user=user).update(role="teacher")
    client.force_login(user)
    assert client.post(reverse("imports:commit", args=[batch.pk])).status_code == 403
    assert not m.Student.objects.filter(personal_file_number="И-001").exists()


def test_commit_needs_post(admin_client, world):
    batch, _plan = upload_and_preview(admin_client, csv_bytes(GOOD_ROWS))
    assert admin_client.get(reverse("imports:commit", args=[batch.pk])).status_code == 405


# --- Guardians and query budget --------------------------------------------------------------


def test_siblings_in_one_file_share_their_guardian(admin_client, world):
    rows = [
        student_row("С-1", "Соколов", g1="Соколова Нина Павловна", g1_phone="+7 900 1234567"),
        student_row(
            "С-2",
            "Соколова",
            "Вера",
            gender="Ж",
            cls="6Б",
            g1="Соколова Нина Павловна",
            g1_phone="8 900 123-45-67",
        ),
    ]
    batch, _plan = upload_and_preview(admin_client, csv_bytes(rows))
    commit(admin_client, batch)
    guardian = m.Guardian.objects.get(school=world.school, last_name="Соколова")
    assert guardian.children.count() == 2


def test_a_guardian_of_a_student_already_in_the_register_is_linked_not_duplicated(
    admin_client, world
):
    world.guardian.last_name, world.guardian.first_name = "Морозова", "Ольга"
    world.guardian.phone = "+7 900 765-43-21"
    world.guardian.save()
    row = student_row("С-3", "Морозов", g1="Морозова Ольга", g1_phone="+79007654321")
    batch, _plan = upload_and_preview(admin_client, csv_bytes([row]))
    commit(admin_client, batch)
    assert m.Guardian.objects.filter(last_name="Морозова").count() == 1
    assert world.guardian.children.count() == 2


def test_the_preview_costs_a_bounded_number_of_queries(
    admin_client, world, django_assert_max_num_queries
):
    small = services.create_batch(
        school=world.school,
        kind="students",
        actor=Actor(world.users["admin"]),
        file_name="s.csv",
        data=csv_bytes(GOOD_ROWS),
    )
    rows = [student_row(f"Q-{n}", f"Фамилия{n}", g1=f"Родитель{n} Анна") for n in range(300)]
    big = services.create_batch(
        school=world.school,
        kind="students",
        actor=Actor(world.users["admin"]),
        file_name="b.csv",
        data=csv_bytes(rows),
    )
    with django_assert_max_num_queries(8):
        services.plan_batch(small)
    with django_assert_max_num_queries(8):
        plan = services.plan_batch(big)
    assert plan.counts["new"] == 300


def test_stale_drafts_are_purged_but_committed_batches_stay(admin_client, world):
    draft = services.create_batch(
        school=world.school,
        kind="students",
        actor=Actor(world.users["admin"]),
        file_name="d.csv",
        data=csv_bytes(GOOD_ROWS),
    )
    done, _plan = upload_and_preview(admin_client, csv_bytes(GOOD_ROWS))
    commit(admin_client, done)
    assert services.purge_stale_batches() == 0
    with time_machine.travel(datetime(2026, 11, 28, 10, 0, tzinfo=ZoneInfo("Europe/Moscow"))):
        assert services.purge_stale_batches() == 1
    assert not ImportBatch.objects.filter(pk=draft.pk).exists()
    assert ImportBatch.objects.filter(pk=done.pk).exists()


def test_an_upload_sweeps_drafts_abandoned_for_a_week(db):
    from datetime import timedelta

    from django.utils import timezone

    from zhurnal.accounts.models import Role
    from zhurnal.imports import services
    from zhurnal.imports.models import ImportBatch

    from .factories import SchoolFactory, UserFactory, grant

    school = SchoolFactory()
    user = grant(UserFactory(), school, Role.ADMIN)
    csv = "Табельный номер;Фамилия;Имя\n1;Петрова;Анна\n".encode()
    old = services.create_batch(
        school=school, kind="staff", actor=Actor(user), file_name="a.csv", data=csv
    )
    ImportBatch.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=8))
    services.create_batch(
        school=school, kind="staff", actor=Actor(user), file_name="b.csv", data=csv
    )
    assert not ImportBatch.objects.filter(pk=old.pk).exists()
