"""Logging in: password hashing, lockout, session lifetime, logout everywhere, the student age."""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

import zhurnal.settings as production_settings
from zhurnal.accounts.models import ApiToken, Role

from .factories import SchoolFactory, StudentFactory, UserFactory, grant

PASSWORD = "correct-horse-42"
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Europe/Moscow"))


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


def _browser() -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _login(client: Client, username: str, password: str = PASSWORD):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def _is_logged_in(client: Client) -> bool:
    response = client.get(reverse("home"))
    return response.status_code == 200


def test_passwords_are_hashed_with_argon2_in_production(settings):
    # The suite runs with a fast hasher (conftest); the product's setting is Argon2.
    hashers = production_settings.PASSWORD_HASHERS
    assert hashers[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    settings.PASSWORD_HASHERS = hashers
    assert make_password("x").startswith("argon2$argon2id$")


def test_login_with_username_and_password(teacher):
    client = _browser()
    response = _login(client, "petrova.ap")
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert _is_logged_in(client)


def test_a_wrong_password_is_refused_with_a_message(teacher):
    client = _browser()
    response = _login(client, "petrova.ap", "wrong-password")
    assert response.status_code == 200
    assert "enter a correct username and password" in response.content.decode()
    assert not _is_logged_in(client)


def test_five_failures_lock_the_login_even_for_the_right_password(teacher):
    client = _browser()
    for _ in range(5):
        _login(client, "petrova.ap", "wrong-password")
    response = _login(client, "petrova.ap")
    assert response.status_code == 429
    assert "Too many failed attempts" in response.content.decode()
    assert not _is_logged_in(client)
    # Another user from the same address is not locked out (username + address).
    grant(UserFactory(username="sidorov.o"), teacher.memberships.first().school, Role.TEACHER)
    assert _login(_browser(), "sidorov.o").status_code == 302


def test_four_failures_do_not_lock(teacher):
    client = _browser()
    for _ in range(4):
        _login(client, "petrova.ap", "wrong-password")
    assert _login(client, "petrova.ap").status_code == 302


def test_session_lifetime_settings():
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    # Renewed on activity by SessionKeepAliveMiddleware rather than on every request.
    assert "zhurnal.accounts.middleware.SessionKeepAliveMiddleware" in settings.MIDDLEWARE
    # Eight idle hours (a school day) unless the deployment sets ZHURNAL_SESSION_SECONDS.
    expected = int(os.environ.get("ZHURNAL_SESSION_SECONDS", 8 * 3600))
    assert expected == production_settings.SESSION_COOKIE_AGE


def test_the_session_cookie_ends_with_the_browser(teacher):
    client = _browser()
    _login(client, "petrova.ap")
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie.value
    assert not cookie["expires"]
    assert not cookie["max-age"]


def test_an_idle_session_expires(teacher, frozen, settings):
    settings.SESSION_COOKIE_AGE = 8 * 3600
    client = _browser()
    _login(client, "petrova.ap")
    frozen.shift(timedelta(hours=7))
    assert _is_logged_in(client)  # activity renews the session
    frozen.shift(timedelta(hours=7))
    assert _is_logged_in(client)
    frozen.shift(timedelta(hours=8, minutes=1))
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_an_active_session_is_renewed_every_five_minutes_not_on_every_request(teacher, frozen):
    def session_writes() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert _is_logged_in(client)
        return sum('UPDATE "django_session"' in q["sql"] for q in queries.captured_queries)

    client = _browser()
    _login(client, "petrova.ap")
    assert session_writes() == 0
    frozen.shift(timedelta(minutes=4))
    assert session_writes() == 0
    frozen.shift(timedelta(minutes=1))
    assert session_writes() == 1
    assert session_writes() == 0


def test_logout_everywhere_ends_other_sessions_and_revokes_api_tokens(teacher):
    laptop, phone = _browser(), _browser()
    _login(laptop, "petrova.ap")
    _login(phone, "petrova.ap")
    token, _raw = ApiToken.issue(teacher, name="phone app")
    assert _is_logged_in(phone)

    response = laptop.post(reverse("accounts:logout_everywhere"))

    assert response.status_code == 302
    assert _is_logged_in(laptop)  # the session that asked stays
    assert not _is_logged_in(phone)
    token.refresh_from_db()
    assert token.revoked_at is not None
    # The password still works for a fresh login.
    assert _login(_browser(), "petrova.ap").status_code == 302


def test_logout_everywhere_needs_a_post(teacher):
    client = _browser()
    _login(client, "petrova.ap")
    assert client.get(reverse("accounts:logout_everywhere")).status_code == 405


def _student_user(school, username: str, birth_date: date):
    user = grant(UserFactory(username=username), school, Role.STUDENT)
    StudentFactory(school=school, user=user, birth_date=birth_date)
    return user


def test_a_student_under_the_school_age_cannot_log_in(school, frozen):
    _student_user(school, "malysheva.a", date(2015, 4, 1))  # 11 years old
    client = _browser()
    response = _login(client, "malysheva.a")
    assert response.status_code == 200
    assert "Students get their own access from the age set by the school" in (
        response.content.decode()
    )
    assert not _is_logged_in(client)


def test_a_wrong_password_of_an_underage_student_gets_the_ordinary_message(school, frozen):
    _student_user(school, "malysheva.a", date(2015, 4, 1))
    response = _login(_browser(), "malysheva.a", "wrong-password")
    page = response.content.decode()
    assert "Students get their own access" not in page
    assert "enter a correct username and password" in page


def test_a_student_of_the_school_age_can_log_in(school, frozen):
    _student_user(school, "starshova.a", date(2012, 11, 20))  # 14 today
    client = _browser()
    assert _login(client, "starshova.a").status_code == 302
    assert _is_logged_in(client)


def test_the_age_is_the_school_setting(school, frozen):
    school.student_min_age = 10
    school.save()
    _student_user(school, "malysheva.a", date(2015, 4, 1))
    assert _login(_browser(), "malysheva.a").status_code == 302


@pytest.mark.django_db
def test_the_users_schools_roles_and_staff_card_in_each_school():
    from zhurnal.accounts.memberships import memberships_of

    from .factories import StaffFactory

    first, second, third = (SchoolFactory(short_name=n) for n in ("СОШ 1", "СОШ 2", "СОШ 3"))
    user = UserFactory(username="twice")
    grant(user, first, Role.TEACHER, Role.DEPUTY)
    grant(user, second, Role.TEACHER)
    grant(user, third, Role.PARENT)
    card_first = StaffFactory(school=first, user=user)
    card_second = StaffFactory(school=second, user=user)
    StaffFactory(school=second)  # a colleague's card in the same school

    schools = memberships_of(user)

    assert [entry.school.short_name for entry in schools.values()] == ["СОШ 1", "СОШ 2", "СОШ 3"]
    assert schools[first.pk].roles == {Role.TEACHER, Role.DEPUTY}
    assert (schools[first.pk].staff_id, schools[second.pk].staff_id) == (
        card_first.pk,
        card_second.pk,
    )
    assert schools[third.pk].staff_id is None
