"""The class journal's records (DESIGN §2 and its modelling decisions; issue 4).

* A lesson has zero or more mark columns (``GradeColumn``: work type and weight, seed 002
  regulation 2.1.4); a ``Mark`` is a student's value in a column, unique per column and student.
* Attendance is kept in two layers: the teacher's per-lesson entry (``Attendance``) and the
  class teacher's absence register (``Absence``: a date range with a documented reason); the
  code the journal shows is derived from both.
* ``PeriodMark``: term, year, exam and final marks, unique per student, course, kind and term.
* ``version`` on the entries a teacher edits lets a save say "the cell changed meanwhile"
  instead of silently overwriting a colleague's entry (no lost update).
* Every entry records who made it and when the server received it (no backdating); changes go
  through ``zhurnal.journal.services`` and the audit trail, never ``QuerySet.update()``.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext, pgettext_lazy

from zhurnal.school.models import Course, GradeLevel, School, Student, Subject, Term
from zhurnal.timetable.models import Lesson

from .scales import ScaleKind


def default_forecast_thresholds() -> dict[str, str]:
    return {"5": "4.50", "4": "3.50", "3": "2.50"}


def default_accumulation_norms() -> dict[str, int]:
    """Marks a student gets in a quarter for 1, 2, 3, and 4 or more hours a week
    (``journal.accumulation``; seed 002, regulation 2.1.6)."""
    return {"1": 3, "2": 4, "3": 5, "4": 6}


class JournalPolicy(models.Model):
    """A school's record-keeping policy; the defaults are those of seed 002 (DESIGN §3)."""

    school = models.OneToOneField(School, on_delete=models.CASCADE, related_name="journal_policy")
    default_scale = models.CharField(
        _("grading scale"), max_length=12, choices=ScaleKind.choices, default=ScaleKind.FIVE
    )
    forecast_thresholds = models.JSONField(
        _("forecast thresholds"),
        default=default_forecast_thresholds,
        help_text=_("The lowest weighted average that earns each mark of the five-point scale."),
    )
    # Deadlines (seed 002, regulation 2).
    topic_days = models.PositiveSmallIntegerField(
        _("topic and attendance: days after the lesson"),
        default=0,
        help_text=_("0: by 24:00 school time on the day of the lesson."),
    )
    homework_hours = models.PositiveSmallIntegerField(
        _("homework: hours after the class's last lesson"), default=2
    )
    oral_mark_days = models.PositiveSmallIntegerField(_("oral marks: days"), default=1)
    written_mark_days = models.PositiveSmallIntegerField(
        _("written and test marks, grades 2–9: days"), default=5
    )
    written_mark_days_senior = models.PositiveSmallIntegerField(
        _("written and test marks, grades 10–11: days"), default=7
    )
    lock_after_days = models.PositiveSmallIntegerField(
        _("lock entries after (days)"),
        null=True,
        blank=True,
        help_text=_("Empty: late entries are allowed and flagged."),
    )
    accumulation_norms = models.JSONField(
        _("marks in a quarter (накопляемость)"),
        default=default_accumulation_norms,
        help_text=_(
            "The fewest marks a student gets in a quarter for 1, 2, 3 and 4+ hours a week."
        ),
    )
    correction_grace_days = models.PositiveSmallIntegerField(
        _("changes without a reason: days after the entry"),
        default=0,
        help_text=_("0: a mark may be changed without a reason on the day it was entered."),
    )

    class Meta:
        verbose_name = _("journal policy")
        verbose_name_plural = _("journal policies")

    def __str__(self) -> str:
        return str(self.school)


