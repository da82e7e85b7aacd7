"""Sending a package to the configured destination (issue 17 item 4): an HTTPS address, POSTed
with the deployment's bearer token, and/or a folder. Any failure raises ``DeliveryError`` with
what went wrong, for the retry and the administrator's page."""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings

LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})


class DeliveryError(Exception):
    pass


def destination() -> str:
    """What the settings name as the destination, for the records; empty: none configured."""
    parts = [settings.ZHURNAL_REGION_UPLOAD_URL, settings.ZHURNAL_REGION_UPLOAD_DIR]
    return " + ".join(p for p in parts if p)


def check_url(url: str) -> None:
    """Only HTTPS leaves the machine (seed 002 §6.2.6: the data kept safe on the way); plain
    HTTP is accepted for the loopback only (a local relay, the tests)."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname in LOOPBACK:
        return
    raise DeliveryError(f"not an HTTPS address: {url}")


def send(content: bytes, *, name: str) -> None:
    """Deliver the package to every configured destination; the first failure raises."""
    if settings.ZHURNAL_REGION_UPLOAD_URL:
        _post(settings.ZHURNAL_REGION_UPLOAD_URL, content, name)
    if settings.ZHURNAL_REGION_UPLOAD_DIR:
        _write(Path(settings.ZHURNAL_REGION_UPLOAD_DIR), content, name)


def _post(url: str, content: bytes, name: str) -> None:
    check_url(url)
    request = urllib.request.Request(url, data=content, method="POST")  # noqa: S310 -- checked
    request.add_header("Content-Type", "application/zip")
    request.add_header("Content-Disposition", f'attachment; filename="{name}"')
    if settings.ZHURNAL_REGION_UPLOAD_TOKEN:
        request.add_header("Authorization", f"Bearer {settings.ZHURNAL_REGION_UPLOAD_TOKEN}")
    try:
        with urllib.request.urlopen(  # noqa: S310 -- the scheme is checked above
            request, timeout=settings.ZHURNAL_REGION_UPLOAD_TIMEOUT
        ) as answer:
            answer.read()
    except urllib.error.HTTPError as error:
        raise DeliveryError(f"HTTP {error.code} {error.reason}") from error
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise DeliveryError(f"{type(error).__name__}: {reason}") from error


def _write(folder: Path, content: bytes, name: str) -> None:
    """Written under a temporary name and renamed: the region never picks up half a file."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        partial = folder / f".{name}.part"
        partial.write_bytes(content)
        os.replace(partial, folder / name)
    except OSError as error:
        raise DeliveryError(f"{type(error).__name__}: {error}") from error
