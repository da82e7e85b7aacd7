"""Access entry points of the printed journals and the archive (``core.access``; issue 13): the
deputies and the director print a class's documents and read the term copies
(``archive.print``); the director builds and downloads the archive packages
(``archive.package``: a year's personal data in one file). The rules are the ``archive.*``
lines of the rule table (``zhurnal.permissions``)."""

from __future__ import annotations

from zhurnal.core.access import object_for
from zhurnal.school.models import SchoolClass

from .models import ArchivePackage, JournalPrint, TermCopy
from .queries import CLASS_RELATED


def print_class_for(user, school, class_id: int) -> SchoolClass:
    """A class whose documents the user may print (the deputies, the director)."""
    classes = SchoolClass.objects.select_related(*CLASS_RELATED)
    return object_for(user, school, classes, "archive.print", pk=class_id)


def term_copy_for(user, school, copy_id: int) -> TermCopy:
    """A term copy of the archive, for who may print the journals."""
    return object_for(user, school, TermCopy.objects.all(), "archive.print", pk=copy_id)


def package_for(user, school, package_id: int) -> ArchivePackage:
    """An archive package, for the director."""
    packages = ArchivePackage.objects.select_related("year")
    return object_for(user, school, packages, "archive.package", pk=package_id)


def journal_print_for(user, school, print_id: int) -> JournalPrint:
    """A printed journal of the archive, for who may print the journals."""
    return object_for(user, school, JournalPrint.objects.all(), "archive.print", pk=print_id)
