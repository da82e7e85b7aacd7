"""The audit events of the printed journals and the archive (issue 13; DESIGN §2 "Audit"): one
function per kind of event, called by ``archive.services``. Printing a class's documents and
downloading a package are logged like every export of personal data (DESIGN §3, 152-FZ)."""

from __future__ import annotations

from zhurnal.audit.actor import Actor
from zhurnal.audit.models import AuditAction
from zhurnal.audit.services import record
from zhurnal.school.models import SchoolClass

from .models import ArchivePackage


def journal_printed(school_class: SchoolClass, document: str, pages: int, *, actor: Actor) -> None:
    """A class's journal, summary sheet or report cards printed (as a PDF handed out)."""
    record(
        action=AuditAction.JOURNAL_PRINTED,
        actor=actor,
        obj=school_class,
        after={"document": document, "pages": pages},
    )


def package_built(package: ArchivePackage, *, actor: Actor) -> None:
    record(
        action=AuditAction.ARCHIVE_BUILT,
        actor=actor,
        obj=package,
        after={
            "year": package.year_id,
            "version": package.version,
            "files": package.files,
            "manifest_sha256": package.manifest_sha256,
        },
    )


def package_downloaded(package: ArchivePackage, *, actor: Actor) -> None:
    record(
        action=AuditAction.ARCHIVE_DOWNLOADED,
        actor=actor,
        obj=package,
        after={"version": package.version},
    )
