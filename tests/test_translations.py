"""The Russian interface: a complete catalogue, compiled and in use (DESIGN §5: Russian by default).

After changing UI texts: `make messages`, translate the new entries in
zhurnal/locale/ru/LC_MESSAGES/django.po, `make messages` again (or scripts/check-translations).
"""

import ast
import gettext as stdlib_gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.utils import translation
from django.utils.translation import gettext, ngettext

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "zhurnal" / "locale"
RU_PO = LOCALE / "ru" / "LC_MESSAGES" / "django.po"
RU_MO = LOCALE / "ru" / "LC_MESSAGES" / "django.mo"
EN_PO = LOCALE / "en" / "LC_MESSAGES" / "django.po"
EN_MO = LOCALE / "en" / "LC_MESSAGES" / "django.mo"
TEMPLATES = ROOT / "zhurnal" / "templates"

RU_PLURAL_FORMS = (
    "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && "
    "(n%100<10 || n%100>=20) ? 1 : 2);"
)


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False


def parse_po(path: Path) -> list[Entry]:
    """A small parser of the .po format (enough for catalogues written by gettext tools)."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int] | None = None

    def start() -> Entry:
        entry = Entry()
        entries.append(entry)
        return entry

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            current, target = None, None
            continue
        if line.startswith("#~"):
            if current is None:
                current = start()
            current.obsolete = True
            continue
        if line.startswith("#,"):
            if current is None:
                current = start()
            current.flags |= {flag.strip() for flag in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        if current is None:
            current = start()
        keyword, _, rest = line.partition(" ")
        if keyword == "msgctxt":
            current.msgctxt, target = ast.literal_eval(rest), ("msgctxt", 0)
        elif keyword == "msgid":
            current.msgid, target = ast.literal_eval(rest), ("msgid", 0)
        elif keyword == "msgid_plural":
            current.msgid_plural, target = ast.literal_eval(rest), ("msgid_plural", 0)
        elif keyword == "msgstr" or keyword.startswith("msgstr["):
            index = int(keyword[7:-1]) if keyword != "msgstr" else 0
            current.msgstr[index], target = ast.literal_eval(rest), ("msgstr", index)
        elif line.startswith('"') and target is not None:
            value = ast.literal_eval(line)
            if target[0] == "msgstr":
                current.msgstr[target[1]] += value
            else:
                setattr(current, target[0], getattr(current, target[0]) + value)
        else:
            raise AssertionError(f"{path}: cannot parse line {raw!r}")
    return entries


def messages(path: Path) -> list[Entry]:
    """The entries of a catalogue without its header and obsolete (#~) entries."""
    return [e for e in parse_po(path) if e.msgid and not e.obsolete]


def header(path: Path) -> str:
    return next(e for e in parse_po(path) if not e.msgid).msgstr[0]


PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{(\w+)\}")


def placeholders(text: str) -> list[str]:
    return sorted(m.group(1) or m.group(2) for m in PLACEHOLDER.finditer(text))


def label(entry: Entry) -> str:
    return repr(entry.msgid[:70])


# --- the catalogue itself -------------------------------------------------------------------


def test_russian_catalogue_declares_russian_and_three_plural_forms():
    head = header(RU_PO)
    assert "Language: ru\n" in head
    assert f"Plural-Forms: {RU_PLURAL_FORMS}\n" in head
    assert "charset=UTF-8" in head


def test_every_message_has_a_russian_translation_and_none_is_fuzzy():
    entries = messages(RU_PO)
    assert len(entries) > 300, "the catalogue looks truncated"
    untranslated = [
        label(e)
        for e in entries
        if not e.msgstr or any(not e.msgstr.get(i, "").strip() for i in range(len(e.msgstr)))
    ]
    fuzzy = [label(e) for e in entries if "fuzzy" in e.flags]
    wrong_plurals = [label(e) for e in entries if e.msgid_plural and sorted(e.msgstr) != [0, 1, 2]]
    assert untranslated == [], f"untranslated in {RU_PO.relative_to(ROOT)}: {untranslated}"
    assert fuzzy == [], f"fuzzy (check and remove the flag): {fuzzy}"
    assert wrong_plurals == [], f"plural entries need msgstr[0], [1] and [2]: {wrong_plurals}"


def test_russian_translations_keep_every_placeholder():
    """No placeholder may be lost or invented (a plural form may leave out only the count)."""
    broken = []
    for e in messages(RU_PO):
        source = set(placeholders(e.msgid)) | set(placeholders(e.msgid_plural or ""))
        required = source - {"n", "count"} if e.msgid_plural else source
        for text in e.msgstr.values():
            got = set(placeholders(text))
            if not required <= got <= source:
                broken.append(f"{label(e)} -> {text!r}")
    assert broken == []


def test_russian_translations_are_in_russian():
    # Proper names, codes and format examples may stay Latin; everything else should have Cyrillic.
    latin_ok = {"English"}
    english = [
        label(e)
        for e in messages(RU_PO)
        if e.msgid not in latin_ok
        and any(not re.search("[а-яё]", text, re.IGNORECASE) for text in e.msgstr.values())
    ]
    assert english == []


def test_english_catalogue_exists_for_the_language_switch():
    assert "Language: en\n" in header(EN_PO)
    assert EN_MO.is_file()
    ru_ids = {(e.msgctxt, e.msgid) for e in messages(RU_PO)}
    en_ids = {(e.msgctxt, e.msgid) for e in messages(EN_PO)}
    assert ru_ids == en_ids, "run `make messages`: the ru and en catalogues cover different texts"


def test_compiled_catalogue_matches_the_po_file():
    """The committed .mo is what the app loads; a stale one shows old or English texts."""
    with RU_MO.open("rb") as mo:
        compiled = stdlib_gettext.GNUTranslations(mo)._catalog
    stale = []
    for e in messages(RU_PO):
        msgid = e.msgid if e.msgctxt is None else f"{e.msgctxt}\x04{e.msgid}"
        if e.msgid_plural:
            got = {i: compiled.get((msgid, i)) for i in e.msgstr}
            if got != e.msgstr:
                stale.append(label(e))
        elif compiled.get(msgid) != e.msgstr[0]:
            stale.append(label(e))
    assert stale == [], f"run `make messages` to recompile {RU_MO.relative_to(ROOT)}: {stale}"


# --- the catalogue covers the texts in the code ---------------------------------------------

TEMPLATE_TRANSLATE = re.compile(r"""{%\s*(?:translate|trans)\s+(?:"([^"]+)"|'([^']+)')""")
PYTHON_GETTEXT = re.compile(
    r"""\b(?:_|gettext|gettext_lazy)\(\s*(?:"((?:[^"\\\n]|\\.)+)"|'((?:[^'\\\n]|\\.)+)')\s*[,)]"""
)
# pgettext("context", "text"): the text is the second literal.
PYTHON_PGETTEXT = re.compile(
    r"""\bpgettext(?:_lazy)?\(\s*(?:"[^"\n]*"|'[^'\n]*')\s*,\s*"""
    r"""(?:"((?:[^"\\\n]|\\.)+)"|'((?:[^'\\\n]|\\.)+)')\s*[,)]"""
)


def source_texts() -> dict[str, str]:
    """Single-literal texts of {% translate %} and _("...") calls, mapped to where they are."""
    found: dict[str, str] = {}
    for path in TEMPLATES.rglob("*.html"):
        for match in TEMPLATE_TRANSLATE.finditer(path.read_text(encoding="utf-8")):
            found.setdefault(match.group(1) or match.group(2), str(path.relative_to(ROOT)))
    for path in (ROOT / "zhurnal").rglob("*.py"):
        if "migrations" in path.parts:
            continue
        source = path.read_text(encoding="utf-8")
        for match in [*PYTHON_GETTEXT.finditer(source), *PYTHON_PGETTEXT.finditer(source)]:
            literal = match.group(1) if match.group(1) is not None else match.group(2)
            quote = '"' if match.group(1) is not None else "'"
            found.setdefault(ast.literal_eval(quote + literal + quote), str(path.relative_to(ROOT)))
    return found


def test_catalogue_covers_the_texts_of_templates_and_code():
    known = {e.msgid for e in messages(RU_PO)}
    missing = sorted(
        f"{text!r} ({where})" for text, where in source_texts().items() if text not in known
    )
    assert missing == [], "run `make messages` and translate the new entries: " + ", ".join(missing)


# --- the app uses it --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("msgid", "russian"),
    [
        ("Log in", "Войти"),
        ("Student register", "Реестр учащихся"),
        ("class teacher", "классный руководитель"),
        ("academic year", "учебный год"),
    ],
)
def test_django_shows_the_russian_text_when_russian_is_active(msgid, russian):
    with translation.override("ru"):
        assert gettext(msgid) == russian
    with translation.override("en"):
        assert gettext(msgid) == msgid


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (1, "1 класс"),
        (2, "2 класса"),
        (4, "4 класса"),
        (5, "5 классов"),
        (11, "11 классов"),
        (12, "12 классов"),
        (21, "21 класс"),
        (22, "22 класса"),
        (111, "111 классов"),
    ],
)
def test_russian_plural_forms_follow_the_number(n, expected):
    with translation.override("ru"):
        assert ngettext("%(n)s class", "%(n)s classes", n) % {"n": n} == expected


@pytest.mark.django_db
def test_login_page_is_in_russian_by_default_and_in_english_once_chosen(client):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "Вход в Журнал" in page
    assert "Войти" in page
    assert 'lang="ru"' in page
    assert "Log in to Zhurnal" not in page

    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    page = client.get("/accounts/login/").content.decode()
    assert "Log in to Zhurnal" in page
    assert "Вход в Журнал" not in page


@pytest.mark.django_db
def test_login_errors_are_in_russian(client):
    page = client.post("/accounts/login/", {"username": "nobody", "password": "wrong"})
    text = page.content.decode()
    assert page.status_code == 200
    assert re.search("[а-яё]{4,}", text.split("<main", 1)[1], re.IGNORECASE)
    assert "Please enter a correct" not in text
