"""The archive package of a school's year (issue 13; seed 002 §5.5–5.9): one folder with the
printed documents of every class and the year's record as CSV tables, and a manifest of the
SHA-256 of every file, so that a changed byte anywhere is found years later.

    journals/<class>-journal.pdf     the class journals (PDF/A), with the closing page
    summary/<class>-summary.pdf      the summary sheets of the marks (kept 25 years, §5.9)
    report-cards/<class>-cards.pdf   the report cards
    terms/<term>/<class>-….pdf       the term copies made at each term's end (§4.2), as made
    data/<table>.csv                 students, courses, lessons, marks, attendance, period
                                     marks, audit, … (UTF-8, comma-separated, a header row;
                                     text that could start a formula begins with ' — OWASP)
    package.json                     what the package is: school, year, version, when built
    SHA256SUMS                       «<sha256>  <path>» for every file above — the format of
                                     `sha256sum -c`, checkable without Zhurnal
    SHA256SUMS.sha256                the SHA-256 of SHA256SUMS itself

``verify`` checks a package folder against its manifest: every file listed is there with its
checksum, no file is there that is not listed, and the manifest is itself unchanged.
"""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from zhurnal.core.spreadsheets import csv_value

from . import storage
from .printing import journal_pdf, report_cards_pdf, summary_pdf
from .queries import class_journal, export_tables

MANIFEST = "SHA256SUMS"
MANIFEST_SUM = "SHA256SUMS.sha256"
DESCRIPTION = "package.json"


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, str):
        return csv_value(value)
    return str(value)


def write_tables(folder: Path, school, year, until: datetime) -> list[str]:
    """The year's tables as CSV files under ``folder/data/``; their paths in the package."""
    (folder / "data").mkdir(parents=True)
    written = []
    for table in export_tables(school, year, until):
        relative = f"data/{table.name}.csv"
        with (folder / relative).open("w", encoding="utf-8", newline="") as stream:
            writer = csv.writer(stream)
            writer.writerow(table.header)
            for row in table.rows.iterator(chunk_size=2000):
                writer.writerow([_cell(v) for v in row])
        written.append(relative)
    return written


def copy_term_copies(folder: Path, copies) -> list[str]:
    """The year's term copies from the archive storage, byte for byte; a copy whose file no
    longer matches its recorded SHA-256 stops the build (the package would seal a damage)."""
    written = []
    for copy in copies:
        source = storage.root() / copy.path
        if storage.sha256_of(source) != copy.sha256:
            raise ValueError(f"{copy.path}: changed since it was made (SHA-256 differs)")
        relative = f"terms/{Path(copy.path).parent.name}/{Path(copy.path).name}"
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        written.append(relative)
    return written


def write_documents(
    folder: Path, classes, printed: date, progress: Callable[[str], None] | None = None
) -> list[str]:
    """The journal, the summary sheet and the report cards of every class, as PDF/A."""
    written = []
    for school_class in classes:
        journal = class_journal(school_class)
        name = storage.safe(school_class.name)
        for relative, document in (
            (f"journals/{name}-journal.pdf", journal_pdf(journal, printed=printed)),
            (f"summary/{name}-summary.pdf", summary_pdf(journal, printed=printed)),
            (f"report-cards/{name}-cards.pdf", report_cards_pdf(journal, printed=printed)),
        ):
            path = folder / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(document.content)
            written.append(relative)
        if progress is not None:
            progress(school_class.name)
    return written


def write_manifest(folder: Path, files: list[str], description: dict) -> tuple[str, int, int]:
    """package.json, SHA256SUMS over every file and SHA256SUMS.sha256; the manifest's
    SHA-256, the number of files and their total size."""
    (folder / DESCRIPTION).write_text(
        json.dumps(description, ensure_ascii=False, indent=2, sort_keys=True), encoding="utf-8"
    )
    listed = sorted([*files, DESCRIPTION])
    lines = [f"{storage.sha256_of(folder / name)}  {name}\n" for name in listed]
    manifest = "".join(lines).encode("utf-8")
    (folder / MANIFEST).write_bytes(manifest)
    digest = hashlib.sha256(manifest).hexdigest()
    (folder / MANIFEST_SUM).write_text(f"{digest}  {MANIFEST}\n", encoding="utf-8")
    size = sum((folder / name).stat().st_size for name in listed)
    return digest, len(listed), size


@dataclass(frozen=True)
class Problem:
    path: str
    what: str

    def __str__(self) -> str:
        return f"{self.path}: {self.what}"


def verify(folder: Path) -> list[Problem]:
    """What is wrong with a package folder, file by file (empty: intact). A changed byte in a
    file is that file's checksum failing; in the manifest, the manifest's own."""
    problems: list[Problem] = []
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file():
        return [Problem(MANIFEST, "missing: not an archive package")]
    manifest = manifest_path.read_bytes()
    sum_path = folder / MANIFEST_SUM
    if not sum_path.is_file():
        problems.append(Problem(MANIFEST_SUM, "missing"))
    else:
        recorded = sum_path.read_text(encoding="utf-8", errors="replace").split(" ")[0].strip()
        if recorded != hashlib.sha256(manifest).hexdigest():
            problems.append(Problem(MANIFEST, f"checksum differs from {MANIFEST_SUM}"))
    listed: dict[str, str] = {}
    for number, line in enumerate(manifest.decode("utf-8", errors="replace").splitlines(), 1):
        digest, sep, name = line.partition("  ")
        if not sep or len(digest) != 64:
            problems.append(Problem(MANIFEST, f"line {number} is not «<sha256>  <file>»"))
            continue
        listed[name] = digest
    for name, digest in sorted(listed.items()):
        path = folder / name
        if not path.is_file():
            problems.append(Problem(name, "missing"))
        elif storage.sha256_of(path) != digest:
            problems.append(Problem(name, "changed: SHA-256 differs from the manifest"))
    known = {*listed, MANIFEST, MANIFEST_SUM}
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if path.is_file() and name not in known:
            problems.append(Problem(name, "not in the manifest"))
    return problems
