"""The access rules count days in the school's own time zone (DESIGN §5 "Time": every "today"
is the school's), not the server's: a student in Vladivostok (UTC+10) reaches the school's login
age on their birthday there, while it is still the day before in UTC."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from zhurnal.accounts.context import forget_contexts
from zhurnal.accounts.models import Membership, Role

from .factories import SchoolFactory, StudentFactory, UserFactory

pytestmark = pytest.mark.django_db

# The server keeps UTC (settings.TIME_ZONE and the machine's zone): the instants are given in
# UTC, as the server lives them.
UTC = ZoneInfo("UTC")


def test_a_student_reaches_the_login_age_on_the_schools_date_not_the_servers():
    school = SchoolFactory(timezone="Asia/Vladivostok", student_min_age=14)
    user = UserFactory()
    student = StudentFactory(school=school, user=user, birth_date=date(2012, 11, 21))
    Membership.objects.create(user=user, school=school, role=Role.STUDENT)
    # 13:30 UTC on 20.11 is 23:30 in Vladivostok: 13 years old there.
    with time_machine.travel(datetime(2026, 11, 20, 13, 30, tzinfo=UTC), tick=False):
        assert not user.has_perm("diary.view", student)
    forget_contexts(user)
    # 15:30 UTC, still 20.11 on the server, is 01:30 on 21.11 in Vladivostok: 14 at the school.
    with time_machine.travel(datetime(2026, 11, 20, 15, 30, tzinfo=UTC), tick=False):
        assert date.today() == date(2026, 11, 20)
        assert user.has_perm("diary.view", student)
