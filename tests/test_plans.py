"""core.plans.custom_plans: PostgreSQL plans each statement for its parameters inside the
block (the school-wide read models), and only there."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from zhurnal.core.plans import custom_plans

pytestmark = pytest.mark.django_db


def _plan_cache_mode() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        return cursor.fetchone()[0]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
def test_statements_are_planned_for_their_parameters_inside_the_block_only():
    assert _plan_cache_mode() == "auto"
    with custom_plans():
        assert _plan_cache_mode() == "force_custom_plan"
        with custom_plans():  # a read model inside another: no second SET
            assert _plan_cache_mode() == "force_custom_plan"
        assert _plan_cache_mode() == "force_custom_plan"
    assert _plan_cache_mode() == "auto"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
def test_the_mode_is_reset_when_the_block_fails():
    with pytest.raises(ZeroDivisionError), custom_plans():
        1 / 0  # noqa: B018 -- the failure inside the block
    assert _plan_cache_mode() == "auto"


def test_two_statements_on_postgresql_none_elsewhere():
    with CaptureQueriesContext(connection) as captured, custom_plans(), custom_plans():
        pass
    assert len(captured) == (2 if connection.vendor == "postgresql" else 0)
