"""The diary's part of a class's page (``school.sections``): the acknowledgements of term
marks and the fortnightly progress report, with when the families were last informed (seed
002, regulation 2.2.2) for whoever may see the report — the class teacher, and the
administration checking it. One query, only for them; the buttons from the request's rules."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from django.urls import reverse
from django.utils.translation import gettext as _

from zhurnal.school.models import SchoolClass
from zhurnal.school.sections import PageAction, PageSection

from .informing import informing_status


def progress_section(user, school_class: SchoolClass, today: date) -> PageSection | None:
    actions = []
    # Who of the class acknowledged the term marks (issue 5): the class teacher and the
    # administration.
    if user.has_perm("diary.view_acknowledgements", school_class):
        actions.append(
            PageAction(
                _("Acknowledgement of term marks"),
                reverse("diary:acknowledgements", args=[school_class.pk]),
            )
        )
    can_view_report = user.has_perm("diary.progress_report", school_class)
    if not can_view_report:
        return PageSection(actions=tuple(actions)) if actions else None
    actions.append(
        PageAction(_("Progress report"), reverse("diary:progress_report", args=[school_class.pk]))
    )
    tz = ZoneInfo(school_class.school.timezone)
    return PageSection(
        actions=tuple(actions),
        template="diary/_class_informing.html",
        data={"informing": informing_status(school_class, today, tz)},
    )
