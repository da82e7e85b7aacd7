"""The record-keeping rules of seed 002 in the journal's services, with time travel (issue 4):
scales, no backdating, future and cancelled lessons, the list of a lesson, the grace window and
reasons, late flags, locks and unlocks, the no-lost-update check, and the audit trail."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from zhurnal.audit.actor import Actor
from zhurnal.audit.models import AuditAction, AuditEvent
from zhurnal.journal import services
from zhurnal.journal.models import (
    Attendance,
    JournalPolicy,
    Mark,
    PeriodKind,
    PeriodMark,
    WorkCategory,
    WorkType,
)
from zhurnal.journal.scales import MarkError
from zhurnal.timetable import services as timetable_services
from zhurnal.timetable.models import Lesson

from .personas import build_world

# Messages are read by their English msgids here; Russian is checked in test_translations.py.
pytestmark = pytest.mark.usefixtures("english")

MSK = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=MSK)  # Friday; the world's lesson was on Wednesday


def at(*args) -> time_machine.travel:
    return time_machine.travel(datetime(*args, tzinfo=MSK), tick=False)


@pytest.fixture
def world(db):
    with at(2026, 11, 20, 10, 0):
        yield build_world()


@pytest.fixture
def work_types(world):
    oral = WorkType.objects.create(
        school=world.school, code="У", name="Устный ответ", category=WorkCategory.ORAL
    )
    test = WorkType.objects.create(
        school=world.school, code="КР", name="Контрольная работа", weight=Decimal(2)
    )
    return oral, test


@pytest.fixture
def column(world, work_types):
    with at(2026, 11, 20, 10, 0):
        return services.add_column(
            lesson=world.lesson, work_type=work_types[1], actor=Actor(world.users["teacher"])
        )


def mark(world, column, value, version=0, **kwargs):
    kwargs.setdefault("actor", Actor(world.users["teacher"]))
    return services.set_mark(
        column=column, student=world.older_student, value=value, version=version, **kwargs
    )


def period_mark(world, value, version, *, kind=PeriodKind.TERM, term=None, reason=""):
    """The teacher's period mark of the older student (a term mark of the world's term)."""
    return services.set_period_mark(
        course=world.course,
        student=world.older_student,
        kind=kind,
        term=world.term if term is None and kind == PeriodKind.TERM else term,
        value=value,
        version=version,
        reason=reason,
        actor=Actor(world.users["teacher"]),
    )


def test_a_column_carries_its_work_type_and_weight(world, work_types, column):
    assert column.work_type.code == "КР"
    assert column.weight == Decimal(2)
    with at(2026, 11, 20, 10, 0):
        light = services.add_column(
            lesson=world.lesson,
            work_type=work_types[1],
            weight=Decimal("1.5"),
            actor=Actor.system(),
        )
    assert light.weight == Decimal("1.5")
    assert light.position == 1


def test_a_mark_is_stamped_by_the_server_and_audited(world, column):
    with at(2026, 11, 20, 10, 5):
        saved = mark(world, column, "5", comment="Хорошо")
    assert (saved.value, saved.number, saved.version, saved.late) == ("5", Decimal(5), 1, False)
    assert saved.entered_at == datetime(2026, 11, 20, 10, 5, tzinfo=MSK)
    assert saved.entered_by == world.users["teacher"]
    event = AuditEvent.objects.get(action=AuditAction.MARK_SET)
    assert event.before is None
    assert event.after == {
        "value": "5",
        "comment": "Хорошо",
        "version": 1,
        "lesson_date": "2026-11-18",
        "column": column.pk,
    }
    assert (event.student, event.course) == (world.older_student, world.course)


def test_a_value_outside_the_scale_is_refused_and_nothing_saved(world, column):
    with at(2026, 11, 20, 10, 5), pytest.raises(MarkError):
        mark(world, column, "6")
    assert not Mark.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.MARK_SET).exists()


def test_no_mark_or_attendance_on_a_future_or_cancelled_lesson(world, column, work_types):
    future = Lesson.objects.filter(course=world.course, date__gt=date(2026, 11, 20)).first()
    with at(2026, 11, 20, 10, 0):
        future_column = services.add_column(
            lesson=future, work_type=work_types[0], actor=Actor.system()
        )
        with pytest.raises(ValidationError, match="not ahead"):
            mark(world, future_column, "5")
        with pytest.raises(ValidationError, match="not ahead"):
            services.set_attendance(
                lesson=future,
                student=world.older_student,
                code="Н",
                version=0,
                actor=Actor.system(),
            )
        timetable_services.cancel_lesson(
            lesson=world.lesson, reason="Карантин", actor=Actor.system()
        )
        column.lesson.refresh_from_db()
        with pytest.raises(ValidationError, match="cancelled"):
            mark(world, column, "5")
    # On the day of the lesson, it is fine.
    with time_machine.travel(datetime.combine(future.date, datetime.min.time(), MSK), tick=False):
        assert mark(world, future_column, "4").value == "4"


def test_a_student_not_on_the_lesson_list_gets_no_mark(world, column):
    with at(2026, 11, 20, 10, 0), pytest.raises(ValidationError, match="not on the list"):
        services.set_mark(
            column=column, student=world.student, value="5", version=0, actor=Actor.system()
        )  # world.student is in 5А, the course is 6Б's


def test_a_change_on_the_same_day_needs_no_reason_a_later_one_does(world, column):
    with at(2026, 11, 20, 10, 0):
        first = mark(world, column, "3")
    with at(2026, 11, 20, 18, 0):
        second = mark(world, column, "4", version=first.version)
    assert second.version == 2
    with at(2026, 11, 21, 9, 0):
        with pytest.raises(ValidationError, match="reason"):
            mark(world, column, "5", version=2)
        third = mark(world, column, "5", version=2, reason="Пересдача")
    assert third.value == "5"
    event = AuditEvent.objects.filter(action=AuditAction.MARK_SET).latest("at")
    assert event.reason == "Пересдача"
    assert (event.before["value"], event.after["value"]) == ("4", "5")


def test_a_deletion_after_the_grace_window_needs_a_reason_and_is_audited(world, column):
    with at(2026, 11, 20, 10, 0):
        saved = mark(world, column, "2")
    with at(2026, 11, 23, 9, 0):
        with pytest.raises(ValidationError, match="reason"):
            mark(world, column, "", version=saved.version)
        assert mark(world, column, "", version=saved.version, reason="Ошибка ввода") is None
    assert not Mark.objects.exists()
    event = AuditEvent.objects.get(action=AuditAction.MARK_DELETED)
    assert (event.before["value"], event.after, event.reason) == ("2", None, "Ошибка ввода")


def test_a_school_may_give_more_grace_days(world, column):
    JournalPolicy.objects.create(school=world.school, correction_grace_days=2)
    with at(2026, 11, 20, 10, 0):
        saved = mark(world, column, "3")
    with at(2026, 11, 22, 12, 0):
        assert mark(world, column, "4", version=saved.version).value == "4"


def test_a_late_mark_is_allowed_and_flagged(world, work_types, column):
    # A test (written) of Wednesday 18.11 in grade 6 is due within 5 days: by 23.11 24:00.
    with at(2026, 11, 23, 23, 0):
        assert mark(world, column, "4").late is False
    with at(2026, 11, 20, 10, 0):
        oral = services.add_column(
            lesson=world.lesson, work_type=work_types[0], actor=Actor.system()
        )
    # An oral answer is due within a day: by 19.11 24:00.
    with at(2026, 11, 20, 10, 0):
        late = services.set_mark(
            column=oral, student=world.older_student, value="5", version=0, actor=Actor.system()
        )
    assert late.late is True


def test_a_locked_date_opens_only_after_a_deputys_unlock(world, column):
    JournalPolicy.objects.create(school=world.school, lock_after_days=3)
    # Due 23.11 24:00; locked from 27.11 00:00.
    with at(2026, 11, 26, 23, 0):
        assert mark(world, column, "3").late is True
    with at(2026, 11, 27, 9, 0):
        with pytest.raises(ValidationError, match="locked"):
            mark(world, column, "4", version=1, reason="Пересдача")
        services.unlock(
            course=world.course,
            start=date(2026, 11, 16),
            end=date(2026, 11, 20),
            days=2,
            reason="Болезнь учителя",
            actor=Actor(world.users["deputy"]),
        )
        assert mark(world, column, "4", version=1, reason="Пересдача").value == "4"
    # The unlock ends after its days.
    with at(2026, 11, 29, 9, 1), pytest.raises(ValidationError, match="locked"):
        mark(world, column, "5", version=2, reason="Пересдача")
    assert AuditEvent.objects.filter(action=AuditAction.JOURNAL_UNLOCKED).count() == 1


def test_the_second_of_two_concurrent_saves_is_told_the_cell_changed(world, column):
    """Teacher and substitute (or two tabs) both saw the empty cell."""
    with at(2026, 11, 20, 10, 0):
        mark(world, column, "4")
        with pytest.raises(services.StaleEntry) as stale:
            mark(world, column, "5", version=0)
    assert stale.value.current.value == "4"
    assert Mark.objects.get().value == "4"


def test_a_lock_stops_deleting_too(world, column):
    """A locked date's marks stay as they are: emptying a cell is a change like any other."""
    JournalPolicy.objects.create(school=world.school, lock_after_days=3)
    with at(2026, 11, 20, 10, 0):
        mark(world, column, "3")
    with at(2026, 11, 27, 9, 0):
        with pytest.raises(ValidationError) as refused:
            mark(world, column, "", version=1, reason="Ошибка")
        assert refused.value.code == "locked"
        assert Mark.objects.get().value == "3"
        services.unlock(
            course=world.course,
            start=date(2026, 11, 18),
            end=date(2026, 11, 18),
            days=1,
            reason="Исправление ошибки",
            actor=Actor(world.users["deputy"]),
        )
        assert mark(world, column, "", version=1, reason="Ошибка") is None
    assert not Mark.objects.exists()


