"""What the REST API tests (tests/test_api*.py) share: the moment they run at, the address
prefix, the bearer header of a token (docs/api.md "Authentication") and the two fixtures most
of them take, ``world`` and ``api``.

tests/conftest.py registers this module as a plugin (``pytest_plugins``), so the fixtures reach
every test module without an import (an imported fixture shadowed by a test's parameter is
ruff's F811). A module needing another world or client defines its own ``world`` or ``api``,
which takes precedence over these. Test modules import the constants and helpers only.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from zhurnal.accounts.models import ApiToken

from .personas import build_world

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Europe/Moscow"))
PREFIX = "/api/v1"


def bearer(raw: str) -> dict:
    """The test client's keyword for the ``Authorization: Bearer <token>`` header."""
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def token_for(user, name: str = "test") -> str:
    """A new API token of the user, as the raw string the client sends."""
    return ApiToken.issue(user, name)[1]


def auth(user) -> dict:
    """The bearer header of a new token of the user."""
    return bearer(token_for(user))


@pytest.fixture
def world(db):
    """The personas' school (tests/personas.py) built at NOW."""
    with time_machine.travel(NOW, tick=False):
        yield build_world()


@pytest.fixture
def api():
    """A client asking for English answers (the tests read the English messages)."""
    client = Client()
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client
