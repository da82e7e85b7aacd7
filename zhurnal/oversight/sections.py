"""What the control adds to the pages of the apps below it (``school.sections``): on a course's
journal, the button to write a remark (the deputies) and its open remarks (loaded with htmx:
the journal page's query budget is the grid's); in a student's diary, the tab of the school's
work with the student (seeds 003, 004: the family sees what concerns their child). No query."""

from __future__ import annotations

from datetime import date

from django.urls import reverse
from django.utils.translation import gettext as _

from zhurnal.school.sections import PageAction, PageSection


def journal_section(user, course, today: date) -> PageSection | None:
    actions = ()
    if user.has_perm("oversight.write_remark", course):
        url = reverse("oversight:remark_new") + f"?course={course.pk}"
        actions = (PageAction(_("Write a remark"), url),)
    if not user.has_perm("oversight.view_course", course):
        return PageSection(actions=actions) if actions else None
    return PageSection(
        actions=actions,
        template="oversight/_journal_remarks.html",
        data={"url": reverse("oversight:journal_remarks", args=[course.pk])},
    )


def diary_tab(user, student, today: date) -> PageSection | None:
    if not user.has_perm("oversight.view_support", student):
        return None
    url = reverse("oversight:support", args=[student.pk])
    return PageSection(actions=(PageAction(_("School support"), url),))
