"""The deputies' control of the journals (issue 12; seed 002 regulation 2.1.7, 2.3.1, §5.4;
seeds 003 and 004): remarks on the keeping of a journal that the teacher fixes by a date, the
check's справка, the work done with lagging students, and the school's thresholds for them.

* ``JournalRemark`` (DESIGN §2 «Замечание по ведению журнала»): a deputy → a teacher, on a
  course's journal (and a lesson of it, if the remark is about one), with a due date; open →
  fixed (by the teacher, with a comment) → accepted, or reopened by the deputy. Each step is a
  ``RemarkStep`` — the remark's history — and an audit event.
* ``CheckReport``: the справка of a deputy's check of the journals for a period (seed 002
  §5.4: "отражается в справке"), kept with its conclusions for the year's archive.
* ``SupportAction``: the log of the work with a lagging student (seeds 003, 004: "работа с
  отстающими учащимися"): who did what, when — a talk with the parents, an extra lesson, an
  individual plan.
* ``OversightPolicy``: when a student counts as lagging, and the usual time given to fix a
  remark; a school without one follows the defaults.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from zhurnal.school.models import Course, School, Staff, Student
from zhurnal.timetable.models import Lesson


class RemarkKind(models.TextChoices):
    """What a remark is about: the lines of the deputy's monthly check (seed 004)."""

    TOPICS = "topics", _("lessons and topics not recorded in time")
    MARKS = "marks", _("marks not entered in time")
    ACCUMULATION = "accumulation", _("too few marks (накопляемость)")
    ATTENDANCE = "attendance", _("attendance not recorded")
    HOMEWORK = "homework", _("homework not set or too much")
    PROGRAMME = "programme", _("programme behind the plan")
    PERIOD_MARKS = "period_marks", _("term marks")
    OTHER = "other", _("other")


class RemarkStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("a remark's status", "open")
    FIXED = "fixed", _("fixed, to check")
    ACCEPTED = "accepted", _("accepted")


class JournalRemark(models.Model):
    """A deputy's remark on the keeping of a course's journal, to be fixed by its teacher by
    ``due`` (seed 002, regulation 2.1.7: "устраняет замечания в установленные сроки")."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="remarks", verbose_name=_("journal")
    )
    lesson = models.ForeignKey(
        Lesson,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lesson"),
    )
    teacher = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="remarks", verbose_name=_("teacher")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    kind = models.CharField(_("about"), max_length=16, choices=RemarkKind.choices)
    text = models.TextField(_("remark"), max_length=2000)
    due = models.DateField(_("fix by"))
    status = models.CharField(
        _("status"), max_length=10, choices=RemarkStatus.choices, default=RemarkStatus.OPEN
    )
    created_at = models.DateTimeField(_("written"))
    fixed_at = models.DateTimeField(_("fixed"), null=True, blank=True)
    closed_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    # The day the teacher and the deputy were told the remark is overdue (once per due date:
    # reopening with a new date clears it).
    overdue_told = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("remark on a journal")
        verbose_name_plural = _("remarks on journals")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["school", "status", "due"], name="remark_school_status"),
            models.Index(fields=["teacher", "status"], name="remark_teacher_status"),
        ]

    def __str__(self) -> str:
        return f"{self.course}: {self.text[:60]}"


class StepAction(models.TextChoices):
    WRITTEN = "written", _("written")
    FIXED = "fixed", _("marked fixed")
    REOPENED = "reopened", _("reopened")
    ACCEPTED = "accepted", _("accepted")


class RemarkStep(models.Model):
    """One step of a remark's life, with who took it, when, and their comment."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    remark = models.ForeignKey(JournalRemark, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField(_("step"), max_length=10, choices=StepAction.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("when"))
    comment = models.TextField(_("comment"), max_length=2000, blank=True)
    # The due date set with the step (written, reopened with a new date).
    due = models.DateField(_("fix by"), null=True, blank=True)

    class Meta:
        verbose_name = _("step of a remark")
        verbose_name_plural = _("steps of remarks")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.remark_id}: {self.get_action_display()}"


