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
YEAR = re.compile(r"^\d{4}$")
FLOAT = re.compile(r"^-?\d+(\.\d+)?$")
GRADE = re.compile(r"^(IT|PR|PK|TK|KG|0[1-9]|1[0-3]|PS|UG|Other)$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")

# The specification's own tables (OneRoster CSV Binding 1.2.1, Final Release, §3), written out
# here apart from ``zhurnal.exchange.spec`` so that a change of either is caught: for each
# file Zhurnal writes, its columns in order and the required ones. Checked against the
# specification's text and two independent readers of the binding (docs/oneroster.md,
# "Verified against").
SPECIFICATION = {
    "orgs": (
        "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId",
        "sourcedId,name,type",
    ),
    "academicSessions": (
        "sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId,schoolYear",
        "sourcedId,title,type,startDate,endDate,schoolYear",
    ),
    "courses": (
        "sourcedId,status,dateLastModified,schoolYearSourcedId,title,courseCode,grades,"
        "orgSourcedId,subjects,subjectCodes",
        "sourcedId,title,orgSourcedId",
    ),
    "classes": (
        "sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,"
        "location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods",
        "sourcedId,title,courseSourcedId,classType,schoolSourcedId,termSourcedIds",
    ),
    # 1.2.1: no resourceSourcedIds between userMasterIdentifier and preferredGivenName (the
    # first 1.2 release had it; a user's resources are in userResources.csv).
    "users": (
        "sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,familyName,"
        "middleName,identifier,email,sms,phone,agentSourcedIds,grades,password,"
        "userMasterIdentifier,preferredGivenName,preferredMiddleName,preferredFamilyName,"
        "primaryOrgSourcedId,pronouns",
        "sourcedId,enabledUser,username,givenName,familyName",
    ),
    "roles": (
        "sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,"
        "orgSourcedId,userProfileSourcedId",
        "sourcedId,userSourcedId,roleType,role,orgSourcedId",
    ),
    "enrollments": (
        "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,"
        "primary,beginDate,endDate",
        "sourcedId,classSourcedId,schoolSourcedId,userSourcedId,role",
    ),
    "demographics": (
        "sourcedId,status,dateLastModified,birthDate,sex,americanIndianOrAlaskaNative,asian,"
        "blackOrAfricanAmerican,nativeHawaiianOrOtherPacificIslander,white,"
        "demographicRaceTwoOrMoreRaces,hispanicOrLatinoEthnicity,countryOfBirthCode,"
        "stateOfBirthAbbreviation,cityOfBirth,publicSchoolResidenceStatus",
        "sourcedId",
    ),
    "categories": ("sourcedId,status,dateLastModified,title,weight", "sourcedId,title"),
    # A line item's or a result's score scale and learning objectives are files of their own
    # (lineItemScoreScales, resultScoreScales, ...LearningObjectiveIds): no such columns here.
    "lineItems": (
        "sourcedId,status,dateLastModified,title,description,assignDate,dueDate,classSourcedId,"
        "categorySourcedId,academicSessionSourcedId,resultValueMin,resultValueMax,"
        "schoolSourcedId",
        "sourcedId,title,assignDate,dueDate,classSourcedId,categorySourcedId,"
        "academicSessionSourcedId,schoolSourcedId",
    ),
    "results": (
        "sourcedId,status,dateLastModified,lineItemSourcedId,studentSourcedId,scoreStatus,score,"
        "scoreDate,comment,textScore,classSourcedId,inProgress,incomplete,late,missing",
        "sourcedId,lineItemSourcedId,studentSourcedId,scoreStatus,scoreDate",
    ),
    "scoreScales": (
        "sourcedId,status,dateLastModified,title,type,orgSourcedId,courseSourcedId,"
        "classSourcedId,scoreScaleValue",
        "sourcedId,title,type,orgSourcedId,courseSourcedId,classSourcedId,scoreScaleValue",
    ),
}
# §3, manifest.csv: a file.<name> for each of the binding's 21 files.
SPECIFICATION_FILES = [
    "academicSessions",
    "categories",
    "classes",
    "classResources",
    "courses",
    "courseResources",
    "demographics",
    "enrollments",
    "lineItemLearningObjectiveIds",
    "lineItems",
    "lineItemScoreScales",
    "orgs",
    "resources",
    "resultLearningObjectiveIds",
    "results",
    "resultScoreScales",
    "roles",
    "scoreScales",
    "userProfiles",
    "userResources",
    "users",
]

# Format of each kind of column (§3's data types): dates, years, floats, booleans, grades.
DATE_COLUMNS = {
    "startDate",
    "endDate",
    "beginDate",
    "assignDate",
    "dueDate",
    "scoreDate",
    "birthDate",
}
FLOAT_COLUMNS = {"weight", "resultValueMin", "resultValueMax", "score"}
BOOLEAN_COLUMNS = {
    "enabledUser",
    "primary",
    "inProgress",
    "incomplete",
    "late",
    "missing",
    "americanIndianOrAlaskaNative",
    "asian",
    "blackOrAfricanAmerican",
    "nativeHawaiianOrOtherPacificIslander",
    "white",
    "demographicRaceTwoOrMoreRaces",
    "hispanicOrLatinoEthnicity",
}


