"""The diary's own record: a guardian's acknowledgement of a term's marks («Ознакомлен»,
DESIGN §2 ``Acknowledgement``; issue 5). Everything else the diary shows is read from the
journal and the timetable."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhurnal.school.models import School, Student, Term


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
