"""The login lockout (issue 16, finding 7: wrong passwords for a known login locked that login
for everyone — behind a proxy, the whole school). A login is locked from the address the wrong
passwords came from, for a cool-down; from every address only after many failures from
several; the user's school administrators are told."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from zhurnal.accounts.models import Role
from zhurnal.notifications.models import Kind, Notification
from zhurnal.notifications.services import kinds_for

from .factories import SchoolFactory, UserFactory, grant

PASSWORD = "correct-horse-42"
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Europe/Moscow"))
ATTACKER = "203.0.113.5"
TEACHER_PC = "198.51.100.7"


@pytest.fixture(autouse=True)
def behind_our_proxy(settings):
    """The school's server behind its nginx: the client is the address it appends."""
    settings.ZHURNAL_BEHIND_PROXY = True


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def school(db):
    return SchoolFactory()


@pytest.fixture
def teacher(school):
    return grant(UserFactory(username="petrova.ap"), school, Role.TEACHER)


@pytest.fixture
def admin(school):
    return grant(UserFactory(username="admin.school"), school, Role.ADMIN)


def login(address: str, username: str = "petrova.ap", password: str = PASSWORD) -> int:
    client = Client(HTTP_X_FORWARDED_FOR=address)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client.post(
        reverse("accounts:login"), {"username": username, "password": password}
    ).status_code


def token(address: str, username: str = "petrova.ap", password: str = PASSWORD) -> int:
    return (
        Client(HTTP_X_FORWARDED_FOR=address)
        .post(
            "/api/v1/auth/token",
            {"username": username, "password": password},
            content_type="application/json",
        )
        .status_code
    )


def guess(address: str, times: int, username: str = "petrova.ap") -> None:
    for _ in range(times):
        login(address, username, "wrong-password")


def lockout_notices(admin) -> list[Notification]:
    return list(Notification.objects.filter(user=admin, kind=Kind.LOCKOUT))


def test_wrong_passwords_lock_the_login_only_from_their_address(frozen, teacher, admin):
    guess(ATTACKER, 5)
    assert login(ATTACKER) == 429  # the right password too, from there
    assert token(ATTACKER) == 429
    assert login(TEACHER_PC) == 302  # the teacher's own computer: not shut out
    assert token(TEACHER_PC) == 200


def test_the_lock_ends_after_the_cool_down(frozen, teacher, admin):
    guess(ATTACKER, 5)
    assert login(ATTACKER) == 429
    frozen.shift(timedelta(hours=settings.AXES_COOLOFF_TIME, minutes=1))
    assert login(ATTACKER) == 302


def test_the_school_administrator_is_told_once_a_day(frozen, teacher, admin):
    guess(ATTACKER, 4)
    assert lockout_notices(admin) == []
    guess(ATTACKER, 1)
    (notice,) = lockout_notices(admin)
    assert "petrova.ap" in notice.title and ATTACKER in notice.body
    assert notice.school == admin.memberships.get().school
    # Locked again after the cool-down, the same day: told already.
    frozen.shift(timedelta(minutes=20))
    guess(ATTACKER, 5)
    assert login(ATTACKER) == 429
    assert len(lockout_notices(admin)) == 1
    # The teacher is not told of their own lock; nobody of a login nobody holds.
    assert not Notification.objects.filter(user=teacher, kind=Kind.LOCKOUT).exists()
    guess(ATTACKER, 5, username="no-such-login")
    assert len(lockout_notices(admin)) == 1


def test_only_administrators_choose_how_they_hear_of_locked_logins(teacher, admin):
    assert Kind.LOCKOUT in kinds_for(admin)
    assert Kind.LOCKOUT not in kinds_for(teacher)


def test_guessing_from_many_addresses_locks_the_login_everywhere(frozen, teacher, admin, settings):
    """Brute force stays out of reach when the guesser changes addresses: after
    ZHURNAL_LOCKOUT_LOGIN_FAILURES failures within the window from any addresses the login is
    refused everywhere, and the administrators are told."""
    settings.ZHURNAL_LOCKOUT_LOGIN_FAILURES = 12
    for n in range(2):
        guess(f"192.0.2.{n + 1}", 5)
    assert login(TEACHER_PC) == 302  # 10 failures: below the login's limit
    guess("192.0.2.3", 2)
    assert login(TEACHER_PC) == 429
    assert token(TEACHER_PC) == 429
    # Told in the school's language: the lock from one address, and of the whole login.
    titles = sorted(n.title for n in lockout_notices(admin))
    assert titles == [
        "Вход petrova.ap заблокирован с одного адреса",
        "Вход petrova.ap заблокирован со всех адресов",
    ]
    # The window passes: the login opens again.
    frozen.shift(timedelta(hours=settings.ZHURNAL_LOCKOUT_LOGIN_HOURS, minutes=1))
    assert login(TEACHER_PC) == 302


def test_the_administrator_releases_a_login_locked_everywhere(frozen, teacher, admin, settings):
    settings.ZHURNAL_LOCKOUT_LOGIN_FAILURES = 12
    for n in range(3):
        guess(f"192.0.2.{n + 1}", 4)
    assert login(TEACHER_PC) == 429
    call_command("axes_reset_username", "petrova.ap", verbosity=0)
    assert login(TEACHER_PC) == 302
    for n in range(3):
        guess(f"192.0.2.{n + 1}", 4)
    assert login(TEACHER_PC) == 429
    call_command("axes_reset", verbosity=0)
    assert login(TEACHER_PC) == 302


def test_a_successful_login_does_not_forget_the_guessers_failures(frozen, teacher, settings):
    settings.ZHURNAL_LOCKOUT_LOGIN_FAILURES = 12
    guess("192.0.2.1", 4)
    guess("192.0.2.2", 4)
    assert login(TEACHER_PC) == 302
    assert token(TEACHER_PC) == 200
    guess("192.0.2.3", 4)
    assert login(TEACHER_PC) == 429
