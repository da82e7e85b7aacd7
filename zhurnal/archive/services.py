"""The use cases of the printed journals and the archive (issue 13). They trust their caller:
the pages load the class, the package and the school through ``archive.access`` (the deputies
and the director print, the director builds and downloads a package); the commands and the
daily job act for the school as the system.

* ``print_document`` — a class's summary sheet or report cards as PDF/A, logged (seed 002
  §5.9); ``request_journal_print`` and ``make_journal_print`` — its journal, made by the
  worker (seed 002 §4.1: the deputy prints the journal at year end; §5.7);
* ``term_copies_job`` — the daily job that puts each ended term's journal copies and summary
  sheets into the archive (seed 002 §4.2);
* ``build_package`` — the archive package of a school's year, a new version each time;
* ``open_package`` — a package as one ZIP for the director to download, logged.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from zhurnal.audit.actor import Actor
from zhurnal.school.calendar import school_today, terms_of_level
from zhurnal.school.models import AcademicYear, SchoolClass, Term

from . import events, storage
from .models import ArchivePackage, DocumentKind, JournalPrint, PrintStatus, TermCopy
from .package import copy_term_copies, write_documents, write_manifest, write_tables
from .printing import Printed, journal_pdf, report_cards_pdf, summary_pdf
from .queries import CLASS_RELATED, class_journal

# A built package's folder in a year's folder of the archive.
PACKAGE_FOLDER = re.compile(r"package-v(\d+)")

# Seed 002 §4.2 asks for the copies "по окончании каждого отчетного периода": the job makes
# those of the terms over for at most this long (a server down for days still catches up;
# older years are their year package's).
TERM_COPIES_WITHIN = timedelta(days=120)


def print_document(
    *, school_class: SchoolClass, kind: DocumentKind, printed: date, actor: Actor
) -> Printed:
    """A class's summary sheet or report cards of its year as PDF/A (seconds: made in the
    request), and the audit event of its printing (DESIGN §3: an export of personal data is
    logged). ``school_class`` with ``CLASS_RELATED``."""
    journal = class_journal(school_class)
    render = {DocumentKind.SUMMARY: summary_pdf, DocumentKind.REPORT_CARDS: report_cards_pdf}[kind]
    document = render(journal, printed=printed)
    with transaction.atomic():
        events.journal_printed(school_class, kind, document.pages, actor=actor)
    return document


def request_journal_print(*, school_class: SchoolClass, actor: Actor) -> JournalPrint:
    """Queue the printing of a class's journal of its year (the worker makes it:
    ``make_journal_print``)."""
    from .tasks import print_journal_task  # the task module imports this one

    job = JournalPrint.objects.create(
        school=school_class.school, school_class=school_class, requested_by=actor.user
    )
    transaction.on_commit(lambda: print_journal_task.enqueue(job.pk))
    return job


def make_journal_print(job: JournalPrint) -> JournalPrint:
    """Print a queued journal into the archive storage (``prints/``) and log it as printed by
    who asked for it. A job done is not made again; one that fails says why."""
    if job.status == PrintStatus.DONE:
        return job
    school_class = SchoolClass.objects.select_related(*CLASS_RELATED).get(pk=job.school_class_id)
    try:
        document = journal_pdf(
            class_journal(school_class), printed=school_today(school_class.school)
        )
        relative = (
            f"{storage.year_dir(school_class.school, school_class.year)}/prints/"
            f"{storage.safe(school_class.name)}-journal-{job.pk}.pdf"
        )
        path = _store(relative, document.content)
    except Exception as error:
        job.status, job.error, job.finished_at = (
            PrintStatus.FAILED,
            str(error)[:500],
            timezone.now(),
        )
        job.save(update_fields=["status", "error", "finished_at"])
        raise
    job.status, job.path, job.pages = PrintStatus.DONE, relative, document.pages
    job.size, job.sha256 = path.stat().st_size, storage.sha256_of(path)
    job.finished_at = timezone.now()
    with transaction.atomic():
        job.save(update_fields=["status", "path", "pages", "size", "sha256", "finished_at"])
        events.journal_printed(
            school_class, DocumentKind.JOURNAL, document.pages, actor=Actor(user=job.requested_by)
        )
    return job


# --- the term copies (seed 002 §4.2) ---------------------------------------------------------


def _store(relative: str, content: bytes) -> Path:
    """Write a term copy once: into a temporary name, then renamed (atomic), so that a copy
    found under its name is whole. A copy already there (a run killed before its row was
    saved) is kept as it is."""
    path = storage.root() / relative
    if path.exists():
        return path
    temporary = f"{relative}.{secrets.token_hex(4)}.part"
    written = storage.write_once(temporary, content)
    written.rename(path)
    return path


def make_term_copies(school_class: SchoolClass, term: Term) -> int:
    """The journal copy and the summary sheet of ``term`` of a class, those not made yet;
    how many were made."""
    made = 0
    done = set(
        TermCopy.objects.filter(term=term, school_class=school_class).values_list("kind", flat=True)
    )
    wanted = [k for k in (DocumentKind.JOURNAL, DocumentKind.SUMMARY) if k not in done]
    if not wanted:
        return 0
    journal = class_journal(school_class, term.start, term.end)
    folder = (
        f"{storage.year_dir(school_class.school, school_class.year)}/terms/"
        f"{term.kind}-{term.number}"
    )
    name = storage.safe(school_class.name)
    for kind in wanted:
        render = journal_pdf if kind == DocumentKind.JOURNAL else summary_pdf
        document = render(journal, printed=term.end, term=term)
        relative = f"{folder}/{name}-{kind}.pdf"
        path = _store(relative, document.content)
        try:
            TermCopy.objects.create(
                school=school_class.school,
                term=term,
                school_class=school_class,
                kind=kind,
                path=relative,
                size=path.stat().st_size,
                sha256=storage.sha256_of(path),
            )
        except IntegrityError:
            continue  # made meanwhile by another run
        made += 1
    return made


def term_copies_job(school, today: date) -> str | None:
    """The daily job (``core.daily``): for every term of the school over before ``today`` (and
    not longer ago than ``TERM_COPIES_WITHIN``), the copies of each class following it that are
    not made yet. Idempotent: a copy made is recorded (``TermCopy``) and never made again."""
    terms = list(
        Term.objects.filter(school=school, end__lt=today, end__gte=today - TERM_COPIES_WITHIN)
        .select_related("year")
        .order_by("end", "kind", "number")
    )
    if not terms:
        return None
    classes = list(
        SchoolClass.objects.filter(school=school, year__in={t.year_id for t in terms})
        .select_related(*CLASS_RELATED)
        .order_by("grade_level__number", "letter")
    )
    year_terms = list(
        Term.objects.filter(year__in={t.year_id for t in terms}).order_by("start", "kind")
    )
    made = 0
    for term in terms:
        for school_class in classes:
            own = terms_of_level(
                [t for t in year_terms if t.year_id == school_class.year_id],
                school_class.grade_level,
            )
            if school_class.year_id == term.year_id and term in own:
                made += make_term_copies(school_class, term)
    return f"{made} term copies made" if made else None


# --- the archive package ---------------------------------------------------------------------


def package_folder(package: ArchivePackage) -> Path:
    return storage.root() / package.path


def build_package(
    *,
    school,
    year: AcademicYear,
    actor: Actor,
    progress: Callable[[str], None] | None = None,
) -> ArchivePackage:
    """Build the archive package of ``year``: every class's documents, the year's tables, the
    manifest; built in a temporary folder, then moved to ``package-v<N>`` (the next version:
    a package built is never changed) and made read-only."""
    printed = school_today(school)
    base = storage.root() / storage.year_dir(school, year)
    base.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".building-", dir=base))
    try:
        classes = list(
            SchoolClass.objects.filter(school=school, year=year)
            .select_related(*CLASS_RELATED)
            .order_by("grade_level__number", "letter")
        )
        built_at = timezone.now()
        files = write_documents(work, classes, printed, progress)
        files += copy_term_copies(
            work, TermCopy.objects.filter(school=school, term__year=year).order_by("path")
        )
        files += write_tables(work, school, year, built_at)
        version = _next_version(base, school, year)
        digest, count, size = write_manifest(
            work,
            files,
            {
                "school": {"id": school.pk, "name": school.name},
                "year": {"id": year.pk, "title": year.title},
                "version": version,
                "built_at": built_at.isoformat(),
                "classes": [c.name for c in classes],
                "zhurnal_archive_format": 1,
            },
        )
        relative = f"{storage.year_dir(school, year)}/package-v{version}"
        # A rename onto an existing folder fails: a version is never built twice.
        os.rename(work, storage.root() / relative)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    storage.seal(storage.root() / relative)
    with transaction.atomic():
        package = ArchivePackage.objects.create(
            school=school,
            year=year,
            version=version,
            path=relative,
            files=count,
            size=size,
            manifest_sha256=digest,
            built_by=actor.user if getattr(actor.user, "is_authenticated", False) else None,
        )
        events.package_built(package, actor=actor)
    return package


def _next_version(base: Path, school, year: AcademicYear) -> int:
    """The next package version: after the last recorded and after every ``package-v<N>``
    folder already on disk — one may have no record (a database restored from a backup older
    than the archive folder, or a build stopped between its folder and its record), and a
    version already built is never built again."""
    recorded = (
        ArchivePackage.objects.filter(school=school, year=year).aggregate(v=Max("version"))["v"]
        or 0
    )
    on_disk = [
        int(match.group(1))
        for path in base.iterdir()
        if (match := PACKAGE_FOLDER.fullmatch(path.name))
    ]
    return max([recorded, *on_disk]) + 1


def open_package(*, package: ArchivePackage, actor: Actor):
    """The package as one ZIP (stored, not compressed: PDFs do not shrink), in a temporary file
    opened for reading, and the audit event of its download (DESIGN §3)."""
    folder = package_folder(package)
    stream = tempfile.TemporaryFile()  # noqa: SIM115 — handed to the response, which closes it
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_STORED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                name = f"{folder.name}/{path.relative_to(folder).as_posix()}"
                archive.write(path, name)
    stream.seek(0)
    with transaction.atomic():
        events.package_downloaded(package, actor=actor)
    return stream
