"""Access entry points of the year end (``core.access``): a year and a class of the school,
through the year end's named rules (``yearend.*`` in ``permissions.table``)."""

from __future__ import annotations

from zhurnal.core.access import object_for
from zhurnal.school.access import class_for
from zhurnal.school.models import AcademicYear, SchoolClass


def year_for(user, school, year_id: int, perm: str) -> AcademicYear:
    """A year of the school if ``perm`` allows (404 for another school's)."""
    return object_for(user, school, AcademicYear, perm, pk=year_id)


def year_class_for(user, school, class_id: int, perm: str) -> SchoolClass:
    """A class with its grade level and year if ``perm`` allows."""
    return class_for(user, school, class_id, perm)
