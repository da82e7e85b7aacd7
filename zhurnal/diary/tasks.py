"""Background work of the diary (Django tasks API, run by `zhurnal db_worker`): the fortnightly
progress report sent to the families of a class (seed 002, regulation 2.2.2)."""

from __future__ import annotations

import logging
from datetime import date

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from zhurnal.notifications.models import EmailDelivery, Kind, Notification
from zhurnal.notifications.services import notify, recipients_of
from zhurnal.school.models import SchoolClass, Term

from . import report
from .services import set_report_emails

log = logging.getLogger(__name__)


def report_title(student, start: date, end: date, term: Term | None = None) -> str:
    """The e-mail's subject and the notification's title; it names the period (issue 12: a
    term's report by the term's name), and a recipient gets one report per title."""
    values = {
        "name": student.short_name,
        "start": start.strftime("%d.%m.%Y"),
        "end": end.strftime("%d.%m.%Y"),
    }
    if term is not None:
        return _("Progress report: %(name)s, %(term)s (%(start)s – %(end)s)") % {
            **values,
            "term": term.title,
        }
    return _("Progress report: %(name)s, %(start)s – %(end)s") % values


def report_filename(student, school_class: SchoolClass, start: date, end: date) -> str:
    """The fortnight's report is named by its last day (as before issue 12); a longer or a
    shorter period's by both days."""
    days = end.isoformat() if (end - start).days + 1 == report.PERIOD_DAYS else f"{start}_{end}"
    return f"progress-{school_class.name}-{student.pk}-{days}.pdf"


@task()
def send_progress_reports(
    class_id: int,
    start: str,
    end: str,
    actor_id: int | None,
    issue_id: int | None = None,
    term_id: int | None = None,
) -> int:
    """Render each student's report and tell the student's recipients (their guardians with a
    login, the student from the school's age), the PDF attached to the e-mail. A recipient who
    already has this student's report of this period is not told again (a second run, or a
    second press of the button, sends nothing more). With ``term_id`` (issue 12) the report is
    the term's, with its term marks; a term not of the class's year is ignored. Returns the
    number of e-mails queued, also written on the sending's record (``issue_id``; seed 002,
    regulation 2.2.2)."""
    school_class = (
        SchoolClass.objects.select_related("school", "grade_level").filter(pk=class_id).first()
    )
    if school_class is None:
        return 0
    first, last = date.fromisoformat(start), date.fromisoformat(end)
    term = (
        Term.objects.filter(pk=term_id, year_id=school_class.year_id).first()
        if term_id is not None
        else None
    )
    counter = {"queued": 0}
    try:
        _send_reports(school_class, first, last, term, counter)
    finally:
        # Written even when a report fails half-way: what was queued before the failure (a
        # run that never wrote it would count as still going, ``informing.RUN_GRACE``).
        if issue_id is not None:
            set_report_emails(issue_id, counter["queued"])
    queued = counter["queued"]
    log.info(
        "progress reports of class %s (%s–%s) by user %s: %s e-mails",
        class_id,
        start,
        end,
        actor_id,
        queued,
    )
    return queued


def _send_reports(school_class, first: date, last: date, term: Term | None, counter: dict) -> None:
    """Each student's report to their recipients; ``counter["queued"]`` counts the e-mails
    as they are queued."""
    with translation.override(settings.LANGUAGE_CODE):
        rows = report.progress_data(school_class, first, last, term=term)
        for row in rows:
            student = row.student
            student.school = school_class.school
            title = report_title(student, first, last, term)
            told = set(
                Notification.objects.filter(
                    school=school_class.school, kind=Kind.REPORT, title=title[:200]
                ).values_list("user_id", flat=True)
            ) | set(
                EmailDelivery.objects.filter(
                    school=school_class.school, subject=title[:200]
                ).values_list("user_id", flat=True)
            )
            users = [user for user in recipients_of(student) if user.pk not in told]
            if not users:
                continue
            pdf = report.render_pdf([row], school_class, first, last, term=term)
            values = {
                "name": student.full_name,
                "class": school_class.name,
                "start": first.strftime("%d.%m.%Y"),
                "end": last.strftime("%d.%m.%Y"),
            }
            if term is not None:
                body = _(
                    "The marks, the term marks and the absences of %(name)s (class %(class)s) "
                    "in %(term)s (%(start)s – %(end)s) are in the attached PDF."
                ) % {**values, "term": term.title}
            else:
                body = (
                    _(
                        "The marks and absences of %(name)s (class %(class)s) from %(start)s to "
                        "%(end)s are in the attached PDF."
                    )
                    % values
                )
            with transaction.atomic():
                counter["queued"] += notify(
                    users=users,
                    school=school_class.school,
                    kind=Kind.REPORT,
                    title=title,
                    body=body,
                    link=reverse("diary:marks", args=[student.pk]),
                    attachment=(report_filename(student, school_class, first, last), pdf),
                )
