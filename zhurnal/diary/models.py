"""The diary's own records: a guardian's acknowledgement of a term's marks («Ознакомлен»,
DESIGN §2 ``Acknowledgement``; issue 5) and each informing of a class's families by the
fortnightly progress report (seed 002, regulation 2.2.2). Everything else the diary shows is
read from the journal and the timetable."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhurnal.school.models import School, SchoolClass, Student, Term


class TermAcknowledgement(models.Model):
    """A guardian confirms having seen a student's marks of a term; once per student, term and
    guardian user (both parents may acknowledge)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="term_acknowledgements"
    )
    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("guardian"),
    )
    acknowledged_at = models.DateTimeField(_("acknowledged"))

    class Meta:
        verbose_name = _("acknowledgement of term marks")
        verbose_name_plural = _("acknowledgements of term marks")
        ordering = ["acknowledged_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "student", "term", "user"], name="term_ack_unique"
            ),
        ]
        indexes = [models.Index(fields=["school", "term"], name="term_ack_school_term")]

    def __str__(self) -> str:
        return f"{self.student}: {self.term}"


class IssueKind(models.TextChoices):
    SENT = "sent", _("e-mailed")
    PRINTED = "printed", _("printed")


class ProgressReportIssue(models.Model):
    """One informing of a class's families by the fortnightly progress report (seed 002,
    regulation 2.2.2: "the class teacher systematically, at least once in 2 weeks, informs the
    parents of their children's progress and attendance through reports made from the
    electronic journal's data"): who, when, for which period, and how — sent by e-mail (the
    number of e-mails queued, filled in by the background run) or the PDF downloaded for
    printing, for the families without e-mail. Never changed afterwards but for the e-mail
    count its run fills in."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    school_class = models.ForeignKey(
        SchoolClass,
        on_delete=models.PROTECT,
        related_name="progress_report_issues",
        verbose_name=_("class"),
    )
    start = models.DateField(_("period start"))
    end = models.DateField(_("period end"))
    kind = models.CharField(_("how"), max_length=10, choices=IssueKind.choices)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("time"))
    # E-mails queued by the run of a sending; None until the run has finished (and for a
    # printing). 0: nobody new to e-mail (no family with e-mail, or all had it already).
    emails = models.PositiveIntegerField(_("e-mails queued"), null=True, blank=True)

    class Meta:
        verbose_name = _("progress report issue")
        verbose_name_plural = _("progress report issues")
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start__lte=models.F("end")), name="report_issue_start_lte_end"
            ),
        ]
        indexes = [
            models.Index(fields=["school", "school_class", "at"], name="report_issue_class_at"),
        ]

    def __str__(self) -> str:
        return f"{self.school_class}: {self.start}–{self.end} {self.kind}"

    @property
    def unfinished(self) -> bool:
        """A sending whose run never wrote its count (it crashed, or the worker stopped): it
        informs nobody (``informing.RUN_GRACE``)."""
        # informing.py reads these models: imported here, not at the top.
        from .informing import RUN_GRACE

        return (
            self.kind == IssueKind.SENT
            and self.emails is None
            and self.at < timezone.now() - RUN_GRACE
        )

    @property
    def informed(self) -> bool:
        """Whether this issue reached any family: a printing, or a sending that queued
        e-mails (or whose run is still going)."""
        if self.kind == IssueKind.PRINTED:
            return True
        return self.emails != 0 and not self.unfinished
