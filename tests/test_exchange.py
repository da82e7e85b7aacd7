"""The OneRoster 1.2 export and the regional upload (issue 17 items 3 and 4).

The package of the demo school is checked against the specification's own tables
(``zhurnal.exchange.spec``, OneRoster CSV Binding 1.2.1 §3): each file's header, the required
fields, the formats, the vocabularies, every reference between files, unique and stable
sourcedIds, the manifest; the demographics only with the school's consent. The upload is sent
to a real HTTP server on the loopback, failing first and then accepting."""

from __future__ import annotations

import csv
import io
import re
import threading
import zipfile
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from zhurnal.accounts.models import ApiToken
from zhurnal.audit.actor import Actor
from zhurnal.audit.models import AuditAction, AuditEvent
from zhurnal.exchange import oneroster, services, spec
from zhurnal.exchange.models import RegionalUpload, UploadState
from zhurnal.school import models as m

from .personas import PERSONAS, build_world

TODAY = date(2026, 11, 22)
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")

# Format of each kind of column (§3's data types): dates, datetimes, booleans.
DATE_COLUMNS = {
    "startDate",
    "endDate",
    "beginDate",
    "assignDate",
    "dueDate",
    "scoreDate",
    "birthDate",
}
BOOLEAN_COLUMNS = {"enabledUser", "primary", "inProgress", "incomplete", "late", "missing"}
# Enumerated columns and their vocabularies (§4), ``ext:`` tokens allowed.
VOCABULARIES = {
    ("orgs", "type"): spec.ORG_TYPES,
    ("academicSessions", "type"): spec.SESSION_TYPES,
    ("classes", "classType"): spec.CLASS_TYPES,
    ("roles", "roleType"): spec.ROLE_TYPES,
    ("roles", "role"): spec.ROLE_VALUES,
    ("enrollments", "role"): spec.ENROLLMENT_ROLES,
    ("results", "scoreStatus"): spec.SCORE_STATUSES,
    ("demographics", "sex"): spec.SEXES,
}


def read_package(content: bytes) -> tuple[list[list[str]], dict[str, list[dict[str, str]]]]:
    """The manifest's rows and every data file's rows, checking each header on the way."""
    files = {}
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        names = archive.namelist()
        assert all("/" not in name for name in names), "the files sit at the zip's root"
        manifest = list(csv.reader(io.StringIO(archive.read("manifest.csv").decode("utf-8"))))
        assert manifest[0] == list(spec.MANIFEST_COLUMNS)
        tables = {t.file_name: t for t in spec.WRITTEN}
        for name in names:
            if name == "manifest.csv":
                continue
            table = tables[name]
            rows = list(csv.reader(io.StringIO(archive.read(name).decode("utf-8"))))
            assert rows[0] == list(table.columns), name
            assert len(rows) > 1, f"{name}: a file without data rows is not permitted"
            files[table.name] = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    return manifest[1:], files


def check_package(content: bytes) -> dict[str, list[dict[str, str]]]:
    """Every rule of the specification the tests check; returns the files' rows."""
    manifest, files = read_package(content)
    properties = dict(manifest)
    assert len(properties) == len(manifest), "a property once"
    assert properties["manifest.version"] == "1.0"
    assert properties["oneroster.version"] == "1.2"
    assert properties["source.systemName"] and properties["source.systemCode"]
    for name in spec.MANIFEST_FILES:
        assert properties[f"file.{name}"] == ("bulk" if name in files else "absent"), name
    ids: dict[str, set[str]] = {}
    for name, rows in files.items():
        table = next(t for t in spec.WRITTEN if t.name == name)
        seen = [row["sourcedId"] for row in rows]
        assert len(seen) == len(set(seen)), f"{name}: sourcedIds unique"
        ids[name] = set(seen)
        for row in rows:
            for column in table.required:
                assert row[column], (name, column, row)
            assert all(UUID.match(v) for v in [row["sourcedId"]]), (name, row["sourcedId"])
            assert row["status"] in ("active", "tobedeleted", "")
            assert row["dateLastModified"] == "" or DATETIME.match(row["dateLastModified"])
            for column, value in row.items():
                if value and column in DATE_COLUMNS:
                    assert DATE.match(value), (name, column, value)
                if value and column in BOOLEAN_COLUMNS:
                    assert value in ("true", "false"), (name, column, value)
                vocabulary = VOCABULARIES.get((name, column))
                if vocabulary and value:
                    assert value in vocabulary or spec.is_extension(value), (name, column, value)
    for (name, column), target in spec.REFERENCES.items():
        for row in files.get(name, []):
            value = row[column]
            if not value:
                continue
            for reference in value.split(","):
                assert reference in ids.get(target, set()), (name, column, reference)
    return files


