"""The whole OpenAPI document fuzzed by schemathesis as two roles (issue 16, "Keep it found":
"schemathesis over the whole OpenAPI as two roles, bounded in examples and time, failing on any
5xx or schema violation").

Every operation of ``/api/v1/openapi.json`` is called in-process through Django's WSGI
application (schemathesis's WSGI transport), as a teacher and as a parent of the world of
tests/personas.py, with its journal holding marks, attendance and a year mark
(tests/test_api_openapi.py). Each operation gets:

* **positive** cases with the path naming the world's real objects (the school, class 5А, the
  course, its lesson and column, a student — the parent's own child for the parent), so the
  generated queries and bodies reach the endpoint's code rather than a 404;
* **negative** cases (schemathesis's invalid data: wrong types, out-of-range numbers, missing
  fields, in the path too), which must be refused with a declared 4xx, never a 5xx.

Every answer must pass schemathesis's checks: no server error, a status declared on the
operation, the declared content type, and a body valid against the declared schema.

The generation is **derandomized** (Hypothesis's ``derandomize``: the cases follow from the
test's code alone, the same on every run) and bounded: ``EXAMPLES`` cases per operation and
mode; it takes about 45–55 s per role on a 2-core machine, on SQLite and on PostgreSQL alike
(docs/operations.md, "Tests: make test"). One operation is left out, ``DELETE /auth/token``: it
would revoke the token the cases are sent with (``DELETE /auth/tokens/{token_id}`` is called
with a spare token's id).

Found by it and fixed (each with its regression test): 422 answered and not declared (a path
id that is not a number, tests/test_api_openapi.py); a server error for an id past 64 bits in
a batch of marks (tests/test_out_of_range.py).
"""

from __future__ import annotations

import pytest
import schemathesis
import time_machine
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from zhurnal.accounts.models import ApiToken

from .api_support import NOW, PREFIX
from .personas import build_world
from .test_api import path_ids
from .test_api_openapi import _journal_with_entries

pytestmark = pytest.mark.django_db

# Cases per operation and generation mode (positive, negative).
EXAMPLES = 10
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Operations that would revoke the token the fuzzing runs with.
SKIPPED = {("DELETE", PREFIX + "/auth/token")}


def _operations(schema):
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) not in SKIPPED:
            yield operation


def _fuzz(operation, mode: GenerationMode, fixed: dict, headers: dict) -> None:
    """Run ``EXAMPLES`` derandomized cases of one operation in one mode."""
    path_parameters = (
        {p.name: fixed[p.name] for p in operation.path_parameters if p.name in fixed}
        if mode is GenerationMode.POSITIVE
        else None
    )
    strategy = operation.as_strategy(mode, path_parameters=path_parameters)

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure is reported as met
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()


@pytest.fixture
def wsgi_app():
    """Django's WSGI application, called in the test's own transaction: like Django's test
    client, without closing the database connection at the start and end of each request
    (on PostgreSQL a connection older than ``CONN_MAX_AGE`` would be closed mid-test)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.mark.parametrize("persona", ["teacher", "parent"])
def test_the_whole_api_as_a_role_gives_no_server_error_and_no_answer_off_the_document(
    persona, wsgi_app
):
    with time_machine.travel(NOW, tick=True):
        world = build_world()
        _journal_with_entries(world)
        user = world.users[persona]
        raw = ApiToken.issue(user, "fuzz")[1]
        spare, _raw = ApiToken.issue(user, "fuzz-spare")
        fixed = path_ids(world, token_id=spare.pk)
        if persona == "parent":
            fixed["student_id"] = world.student.pk  # the parent's own child
        headers = {
            "Authorization": f"Bearer {raw}",
            "Accept-Language": "en",
            "Accept-Encoding": "identity",  # the WSGI client does not decompress
        }
        schema = schemathesis.openapi.from_wsgi(PREFIX + "/openapi.json", get_wsgi_application())
        failures = []
        for operation in _operations(schema):
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                try:
                    _fuzz(operation, mode, fixed, headers)
                except Exception as error:  # every operation's failure told, not the first
                    failures.append(f"{operation.label} ({mode.value}): {error}")
    assert not failures, "\n\n".join(failures)
