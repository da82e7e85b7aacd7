"""The issue's end-to-end flow: the admin logs in, creates a class, imports its list with one
bad row, sees the error, fixes the file, imports it and sees the students."""

from __future__ import annotations

from datetime import date

import pytest

from zhurnal.accounts.models import Role
from zhurnal.school import models as m

from ..factories import GradeLevelFactory, SchoolFactory, UserFactory, YearFactory, grant
from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADER = (
    "№ личного дела;Фамилия;Имя;Отчество;Дата рождения;Пол (М/Ж);Класс;Номер приказа;"
    "Дата приказа;Родитель 1 ФИО;Родитель 1 кем приходится;Родитель 1 телефон\n"
)
GOOD_ROWS = (
    "Л-501;Соколова;Анна;Игоревна;12.04.2015;Ж;5В;77-у;01.09.2026;"
    "Соколова Ирина Павловна;мать;+7 900 111-22-33\n"
    "Л-502;Морозов;Пётр;Андреевич;03.02.2015;М;5В;77-у;01.09.2026;"
    "Морозов Андрей Ильич;отец;+7 900 222-33-44\n"
)
BAD_ROW = "Л-503;Волкова;Дарья;;31.02.2015;Ж;5В;77-у;01.09.2026;;;\n"
FIXED_ROW = "Л-503;Волкова;Дарья;;28.02.2015;Ж;5В;77-у;01.09.2026;;;\n"


@pytest.fixture
def school_admin():
    today = date.today()
    start_year = today.year if today.month >= 9 else today.year - 1
    school = SchoolFactory(short_name="СОШ № 7")
    YearFactory(
        school=school,
        title=f"{start_year}/{start_year + 1}",
        start=date(start_year, 9, 1),
        end=date(start_year + 1, 5, 31),
    )
    GradeLevelFactory(school=school, number=5)
    user = UserFactory(username="director7", first_name="Нина")
    grant(user, school, Role.ADMIN)
    return school, user


def _upload(page, tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content, encoding="cp1251")  # as Excel in Russia saves CSV
    page.goto("/import/upload/?kind=students")
    page.set_input_files("input[type=file]", str(path))
    page.click("#import-upload")


def test_admin_creates_a_class_and_imports_its_list(page, school_admin, tmp_path):
    school, _ = school_admin
    page.goto("/")
    page.fill("input[name=username]", "director7")
    page.fill("input[name=password]", "correct-horse-42")
    page.press("input[name=password]", "Enter")
    page.wait_for_url("**/")
    assert "СОШ № 7" in page.inner_text("header")

    # Create class 5В from the structure pages.
    page.goto("/school/classes/new/")
    page.select_option("select[name=grade_level]", label="5")
    page.fill("input[name=letter]", "В")
    page.click("form.stacked button[type=submit]")
    page.wait_for_url("**/school/classes/")
    assert "5В" in page.inner_text("main")
    school_class = m.SchoolClass.objects.get(school=school, letter="В")

    # A class list with a bad date in line 4: the preview shows it and nothing is saved.
    _upload(page, tmp_path, "5v.csv", HEADER + GOOD_ROWS + BAD_ROW)
    screenshot(page, "import-preview-with-error")
    errors = page.inner_text("#import-errors")
    screenshot(page, "import-preview-with-error")
    assert "4" in errors and "31.02.2015" in errors
    assert page.locator("#import-commit").count() == 0
    assert not m.Student.objects.filter(school=school).exists()

    # The fixed file imports all three students with their guardians.
    _upload(page, tmp_path, "5v-fixed.csv", HEADER + GOOD_ROWS + FIXED_ROW)
    assert page.locator("#import-errors").count() == 0
    page.click("#import-commit")
    page.wait_for_url("**/students/**")
    page.goto(f"/classes/{school_class.pk}/")
    screenshot(page, "class-after-import")
    roster = page.inner_text("main")
    for name in ("Соколова Анна Игоревна", "Морозов Пётр Андреевич", "Волкова Дарья"):
        assert name in roster
    assert m.Enrollment.objects.filter(school_class=school_class, end__isnull=True).count() == 3
    assert m.StudentGuardian.objects.filter(student__school=school).count() == 2
