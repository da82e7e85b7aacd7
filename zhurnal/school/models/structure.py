"""The school's year structure, classes, groups, subjects, curriculum and courses."""

from __future__ import annotations

import zoneinfo
from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone: %(tz)s"), params={"tz": value})


class WeekDays(models.IntegerChoices):
    FIVE = 5, _("5-day week")
    SIX = 6, _("6-day week")


class School(models.Model):
    """The tenant (Образовательная организация) and its record-keeping policies."""

    name = models.CharField(_("full name"), max_length=300)
    short_name = models.CharField(_("short name"), max_length=100)
    timezone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Moscow", validators=[validate_timezone]
    )
    week_days = models.PositiveSmallIntegerField(
        _("school week"), choices=WeekDays.choices, default=WeekDays.FIVE
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    # Seed 002, 3.3.2: students get their own diary access from 14; the school may change it.
    student_min_age = models.PositiveSmallIntegerField(
        _("age from which students may log in"),
        default=14,
        validators=[MinValueValidator(6), MaxValueValidator(18)],
    )

    class Meta:
        verbose_name = _("school")
        verbose_name_plural = _("schools")
        ordering = ["short_name"]

    def __str__(self) -> str:
        return self.short_name


class AcademicYear(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="years")
    title = models.CharField(_("title"), max_length=20, help_text=_("e.g. 2026/2027"))
    start = models.DateField(_("first day"))
    end = models.DateField(_("last day"))
    # Closed at year end (issue 13; seed 002 §6.2.3, regulation 3.1): the year's journal is
    # read-only from then on, a correction only through a deputy's unlock with a reason
    # (``journal.services.rules.check_year_open``). Set and cleared by ``zhurnal.yearend``.
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("academic year")
        verbose_name_plural = _("academic years")
        ordering = ["-start"]
        constraints = [
            models.UniqueConstraint(fields=["school", "title"], name="year_title_unique"),
            models.CheckConstraint(condition=Q(start__lt=F("end")), name="year_start_lt_end"),
        ]

    def __str__(self) -> str:
        return self.title

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class TermKind(models.TextChoices):
    QUARTER = "quarter", _("quarters")
    HALF = "half", _("halves")
    TRIMESTER = "trimester", _("trimesters")


# A term's name with its number, in the nominative case (Russian: «2-я четверть»).
TERM_TITLES = {
    TermKind.QUARTER: _("quarter %(number)s"),
    TermKind.HALF: _("half-year %(number)s"),
    TermKind.TRIMESTER: _("trimester %(number)s"),
}


class Term(models.Model):
    """A study period (четверть, полугодие, триместр); a grade level uses one kind per year."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    year = models.ForeignKey(AcademicYear, on_delete=models.CASCADE, related_name="terms")
    kind = models.CharField(_("kind"), max_length=10, choices=TermKind.choices)
    number = models.PositiveSmallIntegerField(
        _("number"), validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    start = models.DateField(_("first day"))
    end = models.DateField(_("last day"))

    class Meta:
        verbose_name = _("term")
        verbose_name_plural = _("terms")
        ordering = ["year", "kind", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "year", "kind", "number"], name="term_unique_number"
            ),
            models.CheckConstraint(condition=Q(start__lt=F("end")), name="term_start_lt_end"),
        ]

    def __str__(self) -> str:
        return f"{self.title}, {self.year}"

    @property
    def title(self) -> str:
        """«2-я четверть», «1-е полугодие» (quarter 2, half-year 1)."""
        return TERM_TITLES[self.kind] % {"number": self.number}

    def clean(self) -> None:
        if self.year_id and self.start and self.end:
            year = self.year
            if self.start < year.start or self.end > year.end:
                raise ValidationError(_("The term must lie within its academic year."))


class Holiday(models.Model):
    """Non-school days: vacations and public holidays."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    year = models.ForeignKey(AcademicYear, on_delete=models.CASCADE, related_name="holidays")
    title = models.CharField(_("title"), max_length=100)
    start = models.DateField(_("first day"))
    end = models.DateField(_("last day"))
    grade_levels = models.ManyToManyField(
        "GradeLevel",
        blank=True,
        verbose_name=_("only for grade levels"),
        help_text=_("Leave empty for the whole school (e.g. extra holidays of grade 1)."),
    )

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(condition=Q(start__lte=F("end")), name="holiday_start_le_end"),
        ]

    def __str__(self) -> str:
        return self.title


