"""The control's daily jobs (issue 12): the preliminary report two weeks before a term ends
(seed 002, regulation 2.2.3) and overdue remarks (2.1.7) — told once, on the school's day."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import time_machine

from zhurnal.accounts.models import Role
from zhurnal.audit.actor import Actor
from zhurnal.notifications.models import Kind, Notification
from zhurnal.oversight import jobs, services
from zhurnal.oversight.models import PreliminaryReport

from .factories import StaffFactory, UserFactory, grant
from .reports_world import MSK, build_reports_world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture(autouse=True)
def quiet(monkeypatch):
    monkeypatch.setattr(services, "emit", lambda event, pk: None)


@pytest.fixture
def rw():
    with time_machine.travel(datetime(2026, 12, 1, 10, 0, tzinfo=MSK), tick=False):
        world = build_reports_world()
        school = world.school
        world.deputy = grant(UserFactory(username="j-deputy"), school, Role.DEPUTY)
        world.leader = grant(UserFactory(username="j-ct"), school, Role.TEACHER)
        world.class_5a.class_teacher = StaffFactory(school=school, user=world.leader)
        world.class_5a.save()
        world.teacher.user = grant(UserFactory(username="j-teacher"), school, Role.TEACHER)
        world.teacher.save()
        yield world


def told(user, kind):
    return list(Notification.objects.filter(user=user, kind=kind).order_by("pk"))


def test_the_preliminary_report_goes_out_two_weeks_before_the_term_ends_once(rw):
    # The 2nd quarter (and the 10th grade's 1st half-year) end on 28.12.
    assert jobs.preliminary_reports(rw.school, date(2026, 12, 13)) is None
    summary = jobs.preliminary_reports(rw.school, date(2026, 12, 14))
    assert summary == "2 preliminary reports told"  # 5А's class teacher; the administration
    (to_teacher,) = told(rw.leader, Kind.PRELIMINARY)
    assert "5А" in to_teacher.title and "28.12.2026" in to_teacher.title
    assert rw.students["Дмитриева"].short_name in to_teacher.body
    (to_deputy,) = told(rw.deputy, Kind.PRELIMINARY)
    assert to_deputy.link.endswith("?at_risk=1")
    assert "quarter 2, half-year 1" in to_deputy.title
    # 10А has no class teacher: recorded, nobody to tell; each term for the administration.
    assert PreliminaryReport.objects.count() == 4
    assert jobs.preliminary_reports(rw.school, date(2026, 12, 15)) is None
    assert len(told(rw.deputy, Kind.PRELIMINARY)) == 1


def test_a_fortnight_missed_is_caught_up_until_the_term_ends(rw):
    assert jobs.preliminary_reports(rw.school, date(2026, 12, 27)) is not None
    assert jobs.preliminary_reports(rw.school, date(2027, 1, 12)) is None  # the 3rd quarter


def test_an_overdue_remark_is_told_once_per_due_date(rw):
    remark = services.write_remark(
        course=rw.maths,
        teacher=rw.teacher,
        kind="topics",
        text="Темы.",
        due=date(2026, 12, 8),
        actor=Actor(rw.deputy),
        today=date(2026, 12, 1),
    )
    assert jobs.overdue_remarks(rw.school, date(2026, 12, 8)) is None
    assert jobs.overdue_remarks(rw.school, date(2026, 12, 9)) == "1 overdue remarks told"
    assert len(told(rw.teacher.user, Kind.REMARK)) == 1
    assert len(told(rw.deputy, Kind.REMARK)) == 1
    assert jobs.overdue_remarks(rw.school, date(2026, 12, 10)) is None
    services.fix_remark(remark=remark, comment="Готово.", actor=Actor(rw.teacher.user))
    services.reopen_remark(
        remark=remark,
        comment="Не всё.",
        due=date(2026, 12, 14),
        actor=Actor(rw.deputy),
        today=date(2026, 12, 10),
    )
    assert jobs.overdue_remarks(rw.school, date(2026, 12, 15)) == "1 overdue remarks told"