def test_a_lock_stops_deleting_a_period_mark(world):
    JournalPolicy.objects.create(school=world.school, lock_after_days=2)

    def period(value, version, reason=""):
        return period_mark(world, value, version, reason=reason)

    with at(2026, 12, 25, 12, 0):
        period("5", 0)
    # Due 28.12 24:00, locked from 31.12 00:00.
    with at(2026, 12, 31, 9, 0), pytest.raises(ValidationError) as refused:
        period("", 1, reason="Ошибка")
    assert refused.value.code == "locked"
    assert PeriodMark.objects.get().value == "5"


def test_two_first_saves_of_an_empty_cell_at_once_lose_nothing(world, column, monkeypatch):
    """Both saves read the cell empty and the other one's insert lands first: ours is told
    the cell changed (the database's unique constraint refuses it), not a server error."""

    real_read = services.cells.VersionedCell.read

    def read_empty_while_the_other_saves(same_cell):
        cell = real_read(same_cell)
        Mark.objects.create(
            school=world.school,
            column=column,
            student=world.older_student,
            value="2",
            number=Decimal(2),
            entered_at=NOW,
            changed_at=NOW,
            version=1,
        )
        return cell

    monkeypatch.setattr(
        services.cells.VersionedCell, "read", staticmethod(read_empty_while_the_other_saves)
    )
    with at(2026, 11, 20, 10, 0), pytest.raises(services.StaleEntry) as stale:
        mark(world, column, "5", version=0)
    # (The other save's row lives in this test's own transaction, so it is rolled back with
    # the refused save here; in the real case it was committed by the other request.)
    assert stale.value.current.value == "2"
    assert not AuditEvent.objects.filter(action=AuditAction.MARK_SET).exists()


