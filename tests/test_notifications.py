"""Notifications (issue 5): marks as a digest, an absence told the same day, notes, messages,
announcements, each user's choices, and e-mail delivery that survives a failing mail server —
retried, visible to the administrator, and delivered once. The real worker runs the tasks
(`zhurnal db_worker --batch`), so these tests commit their transactions."""

from __future__ import annotations

import smtplib
from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from zhurnal.accounts.models import Role
from zhurnal.audit.actor import Actor
from zhurnal.journal import services as journal
from zhurnal.journal.defaults import ensure_work_types
from zhurnal.messaging import services as messaging
from zhurnal.notifications.models import (
    DeliveryStatus,
    DigestItem,
    EmailDelivery,
    Kind,
    Notification,
    Preference,
)
from zhurnal.school.models import StudentGuardian

from .factories import GuardianFactory, UserFactory, grant
from .personas import build_world

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("english")]

MSK = ZoneInfo("Europe/Moscow")


class FailingBackend(BaseEmailBackend):
    """A mail server that does not answer."""

    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


def run_worker() -> None:
    call_command("db_worker", batch=True, no_startup_delay=True, stdout=StringIO(), verbosity=0)


@pytest.fixture
def world(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.ZHURNAL_DIGEST_DELAY_MINUTES = 60
    with time_machine.travel(datetime(2026, 11, 20, 10, 0, tzinfo=MSK)):
        world = build_world()
    for user in world.users.values():
        user.email = f"{user.username}@example.com"
        user.save(update_fields=["email"])
    # The student persona (15, in 6Б) gets the marks of world.course; a guardian is added.
    parent_user = UserFactory(username="mother6b", email="mother6b@example.com")
    grant(parent_user, world.school, Role.PARENT)
    guardian = GuardianFactory(school=world.school, user=parent_user)
    StudentGuardian.objects.create(
        school=world.school, student=world.older_student, guardian=guardian, relation="mother"
    )
    world.parent_6b = parent_user
    return world


def _column(world):
    work_type = ensure_work_types(world.school)[0]
    return journal.add_column(lesson=world.lesson, work_type=work_type, actor=Actor.system())


def test_marks_come_as_one_digest_after_the_delay(world):
    with time_machine.travel(datetime(2026, 11, 20, 10, 0, tzinfo=MSK), tick=False):
        column = _column(world)
        teacher = world.users["teacher"]
        journal.set_mark(
            column=column, student=world.older_student, value="5", version=0, actor=Actor(teacher)
        )
        second = _column(world)
        journal.set_mark(
            column=second, student=world.older_student, value="4", version=0, actor=Actor(teacher)
        )
        run_worker()  # the events: two lines wait in each recipient's digest
        assert DigestItem.objects.filter(user=world.parent_6b, sent_at__isnull=True).count() == 2
        assert mail.outbox == []
    with time_machine.travel(datetime(2026, 11, 20, 11, 1, tzinfo=MSK), tick=False):
        run_worker()
    to_mother = [m for m in mail.outbox if m.to == ["mother6b@example.com"]]
    assert len(to_mother) == 1
    assert "Математика, 18.11: 5" in to_mother[0].body
    assert "Математика, 18.11: 4" in to_mother[0].body
    # The student, 15, is told too (from the school's age); in the app as well.
    assert any(m.to == [world.users["student"].email] for m in mail.outbox)
    assert Notification.objects.filter(user=world.parent_6b, kind=Kind.MARKS).count() == 1
    assert not DigestItem.objects.filter(sent_at__isnull=True).exists()


def test_an_absence_today_is_told_at_once_and_a_late_one_is_not(world):
    lesson = world.lesson  # Wednesday 18.11
    with time_machine.travel(datetime(2026, 11, 18, 12, 0, tzinfo=MSK), tick=False):
        journal.set_attendance(
            lesson=lesson, student=world.older_student, code="Н", version=0, actor=Actor.system()
        )
        run_worker()
    assert [m.to for m in mail.outbox].count(["mother6b@example.com"]) == 1
    assert "absent" in mail.outbox[0].subject
    mail.outbox.clear()
    with time_machine.travel(datetime(2026, 11, 20, 12, 0, tzinfo=MSK), tick=False):
        journal.set_attendance(
            lesson=lesson, student=world.older_student, code="Б", version=1, actor=Actor.system()
        )
        run_worker()
    assert mail.outbox == []


def test_a_note_and_the_users_choices(world):
    Preference.objects.create(user=world.parent_6b, kind=Kind.NOTE, in_app=True, email=False)
    with time_machine.travel(datetime(2026, 11, 20, 10, 0, tzinfo=MSK), tick=False):
        journal.add_note(
            lesson=world.lesson,
            student=world.older_student,
            kind="praise",
            text="Отличная работа у доски",
            actor=Actor(world.users["teacher"]),
        )
        run_worker()
    assert not [m for m in mail.outbox if m.to == ["mother6b@example.com"]]
    note = Notification.objects.get(user=world.parent_6b, kind=Kind.NOTE)
    assert "Отличная работа у доски" in note.body


def test_a_failing_mail_server_then_a_working_one_delivers_once(world, settings):
    settings.EMAIL_BACKEND = "tests.test_notifications.FailingBackend"
    start = datetime(2026, 11, 20, 12, 0, tzinfo=MSK)
    with time_machine.travel(start, tick=False):
        messaging.start_thread(
            author=world.users["class_teacher"],
            school=world.school,
            recipients=[world.users["parent"].pk],
            subject="Собрание",
            body="Родительское собрание в четверг в 18:00.",
            files=[],
        )
        run_worker()
    delivery = EmailDelivery.objects.get(to_address="parent@example.com")
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)
    assert "SMTPServerDisconnected" in delivery.last_error
    # The administrator sees it.
    admin = Client()
    admin.force_login(world.users["admin"])
    page = admin.get(reverse("notifications:deliveries")).content.decode()
    assert "parent@example.com" in page
    # The server works again: the retry (after its pause) delivers, once.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(start + timedelta(minutes=2), tick=False):
        run_worker()
        run_worker()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 2)
    assert [m.to for m in mail.outbox] == [["parent@example.com"]]
    assert "Собрание" in mail.outbox[0].subject
    with time_machine.travel(start + timedelta(hours=3), tick=False):
        run_worker()
    assert len(mail.outbox) == 1


