"""Access entry points of the reports (``core.access``): who sees the figures of what (issue 12).

The administration (director, deputies, administrator) sees the whole school; a class teacher
their class (``reports.view_class``); a teacher the report of their own courses
(``reports.view_teacher``). Parents and students see none of the school's figures. The rules
live in the rule table (``zhurnal.permissions``)."""

from __future__ import annotations

from zhurnal.core.access import object_for
from zhurnal.school.access import class_for
from zhurnal.school.models import SchoolClass, Staff


def report_class_for(user, school, class_id: int) -> SchoolClass:
    """A class whose reports the user may see: the administration's, its class teacher's."""
    return class_for(user, school, class_id, "reports.view_class")


def report_teacher_for(user, school, staff_id: int) -> Staff:
    """A teacher whose report on their courses the user may see: their own, or any for the
    administration."""
    return object_for(user, school, Staff.objects.all(), "reports.view_teacher", pk=staff_id)