@pytest.fixture(scope="module")
def demo_package(django_db_setup, django_db_blocker):
    """The demo school (small) and two exports of its package, made once for the module."""
    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with fast, django_db_blocker.unblock(), transaction.atomic():
        with time_machine.travel(TODAY, tick=False):
            call_command("demo", "--size", "small", stdout=StringIO())
            school = m.School.objects.get()
            year = m.AcademicYear.objects.get(school=school)
            with CaptureQueriesContext(connection) as queries:
                first = oneroster.package(school, year).zip_bytes()
            second = oneroster.package(school, year).zip_bytes()
            services.set_consent(
                school=school,
                share=True,
                document="Решение № 5 от 01.09.2026",
                actor=Actor.system(),
            )
            with_consent = oneroster.package(school, year).zip_bytes()
        yield {
            "first": first,
            "second": second,
            "with_consent": with_consent,
            "queries": len(queries),
            "students": m.Student.objects.filter(school=school).count(),
        }
        transaction.set_rollback(True)


def test_the_demo_schools_package_follows_the_specification(demo_package):
    files = check_package(demo_package["first"])
    assert {
        "orgs",
        "academicSessions",
        "courses",
        "classes",
        "users",
        "roles",
        "enrollments",
    } <= set(files)
    assert {"categories", "lineItems", "results", "scoreScales"} <= set(files)
    assert len(files["orgs"]) == 1 and files["orgs"][0]["type"] == "school"
    students = [r for r in files["roles"] if r["role"] == "student"]
    assert len(students) == demo_package["students"]
    assert any(r["role"] == "principal" for r in files["roles"])
    assert any(r["role"] == "parent" for r in files["roles"])
    # A term mark and a lesson mark are results; special entries keep their value as text.
    assert any(r["textScore"] == "5" and r["score"] == "5" for r in files["results"])
    statuses = {r["scoreStatus"] for r in files["results"]}
    assert "fully graded" in statuses
    five = next(s for s in files["scoreScales"] if s["type"] == "ext:fivePoint")
    assert five["scoreScaleValue"].startswith("{5:отлично},{4:хорошо}")


def test_the_demographics_are_absent_without_the_schools_consent(demo_package):
    manifest, files = read_package(demo_package["first"])
    assert dict(manifest)["file.demographics"] == "absent"
    assert "demographics" not in files
    consented = check_package(demo_package["with_consent"])
    demographics = consented["demographics"]
    assert len(demographics) == demo_package["students"]
    assert all(DATE.match(row["birthDate"]) for row in demographics)
    assert {row["sex"] for row in demographics} <= {"male", "female"}


def test_sourced_ids_are_stable_across_two_exports(demo_package):
    first, second = read_package(demo_package["first"])[1], read_package(demo_package["second"])[1]
    assert first.keys() == second.keys()
    for name in first:
        assert [r["sourcedId"] for r in first[name]] == [r["sourcedId"] for r in second[name]]


def test_the_package_takes_a_fixed_number_of_queries(demo_package):
    assert demo_package["queries"] <= oneroster.QUERIES


def test_the_number_of_queries_does_not_grow_with_the_school(db):
    world = build_world()
    with CaptureQueriesContext(connection) as small:
        oneroster.package(m.School.objects.get(pk=world.school.pk), world.year)
    for number in range(12):
        student = m.Student.objects.create(
            school=world.school,
            last_name=f"Новикова{number}",
            first_name="Анна",
            personal_file_number=f"N-{number}",
            birth_date=date(2014, 1, 1),
            gender="F",
        )
        m.Enrollment.objects.create(
            school=world.school,
            student=student,
            school_class=world.class_5a,
            start=world.year.start,
        )
    with CaptureQueriesContext(connection) as larger:
        oneroster.package(m.School.objects.get(pk=world.school.pk), world.year)
    assert len(larger) == len(small) <= oneroster.QUERIES


# --- who may export ---------------------------------------------------------------------------


@pytest.fixture
def world(db):
    with time_machine.travel(datetime(2026, 11, 20, 10, tzinfo=ZoneInfo("Europe/Moscow"))):
        yield build_world()


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_director_downloads_the_package_and_it_is_audited(client, world, persona):
    client.force_login(world.users[persona])
    response = client.get("/exchange/oneroster/download/")
    if persona == "director":
        assert response.status_code == 200
        assert response["Content-Type"] == "application/zip"
        check_package(response.content)
        assert AuditEvent.objects.filter(
            school=world.school, action=AuditAction.PERSONAL_DATA_EXPORTED
        ).exists()
    else:
        assert response.status_code in (302, 403)
        assert not AuditEvent.objects.filter(action=AuditAction.PERSONAL_DATA_EXPORTED).exists()


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_api_gives_the_package_to_the_director_only(client, world, persona):
    raw = ApiToken.issue(world.users[persona], "t")[1]
    response = client.get(
        f"/api/v1/schools/{world.school.pk}/oneroster", HTTP_AUTHORIZATION=f"Bearer {raw}"
    )
    if persona == "director":
        assert response.status_code == 200
        check_package(response.content)
    else:
        assert response.status_code in (403, 404)


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_director_decides_on_the_demographics(client, world, persona):
    client.force_login(world.users[persona])
    response = client.post(
        "/exchange/oneroster/consent/",
        {"share_demographics": "on", "consent_document": "Решение № 5"},
    )
    shared = services.queries.policy(world.school).share_demographics
    if persona == "director":
        assert response.status_code == 302 and shared
        assert AuditEvent.objects.filter(action=AuditAction.UPDATED, school=world.school).exists()
    else:
        assert response.status_code in (302, 403) and not shared