def test_a_delivery_is_given_up_after_the_last_attempt_and_can_be_sent_again(world, settings):
    settings.EMAIL_BACKEND = "tests.test_notifications.FailingBackend"
    start = datetime(2026, 11, 20, 12, 0, tzinfo=MSK)
    with time_machine.travel(start, tick=False) as clock:
        messaging.start_thread(
            author=world.users["class_teacher"],
            school=world.school,
            recipients=[world.users["parent"].pk],
            subject="Экскурсия",
            body="Экскурсия в пятницу.",
            files=[],
        )
        for _attempt in range(6):
            run_worker()
            clock.shift(timedelta(hours=3))
    delivery = EmailDelivery.objects.get(to_address="parent@example.com")
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 5)

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    admin = Client()
    admin.force_login(world.users["admin"])
    with time_machine.travel(start + timedelta(days=1), tick=False):
        admin.post(reverse("notifications:resend", kwargs={"delivery_id": delivery.pk}))
        run_worker()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert len(mail.outbox) == 1


def test_the_notifications_page_the_badge_and_the_choices(world, client):
    with time_machine.travel(datetime(2026, 11, 20, 10, 0, tzinfo=MSK), tick=False):
        journal.add_note(
            lesson=world.lesson,
            student=world.older_student,
            kind="remark",
            text="Нет тетради",
            actor=Actor(world.users["teacher"]),
        )
        run_worker()
        client.force_login(world.parent_6b)
        assert client.get(reverse("notifications:unread_badge")).content == (
            b'<span class="badge">1</span>'
        )
        page = client.get(reverse("notifications:index")).content.decode()
        assert "Нет тетради" in page
        client.post(reverse("notifications:index"))
        assert client.get(reverse("notifications:unread_badge")).content == b""
        client.post(reverse("notifications:preferences"), {"marks-app": "on"})
    choice = Preference.objects.get(user=world.parent_6b, kind=Kind.MARKS)
    assert (choice.in_app, choice.email) == (True, False)
    assert not Preference.objects.get(user=world.parent_6b, kind=Kind.NOTE).in_app


