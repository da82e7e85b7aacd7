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

from tests.test_translations import RU_PO, TEMPLATES, messages
from zhurnal.imports.columns import STUDENT_COLUMNS
from zhurnal.journal.models import Absence, AbsenceReason
from zhurnal.school.models import Gender, Student

# English words that mean different things on different pages («Из класса» / «С» / «Кому»):
# a msgid equal to one of them must have a context.
AMBIGUOUS = {"From", "To", "Order", "Open", "open", "new", "New", "order"}
# Lower-case words kept without a context for their usual meaning; another meaning needs one.
DEFAULT_MEANING = {"from": "с", "to": "по", "subject": "предмет", "Subject": "Предмет"}


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
