"""Bell schedules, the weekly timetable and the dated lessons generated from it (DESIGN §2).

- ``BellSchedule``/``BellPeriod``: lesson number → start and end time. A school may keep several
  (shifts, grade 1); a class uses the schedule that lists it, otherwise the school's default.
- ``TimetableEntry``: weekday × lesson number × course, with a room, a teacher, a validity range
  (the timetable changes mid-term) and a week parity (one- or two-week rotation).
- ``Lesson``: a dated row, generated from the timetable or added by hand, carrying the teacher
  who actually taught. A substitution (замена) is ``substitute_for`` set: the lesson's teacher
  took it instead of that course teacher (DESIGN §2 "Lessons are dated rows").
"""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from zhurnal.school.models import AcademicYear, Course, School, SchoolClass, Staff, Student

LESSON_NUMBERS = [MinValueValidator(0), MaxValueValidator(12)]


class LessonKind(models.TextChoices):
    """What a lesson is (the plan item's kind; the assessment schedule takes the tests)."""

    LESSON = "lesson", _("lesson")
    LAB = "lab", _("laboratory work")
    PRACTICAL = "practical", _("practical work")
    TEST = "test", _("test (assessment)")
    EXCURSION = "excursion", _("excursion")


class Weekday(models.IntegerChoices):
    """ISO weekday numbers (``date.isoweekday()``)."""

    MONDAY = 1, _("Monday")
    TUESDAY = 2, _("Tuesday")
    WEDNESDAY = 3, _("Wednesday")
    THURSDAY = 4, _("Thursday")
    FRIDAY = 5, _("Friday")
    SATURDAY = 6, _("Saturday")


class WeekParity(models.TextChoices):
    """Which weeks an entry holds in a two-week rotation; weeks count from the year's first day."""

    EVERY = "every", _("every week")
    ODD = "odd", _("odd weeks")
    EVEN = "even", _("even weeks")

    def holds_in(self, year_start: date, day: date) -> bool:
        if self == WeekParity.EVERY:
            return True
        week = week_number(year_start, day)
        return (week % 2 == 1) == (self == WeekParity.ODD)


def week_number(year_start: date, day: date) -> int:
    """1 for the week (Monday to Sunday) holding the year's first day, 2 for the next…"""
    first_monday = year_start.toordinal() - (year_start.isoweekday() - 1)
    return (day.toordinal() - first_monday) // 7 + 1


