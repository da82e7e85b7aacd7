"""Serving-process tuning (zhurnal.ops.runtime) and the PostgreSQL connection options."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys

import pytest
from django.db import connection

from zhurnal.ops.runtime import freeze_startup_objects


@pytest.fixture
def unfrozen():
    gc.unfreeze()
    yield
    gc.unfreeze()  # the test process keeps collecting everything


def test_freezing_moves_the_loaded_objects_out_of_the_collectors_sight(unfrozen):
    assert gc.get_freeze_count() == 0

    freeze_startup_objects()

    # Django, the URLconf and every view module: far more than a bare interpreter holds.
    assert gc.get_freeze_count() > 50_000


def _settings_in_a_fresh_process(**env) -> dict:
    """The database OPTIONS that zhurnal.settings computes for the given environment."""
    code = (
        "import json; from zhurnal import settings; "
        "print(json.dumps(settings.DATABASES['default'].get('OPTIONS', {}), default=str))"
    )
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ZHURNAL_PG")}
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**environment, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def test_postgresql_statements_are_prepared_and_bound_on_the_server_by_default():
    options = _settings_in_a_fresh_process(DATABASE_URL="postgres://u@127.0.0.1:5432/x")

    assert options["server_side_binding"] is True
    # Django turns psycopg's preparing off unless asked: a repeated statement is planned once.
    assert options["prepare_threshold"] == 2


def test_behind_a_transaction_pooler_both_are_turned_off():
    options = _settings_in_a_fresh_process(
        DATABASE_URL="postgres://u@127.0.0.1:5432/x", ZHURNAL_PG_SERVER_SIDE_BINDING="0"
    )

    assert options["server_side_binding"] is False
    assert options["prepare_threshold"] is None


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
def test_a_repeated_statement_is_prepared_on_the_connection():
    from zhurnal.school.models import School

    for _ in range(3):
        list(School.objects.filter(pk=0))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ['%"school_school"%'],
        )
        assert cursor.fetchone()[0] >= 1