def test_only_the_administrator_sees_the_deliveries(world, client):
    for persona, status in (("admin", 200), ("deputy", 403), ("parent", 403), ("teacher", 403)):
        client.force_login(world.users[persona])
        assert client.get(reverse("notifications:deliveries")).status_code == status, persona


def test_an_announcement_reaches_the_families_of_the_class(world):
    with time_machine.travel(datetime(2026, 11, 20, 10, 0, tzinfo=MSK), tick=False):
        messaging.announce(
            author=world.users["admin"],
            school=world.school,
            title="Карантин",
            body="Занятия 6Б отменены до понедельника.",
            scope="class",
            school_class=world.class_6b,
            grade_level=None,
            audience="parents",
        )
        run_worker()
    assert [m.to for m in mail.outbox] == [["mother6b@example.com"]]


# --- term marks: published to the families, acknowledged to the class teacher -----------------


def test_a_term_mark_reaches_the_family_in_the_term_marks_digest(world, settings):
    settings.ZHURNAL_SITE_URL = "https://journal.example"
    start = datetime(2026, 11, 20, 10, 0, tzinfo=MSK)
    with time_machine.travel(start, tick=False):
        journal.set_period_mark(
            course=world.course,
            student=world.older_student,
            kind="term",
            term=world.term,
            value="5",
            version=0,
            actor=Actor(world.users["teacher"]),
        )
        run_worker()
        assert mail.outbox == []  # a digest: after the delay
    with time_machine.travel(start + timedelta(minutes=61), tick=False):
        run_worker()
    (to_mother,) = [m for m in mail.outbox if m.to == ["mother6b@example.com"]]
    assert to_mother.subject == "Term and year marks"
    assert to_mother.body == (
        f"{world.older_student.short_name}\n"
        f"  Математика: term mark ({world.term}) — 5\n\n"
        "https://journal.example/diary/"
    )
    # The student (15) too; nobody else of the school.
    assert sorted(m.to[0] for m in mail.outbox) == ["mother6b@example.com", "student@example.com"]
    note = Notification.objects.get(user=world.parent_6b, kind=Kind.PERIOD_MARKS)
    assert note.link == reverse("diary:index")


def _acknowledge(world, user, day):
    from zhurnal.diary.services import acknowledge_term

    return acknowledge_term(student=world.student, term=world.term, actor=Actor(user), today=day)


def test_acknowledgements_reach_the_class_teacher_as_one_digest(world, settings):
    """world.student (5А, led by the class teacher persona): both guardians acknowledge the
    2nd quarter after it ends; the class teacher gets one e-mail naming both, linking to the
    class's list; nobody else is told."""
    settings.ZHURNAL_SITE_URL = "https://journal.example"
    father = UserFactory(username="father5a", email="father5a@example.com")
    grant(father, world.school, Role.PARENT)
    second = GuardianFactory(school=world.school, user=father, last_name="Отцов")
    StudentGuardian.objects.create(
        school=world.school, student=world.student, guardian=second, relation="father"
    )
    start = datetime(2026, 12, 29, 18, 0, tzinfo=MSK)
    with time_machine.travel(start, tick=False) as clock:
        _acknowledge(world, world.users["parent"], start.date())
        run_worker()
        clock.shift(timedelta(minutes=10))
        _acknowledge(world, father, start.date())
        _acknowledge(world, father, start.date())  # a second click tells nobody again
        run_worker()
        assert mail.outbox == []
        clock.shift(timedelta(minutes=55))
        run_worker()
    board = reverse("diary:acknowledgements", args=[world.class_5a.pk])
    link = f"{board}?term={world.term.pk}"
    (message,) = mail.outbox
    assert message.to == ["class_teacher@example.com"]
    assert message.subject == "Term marks acknowledged"
    assert message.body == (
        f"{world.student.short_name}\n"
        f"  {world.guardian.full_name} acknowledged the term marks ({world.term})\n"
        f"  {second.full_name} acknowledged the term marks ({world.term})\n\n"
        f"https://journal.example{link}"
    )
    (note,) = Notification.objects.filter(kind=Kind.ACKNOWLEDGEMENTS)
    assert (note.user, note.link) == (world.users["class_teacher"], link)
    assert not DigestItem.objects.filter(sent_at__isnull=True).exists()


