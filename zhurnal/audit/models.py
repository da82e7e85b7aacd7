"""One append-only table of events (DESIGN §2 "Audit", §3 personal data)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    PERSONAL_CARD_VIEWED = "pd.view", _("personal card viewed")
    PERSONAL_DATA_EXPORTED = "pd.export", _("personal data exported")
    CREDENTIALS_ISSUED = "credentials.issue", _("credentials issued")
    SESSIONS_REVOKED = "sessions.revoke", _("logged out everywhere")
    CREATED = "create", _("created")
    UPDATED = "update", _("updated")
    DELETED = "delete", _("deleted")
    IMPORTED = "import", _("imported")
    MOVEMENT = "movement", _("contingent movement")
    LESSON_CHANGED = "lesson.change", _("lesson changed")
    SUBSTITUTION = "lesson.substitute", _("substitution")
    LESSONS_GENERATED = "lessons.generate", _("lessons generated")
    MARK_SET = "mark.set", _("mark entered or changed")
    MARK_DELETED = "mark.delete", _("mark deleted")
    ATTENDANCE_SET = "attendance.set", _("attendance entered or changed")
    PERIOD_MARK_SET = "period.set", _("period mark entered or changed")
    ABSENCE_RECORDED = "absence.set", _("absence register changed")
    JOURNAL_UNLOCKED = "journal.unlock", _("journal unlocked")


class AuditEvent(models.Model):
    """Who did what to which object, when and from where; never updated, never deleted."""

    school = models.ForeignKey(
        "school.School", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=30, choices=AuditAction.choices)
    object_type = models.CharField(_("object type"), max_length=60)
    object_id = models.CharField(_("object id"), max_length=40, blank=True)
    object_repr = models.CharField(_("object"), max_length=300, blank=True)
    student = models.ForeignKey(
        "school.Student", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    course = models.ForeignKey(
        "school.Course", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit trail")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["school", "action", "at"], name="audit_school_action"),
            models.Index(fields=["school", "student", "at"], name="audit_school_student"),
            models.Index(fields=["school", "course", "at"], name="audit_school_course"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("Audit events are append-only.")
