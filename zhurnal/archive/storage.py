"""The archive storage (issue 13; seed 002 §5.5–5.6): a folder of its own,
``settings.ZHURNAL_ARCHIVE_DIR`` (by default ``var/archive/``), apart from the uploaded files
(MEDIA_ROOT) and never published by the web server. What is written there is written once and
made read-only (files 0444, folders 0555): a term copy is never made again, a package is never
rebuilt in place (a new build is the next version beside it).

Layout::

    school-<id>/<year>/terms/<term>/<class>-journal.pdf, <class>-summary.pdf
    school-<id>/<year>/package-v<N>/…  (see ``package.py``)
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from django.conf import settings

READ_ONLY_FILE = 0o444
READ_ONLY_DIR = 0o555
CHUNK = 1024 * 1024


def root() -> Path:
    return Path(settings.ZHURNAL_ARCHIVE_DIR)


def safe(text: str) -> str:
    """A piece of a file name: letters (Cyrillic too), digits, «-» and «_»."""
    return re.sub(r"[^\w-]+", "-", str(text)).strip("-") or "x"


def year_dir(school, year) -> str:
    return f"school-{school.pk}/{safe(year.title)}"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def write_once(relative: str, content: bytes) -> Path:
    """Write a new file of the archive, read-only; an existing file is never overwritten
    (FileExistsError)."""
    path = root() / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("xb") as stream:
        stream.write(content)
    path.chmod(READ_ONLY_FILE)
    return path


def seal(folder: Path) -> None:
    """Make a folder and everything in it read-only."""
    for current, dirs, files in os.walk(folder, topdown=False):
        for name in files:
            (Path(current) / name).chmod(READ_ONLY_FILE)
        for name in dirs:
            (Path(current) / name).chmod(READ_ONLY_DIR)
    folder.chmod(READ_ONLY_DIR)
