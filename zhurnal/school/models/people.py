"""Staff, students, their class history, guardians and consents to personal data processing."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .structure import School, SchoolClass


class Gender(models.TextChoices):
    FEMALE = "f", _("female")
    MALE = "m", _("male")


class Person(models.Model):
    """Name and contacts shared by staff, students and guardians."""

    last_name = models.CharField(_("last name"), max_length=100)
    first_name = models.CharField(_("first name"), max_length=100)
    middle_name = models.CharField(_("patronymic"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)

    @property
    def short_name(self) -> str:
        """ "Иванова А. П." — the form used in journals and lists."""
        initials = "".join(f"{p[0]}." for p in (self.first_name, self.middle_name) if p)
        return f"{self.last_name} {initials}".strip()


class Staff(Person):
    """A member of staff (сотрудник) of one school, matched on import by the staff number."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="staff")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="staff_records",
    )
    staff_number = models.CharField(_("staff number"), max_length=30)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True)
    is_active = models.BooleanField(_("works at the school"), default=True)

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "staff_number"], name="staff_number_unique"),
            models.UniqueConstraint(
                fields=["school", "user"], condition=Q(user__isnull=False), name="staff_user_unique"
            ),
        ]


class StaffPosition(models.Model):
    """A position (должность) held by a staff member, with dates."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="positions")
    title = models.CharField(_("position"), max_length=150)
    start = models.DateField(_("from"), null=True, blank=True)
    end = models.DateField(_("to"), null=True, blank=True)

    class Meta:
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class Student(Person):
    """A student's personal card (личное дело). Nothing is deleted when a student leaves."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="students")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="student_records",
    )
    personal_file_number = models.CharField(_("personal file number"), max_length=30)
    birth_date = models.DateField(_("birth date"))
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    address = models.CharField(_("address"), max_length=300, blank=True)
    guardians = models.ManyToManyField(
        "Guardian", through="StudentGuardian", related_name="children"
    )

    class Meta:
        verbose_name = _("student")
        verbose_name_plural = _("students")
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "personal_file_number"], name="student_file_number_unique"
            ),
            models.UniqueConstraint(
                fields=["school", "user"],
                condition=Q(user__isnull=False),
                name="student_user_unique",
            ),
        ]

    def age_on(self, day: date) -> int:
        before_birthday = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - int(before_birthday)


class MovementKind(models.TextChoices):
    ADMISSION = "admission", _("admission")
    TRANSFER = "transfer", _("transfer to another class")
    DEPARTURE = "departure", _("departure")


class Movement(models.Model):
    """A movement of the contingent (движение контингента) by a director's order."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="movements")
    kind = models.CharField(_("movement"), max_length=10, choices=MovementKind.choices)
    date = models.DateField(_("date"))
    from_class = models.ForeignKey(
        SchoolClass, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_class = models.ForeignKey(
        SchoolClass, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    order_number = models.CharField(_("order number"), max_length=40)
    order_date = models.DateField(_("order date"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("movement")
        verbose_name_plural = _("movements")
        ordering = ["date", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date:%d.%m.%Y}, № {self.order_number}"


class Enrollment(models.Model):
    """Membership of a class over time: the students of a journal on a date are the enrolled."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="enrollments")
    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.PROTECT, related_name="enrollments"
    )
    start = models.DateField(_("from"))
    end = models.DateField(_("to"), null=True, blank=True)

    class Meta:
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(start__lte=F("end")),
                name="enrollment_start_le_end",
            ),
            # One open enrollment per student at a time.
            models.UniqueConstraint(
                fields=["school", "student"],
                condition=Q(end__isnull=True),
                name="enrollment_one_open",
            ),
        ]
        indexes = [
            models.Index(fields=["school", "school_class", "start"], name="enrollment_class"),
        ]

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)

    def __str__(self) -> str:
        return f"{self.student} — {self.school_class} ({self.start:%d.%m.%Y}–{self.end or '…'})"


class Guardian(Person):
    """A parent or other legal representative (законный представитель)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="guardians")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="guardian_records",
    )
    address = models.CharField(_("address"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("guardian")
        verbose_name_plural = _("guardians")
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "user"],
                condition=Q(user__isnull=False),
                name="guardian_user_unique",
            ),
        ]


class GuardianRelation(models.TextChoices):
    MOTHER = "mother", _("mother")
    FATHER = "father", _("father")
    GUARDIAN = "guardian", _("guardian")
    OTHER = "other", _("other representative")


class StudentGuardian(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="guardian_links")
    guardian = models.ForeignKey(Guardian, on_delete=models.CASCADE, related_name="child_links")
    relation = models.CharField(_("relation"), max_length=10, choices=GuardianRelation.choices)

    class Meta:
        verbose_name = _("guardian of a student")
        verbose_name_plural = _("guardians of students")
        constraints = [
            models.UniqueConstraint(
                fields=["school", "student", "guardian"], name="student_guardian_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.guardian} — {self.student}"


class Consent(models.Model):
    """Consent to personal data processing (152-FZ), given by a guardian or a staff member."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    guardian = models.ForeignKey(
        Guardian, on_delete=models.CASCADE, null=True, blank=True, related_name="consents"
    )
    staff = models.ForeignKey(
        Staff, on_delete=models.CASCADE, null=True, blank=True, related_name="consents"
    )
    given_on = models.DateField(_("given on"))
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    document = models.CharField(_("document"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("consent to personal data processing")
        verbose_name_plural = _("consents to personal data processing")
        ordering = ["-given_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(guardian__isnull=False, staff__isnull=True)
                | Q(guardian__isnull=True, staff__isnull=False),
                name="consent_guardian_xor_staff",
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_on__isnull=True) | Q(given_on__lte=F("withdrawn_on")),
                name="consent_given_le_withdrawn",
            ),
        ]

    @property
    def is_active(self) -> bool:
        return self.withdrawn_on is None

    def __str__(self) -> str:
        return f"{self.guardian or self.staff}: {self.given_on:%d.%m.%Y}"
