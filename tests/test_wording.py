"""Russian that reads right (issue 15): one English word with several meanings carries a message
context, numbers agree with their nouns in the three Russian plural forms, and a sentence about a
student agrees with the student's gender.

A new use of an ambiguous word: give it ``pgettext``/``{% translate "…" context "…" %}`` and a
Russian translation for that meaning; see docs/architecture.md ("Wording")."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.template import Context, Template
from django.utils import translation
from django.utils.translation import ngettext

from tests.test_translations import ROOT, RU_PO, TEMPLATES, messages
from zhurnal.imports.columns import STUDENT_COLUMNS
from zhurnal.journal.models import Absence, AbsenceReason
from zhurnal.school.models import Gender, Student

# English words that mean different things on different pages («Из класса» / «С» / «Кому»):
# a msgid equal to one of them must have a context.
AMBIGUOUS = {"From", "To", "Order", "Open", "open", "new", "New", "order"}
# Lower-case words kept without a context for their usual meaning; another meaning needs one.
DEFAULT_MEANING = {
    "from": "с",
    "to": "по",
    "subject": "предмет",
    "Subject": "Предмет",
    # A person's name; a thing's (a work type's) is "Name" with a context: «Название».
    "Name": "ФИО",
}


def test_ambiguous_english_words_carry_a_message_context():
    plain = sorted(e.msgid for e in messages(RU_PO) if e.msgid in AMBIGUOUS and not e.msgctxt)
    assert plain == [], f"give these msgids a context (pgettext, translate … context): {plain}"


def test_words_without_a_context_keep_their_usual_meaning():
    for entry in messages(RU_PO):
        if entry.msgid in DEFAULT_MEANING and not entry.msgctxt:
            assert entry.msgstr[0] == DEFAULT_MEANING[entry.msgid], entry.msgid


def test_templates_do_not_translate_an_ambiguous_word_without_a_context():
    words = "|".join(sorted(AMBIGUOUS))
    plain = re.compile(r'{%\s*translate\s+"(' + words + r')"\s*(?:as\s+\w+\s*)?%}')
    found = [
        f"{path.relative_to(TEMPLATES)}: {match.group(1)}"
        for path in TEMPLATES.rglob("*.html")
        for match in plain.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == []


@pytest.mark.parametrize(
    ("context", "english", "russian"),
    [
        ("start of a date range", "From", "С"),
        ("end of a date range", "To", "По"),
        ("an e-mail's recipient", "To", "Кому"),
        ("an e-mail's subject line", "Subject", "Тема"),
        ("the class a student leaves", "From", "Из класса"),
        ("the class a student joins", "To", "В класс"),
        ("a message's recipients", "to", "кому"),
        ("a message's subject line", "subject", "тема"),
    ],
)
def test_each_meaning_has_its_own_russian_words(context, english, russian):
    template = Template(
        '{% load i18n %}{% translate "' + english + '" context "' + context + '" %}'
    )
    with translation.override("ru"):
        assert template.render(Context()) == russian


# --- plural forms ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "expected"),
    [(1, "1 страница"), (2, "2 страницы"), (5, "5 страниц"), (21, "21 страница")],
)
def test_numbers_agree_with_their_nouns(n, expected):
    with translation.override("ru"):
        text = ngettext(
            "Printed: %(document)s, %(count)d page.",
            "Printed: %(document)s, %(count)d pages.",
            n,
        ) % {"document": "журнал", "count": n}
    assert expected in text


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (1, "пропущен 1 урок"),
        (2, "пропущено 2 урока"),
        (5, "пропущено 5 уроков"),
        (21, "пропущен 21 урок"),
    ],
)
def test_a_template_count_agrees_with_its_noun(n, expected):
    template = Template(
        "{% load i18n %}{% blocktranslate count n=n %}{{ n }} lesson missed"
        "{% plural %}{{ n }} lessons missed{% endblocktranslate %}"
    )
    with translation.override("ru"):
        assert template.render(Context({"n": n})) == expected


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (1, "не более 1 ссылки"),
        (2, "не более 2 ссылок"),
        (5, "не более 5 ссылок"),
        (21, "не более 21 ссылки"),
    ],
)
def test_a_limit_agrees_with_its_noun_in_the_genitive(n, expected):
    with translation.override("ru"):
        text = ngettext("At most %(n)d link.", "At most %(n)d links.", n) % {"n": n}
    assert expected in text.lower()


def test_every_plural_entry_has_three_distinct_russian_forms_where_the_noun_changes():
    """Entries whose Russian forms are all the same usually lost a form («2 процедур»)."""
    same = [
        e.msgid
        for e in messages(RU_PO)
        if e.msgid_plural and "%(count)" in e.msgid and len(set(e.msgstr.values())) == 1
    ]
    assert same == []


# --- gender ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gender", "expected"), [(Gender.FEMALE, "болела"), (Gender.MALE, "болел")]
)
def test_an_absence_for_illness_agrees_with_the_students_gender(gender, expected):
    student = Student(last_name="Белова", first_name="Варвара", gender=gender)
    absence = Absence(
        student=student, start=date(2026, 12, 1), end=date(2026, 12, 2), reason=AbsenceReason.ILL
    )
    with translation.override("ru"):
        assert absence.reason_text == expected


def test_the_acknowledgement_badge_is_about_the_parents():
    template = Template(
        "{% load i18n %}"
        '{% translate "parents have not acknowledged" context '
        '"the parents of a student, about term marks" %}'
    )
    with translation.override("ru"):
        assert template.render(Context()) == "родители не ознакомлены"


def test_the_import_notes_agree_with_the_column_they_describe():
    columns = {c.key: c for c in STUDENT_COLUMNS}
    with translation.override("ru"):
        assert str(columns["order_number"].help).startswith("обязателен ")
        assert str(columns["order_date"].help).startswith("обязательна ")
        assert columns["email"].header == "Эл. почта"


@pytest.mark.parametrize(
    ("gender", "expected"),
    [
        ("f", "Переведена в 6 класс."),
        ("m", "Переведён в 6 класс."),
        ("", "Переведён(а) в 6 класс."),
    ],
)
def test_the_promotion_note_agrees_with_the_students_gender(gender, expected):
    from zhurnal.yearend.queries import Decision, _note

    with translation.override("ru"):
        assert _note(Decision.PROMOTE, 5, "", gender) == expected


def test_a_group_named_after_its_class_names_the_class_once(db):
    from tests.factories import SchoolClassFactory
    from zhurnal.school.models import Group

    school_class = SchoolClassFactory(letter="Б")
    group = Group(school=school_class.school, year=school_class.year, school_class=school_class)
    group.name = f"{school_class.name}, Англ. яз., гр. 1"
    assert str(group) == group.name
    group.name = "гр. 1"
    assert str(group) == f"{school_class.name}: гр. 1"


def test_marks_are_called_otmetki_in_russian():
    """The orders say «отметки»: no «оценки» for marks (оценочные процедуры are assessments)."""
    wrong = [
        e.msgid
        for e in messages(RU_PO)
        for text in e.msgstr.values()
        if re.search(r"\b[Оо]ценк[аиу]\b|\b[Оо]ценок\b", text)
    ]
    assert wrong == []


# --- labels, scripts, notifications ---------------------------------------------------------


def test_labels_are_not_rendered_with_a_colon():
    """A field's label reads as a label — capitalised, no colon (core/form_fields.html) — not
    Django's ``label_tag`` («тема:» under a heading «Тема»)."""
    found = [
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        if re.search(r"\.(label_tag|legend_tag)\b", path.read_text(encoding="utf-8"))
    ]
    assert found == []