class GradeLevel(models.Model):
    """A parallel (1..11) and the kind of terms it is assessed by."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="grade_levels")
    number = models.PositiveSmallIntegerField(
        _("grade"), validators=[MinValueValidator(1), MaxValueValidator(11)]
    )
    term_kind = models.CharField(
        _("terms"), max_length=10, choices=TermKind.choices, default=TermKind.QUARTER
    )

    class Meta:
        verbose_name = _("grade level")
        verbose_name_plural = _("grade levels")
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["school", "number"], name="grade_level_unique"),
            models.CheckConstraint(
                condition=Q(number__gte=1, number__lte=11), name="grade_level_1_to_11"
            ),
        ]

    def __str__(self) -> str:
        return str(self.number)


class SchoolClass(models.Model):
    """A class ("5А") of one academic year, with its class teacher."""

    label_related = ("grade_level",)  # what str() needs, joined by forms and lists

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="classes")
    year = models.ForeignKey(AcademicYear, on_delete=models.PROTECT, related_name="classes")
    grade_level = models.ForeignKey(GradeLevel, on_delete=models.PROTECT, related_name="classes")
    letter = models.CharField(_("letter"), max_length=8)
    class_teacher = models.ForeignKey(
        "Staff",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_classes",
        verbose_name=_("class teacher"),
    )
    room = models.CharField(_("room"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("class")
        verbose_name_plural = _("classes")
        ordering = ["grade_level__number", "letter"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "year", "grade_level", "letter"], name="class_unique_name"
            ),
        ]
        indexes = [models.Index(fields=["school", "year"], name="class_school_year")]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return f"{self.grade_level.number}{self.letter}"

    def clean(self) -> None:
        if self.grade_level_id and self.school_id and self.grade_level.school_id != self.school_id:
            raise ValidationError(_("The grade level belongs to another school."))


class Group(models.Model):
    """A subgroup of one class (e.g. English, group 1) or a cross-class group (profile, elective).

    Membership is dated (GroupMembership), like class enrollment (DESIGN §2).
    """

    label_related = ("school_class__grade_level",)

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="groups")
    year = models.ForeignKey(AcademicYear, on_delete=models.PROTECT, related_name="groups")
    name = models.CharField(_("name"), max_length=100)
    school_class = models.ForeignKey(
        SchoolClass,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="subgroups",
        verbose_name=_("class"),
        help_text=_("Set for a subgroup of one class; leave empty for a cross-class group."),
    )
    subject = models.ForeignKey(
        "Subject",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("subject"),
        help_text=_("The subject the class is split for, if any."),
    )

    class Meta:
        verbose_name = _("group")
        verbose_name_plural = _("groups")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "year", "name"], name="group_unique_name"),
        ]

    def __str__(self) -> str:
        """A class's group with its class once: «4Б: гр. 1», and a name that already names the
        class as it is («4Б, Англ. яз., гр. 1», not «4Б: 4Б, …»; issue 15)."""
        if self.school_class_id:
            class_name = self.school_class.name
            if self.name.startswith(class_name):
                return self.name
            return f"{class_name}: {self.name}"
        return self.name


class GroupMembership(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="memberships")
    student = models.ForeignKey(
        "Student", on_delete=models.CASCADE, related_name="group_memberships"
    )
    start = models.DateField(_("from"))
    end = models.DateField(_("to"), null=True, blank=True)

    class Meta:
        verbose_name = _("group membership")
        verbose_name_plural = _("group memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["school", "group", "student", "start"], name="group_membership_unique"
            ),
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(start__lte=F("end")),
                name="group_membership_start_le_end",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.student} — {self.group}"


class Subject(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="subjects")
    name = models.CharField(_("name"), max_length=150)
    short_name = models.CharField(_("short name"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("subject")
        verbose_name_plural = _("subjects")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="subject_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class CurriculumLine(models.Model):
    """Hours per week of a subject for a grade level, or for one class when it differs."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    year = models.ForeignKey(AcademicYear, on_delete=models.CASCADE, related_name="curriculum")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, verbose_name=_("subject"))
    grade_level = models.ForeignKey(
        GradeLevel, on_delete=models.PROTECT, verbose_name=_("grade level")
    )
    school_class = models.ForeignKey(
        SchoolClass,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        verbose_name=_("only for class"),
    )
    hours_per_week = models.DecimalField(
        _("hours per week"),
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(0), MaxValueValidator(40)],
    )

    class Meta:
        verbose_name = _("curriculum line")
        verbose_name_plural = _("curriculum")
        ordering = ["grade_level__number", "subject__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "year", "subject", "grade_level"],
                condition=Q(school_class__isnull=True),
                name="curriculum_unique_grade_level",
            ),
            models.UniqueConstraint(
                fields=["school", "year", "subject", "school_class"],
                condition=Q(school_class__isnull=False),
                name="curriculum_unique_class",
            ),
            models.CheckConstraint(
                condition=Q(hours_per_week__gte=0), name="curriculum_hours_nonnegative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} — {self.grade_level}"


class CourseKind(models.TextChoices):
    REGULAR = "regular", _("regular")
    ELECTIVE = "elective", _("elective")
    EXTRACURRICULAR = "extracurricular", _("extracurricular")
    ADDITIONAL = "additional", _("additional education")
    HOME = "home", _("home schooling")


class Course(models.Model):
    """Subject × class or group × teacher(s) × year: one course is one journal."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="courses")
    year = models.ForeignKey(AcademicYear, on_delete=models.PROTECT, related_name="courses")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, verbose_name=_("subject"))
    school_class = models.ForeignKey(
        SchoolClass,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="courses",
        verbose_name=_("class"),
    )
    group = models.ForeignKey(
        Group,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="courses",
        verbose_name=_("group"),
    )
    teachers = models.ManyToManyField("Staff", related_name="courses", verbose_name=_("teachers"))
    kind = models.CharField(
        _("kind"), max_length=20, choices=CourseKind.choices, default=CourseKind.REGULAR
    )
    hours_per_week = models.DecimalField(
        _("hours per week"), max_digits=4, decimal_places=1, default=1
    )
    # Bumped in the transaction of every write that changes what the course's journal grid
    # shows (``journal.freshness``): a grid cached under it is never shown stale.
    journal_version = models.PositiveBigIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["subject__name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(school_class__isnull=False, group__isnull=True)
                | Q(school_class__isnull=True, group__isnull=False),
                name="course_class_xor_group",
            ),
        ]
        indexes = [models.Index(fields=["school", "year"], name="course_school_year")]

    def __str__(self) -> str:
        return f"{self.subject} — {self.audience_name}"

    @property
    def audience_name(self) -> str:
        return self.school_class.name if self.school_class_id else str(self.group)

    def clean(self) -> None:
        if bool(self.school_class_id) == bool(self.group_id):
            raise ValidationError(_("A course is taught either to a class or to a group."))