def test_a_topic_entered_after_the_lesson_day_is_flagged_late(world):
    """Seed 002: the topic by 24:00 of the lesson day (18.11); ahead is fine."""
    teacher = world.users["teacher"]
    lesson = world.lesson
    with at(2026, 11, 18, 23, 59):
        services.record_topic(lesson=lesson, topic="Дроби", actor=Actor(teacher))
    assert lesson.topic_late is False
    # A correction later keeps the first entry's verdict.
    with at(2026, 11, 20, 10, 0):
        services.record_topic(lesson=lesson, topic="Дроби, повторение", actor=Actor(teacher))
    lesson.refresh_from_db()
    assert (lesson.topic, lesson.topic_late) == ("Дроби, повторение", False)
    # Cleared, then entered again after the day: late.
    with at(2026, 11, 20, 10, 5):
        services.record_topic(lesson=lesson, topic="", actor=Actor(teacher))
        assert lesson.topic_late is False
        services.record_topic(lesson=lesson, topic="Дроби", actor=Actor(teacher))
    lesson.refresh_from_db()
    assert lesson.topic_late is True
    # Ahead of the lesson: never late.
    ahead = Lesson.objects.filter(course=world.course, date__gt=date(2026, 11, 20)).first()
    with at(2026, 11, 20, 10, 0):
        services.record_topic(lesson=ahead, topic="Проценты", actor=Actor(teacher))
    assert ahead.topic_late is False


