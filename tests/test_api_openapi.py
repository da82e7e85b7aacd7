"""The OpenAPI document tells the truth (issue 16, finding 3): every schema has a component
name of its own, every answer an endpoint gives is declared — its status and its body, formats
included — and every address under /api/ that is not found answers the API's JSON 404.

The answers checked are real ones: every endpoint of the access matrix (tests/test_api.py),
called as several roles on a world whose journal holds marks, attendance and a period mark."""

from __future__ import annotations

import json
import re
import typing
from datetime import date, datetime, time

import pytest
import time_machine
from jsonschema import Draft202012Validator, FormatChecker
from ninja.constants import NOT_SET
from ninja.openapi.schema import REF_TEMPLATE
from ninja.schema import NinjaGenerateJsonSchema
from pydantic import BaseModel

from zhurnal.api.api import api as ninja_api
from zhurnal.audit.actor import Actor
from zhurnal.journal import services
from zhurnal.journal.defaults import ensure_work_types
from zhurnal.journal.models import PeriodKind

from .api_support import NOW, PREFIX, bearer, token_for
from .personas import build_world
from .test_api import MATRIX, MULTIPART, PREPARE, path_ids, write_bodies

# RFC 3339 (the formats OpenAPI 3.1 declares): a time carries its offset from UTC.
RFC3339_TIME = re.compile(r"^\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
FORMATS = FormatChecker(formats=())


@FORMATS.checks("date", raises=ValueError)
def _is_date(value) -> bool:
    return not isinstance(value, str) or (len(value) == 10 and bool(date.fromisoformat(value)))


@FORMATS.checks("time", raises=ValueError)
def _is_time(value) -> bool:
    return not isinstance(value, str) or (
        RFC3339_TIME.match(value) is not None and bool(time.fromisoformat(value))
    )


@FORMATS.checks("date-time", raises=ValueError)
def _is_date_time(value) -> bool:
    if not isinstance(value, str):
        return True
    day, _t, clock = value.upper().partition("T")
    return _is_date(day) and _is_time(clock) and bool(datetime.fromisoformat(value))


@pytest.fixture
def document(api, db) -> dict:
    response = api.get(PREFIX + "/openapi.json")
    assert response.status_code == 200
    return response.json()


def check_answer(document: dict, method: str, path: str, response) -> None:
    """The answer's status is declared on its operation, and its body is valid against the
    schema declared for that status."""
    where = f"{method} {path} → {response.status_code}"
    declared = document["paths"][PREFIX + path][method.lower()]["responses"]
    assert str(response.status_code) in declared, f"{where}: status not declared"
    content = declared[str(response.status_code)].get("content")
    if response.streaming:  # a stored file
        assert content is None or "application/json" not in content, f"{where}: a file"
        return
    if not response.content:
        assert content is None, f"{where}: no body where one is declared"
        return
    if response.get("Content-Type", "").split(";")[0] != "application/json":
        assert content is None or "application/json" not in content, f"{where}: not JSON"
        return
    assert content is not None, f"{where}: a JSON body where none is declared"
    schema = {**content["application/json"]["schema"], "components": document["components"]}
    errors = sorted(
        Draft202012Validator(schema, format_checker=FORMATS).iter_errors(response.json()),
        key=lambda error: list(error.absolute_path),
    )
    assert not errors, f"{where}: " + "; ".join(
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:5]
    )


# --- one name, one schema --------------------------------------------------------------------