class ScaleRule(models.Model):
    """The grading scale of a grade level, a subject, or a subject in a grade level; the most
    specific rule wins, the policy's default scale applies where none does."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    grade_level = models.ForeignKey(
        GradeLevel, on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("grade level")
    )
    subject = models.ForeignKey(
        Subject, on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("subject")
    )
    scale = models.CharField(_("grading scale"), max_length=12, choices=ScaleKind.choices)

    class Meta:
        verbose_name = _("grading scale rule")
        verbose_name_plural = _("grading scale rules")
        constraints = [
            # Three conditional constraints: NULLs are distinct in a plain unique constraint.
            models.UniqueConstraint(
                fields=["school", "grade_level", "subject"],
                condition=Q(grade_level__isnull=False, subject__isnull=False),
                name="scale_rule_unique_pair",
            ),
            models.UniqueConstraint(
                fields=["school", "grade_level"],
                condition=Q(subject__isnull=True),
                name="scale_rule_unique_grade",
            ),
            models.UniqueConstraint(
                fields=["school", "subject"],
                condition=Q(grade_level__isnull=True),
                name="scale_rule_unique_subject",
            ),
            models.CheckConstraint(
                condition=Q(grade_level__isnull=False) | Q(subject__isnull=False),
                name="scale_rule_has_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grade_level or '*'} / {self.subject or '*'}: {self.get_scale_display()}"


class WorkCategory(models.TextChoices):
    """Which deadline a work type's marks follow (seed 002, regulation 2)."""

    ORAL = "oral", _("oral (within a day)")
    WRITTEN = "written", _("written, test, credit or exam work")


class WorkType(models.Model):
    """Вид работы: У, СР, КР, Д, Т, ДЗ… with its default weight in the weighted average."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    code = models.CharField(_("code"), max_length=8, help_text=_("e.g. КР"))
    name = models.CharField(_("name"), max_length=100)
    weight = models.DecimalField(
        _("weight"),
        max_digits=4,
        decimal_places=2,
        default=Decimal(1),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(10))],
    )
    category = models.CharField(
        _("deadline"), max_length=10, choices=WorkCategory.choices, default=WorkCategory.WRITTEN
    )
    position = models.PositiveSmallIntegerField(
        pgettext_lazy("position in a list", "order"), default=0
    )
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("work type")
        verbose_name_plural = _("work types")
        ordering = ["position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["school", "code"], name="work_type_code_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class Entry(models.Model):
    """Who entered a record and when the server received it; ``version`` grows by one with
    every change (the no-lost-update check compares it)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    entered_at = models.DateTimeField(_("entered"))
    changed_at = models.DateTimeField(_("changed"))
    version = models.PositiveIntegerField(default=1)
    # Entered after the deadline of the rule that applies (seed 002: allowed, flagged, counted).
    late = models.BooleanField(_("late"), default=False)

    class Meta:
        abstract = True


class GradeColumn(models.Model):
    """A column of marks of a lesson, tagged by work type (seed 002, regulation 2.1.4)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    lesson = models.ForeignKey(Lesson, on_delete=models.PROTECT, related_name="grade_columns")
    work_type = models.ForeignKey(WorkType, on_delete=models.PROTECT, verbose_name=_("work type"))
    weight = models.DecimalField(
        _("weight"),
        max_digits=4,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(10))],
    )
    title = models.CharField(_("title"), max_length=100, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("mark column")
        verbose_name_plural = _("mark columns")
        ordering = ["lesson", "position", "pk"]

    def __str__(self) -> str:
        return f"{self.lesson}: {self.work_type.code}"


class Mark(Entry):
    """A student's mark in a column: ``value`` as shown (``5``, ``зач``, ``•``), ``number`` for
    the weighted average (empty for pass/fail and special entries)."""

    column = models.ForeignKey(GradeColumn, on_delete=models.PROTECT, related_name="marks")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="marks")
    value = models.CharField(_("mark"), max_length=8)
    number = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    comment = models.CharField(_("comment"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("mark")
        verbose_name_plural = _("marks")
        constraints = [
            models.UniqueConstraint(fields=["column", "student"], name="mark_unique_cell"),
        ]
        indexes = [models.Index(fields=["student", "school"], name="mark_student")]

    def __str__(self) -> str:
        return self.value


class AttendanceCode(models.TextChoices):
    """Посещаемость (DESIGN §2)."""

    ABSENT = "Н", _("absent without a valid reason")
    ILL = "Б", _("ill")
    EXCUSED = "У", _("absent for a valid reason")
    LATE = "ОП", _("late")


class Attendance(Entry):
    """The teacher's attendance entry for a student at a lesson (no entry: present)."""

    lesson = models.ForeignKey(Lesson, on_delete=models.PROTECT, related_name="attendance")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="attendance")
    code = models.CharField(_("attendance"), max_length=2, choices=AttendanceCode.choices)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(fields=["lesson", "student"], name="attendance_unique_cell"),
        ]
        indexes = [models.Index(fields=["student", "school"], name="attendance_student")]

    def __str__(self) -> str:
        return self.code