def test_a_locked_date_refuses_a_topic_until_a_deputy_unlocks(world):
    JournalPolicy.objects.create(school=world.school, lock_after_days=3)
    teacher = world.users["teacher"]
    # Due 18.11 24:00; locked from 22.11 00:00.
    with at(2026, 11, 22, 9, 0):
        with pytest.raises(ValidationError) as refused:
            services.record_topic(lesson=world.lesson, topic="Дроби", actor=Actor(teacher))
        assert refused.value.code == "locked"
        world.lesson.refresh_from_db()
        assert world.lesson.topic == ""
        services.unlock(
            course=world.course,
            start=date(2026, 11, 18),
            end=date(2026, 11, 18),
            days=1,
            reason="Болезнь учителя",
            actor=Actor(world.users["deputy"]),
        )
        services.record_topic(lesson=world.lesson, topic="Дроби", actor=Actor(teacher))
    world.lesson.refresh_from_db()
    assert (world.lesson.topic, world.lesson.topic_late) == ("Дроби", True)


def test_a_double_submit_changes_nothing(world, column):
    with at(2026, 11, 20, 10, 0):
        first = mark(world, column, "4")
        again = mark(world, column, "4", version=0)
    assert again.pk == first.pk and again.version == 1
    assert AuditEvent.objects.filter(action=AuditAction.MARK_SET).count() == 1


def test_work_owed_then_replaced_by_a_mark(world, column):
    with at(2026, 11, 20, 10, 0):
        owed = mark(world, column, ".")
        assert (owed.value, owed.number) == ("•", None)
        assert mark(world, column, "4", version=1).number == Decimal(4)


def test_attendance_codes_are_entered_changed_and_cleared(world):
    def attend(code, version):
        return services.set_attendance(
            lesson=world.lesson,
            student=world.older_student,
            code=code,
            version=version,
            actor=Actor(world.users["teacher"]),
        )

    # Due on the day of the lesson (18.11) by 24:00: Friday's entry is late.
    with at(2026, 11, 20, 10, 0):
        entry = attend("н", 0)
        assert (entry.code, entry.late) == ("Н", True)
        assert attend("Б", 1).version == 2
        with pytest.raises(ValidationError, match="attendance code"):
            attend("X", 2)
        assert attend("", 2) is None
    assert not Attendance.objects.exists()
    # Entered, changed, removed: each named for what it was.
    assert AuditEvent.objects.filter(action=AuditAction.ATTENDANCE_SET).count() == 2
    assert AuditEvent.objects.filter(action=AuditAction.ATTENDANCE_DELETED).count() == 1


def test_period_marks_by_the_teachers_action_with_special_entries(world):
    def period(value, version, kind=PeriodKind.TERM, term=world.term, reason=""):
        return period_mark(world, value, version, kind=kind, term=term, reason=reason)

    with at(2026, 12, 25, 12, 0):
        saved = period("5", 0)
        assert (saved.value, saved.late) == ("5", False)
        with pytest.raises(MarkError):
            period("•", 1)
        with pytest.raises(ValidationError, match="term"):
            period("5", 0, kind=PeriodKind.YEAR)
        assert period("н/а", 1).value == "н/а"
    # After the last school day of the term (28.12): late, and a change needs a reason.
    with at(2026, 12, 29, 9, 0):
        with pytest.raises(ValidationError, match="reason"):
            period("4", 2)
        changed = period("4", 2, reason="Исправлена ошибка")
    assert changed.value == "4"
    assert PeriodMark.objects.count() == 1


def test_the_absence_register_checks_its_dates_and_reason(world):
    with at(2026, 11, 20, 10, 0):
        with pytest.raises(ValidationError):
            services.record_absence(
                student=world.student,
                start=date(2026, 11, 20),
                end=date(2026, 11, 19),
                reason="Б",
                actor=Actor.system(),
            )
        with pytest.raises(ValidationError):
            services.record_absence(
                student=world.student,
                start=date(2026, 11, 16),
                end=date(2026, 11, 19),
                reason="Н",
                actor=Actor.system(),
            )
        absence = services.record_absence(
            student=world.student,
            start=date(2026, 11, 16),
            end=date(2026, 11, 19),
            reason="Б",
            document="Справка № 12",
            actor=Actor(world.users["class_teacher"]),
        )
    assert absence.entered_at == NOW
    assert AuditEvent.objects.filter(action=AuditAction.ABSENCE_RECORDED).count() == 1