class CheckReport(models.Model):
    """The справка of a check of the journals for a period (seed 002 §5.4): the figures are
    made from the journals when it is shown; its conclusions are the deputy's and are kept."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    start = models.DateField(_("from"))
    end = models.DateField(_("to"))
    title = models.CharField(_("title"), max_length=200)
    conclusions = models.TextField(_("conclusions and recommendations"), max_length=8000)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    created_at = models.DateTimeField(_("written"))

    class Meta:
        verbose_name = _("report on a check")
        verbose_name_plural = _("reports on checks")
        ordering = ["-end", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__lte=F("end")), name="check_report_start_le_end"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class SupportKind(models.TextChoices):
    """The usual kinds of work with a lagging student (seeds 003, 004)."""

    TALK_PARENTS = "parents", _("talk with the parents")
    TALK_STUDENT = "student", _("talk with the student")
    EXTRA_LESSON = "lesson", _("extra lesson or consultation")
    PLAN = "plan", _("individual plan")
    SPECIALIST = "specialist", _("psychologist or another specialist")
    OTHER = "other", _("other")


class SupportAction(models.Model):
    """One thing done for a lagging student: a talk, an extra lesson, an individual plan —
    by whom, when, about which course (if one). Seen by the student's class teacher and
    subject teachers, the administration, and the student's family."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="support", verbose_name=_("student")
    )
    course = models.ForeignKey(
        Course,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("subject"),
    )
    kind = models.CharField(_("what"), max_length=12, choices=SupportKind.choices)
    day = models.DateField(_("date"))
    text = models.TextField(_("what was done and agreed"), max_length=2000)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    created_at = models.DateTimeField(_("recorded"))

    class Meta:
        verbose_name = _("work with a lagging student")
        verbose_name_plural = _("work with lagging students")
        ordering = ["-day", "-pk"]
        indexes = [models.Index(fields=["student", "school"], name="support_student")]

    def __str__(self) -> str:
        return f"{self.student}: {self.get_kind_display()}"


class PreliminaryReport(models.Model):
    """The preliminary report of a term told to a class's class teacher (``school_class``) or
    to the school's administration (no class), two weeks before the term ends (seed 002,
    regulation 2.2.3); once per term and addressee."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    term = models.ForeignKey("school.Term", on_delete=models.CASCADE, related_name="+")
    school_class = models.ForeignKey(
        "school.SchoolClass", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    students = models.PositiveIntegerField(_("students at risk"))
    sent_at = models.DateTimeField(_("sent"))

    class Meta:
        verbose_name = _("preliminary report sent")
        verbose_name_plural = _("preliminary reports sent")
        constraints = [
            models.UniqueConstraint(
                fields=["school", "term", "school_class"], name="preliminary_unique"
            ),
            models.UniqueConstraint(
                fields=["school", "term"],
                condition=Q(school_class__isnull=True),
                name="preliminary_unique_school",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.term}: {self.school_class or self.school}"


class OversightPolicy(models.Model):
    """A school's thresholds of the control; the defaults apply without a row."""

    school = models.OneToOneField(School, on_delete=models.CASCADE, related_name="oversight")
    lagging_average = models.DecimalField(
        _("lagging below the average of"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("3.00"),
        validators=[MinValueValidator(Decimal(1)), MaxValueValidator(Decimal(5))],
        help_text=_("A student whose weighted average in a subject is below this is listed."),
    )
    lagging_absence_percent = models.PositiveSmallIntegerField(
        _("lagging from lessons missed, %"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    lagging_owed = models.PositiveSmallIntegerField(
        _("lagging from works owed («•»)"), default=2, validators=[MinValueValidator(1)]
    )
    remark_days = models.PositiveSmallIntegerField(
        _("days to fix a remark"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_("The due date a new remark is given unless the deputy sets another."),
    )

    class Meta:
        verbose_name = _("control thresholds")
        verbose_name_plural = _("control thresholds")

    def __str__(self) -> str:
        return str(self.school)
