"""The audit trail in words (issue 15): every kind of event told as a Russian sentence, with
values formatted and no program data (dict reprs, None, True, ISO dates) on the page."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.urls import reverse
from django.utils import translation

from tests.factories import StaffFactory, StudentFactory, UserFactory, YearFactory, grant
from zhurnal.audit.describe import DESCRIBERS, Lookups, describe
from zhurnal.audit.models import AuditAction, AuditEvent
from zhurnal.school.models import Term

LESSON = {
    "date": "2026-12-03",
    "number": 2,
    "status": "held",
    "teacher": None,
    "substitute_for": None,
    "room": "12",
    "topic": "Дроби",
    "plan_item": None,
}


@pytest.fixture
def refs(db):
    year = YearFactory()
    term = Term.objects.create(
        school=year.school,
        year=year,
        kind="quarter",
        number=2,
        start=date(2026, 11, 5),
        end=date(2026, 12, 28),
    )
    teacher = StaffFactory(school=year.school, last_name="Петрова", first_name="Анна")
    absent = StaffFactory(school=year.school, last_name="Сидорова", first_name="Ольга")
    return {"year": year, "term": term, "teacher": teacher, "absent": absent}


def payloads(refs) -> dict[str, tuple[str, dict | None, dict | None]]:
    """A representative event of each kind, in the shape its ``events`` function writes."""
    term, teacher, absent = refs["term"].pk, refs["teacher"].pk, refs["absent"].pk
    mark = {"value": "4", "comment": "", "version": 1, "lesson_date": "2026-12-03", "column": 1}
    period = {"kind": "term", "term": term, "value": "5", "version": 1}
    remark = {"status": "open", "due": "2026-12-10", "teacher": teacher, "kind": "topics"}
    absence_day = {
        "date": "2026-12-01",
        "reason": "У",
        "whole_day": True,
        "document": "справка № 7",
        "version": 1,
    }
    return {
        AuditAction.PERSONAL_CARD_VIEWED: ("school.student", None, None),
        AuditAction.PERSONAL_DATA_EXPORTED: ("school.student", None, None),
        AuditAction.CREDENTIALS_ISSUED: (
            "school.guardian",
            None,
            {"username": "belova.m", "kind": "guardian", "reissued": False},
        ),
        AuditAction.SESSIONS_REVOKED: ("accounts.user", None, None),
        AuditAction.ROLES_SET: ("school.staff", {"roles": []}, {"roles": ["teacher", "deputy"]}),
        AuditAction.TOKEN_ISSUED: ("accounts.apitoken", None, None),
        AuditAction.TOKEN_REVOKED: ("accounts.apitoken", None, {"revoked_at": "2026-12-05T10:00"}),
        AuditAction.SIGNED_IN_REGIONALLY: ("accounts.user", None, {"issuer": "https://id.region"}),
        AuditAction.IDENTITY_LINKED: (
            "accounts.user",
            None,
            {"issuer": "https://id.region", "email": "a@b.ru", "by": "code"},
        ),
        AuditAction.IDENTITY_UNLINKED: (
            "accounts.user",
            {"issuer": "https://id.region", "email": ""},
            None,
        ),
        AuditAction.SECOND_FACTOR_ON: ("accounts.user", None, None),
        AuditAction.SECOND_FACTOR_OFF: ("accounts.user", None, None),
        AuditAction.RECOVERY_CODES_ISSUED: ("accounts.user", None, None),
        AuditAction.SECOND_FACTOR_RESET: ("school.staff", None, None),
        AuditAction.CREATED: (
            "school.academicyear",
            None,
            {"title": "2027/2028", "start": "2027-09-01"},
        ),
        AuditAction.UPDATED: ("school.academicyear", {"title": "2026/27"}, {"title": "2026/2027"}),
        AuditAction.DELETED: ("school.academicyear", {"title": "2025/2026"}, None),
        AuditAction.IMPORTED: (
            "school.student",
            None,
            {"last_name": "Белова", "birth_date": "2014-03-15"},
        ),
        AuditAction.MOVEMENT: (
            "school.student",
            None,
            {
                "kind": "admission",
                "date": "2026-09-01",
                "from_class": None,
                "to_class": "4Б",
                "order": "12 от 30.08.2026",
            },
        ),
        AuditAction.COURSE_PLAN_CHOSEN: ("school.course", {"plan": None}, {"plan": 3}),
        AuditAction.TERM_ACKNOWLEDGED: (
            "diary.termacknowledgement",
            None,
            {"term": term, "acknowledged": True},
        ),
        AuditAction.LESSONS_GENERATED: (
            "",
            None,
            {
                "from": "2026-09-01",
                "to": "2026-12-28",
                "created": 120,
                "updated": 2,
                "deleted": 0,
                "unchanged": 3,
                "needs_decision": [5],
            },
        ),
        AuditAction.LESSON_ADDED: ("timetable.lesson", None, LESSON),
        AuditAction.LESSON_MOVED: (
            "timetable.lesson",
            LESSON,
            {**LESSON, "date": "2026-12-04", "number": 5},
        ),
        AuditAction.LESSON_CANCELLED: (
            "timetable.lesson",
            LESSON,
            {**LESSON, "status": "cancelled"},
        ),
        AuditAction.LESSON_RESTORED: (
            "timetable.lesson",
            {**LESSON, "status": "cancelled"},
            LESSON,
        ),
        AuditAction.SUBSTITUTION: (
            "timetable.lesson",
            {**LESSON, "teacher": absent},
            {**LESSON, "teacher": teacher, "substitute_for": absent},
        ),
        AuditAction.LESSON_CHANGED: ("timetable.lesson", {"room": "12"}, {"room": "14"}),
        AuditAction.TOPIC_SET: ("timetable.lesson", {**LESSON, "topic": ""}, LESSON),
        AuditAction.COLUMN_ADDED: (
            "journal.gradecolumn",
            None,
            {"lesson": 7, "lesson_date": "2026-12-03", "work_type": "КР", "weight": "2.0"},
        ),
        AuditAction.MARK_SET: ("journal.mark", mark, {**mark, "value": "5", "version": 2}),
        AuditAction.MARK_DELETED: ("journal.mark", mark, None),
        AuditAction.ATTENDANCE_SET: (
            "journal.attendance",
            None,
            {"code": "Н", "version": 1, "lesson_date": "2026-12-03"},
        ),
        AuditAction.ATTENDANCE_DELETED: (
            "journal.attendance",
            {"code": "Н", "version": 1, "lesson_date": "2026-12-03"},
            None,
        ),
        AuditAction.ROLL_CALL_TAKEN: (
            "journal.rollcall",
            None,
            {"lesson": 7, "lesson_date": "2026-12-03", "roll_call": 2, "late": False},
        ),
        AuditAction.PERIOD_MARK_SET: ("journal.periodmark", None, period),
        AuditAction.PERIOD_MARK_DELETED: ("journal.periodmark", period, None),
        AuditAction.HOMEWORK_SET: (
            "journal.homework",
            None,
            {"lesson_date": "2026-12-03", "text": "№ 12", "links": [], "minutes": 20, "version": 1},
        ),
        AuditAction.HOMEWORK_DELETED: (
            "journal.homework",
            {"lesson_date": "2026-12-03", "text": "№ 12", "links": [], "minutes": 20, "version": 1},
            None,
        ),
        AuditAction.ATTACHMENT_ADDED: (
            "journal.homeworkattachment",
            None,
            {"name": "задачи.pdf", "size": 20480, "lesson_date": "2026-12-03"},
        ),
        AuditAction.NOTE_ADDED: (
            "journal.studentnote",
            None,
            {"kind": "praise", "text": "Отличный ответ", "lesson_date": "2026-12-03"},
        ),
        AuditAction.ABSENCE_RECORDED: (
            "journal.absence",
            None,
            {"start": "2026-12-01", "end": "2026-12-04", "reason": "Б"},
        ),
        AuditAction.ABSENCE_DAY_SET: (
            "journal.absenceday",
            {**absence_day, "reason": "Н", "document": ""},
            absence_day,
        ),
        AuditAction.ABSENCE_DAY_DELETED: ("journal.absenceday", absence_day, None),
        AuditAction.JOURNAL_UNLOCKED: (
            "journal.unlock",
            None,
            {"start": "2026-11-01", "end": "2026-11-10", "until": "2026-12-10"},
        ),
        AuditAction.REMARK_WRITTEN: (
            "oversight.journalremark",
            None,
            {**remark, "text": "Нет тем"},
        ),
        AuditAction.REMARK_FIXED: (
            "oversight.journalremark",
            remark,
            {**remark, "status": "fixed"},
        ),
        AuditAction.REMARK_REOPENED: ("oversight.journalremark", remark, remark),
        AuditAction.REMARK_ACCEPTED: ("oversight.journalremark", remark, remark),
        AuditAction.CHECK_REPORT_SAVED: (
            "oversight.checkreport",
            None,
            {"start": "2026-11-01", "end": "2026-11-30"},
        ),
        AuditAction.SUPPORT_RECORDED: (
            "oversight.supportaction",
            None,
            {"kind": "parents", "day": "2026-12-02"},
        ),
        AuditAction.YEAR_CLOSED: (
            "school.academicyear",
            None,
            {"closed_at": "2027-06-01T12:00:00+03:00", "gaps": {"topics": 2}},
        ),
        AuditAction.YEAR_REOPENED: (
            "school.academicyear",
            {"closed_at": "2027-06-01T12:00:00+03:00"},
            None,
        ),
        AuditAction.YEAR_CREATED: (
            "school.academicyear",
            None,
            {
                "from": "2026/2027",
                "start": "2027-09-01",
                "end": "2028-05-31",
                "terms": 4,
                "holidays": 6,
                "curriculum": 40,
                "plans": 12,
            },
        ),
        AuditAction.CLASS_PROMOTED: (
            "school.schoolclass",
            None,
            {"to": "5Б", "order": "40 от 30.05.2027", "promote": 25, "keep": 1, "graduate": 0},
        ),
        AuditAction.JOURNAL_PRINTED: (
            "school.schoolclass",
            None,
            {"document": "сводная ведомость", "pages": 3},
        ),
        AuditAction.ARCHIVE_BUILT: (
            "archive.archivepackage",
            None,
            {"year": 1, "version": 1, "files": 14, "manifest_sha256": "ab" * 32},
        ),
        AuditAction.ARCHIVE_DOWNLOADED: ("archive.archivepackage", None, {"version": 1}),
        AuditAction.BACKUP_MADE: (
            "backups.backuprun",
            None,
            {
                "name": "b1",
                "state": "done",
                "trigger": "daily",
                "size": 1024,
                "destinations": ["local"],
            },
        ),
        AuditAction.BACKUP_RESTORED: (
            "",
            None,
            {
                "source": "b1",
                "created_at": "2026-12-01T03:00:00",
                "engine": "postgresql",
                "parts": ["db"],
            },
        ),
    }


RAW = re.compile(r"[{}\[\]]|'|\bNone\b|\bTrue\b|\bFalse\b|\d{4}-\d{2}-\d{2}|_")


def test_every_kind_of_action_has_a_representative_event(refs):
    assert set(payloads(refs)) == set(AuditAction.values)


@pytest.mark.parametrize("action", AuditAction.values)
def test_every_kind_is_told_in_russian_words_without_program_data(refs, action):
    object_type, before, after = payloads(refs)[action]
    event = AuditEvent(action=action, object_type=object_type, before=before, after=after)
    with translation.override("ru"):
        text = describe(event, Lookups())
    assert text, action
    assert re.search("[а-яё]", text, re.IGNORECASE), text
    assert not RAW.search(text), text


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        (
            AuditAction.TERM_ACKNOWLEDGED,
            "Родители ознакомились с отметками: 2-я четверть, 2026/2027.",
        ),
        (AuditAction.MOVEMENT, "по приказу № 12 от 30.08.2026, в класс 4Б."),
        (AuditAction.MARK_SET, "Отметка за урок 03.12.2026 изменена: 4 → 5."),
        (AuditAction.MARK_DELETED, "Отметка 4 за урок 03.12.2026 удалена."),
        (AuditAction.SUBSTITUTION, "урок ведёт Петрова А."),
        (AuditAction.ROLL_CALL_TAKEN, "2 ученика отсутствовали или опоздали"),
        (AuditAction.PERIOD_MARK_SET, "за период «2-я четверть, 2026/2027»: 5"),
        (AuditAction.UPDATED, "2026/27 → 2026/2027"),
        (AuditAction.JOURNAL_PRINTED, "3 страницы"),
        (
            AuditAction.ABSENCE_DAY_SET,
            "Лист пропусков: день 01.12.2026 — без уважительной причины, весь день → день "
            "01.12.2026 — уважительная причина, весь день, документ «справка № 7».",
        ),
        (AuditAction.ATTACHMENT_ADDED, "«задачи.pdf» (20,0\xa0КБ)"),
    ],
)
def test_the_sentences_read_as_a_director_expects(refs, action, expected):
    object_type, before, after = payloads(refs)[action]
    event = AuditEvent(action=action, object_type=object_type, before=before, after=after)
    with translation.override("ru"):
        assert expected in describe(event, Lookups())


def test_every_sentence_function_is_registered_for_a_known_action():
    assert set(DESCRIBERS) <= set(AuditAction.values)


def test_an_unknown_kind_or_shape_falls_back_to_the_fields_in_words(refs):
    event = AuditEvent(
        action="something.new",
        object_type="school.academicyear",
        before={"end": "2027-05-30"},
        after={"end": "2027-05-31", "title": "2026/2027", "closed_at": None},
    )
    with translation.override("ru"):
        text = describe(event, Lookups())
    assert "30.05.2027 → 31.05.2027" in text
    assert "—" in text  # None shown as a dash
    assert not RAW.search(text), text
    # A known kind with data of another (older) shape: the generic form, not an error.
    old = AuditEvent(action=AuditAction.MARK_SET, object_type="journal.mark", after={"x": 1})
    with translation.override("ru"):
        assert describe(old, Lookups()) == "x: 1"


def test_the_trail_page_shows_sentences_not_program_data(client, refs):
    school = refs["year"].school
    student = StudentFactory(school=school, last_name="Белова", first_name="Варвара")
    AuditEvent.objects.create(
        school=school,
        action=AuditAction.TERM_ACKNOWLEDGED,
        object_type="diary.termacknowledgement",
        student=student,
        after={"term": refs["term"].pk, "acknowledged": True},
    )
    AuditEvent.objects.create(
        school=school,
        action=AuditAction.MOVEMENT,
        object_type="school.student",
        student=student,
        after={
            "kind": "admission",
            "date": "2026-09-01",
            "from_class": None,
            "to_class": "4Б",
            "order": "12 от 30.08.2026",
        },
    )
    user = grant(UserFactory(), school, "director")
    client.force_login(user)
    with translation.override("ru"):
        page = client.get(reverse("audit:trail"), HTTP_ACCEPT_LANGUAGE="ru")
    text = page.content.decode()
    assert "Родители ознакомились с отметками: 2-я четверть, 2026/2027." in text
    assert "from_class" not in text
    assert "{&#x27;" not in text and "None" not in text


def test_data_that_is_no_record_of_fields_is_still_shown_in_words():
    event = AuditEvent(
        action="something.else", object_type="", before=None, after=[1, "2026-12-01"]
    )
    assert describe(event, Lookups()) == "1, 01.12.2026"