def test_homework_ahead_is_fine_and_late_after_two_hours_past_the_class_day(world):
    future = Lesson.objects.filter(course=world.course, date__gt=date(2026, 11, 20)).first()
    with at(2026, 11, 20, 10, 0):
        ahead = services.set_homework(
            lesson=future,
            text="§ 12, № 340–345",
            links=["https://resh.edu.ru/subject/lesson/1"],
            minutes=30,
            version=0,
            actor=Actor(world.users["teacher"]),
        )
    assert (ahead.late, ahead.version, ahead.links) == (
        False,
        1,
        ["https://resh.edu.ru/subject/lesson/1"],
    )
    # 6Б's last lesson on 18.11 is the world's lesson; homework is due two hours after its end.
    day_end = services.class_day_end(world.lesson)
    assert day_end.date() == date(2026, 11, 18) and day_end.time() == world.lesson.ends_at
    due = day_end + timedelta(hours=2)
    with time_machine.travel(due - timedelta(minutes=1), tick=False):
        in_time = services.set_homework(
            lesson=world.lesson, text="№ 1", version=0, actor=Actor.system()
        )
    assert in_time.late is False
    in_time.delete()
    with time_machine.travel(due, tick=False):
        late = services.set_homework(
            lesson=world.lesson, text="№ 1", version=0, actor=Actor.system()
        )
    assert late.late is True


def test_homework_refuses_bad_links_and_times_and_a_double_submit_changes_nothing(world):
    with at(2026, 11, 20, 10, 0):
        with pytest.raises(ValidationError, match="web address"):
            services.set_homework(
                lesson=world.lesson,
                text="x",
                links=["javascript:alert(1)"],
                version=0,
                actor=Actor.system(),
            )
        with pytest.raises(ValidationError, match="240"):
            services.set_homework(
                lesson=world.lesson, text="x", minutes=500, version=0, actor=Actor.system()
            )
        first = services.set_homework(
            lesson=world.lesson, text="№ 5", version=0, actor=Actor.system()
        )
        again = services.set_homework(
            lesson=world.lesson, text="№ 5", version=0, actor=Actor.system()
        )
        assert again.version == first.version == 1
        with pytest.raises(services.StaleEntry):
            services.set_homework(lesson=world.lesson, text="№ 6", version=0, actor=Actor.system())
        assert (
            services.set_homework(lesson=world.lesson, text="", version=1, actor=Actor.system())
            is None
        )


def test_notes_to_a_student_on_the_list(world):
    with at(2026, 11, 20, 10, 0):
        note = services.add_note(
            lesson=world.lesson,
            student=world.older_student,
            kind="praise",
            text="  Отличный ответ  у доски ",
            actor=Actor(world.users["teacher"]),
        )
        assert note.text == "Отличный ответ у доски"
        with pytest.raises(ValidationError):
            services.add_note(
                lesson=world.lesson,
                student=world.older_student,
                kind="x",
                text="a",
                actor=Actor.system(),
            )
        with pytest.raises(ValidationError, match="not on the list"):
            services.add_note(
                lesson=world.lesson,
                student=world.student,
                kind="remark",
                text="a",
                actor=Actor.system(),
            )


def test_refusals_carry_a_machine_readable_code(world, column):
    """The grid and the API tell the reason apart (e.g. to ask for a reason) by the code."""
    with at(2026, 11, 20, 10, 0):
        saved = mark(world, column, "4")
        with pytest.raises(MarkError) as out_of_scale:
            mark(world, column, "9", version=1)
        with pytest.raises(ValidationError) as not_on_list:
            services.set_mark(
                column=column, student=world.student, value="5", version=0, actor=Actor.system()
            )
    with at(2026, 11, 21, 10, 0), pytest.raises(ValidationError) as reason:
        mark(world, column, "5", version=saved.version)
    assert out_of_scale.value.code == "out_of_scale"
    assert not_on_list.value.code == "not_on_list"
    assert reason.value.code == "reason_required"


def test_the_first_column_is_made_once_with_the_default_oral_type(world, work_types):
    with at(2026, 11, 20, 10, 0):
        first = services.first_column(lesson=world.lesson, actor=Actor.system())
        again = services.first_column(lesson=world.lesson, actor=Actor.system())
    assert first.pk == again.pk
    assert first.work_type.code == "У"  # oral first, whatever the order of creation