def test_the_class_teachers_choice_applies_to_acknowledgements(world):
    Preference.objects.create(
        user=world.users["class_teacher"], kind=Kind.ACKNOWLEDGEMENTS, in_app=True, email=False
    )
    start = datetime(2026, 12, 29, 18, 0, tzinfo=MSK)
    with time_machine.travel(start, tick=False):
        _acknowledge(world, world.users["parent"], start.date())
        run_worker()
    with time_machine.travel(start + timedelta(minutes=61), tick=False):
        run_worker()
    assert mail.outbox == []
    assert Notification.objects.get(kind=Kind.ACKNOWLEDGEMENTS).user == world.users["class_teacher"]


def test_an_acknowledgement_in_a_class_without_a_class_teacher_tells_nobody(world):
    world.class_5a.class_teacher = None
    world.class_5a.save()
    start = datetime(2026, 12, 29, 18, 0, tzinfo=MSK)
    with time_machine.travel(start, tick=False):
        _acknowledge(world, world.users["parent"], start.date())
        run_worker()
    assert not DigestItem.objects.exists()


def test_a_former_class_teacher_is_not_told(world):
    """The class teacher left the school (the staff card says so) but kept the login as a
    parent: the acknowledgements are not theirs any more."""
    staff = world.class_5a.class_teacher
    staff.is_active = False
    staff.save()
    start = datetime(2026, 12, 29, 18, 0, tzinfo=MSK)
    with time_machine.travel(start, tick=False):
        _acknowledge(world, world.users["parent"], start.date())
        run_worker()
    assert not DigestItem.objects.exists()


def test_the_choices_page_lists_the_kinds_of_the_users_roles(world, client):
    client.force_login(world.users["class_teacher"])
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert 'name="acknowledged-app"' in page and "Term marks acknowledged by families" in page
    assert 'name="message-app"' in page and 'name="marks-app"' not in page
    # Saving changes only the kinds shown.
    Preference.objects.create(
        user=world.users["class_teacher"], kind=Kind.MARKS, in_app=False, email=False
    )
    client.post(reverse("notifications:preferences"), {"acknowledged-app": "on"})
    choices = {
        p.kind: (p.in_app, p.email)
        for p in Preference.objects.filter(user=world.users["class_teacher"])
    }
    # The kinds shown and not ticked are turned off: messages, and the control's (issue 12).
    assert choices == {
        Kind.MARKS: (False, False),
        Kind.ACKNOWLEDGEMENTS: (True, False),
        Kind.MESSAGE: (False, False),
        Kind.REMARK: (False, False),
        Kind.PRELIMINARY: (False, False),
    }
    client.force_login(world.parent_6b)
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert 'name="marks-app"' in page and 'name="period_marks-app"' in page
    assert 'name="acknowledged-app"' not in page


# --- a digest never stalls ---------------------------------------------------------------------


def _pending_line(world, created_at):
    return DigestItem.objects.create(
        school=world.school,
        user=world.parent_6b,
        kind=Kind.MARKS,
        student=world.older_student,
        text="Математика, 11.11: 3 (КР)",
        created_at=created_at,
    )


def _mark_five_and_work(world):
    """The teacher marks the older student 5; the worker runs the event's handler, then the
    digest send it may have queued for now."""
    journal.set_mark(
        column=_column(world),
        student=world.older_student,
        value="5",
        version=0,
        actor=Actor(world.users["teacher"]),
    )
    run_worker()
    run_worker()