def test_the_tables_are_the_specifications():
    """spec.py's tables are the specification's, column for column and in order."""
    assert [t.name for t in spec.WRITTEN] == list(SPECIFICATION)
    for table in spec.WRITTEN:
        columns, required = SPECIFICATION[table.name]
        assert list(table.columns) == columns.split(","), table.name
        assert table.required == frozenset(required.split(",")), table.name
    assert list(spec.MANIFEST_FILES) == SPECIFICATION_FILES
    assert {t.name for t in spec.WRITTEN} <= set(SPECIFICATION_FILES)
    assert spec.MANIFEST_VERSION == "1.0" and spec.ONEROSTER_VERSION == "1.2"


@pytest.mark.parametrize(
    ("value", "extension"),
    [
        ("ext:fivePoint", True),
        ("ext:not.attested-2_b", True),
        ("ext:", False),
        ("ext:zhurnal:12", False),
        ("ext:two words", False),
        ("fivePoint", False),
    ],
)
def test_an_extension_is_ext_and_a_token(value, extension):
    assert spec.is_extension(value) is extension


def read_package(content: bytes) -> tuple[list[list[str]], dict[str, list[dict[str, str]]]]:
    """The manifest's rows and every data file's rows, checking each header on the way."""
    files = {}
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        names = archive.namelist()
        assert all("/" not in name for name in names), "the files sit at the zip's root"
        manifest = list(csv.reader(io.StringIO(archive.read("manifest.csv").decode("utf-8"))))
        assert manifest[0] == list(spec.MANIFEST_COLUMNS)
        for name in names:
            if name == "manifest.csv":
                continue
            table_name = name.removesuffix(".csv")
            raw = archive.read(name)
            assert not raw.startswith(b"\xef\xbb\xbf"), f"{name}: UTF-8 without a BOM"
            rows = list(csv.reader(io.StringIO(raw.decode("utf-8"))))
            assert rows[0] == SPECIFICATION[table_name][0].split(","), name
            assert len(rows) > 1, f"{name}: a file without data rows is not permitted"
            files[table_name] = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    return manifest[1:], files


def check_package(content: bytes) -> dict[str, list[dict[str, str]]]:
    """Every rule of the specification the tests check; returns the files' rows."""
    manifest, files = read_package(content)
    properties = dict(manifest)
    assert len(properties) == len(manifest), "a property once"
    assert properties["manifest.version"] == "1.0"
    assert properties["oneroster.version"] == "1.2"
    assert properties["source.systemName"] and properties["source.systemCode"]
    assert set(properties) == {
        "manifest.version",
        "oneroster.version",
        "source.systemName",
        "source.systemCode",
    } | {f"file.{name}" for name in SPECIFICATION_FILES}
    for name in SPECIFICATION_FILES:
        assert properties[f"file.{name}"] == ("bulk" if name in files else "absent"), name
    ids: dict[str, set[str]] = {}
    for name, rows in files.items():
        required = SPECIFICATION[name][1].split(",")
        seen = [row["sourcedId"] for row in rows]
        assert len(seen) == len(set(seen)), f"{name}: sourcedIds unique"
        ids[name] = set(seen)
        for row in rows:
            for column in required:
                assert row[column], (name, column, row)
            assert UUID.match(row["sourcedId"]), (name, row["sourcedId"])
            # A bulk file: status and dateLastModified blank.
            assert row["status"] == row["dateLastModified"] == "", (name, row)
            for column, value in row.items():
                if not value:
                    continue
                if column in DATE_COLUMNS:
                    assert DATE.match(value), (name, column, value)
                if column in BOOLEAN_COLUMNS:
                    assert value in ("true", "false"), (name, column, value)
                if column in FLOAT_COLUMNS:
                    assert FLOAT.match(value), (name, column, value)
                if column == "schoolYear":
                    assert YEAR.match(value), (name, column, value)
                if column == "grades":
                    assert all(GRADE.match(g) for g in value.split(",")), (name, value)
                if column in spec.LIST_COLUMNS:
                    assert all(value.split(",")), (name, column, value)
                if (name, column) in spec.VOCABULARIES:
                    vocabulary, extensible = spec.VOCABULARIES[(name, column)]
                    assert value in vocabulary or (extensible and spec.is_extension(value)), (
                        name,
                        column,
                        value,
                    )
                if value.startswith("ext:"):
                    assert spec.is_extension(value), (name, column, value)
    for (name, column), target in spec.REFERENCES.items():
        for row in files.get(name, []):
            value = row[column]
            if not value:
                continue
            for reference in value.split(","):
                assert reference in ids.get(target, set()), (name, column, reference)
    # A result's class is its line item's; a line item's school is its class's.
    class_of_item = {r["sourcedId"]: r["classSourcedId"] for r in files.get("lineItems", [])}
    for row in files.get("results", []):
        assert row["classSourcedId"] == class_of_item[row["lineItemSourcedId"]], row
    school_of_class = {r["sourcedId"]: r["schoolSourcedId"] for r in files.get("classes", [])}
    for row in files.get("lineItems", []):
        assert row["schoolSourcedId"] == school_of_class[row["classSourcedId"]], row
    # demographics.csv describes students (its sourcedId is the user's).
    students = {r["userSourcedId"] for r in files.get("roles", []) if r["role"] == "student"}
    assert {r["sourcedId"] for r in files.get("demographics", [])} <= students
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
