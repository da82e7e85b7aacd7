"""Headers of every answer and the production settings (issue 16, finding 8): no API answer is
kept in a cache, no page may use the camera or the position, and ``check --deploy`` is clean
for a production configuration."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.urls import reverse

from zhurnal.accounts.models import ApiToken

from .personas import build_world


@pytest.fixture
def world(db):
    return build_world()


def _api(client, world, path: str):
    token = ApiToken.issue(world.users["parent"], "test")[1]
    return client.get(f"/api/v1{path}", HTTP_AUTHORIZATION=f"Bearer {token}")


def test_every_api_answer_is_not_stored_but_the_openapi_document(client, world):
    answers = [
        _api(client, world, "/me"),  # the family's names and children
        _api(client, world, f"/schools/{world.other_school.pk}/classes"),  # an error
        client.get("/api/v1/me"),  # no token: 401
        client.get("/api/v1/no-such-endpoint"),
    ]
    assert [a.status_code for a in answers] == [200, 404, 401, 404]
    for answer in answers:
        assert answer["Cache-Control"] == "private, no-store"
    document = client.get("/api/v1/openapi.json")
    assert document.status_code == 200 and "no-store" not in document.get("Cache-Control", "")


def test_every_answer_denies_the_camera_microphone_and_position(client, world):
    for response in (
        client.get(reverse("accounts:login")),
        client.get("/api/v1/openapi.json"),
        client.get("/healthz"),
    ):
        policy = response["Permissions-Policy"]
        for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
            assert f"{feature}=()" in policy


PRODUCTION = {
    "ZHURNAL_HTTPS": "1",
    "ZHURNAL_BEHIND_PROXY": "1",
    "ZHURNAL_SECRET_KEY": "k" * 20 + "Zq7-Lm9_xR2vT5wY8aB1cD4eF6gH0jK3nP",
    "ZHURNAL_ALLOWED_HOSTS": "journal.school7.ru",
    "ZHURNAL_CSRF_TRUSTED_ORIGINS": "https://journal.school7.ru",
    "ZHURNAL_SMTP_HOST": "smtp.school7.ru",
}


def _deploy_check(tmp_path, **env) -> subprocess.CompletedProcess:
    # Not the browser tests' DJANGO_ALLOW_ASYNC_UNSAFE (tests/browser/conftest.py sets it in
    # this process when they run first): a production environment has none (async.E001).
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("ZHURNAL_") and k not in ("DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    environment.update(
        PRODUCTION,
        ZHURNAL_VAR_DIR=str(tmp_path / "var"),
        ZHURNAL_BACKUP_DIRS=f"{tmp_path / 'disk'},{tmp_path / 'share'}",
        DJANGO_SETTINGS_MODULE="zhurnal.settings",
        **env,
    )
    return subprocess.run(
        [sys.executable, "-m", "zhurnal", "check", "--deploy", "--fail-level", "WARNING"],
        env=environment,
        capture_output=True,
        text=True,
    )


def test_the_deploy_checks_are_clean_for_a_production_configuration(tmp_path):
    result = _deploy_check(tmp_path)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_without_https_the_deploy_checks_ask_for_hsts_and_secure_cookies(tmp_path):
    result = _deploy_check(tmp_path, ZHURNAL_HTTPS="0")
    assert result.returncode != 0
    for check in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert check in result.stderr