class RollCall(models.Model):
    """The lesson's roll call: its teacher took attendance (seed 002, regulation 2.1.1:
    "information about the lesson and the absent is entered on the day of the lesson").

    No ``Attendance`` entry means "present", so the entries alone cannot tell "everyone was
    present" from "attendance was never taken"; this row can. It is recorded by "everyone
    present" on the lesson or with the lesson's first attendance entry
    (``journal.services.take_roll_call``, ``set_attendance``), stamped by the server, and
    flagged ``late`` by the deadline of the lesson's attendance and topic
    (``JournalPolicy.topic_days``). The deputy's control lists the held lessons without one.

    It is a journal record of its lesson (``timetable.models.JOURNAL_RECORD``): timetable
    regeneration keeps a lesson whose attendance was taken."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    lesson = models.OneToOneField(Lesson, on_delete=models.PROTECT, related_name="roll_call")
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    entered_at = models.DateTimeField(_("entered"))
    # Taken after the deadline of the lesson's attendance (seed 002: allowed, flagged, counted).
    late = models.BooleanField(_("late"), default=False)

    class Meta:
        verbose_name = _("roll call")
        verbose_name_plural = _("roll calls")

    def __str__(self) -> str:
        return f"{self.lesson_id}: {self.entered_at:%Y-%m-%d %H:%M}"


class AbsenceReason(models.TextChoices):
    ILL = "Б", _("ill")
    EXCUSED = "У", _("valid reason")


class Absence(models.Model):
    """The class teacher's absence register: a student absent from a date to a date for a
    documented reason; it applies to every lesson it covers and turns a teacher's «Н» into the
    reason."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="absences")
    start = models.DateField(_("from"))
    end = models.DateField(_("to"))
    reason = models.CharField(_("reason"), max_length=2, choices=AbsenceReason.choices)
    document = models.CharField(
        _("document"), max_length=200, blank=True, help_text=_("e.g. справка № 123 от 12.11.")
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    entered_at = models.DateTimeField(_("entered"))

    class Meta:
        verbose_name = _("absence")
        verbose_name_plural = _("absence register")
        ordering = ["-start"]
        constraints = [
            models.CheckConstraint(condition=Q(start__lte=F("end")), name="absence_start_le_end"),
        ]
        indexes = [models.Index(fields=["student", "start"], name="absence_student_start")]

    @property
    def reason_text(self) -> str:
        """The reason said of this student (issue 15: Russian agrees with the student's gender,
        «болел» / «болела»); a reason without a gendered form, by its label."""
        if self.reason != AbsenceReason.ILL:
            return self.get_reason_display()
        if self.student.gender == "f":
            return pgettext("female", "was ill")
        return pgettext("male", "was ill")

    def __str__(self) -> str:
        return f"{self.student}: {self.start:%d.%m}–{self.end:%d.%m} {self.reason}"


class DayReason(models.TextChoices):
    """The class teacher's mark of a day's absence (seed 002, regulation 2.2.1: «Б» — ill,
    «У» — a valid reason, «Н» — missed without a valid reason)."""

    ILL = "Б", _("ill")
    EXCUSED = "У", _("valid reason")
    UNEXCUSED = "Н", _("no valid reason")


class AbsenceDay(Entry):
    """A day of the class teacher's daily absence sheet (seed 002, regulation 2.2.1): the
    reason of a student's absence on ``date``. ``whole_day``: absent from every lesson of the
    day, whether or not its teacher entered «Н»; otherwise the reason applies to the lessons a
    teacher entered «Н» for. It stands for its day over any ``Absence`` range covering it (the
    range is the default of each of its days; the day says what the class teacher recorded for
    that day). Written through ``journal.services.set_absence_days``, audited, versioned."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="absence_days")
    date = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=2, choices=DayReason.choices)
    whole_day = models.BooleanField(_("whole day"), default=False)
    document = models.CharField(_("document"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("day of the absence sheet")
        verbose_name_plural = _("days of the absence sheet")
        constraints = [
            models.UniqueConstraint(
                fields=["school", "student", "date"], name="absence_day_unique"
            ),
        ]
        indexes = [models.Index(fields=["student", "date"], name="absence_day_student")]

    def __str__(self) -> str:
        return f"{self.student}: {self.date:%d.%m} {self.reason}"


class PeriodKind(models.TextChoices):
    TERM = "term", _("term mark")
    YEAR = "year", _("year mark")
    EXAM = "exam", _("exam mark")
    FINAL = "final", _("final mark")


class PeriodMark(Entry):
    """A term, year, exam or final mark of a student in a course (DESIGN §2: unique per student,
    course, kind and term; the term only for term marks)."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="period_marks")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="period_marks")
    kind = models.CharField(_("kind"), max_length=8, choices=PeriodKind.choices)
    term = models.ForeignKey(
        Term, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("term")
    )
    value = models.CharField(_("mark"), max_length=8)
    number = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("period mark")
        verbose_name_plural = _("period marks")
        constraints = [
            models.UniqueConstraint(
                fields=["student", "course", "term"],
                condition=Q(kind="term"),
                name="period_mark_unique_term",
            ),
            models.UniqueConstraint(
                fields=["student", "course", "kind"],
                condition=~Q(kind="term"),
                name="period_mark_unique_kind",
            ),
            models.CheckConstraint(
                condition=Q(kind="term", term__isnull=False) | (~Q(kind="term") & Q(term=None)),
                name="period_mark_term_only_for_term",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value}"


class Unlock(models.Model):
    """A deputy opens a course's locked entries for lessons from ``start`` to ``end``, until a
    moment (used only when the school locks entries after N days, seed 002)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="unlocks")
    start = models.DateField(_("lessons from"))
    end = models.DateField(_("lessons to"))
    until = models.DateTimeField(_("open until"))
    reason = models.CharField(_("reason"), max_length=300)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    granted_at = models.DateTimeField(_("granted"), auto_now_add=True)

    class Meta:
        verbose_name = _("unlock")
        verbose_name_plural = _("unlocks")
        constraints = [
            models.CheckConstraint(condition=Q(start__lte=F("end")), name="unlock_start_le_end"),
        ]

    def __str__(self) -> str:
        return f"{self.course}: {self.start:%d.%m}–{self.end:%d.%m}"


class Homework(Entry):
    """The homework set at a lesson (DESIGN §2): text, links, attachments and the estimated
    minutes for the daily load check (СанПиН 1.2.3685-21). May be entered ahead of the lesson."""

    lesson = models.OneToOneField(Lesson, on_delete=models.PROTECT, related_name="homework")
    text = models.TextField(_("homework"), max_length=4000, blank=True)
    links = models.JSONField(_("links"), default=list, blank=True)
    minutes = models.PositiveSmallIntegerField(
        _("estimated minutes"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(240)],
    )

    class Meta:
        verbose_name = _("homework")
        verbose_name_plural = _("homework")

    def __str__(self) -> str:
        return self.text[:60]


def homework_upload_to(instance: HomeworkAttachment, filename: str) -> str:
    return f"homework/{instance.school_id}/{instance.homework_id}/{filename}"


class HomeworkAttachment(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    homework = models.ForeignKey(Homework, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=homework_upload_to, max_length=300)
    name = models.CharField(_("name"), max_length=200)
    size = models.PositiveIntegerField(_("size"))
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


class NoteKind(models.TextChoices):
    REMARK = "remark", _("remark")
    PRAISE = "praise", _("praise")
    MESSAGE = "message", _("message to parents")


class StudentNote(models.Model):
    """A teacher's note to a student at a lesson, shown in the diary (DESIGN §2)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    lesson = models.ForeignKey(Lesson, on_delete=models.PROTECT, related_name="notes")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="notes")
    kind = models.CharField(_("kind"), max_length=8, choices=NoteKind.choices)
    text = models.CharField(_("text"), max_length=1000)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    entered_at = models.DateTimeField(_("entered"))

    class Meta:
        verbose_name = _("note to a student")
        verbose_name_plural = _("notes to students")
        ordering = ["entered_at", "pk"]
        indexes = [models.Index(fields=["student", "school"], name="note_student")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text[:40]}"