def test_a_stale_digest_goes_out_with_the_next_mark(world):
    """A digest whose send failed or was lost (its line waits past the delay and the margin):
    the next mark sends it at once, with both lines."""
    now = datetime(2026, 11, 20, 10, 0, tzinfo=MSK)
    _pending_line(world, now - timedelta(hours=3))
    with time_machine.travel(now, tick=False):
        _mark_five_and_work(world)
    (to_mother,) = [m for m in mail.outbox if m.to == ["mother6b@example.com"]]
    assert "Математика, 11.11: 3 (КР)" in to_mother.body
    assert "Математика, 18.11: 5" in to_mother.body
    assert not DigestItem.objects.filter(user=world.parent_6b, sent_at__isnull=True).exists()


def test_a_digest_that_is_only_waiting_is_not_sent_early(world):
    now = datetime(2026, 11, 20, 10, 0, tzinfo=MSK)
    _pending_line(world, now - timedelta(minutes=80))  # within the delay and the margin
    with time_machine.travel(now, tick=False):
        _mark_five_and_work(world)
    assert not [m for m in mail.outbox if m.to == ["mother6b@example.com"]]
    assert DigestItem.objects.filter(user=world.parent_6b, sent_at__isnull=True).count() == 2


# --- production mail: a deploy check --------------------------------------------------------


def _mail_warnings(deploy: bool = True) -> list[str]:
    from django.core.checks import run_checks

    return [
        message.id
        for message in run_checks(include_deployment_checks=deploy)
        if message.id == "notifications.W001"
    ]


def test_check_deploy_warns_when_mail_goes_to_the_console_without_debug(settings):
    settings.DEBUG = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    assert _mail_warnings() == ["notifications.W001"]
    assert _mail_warnings(deploy=False) == []  # only `check --deploy`
    out = StringIO()
    call_command("check", deploy=True, tags=["email"], stdout=out, stderr=out)
    assert "ZHURNAL_SMTP_HOST" in out.getvalue()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    assert _mail_warnings() == []
    settings.DEBUG = True  # development: the console is the point
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    assert _mail_warnings() == []


@pytest.mark.django_db(transaction=True)
def test_a_line_added_while_its_digest_is_being_sent_starts_the_next_one(monkeypatch):
    """The race the row locks close (PostgreSQL; SQLite runs one writer at a time): a send of
    the pending line A holds it; a new line B for the same person waits for that send, then
    sees A sent and queues a digest of its own — B is not left waiting for a send that is
    gone."""
    import threading

    from django.db import connection, transaction
    from django.utils import timezone

    from zhurnal.notifications import services

    from .factories import SchoolFactory, StudentFactory

    if connection.vendor != "postgresql":
        pytest.skip("row locks: PostgreSQL only")
    school = SchoolFactory()
    user = UserFactory()
    student = StudentFactory(school=school)
    DigestItem.objects.create(school=school, user=user, kind=Kind.MARKS, student=student, text="A")
    queued = []
    monkeypatch.setattr(
        services, "_enqueue_digests", lambda ids, school_id, kind, delay: queued.append(ids)
    )
    holding, release = threading.Event(), threading.Event()

    def send_a():
        try:
            with transaction.atomic():
                pending = DigestItem.objects.select_for_update().filter(
                    user=user, sent_at__isnull=True
                )
                ids = [item.pk for item in pending]
                holding.set()
                release.wait(10)
                DigestItem.objects.filter(pk__in=ids).update(sent_at=timezone.now())
        finally:
            connection.close()

    def add_b():
        try:
            services.add_to_digest(
                users=[user], school=school, student=student, kind=Kind.MARKS, text="B"
            )
        finally:
            connection.close()

    sender = threading.Thread(target=send_a)
    sender.start()
    assert holding.wait(10)
    adder = threading.Thread(target=add_b)
    adder.start()
    adder.join(0.5)
    assert adder.is_alive()  # waiting for the send to finish with A
    release.set()
    sender.join(10)
    adder.join(10)
    assert queued == [[user.pk]]  # B starts its own digest
    assert list(DigestItem.objects.filter(sent_at__isnull=True).values_list("text", flat=True)) == [
        "B"
    ]
