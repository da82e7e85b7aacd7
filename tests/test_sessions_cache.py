"""Sessions read through Redis (``accounts.sessions``, selected by ``ZHURNAL_REDIS_URL``): a
page reads no session row, a logout ends the session in the cache and the database alike, and
an unreachable cache leaves the database to answer. Runs against the Redis at 127.0.0.1:6379
(skipped without one, failed when CI=true, as the PostgreSQL run)."""

from __future__ import annotations

import os

import pytest
import redis
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

import zhurnal.settings as production_settings
from zhurnal.accounts.models import Role
from zhurnal.accounts.sessions import SessionStore

from .factories import SchoolFactory, UserFactory, grant

REDIS = "redis://127.0.0.1:6379/0"
UNREACHABLE = "redis://127.0.0.1:1/0"
# Each run its own keys: runs on other worktrees share the server.
PREFIX = f"zhurnal-test-{os.getpid()}"


def _redis_answers() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


def _cache(location: str) -> dict:
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": location,
            "KEY_PREFIX": PREFIX,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        },
        "journal": settings.CACHES["journal"],
    }


@pytest.fixture
def teacher(db):
    user = grant(UserFactory(username="petrova.ap"), SchoolFactory(), Role.TEACHER)
    return user


@pytest.fixture
def redis_sessions(settings):
    if not _redis_answers():
        if os.environ.get("CI") == "true":
            pytest.fail("no Redis at 127.0.0.1:6379 (CI=true requires it)")
        pytest.skip("no Redis at 127.0.0.1:6379")
    settings.CACHES = _cache(REDIS)
    settings.SESSION_ENGINE = "zhurnal.accounts.sessions"
    yield caches["default"]
    _forget_this_runs_keys()


def _forget_this_runs_keys() -> None:
    """What a restart of Redis without persistence leaves of this run's keys (``clear()``
    would empty the database of every run sharing the server)."""
    server = redis.Redis.from_url(REDIS)
    for key in server.scan_iter(f"{PREFIX}:*"):
        server.delete(key)


def _logged_in(username: str = "petrova.ap") -> Client:
    client = Client()
    response = client.post(
        reverse("accounts:login"), {"username": username, "password": "correct-horse-42"}
    )
    assert response.status_code == 302
    return client


def _session_statements(client: Client) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("home")).status_code == 200
    return [q["sql"] for q in queries if Session._meta.db_table in q["sql"]]


def test_the_production_settings_choose_the_engine_by_the_redis_url(monkeypatch):
    import importlib

    monkeypatch.setenv("ZHURNAL_REDIS_URL", REDIS)
    with_redis = importlib.reload(production_settings)
    assert with_redis.SESSION_ENGINE == "zhurnal.accounts.sessions"
    assert with_redis.CACHES["default"]["LOCATION"] == REDIS
    monkeypatch.delenv("ZHURNAL_REDIS_URL")
    embedded = importlib.reload(production_settings)
    # Never through a per-process cache: a logout in one worker would not reach the others.
    assert embedded.SESSION_ENGINE == "django.contrib.sessions.backends.db"


def test_a_page_reads_its_session_from_redis_not_the_database(redis_sessions, teacher):
    client = _logged_in()
    key = client.cookies[settings.SESSION_COOKIE_NAME].value

    assert _session_statements(client) == []
    assert redis_sessions.get(SessionStore.cache_key_prefix + key) is not None
    assert Session.objects.filter(session_key=key).exists()  # the database is the record


def test_a_logout_ends_the_session_in_redis_and_the_database(redis_sessions, teacher):
    client = _logged_in()
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    stolen = Client()
    stolen.cookies[settings.SESSION_COOKIE_NAME] = key

    assert client.post(reverse("accounts:logout")).status_code == 302

    assert redis_sessions.get(SessionStore.cache_key_prefix + key) is None
    assert not Session.objects.filter(session_key=key).exists()
    assert stolen.get(reverse("home")).status_code == 302  # to the login page


def test_a_session_survives_a_restart_of_redis(redis_sessions, teacher):
    client = _logged_in()
    _forget_this_runs_keys()

    assert client.get(reverse("home")).status_code == 200
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert redis_sessions.get(SessionStore.cache_key_prefix + key) is not None  # copied again


def test_with_redis_unreachable_the_database_answers(settings, teacher):
    settings.CACHES = _cache(UNREACHABLE)
    settings.SESSION_ENGINE = "zhurnal.accounts.sessions"

    client = _logged_in()

    assert client.get(reverse("home")).status_code == 200
    assert len(_session_statements(client)) == 1


def test_a_logout_with_redis_unreachable_fails_and_keeps_the_session_whole(
    redis_sessions, settings, teacher
):
    client = _logged_in()
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    settings.CACHES = _cache(UNREACHABLE)
    client.raise_request_exception = False

    assert client.post(reverse("accounts:logout")).status_code == 500

    # Nothing half-done: the row is there, and the copy Redis still holds is the session's.
    assert Session.objects.filter(session_key=key).exists()