class BellSchedule(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="bell_schedules")
    name = models.CharField(_("name"), max_length=100, help_text=_("e.g. main, second shift"))
    is_default = models.BooleanField(
        _("default"), default=False, help_text=_("Used by every class not listed in another one.")
    )
    classes = models.ManyToManyField(
        SchoolClass,
        blank=True,
        related_name="bell_schedules",
        verbose_name=_("classes"),
        help_text=_("The classes that follow this schedule instead of the default one."),
    )

    class Meta:
        verbose_name = _("bell schedule")
        verbose_name_plural = _("bell schedules")
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="bells_unique_name"),
            models.UniqueConstraint(
                fields=["school"], condition=Q(is_default=True), name="bells_one_default"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class BellPeriod(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    schedule = models.ForeignKey(BellSchedule, on_delete=models.CASCADE, related_name="periods")
    number = models.PositiveSmallIntegerField(_("lesson number"), validators=LESSON_NUMBERS)
    start = models.TimeField(_("start"))
    end = models.TimeField(_("end"))

    class Meta:
        verbose_name = _("lesson time")
        verbose_name_plural = _("lesson times")
        ordering = ["schedule", "number"]
        constraints = [
            models.UniqueConstraint(fields=["schedule", "number"], name="bellperiod_unique_number"),
            models.CheckConstraint(condition=Q(start__lt=F("end")), name="bellperiod_start_lt_end"),
        ]

    def __str__(self) -> str:
        return f"{self.number}: {self.start:%H:%M}–{self.end:%H:%M}"


class TimetableEntry(models.Model):
    """One weekly slot of a course (расписание): kept by the deputy, conflicts refused."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    year = models.ForeignKey(AcademicYear, on_delete=models.PROTECT, related_name="+")
    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="timetable_entries", verbose_name=_("course")
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    number = models.PositiveSmallIntegerField(_("lesson number"), validators=LESSON_NUMBERS)
    teacher = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="+", verbose_name=_("teacher")
    )
    room = models.CharField(_("room"), max_length=20, blank=True)
    parity = models.CharField(
        _("weeks"), max_length=5, choices=WeekParity.choices, default=WeekParity.EVERY
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    class Meta:
        verbose_name = _("timetable entry")
        verbose_name_plural = _("timetable")
        ordering = ["weekday", "number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_from__lte=F("valid_to")),
                name="ttentry_from_le_to",
            ),
        ]
        indexes = [
            models.Index(fields=["school", "year", "weekday", "number"], name="ttentry_slot"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()}, {self.number}: {self.course}"

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class LessonStatus(models.TextChoices):
    """A lesson is planned until cancelled; a planned lesson whose date has come counts as held
    (programme fulfilment), so "held" needs no update on every lesson day."""

    PLANNED = "planned", _("planned")
    CANCELLED = "cancelled", _("cancelled")


class LessonOrigin(models.TextChoices):
    TIMETABLE = "timetable", _("from the timetable")
    EXTRA = "extra", _("extra lesson")


# Lessons that carry a journal record: mark columns, attendance, its roll call, homework or
# notes (the reverse relations the journal app declares on Lesson). Such a lesson is never
# deleted silently.
JOURNAL_RECORD = (
    Q(grade_columns__isnull=False)
    | Q(attendance__isnull=False)
    | Q(roll_call__isnull=False)
    | Q(homework__isnull=False)
    | Q(notes__isnull=False)
)


class Lesson(models.Model):
    """A dated lesson of a course: the journal's column (DESIGN §2 "Урок")."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="lessons", verbose_name=_("course")
    )
    date = models.DateField(_("date"))
    number = models.PositiveSmallIntegerField(_("lesson number"), validators=LESSON_NUMBERS)
    starts_at = models.TimeField(_("start"), null=True, blank=True)
    ends_at = models.TimeField(_("end"), null=True, blank=True)
    room = models.CharField(_("room"), max_length=20, blank=True)
    teacher = models.ForeignKey(
        Staff,
        on_delete=models.PROTECT,
        related_name="lessons_taught",
        verbose_name=_("teacher"),
        help_text=_("Who actually teaches the lesson."),
    )
    substitute_for = models.ForeignKey(
        Staff,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lessons_substituted",
        verbose_name=_("instead of"),
    )
    substitution_reason = models.CharField(
        _("reason of the substitution"), max_length=200, blank=True
    )
    status = models.CharField(
        _("status"), max_length=10, choices=LessonStatus.choices, default=LessonStatus.PLANNED
    )
    cancel_reason = models.CharField(_("reason of the cancellation"), max_length=200, blank=True)
    origin = models.CharField(
        _("origin"), max_length=10, choices=LessonOrigin.choices, default=LessonOrigin.TIMETABLE
    )
    timetable_entry = models.ForeignKey(
        TimetableEntry, on_delete=models.SET_NULL, null=True, blank=True, related_name="lessons"
    )
    # The timetable slot a generated lesson fills. A lesson moved to another day or number
    # keeps its slot, so regeneration neither re-creates the slot nor deletes the lesson.
    slot_date = models.DateField(null=True, blank=True)
    slot_number = models.PositiveSmallIntegerField(null=True, blank=True)
    kind = models.CharField(
        _("kind"), max_length=12, choices=LessonKind.choices, default=LessonKind.LESSON
    )
    topic = models.CharField(_("topic"), max_length=500, blank=True)
    plan_item = models.ForeignKey(
        "planning.PlanItem",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="lessons",
        verbose_name=_("plan item"),
    )
    # When the record of the lesson was really made (server time; no backdating, seed 002).
    topic_entered_at = models.DateTimeField(null=True, blank=True)
    # The topic was first entered after its deadline (seed 002: by 24:00 of the lesson day;
    # ``journal.deadlines.record_deadline``): allowed, and listed for the deputy.
    topic_late = models.BooleanField(_("topic entered late"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")
        ordering = ["date", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "date", "number"],
                condition=~Q(status="cancelled"),
                name="lesson_unique_slot",
            ),
            models.UniqueConstraint(
                fields=["course", "slot_date", "slot_number"],
                condition=Q(slot_date__isnull=False),
                name="lesson_unique_timetable_slot",
            ),
            models.CheckConstraint(
                condition=Q(origin="extra", slot_date__isnull=True)
                | Q(origin="timetable", slot_date__isnull=False, slot_number__isnull=False),
                name="lesson_slot_matches_origin",
            ),
            models.CheckConstraint(
                condition=Q(substitute_for__isnull=True) | ~Q(substitute_for=F("teacher")),
                name="lesson_substitute_differs",
            ),
        ]
        indexes = [
            models.Index(fields=["school", "date"], name="lesson_school_date"),
            models.Index(fields=["course", "date"], name="lesson_course_date"),
            models.Index(fields=["teacher", "date"], name="lesson_teacher_date"),
        ]

    def __str__(self) -> str:
        return f"{self.date:%d.%m.%Y}, {self.number}: {self.course}"

    @property
    def is_substitution(self) -> bool:
        return self.substitute_for_id is not None

    @property
    def is_cancelled(self) -> bool:
        return self.status == LessonStatus.CANCELLED

    @property
    def has_record(self) -> bool:
        """A lesson with a topic or a plan item. With the journal's records (``JOURNAL_RECORD``)
        such a lesson is never silently deleted by regeneration (issue 3)."""
        return bool(self.topic) or self.plan_item_id is not None

    def start_datetime(self, tz) -> datetime | None:
        if self.starts_at is None:
            return None
        return datetime.combine(self.date, self.starts_at, tzinfo=tz)

    def clean(self) -> None:
        if self.course_id and self.school_id and self.course.school_id != self.school_id:
            raise ValidationError(_("The course belongs to another school."))


class FeedKind(models.TextChoices):
    TEACHER = "teacher", _("teacher's timetable")
    CLASS = "class", _("class timetable")
    STUDENT = "student", _("student's timetable and homework")


class CalendarFeed(models.Model):
    """A secret iCalendar address (.ics) of a teacher's or a class's timetable (issue 3), or of
    a student's lessons and homework (issue 5).

    Anyone holding the address reads the feed without logging in (calendar apps cannot), so
    it is unguessable, shows no personal data beyond the timetable, and can be revoked.
    """

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=FeedKind.choices)
    staff = models.ForeignKey(
        Staff, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # A student's own feed (issue 5): their lessons and the homework set at them; created and
    # stopped by the student's family.
    student = models.ForeignKey(
        Student, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    token = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    kind="teacher",
                    staff__isnull=False,
                    school_class__isnull=True,
                    student__isnull=True,
                )
                | Q(
                    kind="class",
                    staff__isnull=True,
                    school_class__isnull=False,
                    student__isnull=True,
                )
                | Q(
                    kind="student",
                    staff__isnull=True,
                    school_class__isnull=True,
                    student__isnull=False,
                ),
                name="feed_kind_matches_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.staff or self.school_class or self.student}"