def test_sharing_the_demographics_needs_the_document(world):
    with pytest.raises(ValidationError, match="документ"):
        services.set_consent(school=world.school, share=True, document=" ", actor=Actor.system())


# --- the regional upload ------------------------------------------------------------------------


class _Region(BaseHTTPRequestHandler):
    """The regional system on the loopback: refuses the first upload, accepts the next."""

    answers: list[int] = []
    received: list[dict] = []

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        body = self.rfile.read(length)
        status = self.answers.pop(0) if self.answers else 200
        type(self).received.append(
            {"status": status, "auth": self.headers.get("Authorization"), "body": body}
        )
        self.send_response(status)
        self.end_headers()
        self.wfile.write(b"ok" if status == 200 else b"busy")

    def log_message(self, *args):
        pass


@pytest.fixture
def region():
    _Region.answers = [503]
    _Region.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Region)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/upload"
    server.shutdown()
    server.server_close()


def test_an_upload_fails_then_is_retried_after_a_pause_and_sent(
    world, region, settings, django_capture_on_commit_callbacks
):
    settings.ZHURNAL_REGION_UPLOAD_URL = region
    settings.ZHURNAL_REGION_UPLOAD_TOKEN = "region-secret"
    with django_capture_on_commit_callbacks(execute=False):
        upload = services.queue_upload(school=world.school, actor=Actor.system(), trigger="manual")
    assert upload.state == UploadState.PENDING
    failed = services.attempt_upload(upload.pk)
    assert failed.state == UploadState.PENDING and failed.attempts == 1
    assert "503" in failed.last_error
    assert failed.next_attempt_at > failed.created_at
    sent = services.attempt_upload(upload.pk)
    assert sent.state == UploadState.SENT and sent.attempts == 2 and not sent.last_error
    assert [r["status"] for r in _Region.received] == [503, 200]
    assert _Region.received[-1]["auth"] == "Bearer region-secret"
    check_package(_Region.received[-1]["body"])
    assert services.attempt_upload(upload.pk) is None  # sent once


def test_an_upload_fails_for_good_after_the_last_attempt(world, settings):
    settings.ZHURNAL_REGION_UPLOAD_URL = "http://127.0.0.1:9/nothing-listens"
    upload = services.queue_upload(school=world.school, actor=Actor.system(), trigger="manual")
    for _ in range(len(services.RETRY_PAUSES) + 1):
        upload = services.attempt_upload(upload.pk)
    assert upload.state == UploadState.FAILED and upload.last_error
    assert upload.attempts == len(services.RETRY_PAUSES) + 1


def test_plain_http_leaves_only_to_the_loopback(world, settings):
    settings.ZHURNAL_REGION_UPLOAD_URL = "http://region.example/upload"
    upload = services.queue_upload(school=world.school, actor=Actor.system(), trigger="manual")
    upload = services.attempt_upload(upload.pk)
    assert "not an HTTPS address" in upload.last_error


def test_an_upload_to_a_folder_and_the_daily_schedule(world, settings, tmp_path):
    settings.ZHURNAL_REGION_UPLOAD_DIR = str(tmp_path)
    assert services.scheduled_upload(world.school, TODAY).startswith("upload")
    assert services.scheduled_upload(world.school, TODAY) is None  # one pending at a time
    upload = RegionalUpload.objects.get()
    services.attempt_upload(upload.pk)
    files = list(tmp_path.iterdir())
    assert len(files) == 1 and files[0].suffix == ".zip"
    check_package(files[0].read_bytes())
    assert services.scheduled_upload(world.school, TODAY) is None  # sent today


def test_no_upload_without_a_destination(world):
    assert services.scheduled_upload(world.school, TODAY) is None
    assert not RegionalUpload.objects.exists()


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_administrator_sees_and_starts_the_upload(
    client, world, persona, settings, tmp_path
):
    settings.ZHURNAL_REGION_UPLOAD_DIR = str(tmp_path)
    client.force_login(world.users[persona])
    page = client.get("/exchange/uploads/")
    run = client.post("/exchange/uploads/run/")
    if persona == "admin":
        assert page.status_code == 200 and run.status_code == 302
        assert RegionalUpload.objects.filter(school=world.school).count() == 1
    elif persona == "outsider":
        assert page.status_code == 200  # their own school's page
        assert not RegionalUpload.objects.filter(school=world.school).exists()
    else:
        assert page.status_code in (302, 403) and run.status_code in (302, 403)
        assert not RegionalUpload.objects.exists()
