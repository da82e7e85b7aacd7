"""Remarks on journals (issue 12, item 2; seed 002 regulation 2.1.7, 2.3.1): a deputy writes
one with a due date, the teacher marks it fixed, the deputy accepts or reopens it; overdue ones
are flagged; every step is kept, audited and told — with time travel for the due dates."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from zhurnal.accounts.models import Role
from zhurnal.audit.actor import Actor
from zhurnal.audit.models import AuditAction, AuditEvent
from zhurnal.notifications.dispatch import handler_of
from zhurnal.notifications.models import Kind, Notification
from zhurnal.oversight import services
from zhurnal.oversight.models import JournalRemark, RemarkStatus, StepAction

from .factories import StaffFactory, UserFactory, grant
from .reports_world import MSK, build_reports_world

pytestmark = [pytest.mark.django_db(transaction=False), pytest.mark.usefixtures("english")]


def at(*args):
    return time_machine.travel(datetime(*args, 10, 0, tzinfo=MSK), tick=False)


@pytest.fixture(autouse=True)
def told_at_once(monkeypatch):
    """The events a service emits are told at once (the worker's part: test_notifications)."""

    def emit(event: str, pk: int) -> None:
        handler = handler_of(event)
        handler.handle(handler.objects().get(pk=pk))

    monkeypatch.setattr(services, "emit", emit)


@pytest.fixture
def rw(django_capture_on_commit_callbacks):
    with at(2026, 12, 1):
        world = build_reports_world()
        school = world.school
        world.deputy = grant(UserFactory(username="o-deputy"), school, Role.DEPUTY)
        StaffFactory(school=school, user=world.deputy)
        world.teacher_user = grant(UserFactory(username="o-teacher"), school, Role.TEACHER)
        world.teacher.user = world.teacher_user
        world.teacher.save()
        world.other = grant(UserFactory(username="o-other"), school, Role.TEACHER)
        StaffFactory(school=school, user=world.other)
        world.capture = django_capture_on_commit_callbacks
        yield world


def write(rw, **overrides) -> JournalRemark:
    data = {
        "course": rw.maths,
        "teacher": rw.teacher,
        "kind": "topics",
        "text": "Не записаны темы уроков 24.11 и 1.12.",
        "due": date(2026, 12, 8),
        "actor": Actor(rw.deputy),
        "today": date(2026, 12, 1),
    }
    data.update(overrides)
    with rw.capture(execute=True):
        return services.write_remark(**data)


def test_a_remark_goes_open_fixed_accepted_with_its_history_audit_and_notices(rw):
    remark = write(rw)
    assert remark.status == RemarkStatus.OPEN
    told = Notification.objects.get(user=rw.teacher_user, kind=Kind.REMARK)
    assert "Математика" in told.title and "08.12.2026" in told.body
    with rw.capture(execute=True):
        services.fix_remark(remark=remark, comment="Темы записаны.", actor=Actor(rw.teacher_user))
    assert Notification.objects.filter(user=rw.deputy, kind=Kind.REMARK).count() == 1
    with rw.capture(execute=True):
        services.accept_remark(remark=remark, comment="", actor=Actor(rw.deputy))
    remark.refresh_from_db()
    assert remark.status == RemarkStatus.ACCEPTED and remark.closed_at is not None
    assert [s.action for s in remark.steps.order_by("at", "pk")] == [
        StepAction.WRITTEN,
        StepAction.FIXED,
        StepAction.ACCEPTED,
    ]
    actions = list(
        AuditEvent.objects.filter(object_type="oversight.journalremark")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        AuditAction.REMARK_WRITTEN,
        AuditAction.REMARK_FIXED,
        AuditAction.REMARK_ACCEPTED,
    ]
    fixed = AuditEvent.objects.get(action=AuditAction.REMARK_FIXED)
    assert (fixed.before["status"], fixed.after["status"], fixed.reason) == (
        "open",
        "fixed",
        "Темы записаны.",
    )
    assert fixed.course_id == rw.maths.pk


def test_the_deputy_reopens_with_a_new_date(rw):
    remark = write(rw)
    services.fix_remark(remark=remark, comment="Готово.", actor=Actor(rw.teacher_user))
    with pytest.raises(ValidationError):  # why it is reopened is required
        services.reopen_remark(
            remark=remark,
            comment=" ",
            due=date(2026, 12, 10),
            actor=Actor(rw.deputy),
            today=date(2026, 12, 3),
        )
    services.reopen_remark(
        remark=remark,
        comment="Тема 1.12 всё ещё пуста.",
        due=date(2026, 12, 10),
        actor=Actor(rw.deputy),
        today=date(2026, 12, 3),
    )
    remark.refresh_from_db()
    assert (remark.status, remark.due, remark.fixed_at) == (
        RemarkStatus.OPEN,
        date(2026, 12, 10),
        None,
    )


@pytest.mark.parametrize(
    ("step", "status"),
    [("fix", RemarkStatus.FIXED), ("reopen", RemarkStatus.OPEN), ("accept", RemarkStatus.ACCEPTED)],
)
def test_a_step_not_allowed_from_the_status_is_refused(rw, step, status):
    remark = write(rw)
    JournalRemark.objects.filter(pk=remark.pk).update(status=status)
    remark.refresh_from_db()
    with pytest.raises(ValidationError):
        if step == "fix":
            services.fix_remark(remark=remark, comment="x", actor=Actor(rw.teacher_user))
        elif step == "reopen":
            services.reopen_remark(
                remark=remark,
                comment="x",
                due=date(2026, 12, 9),
                actor=Actor(rw.deputy),
                today=date(2026, 12, 1),
            )
        else:
            services.accept_remark(remark=remark, actor=Actor(rw.deputy))


def test_a_due_date_in_the_past_or_a_teacher_not_of_the_journal_is_refused(rw):
    with pytest.raises(ValidationError):
        write(rw, due=date(2026, 11, 30))
    stranger = StaffFactory(school=rw.school)
    with pytest.raises(ValidationError):
        write(rw, teacher=stranger)
    with pytest.raises(ValidationError):
        write(rw, text="   ")
    assert not JournalRemark.objects.exists()


def test_an_open_remark_becomes_overdue_the_day_after_its_date(client, rw):
    remark = write(rw)
    url = reverse("oversight:remark", args=[remark.pk])
    with at(2026, 12, 8):  # the due day itself: not yet
        client.force_login(rw.teacher_user)
        assert not client.get(url).context["overdue"]
    with at(2026, 12, 9):
        client.force_login(rw.teacher_user)
        page = client.get(url)
        assert page.context["overdue"]
        listed = client.get(reverse("oversight:remarks"), {"overdue": "on"})
        assert [r.pk for r in listed.context["page"].object_list] == [remark.pk]
    services.fix_remark(remark=remark, comment="Готово.", actor=Actor(rw.teacher_user))
    with at(2026, 12, 20):  # fixed: waits for the deputy, not overdue
        client.force_login(rw.teacher_user)
        assert not client.get(url).context["overdue"]


def test_the_remark_pages_allow_each_side_its_step(client, rw):
    remark = write(rw)
    url = reverse("oversight:remark", args=[remark.pk])
    client.force_login(rw.other)  # another teacher: not theirs
    assert client.get(url).status_code == 403
    client.force_login(rw.teacher_user)
    assert client.post(url, {"step": "accept", "comment": ""}).status_code == 403
    with at(2026, 12, 2):
        client.force_login(rw.teacher_user)
        response = client.post(url, {"step": "fix", "comment": "Исправлено."})
    assert response.status_code == 302
    with at(2026, 12, 3):
        client.force_login(rw.deputy)
        page = client.post(url, {"step": "reopen", "comment": "Нет."})  # no new date
        assert page.status_code == 200 and page.context["form"].non_field_errors()
        response = client.post(url, {"step": "reopen", "comment": "Нет.", "due": "2026-12-12"})
    assert response.status_code == 302
    remark.refresh_from_db()
    assert remark.due == date(2026, 12, 12)


def test_a_deputy_writes_a_remark_from_a_page_about_a_lesson(client, rw):
    from zhurnal.timetable.models import Lesson

    lesson = Lesson.objects.filter(course=rw.maths).first()
    url = reverse("oversight:remark_new") + f"?course={rw.maths.pk}&lesson={lesson.pk}&kind=marks"
    with at(2026, 12, 1):
        client.force_login(rw.deputy)
        page = client.get(url)
        assert page.status_code == 200
        assert page.context["form"].initial["due"] == date(2026, 12, 1) + timedelta(days=7)
        response = client.post(
            url,
            {
                "teacher": rw.teacher.pk,
                "kind": "marks",
                "text": "Нет отметок.",
                "due": "2026-12-08",
            },
        )
    remark = JournalRemark.objects.get()
    assert response.status_code == 302 and remark.lesson == lesson and remark.kind == "marks"
    client.force_login(rw.teacher_user)  # a teacher does not write remarks
    assert client.get(url).status_code == 403


def test_a_teacher_sees_their_remarks_a_deputy_all(client, rw):
    mine = write(rw)
    colleague = StaffFactory(school=rw.school)
    rw.russian.teachers.add(colleague)
    theirs = write(rw, course=rw.russian, teacher=colleague)
    with at(2026, 12, 2):
        client.force_login(rw.teacher_user)
        listed = client.get(reverse("oversight:remarks")).context["page"].object_list
    # Иванова teaches Russian too (reports_world): a remark on a journal of hers is hers to see.
    assert {r.pk for r in listed} == {mine.pk, theirs.pk}
    with at(2026, 12, 2):
        client.force_login(rw.other)
        assert list(client.get(reverse("oversight:remarks")).context["page"].object_list) == []
        client.force_login(rw.deputy)
        listed = client.get(reverse("oversight:remarks")).context["page"].object_list
    assert {r.pk for r in listed} == {mine.pk, theirs.pk}
