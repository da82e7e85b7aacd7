"""The archive's page (issue 13): the school's years, a year's classes with their term copies,
and the year's packages."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from zhurnal.school.models import AcademicYear, SchoolClass

from ..models import ArchivePackage, JournalPrint, TermCopy


@dataclass
class ArchiveIndex:
    years: list[AcademicYear]
    # Each class with its term copies and its last printed journal.
    classes: list[tuple[SchoolClass, list[TermCopy], JournalPrint | None]]
    packages: list[ArchivePackage]


def archive_index(school, year: AcademicYear | None, *, with_packages: bool) -> ArchiveIndex:
    """The school's years, the classes of ``year`` with their term copies and their last
    printed journal, and (for who may see them) the year's packages. Four queries, five with
    the packages."""
    years = list(AcademicYear.objects.filter(school=school).order_by("-start"))
    if year is None:
        return ArchiveIndex(years, [], [])
    classes = list(
        SchoolClass.objects.filter(school=school, year=year)
        .select_related("grade_level", "class_teacher")
        .order_by("grade_level__number", "letter")
    )
    copies: dict[int, list[TermCopy]] = defaultdict(list)
    for copy in TermCopy.objects.filter(school=school, term__year=year).select_related("term"):
        copies[copy.school_class_id].append(copy)
    last_print: dict[int, JournalPrint] = {}
    for job in JournalPrint.objects.filter(school=school, school_class__year=year).order_by(
        "requested_at", "pk"
    ):
        last_print[job.school_class_id] = job
    packages = (
        list(
            ArchivePackage.objects.filter(school=school, year=year)
            .select_related("built_by")
            .order_by("-version")
        )
        if with_packages
        else []
    )
    return ArchiveIndex(
        years, [(c, copies.get(c.pk, []), last_print.get(c.pk)) for c in classes], packages
    )