def _models_in(annotation) -> typing.Iterator[type[BaseModel]]:
    """The pydantic models an annotation names, nested in lists, unions and dicts too."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        for field in annotation.model_fields.values():
            yield from _models_in(field.annotation)
    for argument in typing.get_args(annotation):
        yield from _models_in(argument)


def _operations():
    for router in ninja_api._get_bound_routers():
        for view in router.path_operations.values():
            yield from view.operations


def test_no_two_schemas_share_a_component_name():
    """Every class of the API's answers and bodies has a name of its own: the document keys
    its components by the class's name, so two classes of one name collapse into one — the
    journal's attendance was described as the diary's attendance summary."""
    classes: dict[str, set[str]] = {}
    for operation in _operations():
        wrappers = [m for m in operation.response_models.values() if m not in (None, NOT_SET)]
        for wrapper in [*wrappers, *operation.models]:
            for model in _models_in(wrapper):
                if not getattr(model, "__ninja_param_source__", None) and not (
                    model.__name__.startswith("Response")
                ):
                    classes.setdefault(model.__name__, set()).add(
                        f"{model.__module__}.{model.__qualname__}"
                    )
    assert {name: c for name, c in classes.items() if len(c) > 1} == {}


def test_each_component_is_the_schema_of_every_model_of_its_name(document):
    """Schema by schema: each model an operation answers or reads, generated on its own, is
    the component the document gives under its name (the same check as above, on the
    generated schemas — it holds for models that are not classes of ours too)."""
    components = document["components"]["schemas"]
    differing = set()
    for operation in _operations():
        models = [
            (model, "serialization")
            for model in operation.response_models.values()
            if model not in (None, NOT_SET)
        ] + [(model, "validation") for model in operation.models]
        for model, mode in models:
            schema = model.model_json_schema(
                ref_template=REF_TEMPLATE, schema_generator=NinjaGenerateJsonSchema, mode=mode
            )
            for name, definition in schema.get("$defs", {}).items():
                if components.get(name) != definition:
                    differing.add(name)
    assert differing == set()


def test_the_journals_attendance_is_described_as_the_journal_gives_it(document):
    journal = document["components"]["schemas"]["JournalOut"]
    ref = journal["properties"]["attendance"]["items"]["$ref"]
    attendance = document["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert {"lesson_id", "student_id", "code", "shown", "version"} <= set(attendance["properties"])


# --- 400 and 404 -----------------------------------------------------------------------------


def test_every_operation_that_reads_a_body_declares_400(document):
    """ninja answers 400 ``bad_request`` for a body it cannot read, before the endpoint runs;
    every operation with a body says so, and only those (nothing else answers 400)."""
    for path, item in document["paths"].items():
        for method, operation in item.items():
            reads_body = "requestBody" in operation
            assert ("400" in operation["responses"]) == reads_body, (method, path)
            if reads_body:
                content = operation["responses"]["400"]["content"]["application/json"]
                assert content["schema"] == {"$ref": "#/components/schemas/ErrorOut"}


def test_every_operation_that_reads_input_declares_422(document):
    """ninja answers 422 ``validation_error`` for a parameter or a body it cannot validate,
    before the endpoint runs; every operation with parameters or a body says so (found by
    schemathesis, tests/test_api_fuzz.py: ``DELETE /auth/tokens/true`` answered an undeclared
    422)."""
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if operation.get("parameters") or "requestBody" in operation:
                content = operation["responses"]["422"]["content"]["application/json"]
                assert content["schema"] == {"$ref": "#/components/schemas/ErrorOut"}, (
                    method,
                    path,
                )


def _references(node) -> typing.Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _references(value)
    elif isinstance(node, list):
        for value in node:
            yield from _references(value)


def test_a_generated_client_can_use_the_document_as_is(document):
    """What a client generator needs (issue 17 item 5): OpenAPI 3.1, an operationId per
    operation — unique and a valid identifier, the generated function's name —, every path
    parameter declared (required) and no other, every reference resolved, a description per
    answer, and the bearer token declared on every operation but the one that issues it.
    (Checked by hand too: openapi-spec-validator finds the document valid and
    openapi-python-client generates a client from it; docs/api.md.)"""
    assert document["openapi"].startswith("3.1")
    schemes = document["components"]["securitySchemes"]
    assert schemes == {"TokenAuth": {"type": "http", "scheme": "bearer"}}
    seen: set[str] = set()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            where = f"{method.upper()} {path}"
            name = operation.get("operationId", "")
            assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name), where
            assert name not in seen, f"{where}: operationId {name} twice"
            seen.add(name)
            in_path = [p for p in operation.get("parameters", []) if p["in"] == "path"]
            assert all(p["required"] for p in in_path), where
            assert sorted(p["name"] for p in in_path) == sorted(re.findall(r"{(\w+)}", path))
            assert all(answer.get("description") for answer in operation["responses"].values())
            issues_token = path == PREFIX + "/auth/token" and method == "post"
            assert (operation.get("security") == [{"TokenAuth": []}]) is not issues_token, where
    components = document["components"]["schemas"]
    for reference in set(_references(document)):
        assert reference.startswith("#/components/schemas/"), reference
        assert reference.removeprefix("#/components/schemas/") in components, reference


def test_a_path_id_that_is_not_a_number_is_a_declared_422(api, document):
    with time_machine.travel(NOW, tick=False):
        world = build_world()
        raw = token_for(world.users["teacher"])
        response = api.delete(PREFIX + "/auth/tokens/true", **bearer(raw))
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    check_answer(document, "DELETE", "/auth/tokens/{token_id}", response)


def test_a_body_that_is_not_json_is_a_declared_400(api, document):
    with time_machine.travel(NOW, tick=False):
        world = build_world()
        raw = token_for(world.users["teacher"])
        path = "/schools/{school_id}/lessons/{lesson_id}/topic"
        url = PREFIX + path.format(school_id=world.school.pk, lesson_id=world.lesson.pk)
        response = api.put(url, "{not json", content_type="application/json", **bearer(raw))
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"
    check_answer(document, "PUT", path, response)


def test_a_broken_form_is_a_declared_json_400(api, document):
    with time_machine.travel(NOW, tick=False):
        world = build_world()
        raw = token_for(world.users["teacher"])
        path = "/schools/{school_id}/threads/files"
        response = api.generic(
            "POST",
            PREFIX + path.format(school_id=world.school.pk),
            b"--x\r\nbroken",
            content_type="multipart/form-data; boundary=",
            **bearer(raw),
        )
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"
    check_answer(document, "POST", path, response)


@pytest.mark.parametrize(
    "address",
    [
        "/api/v1/me%0A",
        "/api/v1/schools%0A",
        "/api/v1/%0A",
        "/api/v1%0A",
        "/api/v1/no-such-thing%0D%0A",
        "/api/v2/me",
        "/api/",
    ],
)
def test_every_address_under_api_that_is_not_found_is_the_apis_json_404(api, db, address):
    response = api.get(address)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json()["code"] == "not_found"


# --- real answers against the document -------------------------------------------------------


def _journal_with_entries(world) -> None:
    """Marks, attendance and a year mark in the world's journal, so that the reads answer
    them. The matrix's mark goes to the lesson's first column, left empty (200); its
    attendance meets the entry made here (409 ``stale``, declared too)."""
    teacher = Actor(world.users["teacher"])
    first, second = ensure_work_types(world.school)[:2]
    services.add_column(lesson=world.lesson, work_type=first, actor=teacher)
    column = services.add_column(lesson=world.lesson, work_type=second, actor=teacher)
    services.set_mark(
        column=column, student=world.older_student, value="4", version=0, actor=teacher
    )
    services.set_attendance(
        lesson=world.lesson, student=world.older_student, code="Б", version=0, actor=teacher
    )
    services.set_period_mark(
        course=world.course,
        student=world.older_student,
        kind=PeriodKind.YEAR,
        term=None,
        value="4",
        version=0,
        actor=teacher,
    )


@pytest.mark.parametrize("persona", ["teacher", "deputy", "class_teacher", "student", "parent"])
def test_real_answers_of_every_endpoint_match_the_document(api, document, persona):
    with time_machine.travel(NOW, tick=False):
        world = build_world()
        _journal_with_entries(world)
        raw = token_for(world.users[persona])
        ids = path_ids(world, token_id=0)
        bodies = write_bodies(world)
        order = sorted(MATRIX, key=lambda key: key == ("DELETE", "/auth/token"))
        for method, path in order:
            if (method, path) in PREPARE:
                PREPARE[(method, path)](world)
            body = bodies.get((method, path))
            url = PREFIX + path.format(**ids)
            if (method, path) in MULTIPART:
                response = api.post(url, body, **bearer(raw))
            else:
                extra = {"data": json.dumps(body), "content_type": "application/json"}
                response = api.generic(method, url, **(extra if body else {}), **bearer(raw))
            check_answer(document, method, path, response)
