"""Thematic plans (КТП, календарно-тематическое планирование), DESIGN §2.

One base of plans per subject and grade level, reusable by every course of the parallel: a
course picks a plan (``CoursePlan``) or works from its own copy (a plan with ``owner_course``).
A plan is a numbered list of items; an item of ``hours`` h covers h lessons in order.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zhurnal.school.models import AcademicYear, Course, GradeLevel, School, Subject
from zhurnal.timetable.models import LessonKind


class ThematicPlan(models.Model):
    """A КТП of a subject in a grade level and year: the parallel's base or a course's copy."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    year = models.ForeignKey(AcademicYear, on_delete=models.PROTECT, related_name="+")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, verbose_name=_("subject"))
    grade_level = models.ForeignKey(
        GradeLevel, on_delete=models.PROTECT, verbose_name=_("grade level")
    )
    title = models.CharField(
        _("title"), max_length=200, help_text=_("e.g. basic level, textbook by Мерзляк")
    )
    owner_course = models.ForeignKey(
        Course,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="own_plans",
        verbose_name=_("own copy of the course"),
        help_text=_("Empty for a plan of the whole parallel."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("thematic plan")
        verbose_name_plural = _("thematic plans")
        ordering = ["grade_level__number", "subject__name", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "year", "subject", "grade_level", "title"],
                condition=Q(owner_course__isnull=True),
                name="plan_unique_base_title",
            ),
        ]
        indexes = [models.Index(fields=["school", "year"], name="plan_school_year")]

    def __str__(self) -> str:
        return f"{self.subject}, {self.grade_level}: {self.title}"


class PlanItem(models.Model):
    """One line of a plan: section, topic, hours, kind, an optional planned date."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    plan = models.ForeignKey(ThematicPlan, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField(_("number"))
    section = models.CharField(_("section"), max_length=300, blank=True)
    topic = models.CharField(_("topic"), max_length=500)
    hours = models.PositiveSmallIntegerField(
        _("hours"), default=1, validators=[MinValueValidator(1), MaxValueValidator(40)]
    )
    kind = models.CharField(
        _("kind"), max_length=12, choices=LessonKind.choices, default=LessonKind.LESSON
    )
    planned_date = models.DateField(_("planned date"), null=True, blank=True)

    class Meta:
        verbose_name = _("plan item")
        verbose_name_plural = _("plan items")
        ordering = ["plan", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "position"], name="planitem_unique_position"),
            models.CheckConstraint(condition=Q(hours__gte=1), name="planitem_hours_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.topic}"


class CoursePlan(models.Model):
    """The plan a course follows (a base plan of its parallel or its own copy)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    course = models.OneToOneField(Course, on_delete=models.CASCADE, related_name="plan_choice")
    plan = models.ForeignKey(ThematicPlan, on_delete=models.PROTECT, related_name="course_choices")

    class Meta:
        verbose_name = _("plan of a course")
        verbose_name_plural = _("plans of courses")

    def __str__(self) -> str:
        return f"{self.course}: {self.plan}"