SCRIPTS = [
    path
    for path in (ROOT / "zhurnal").rglob("static/**/*.js")
    if "vendor" not in path.relative_to(ROOT).parts
]
_STRING = re.compile(r'"((?:[^"\\\n]|\\.)*)"|\'((?:[^\'\\\n]|\\.)*)\'')


def _untranslated(source: str) -> list[str]:
    """String literals of a script that read as words for a person (a capitalised phrase, or
    Russian) outside ``gettext(…)``: they would stay in one language."""
    source = re.sub(r"/\*.*?\*/", "", source, flags=re.S)
    source = re.sub(r"(?m)(^|\s)//.*$", "", source)
    found = []
    for match in _STRING.finditer(source):
        text = match.group(1) if match.group(1) is not None else match.group(2)
        words = re.match(r"[A-ZА-ЯЁ][a-zа-яё]+[ ,.:]", text) or re.search(r"[а-яё]{3}", text)
        if words and not source[: match.start()].rstrip().endswith("gettext("):
            found.append(text)
    return found


def test_script_texts_go_through_the_javascript_catalogue():
    assert SCRIPTS, "no scripts found"
    found = {
        str(path.relative_to(ROOT)): _untranslated(path.read_text(encoding="utf-8"))
        for path in SCRIPTS
    }
    assert {path: texts for path, texts in found.items() if texts} == {}


def test_the_untranslated_script_check_finds_a_bare_text():
    assert _untranslated('say("Saved."); x = gettext("Saved."); y = "td.c"; z = "Сохранено";') == [
        "Saved.",
        "Сохранено",
    ]


@pytest.mark.parametrize(
    ("limit", "expected"),
    [(1, "1 неверный пароль"), (3, "3 неверных пароля"), (5, "5 неверных паролей")],
)
def test_the_lockout_notice_agrees_with_its_numbers(settings, limit, expected):
    from zhurnal.notifications.lockout import lock_message

    settings.AXES_FAILURE_LIMIT = limit
    settings.AXES_COOLOFF_TIME = 0.25
    settings.ZHURNAL_LOCKOUT_LOGIN_HOURS = 24
    with translation.override("ru"):
        _title, one = lock_message(username="u", address="10.0.0.1", whole_login=False, failures=0)
        _title, every = lock_message(username="u", address=None, whole_login=True, failures=21)
    assert one.startswith(expected + " подряд") and "на 15 минут" in one
    assert every.startswith("21 неверный пароль") and "за 24 часа" in every
