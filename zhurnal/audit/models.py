"""One append-only table of events (DESIGN §2 "Audit", §3 personal data)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    """What happened, one name per kind of event (the apps' ``events`` modules write them)."""

    # People and access (152-FZ: personal data views and exports are logged).
    PERSONAL_CARD_VIEWED = "pd.view", _("personal card viewed")
    PERSONAL_DATA_EXPORTED = "pd.export", _("personal data exported")
    CREDENTIALS_ISSUED = "credentials.issue", _("credentials issued")
    SESSIONS_REVOKED = "sessions.revoke", _("logged out everywhere")
    ROLES_SET = "roles.set", _("roles set")
    TOKEN_ISSUED = "token.issue", _("API token issued")
    TOKEN_REVOKED = "token.revoke", _("API token revoked")
    # Sign-in through the region's provider and the second factor (issue 17).
    SIGNED_IN_REGIONALLY = "signin.regional", _("signed in through the region's provider")
    IDENTITY_LINKED = "regional.link", _("regional account linked")
    IDENTITY_UNLINKED = "regional.unlink", _("regional account unlinked")
    SECOND_FACTOR_ON = "otp.on", _("second factor turned on")
    SECOND_FACTOR_OFF = "otp.off", _("second factor turned off")
    RECOVERY_CODES_ISSUED = "otp.recovery", _("recovery codes issued")
    SECOND_FACTOR_RESET = "otp.reset", _("second factor reset by the administrator")
    # Plain records: reference data, cards, settings, plans, timetable entries, feeds.
    CREATED = "create", _("created")
    UPDATED = "update", _("updated")
    DELETED = "delete", _("deleted")
    IMPORTED = "import", _("imported")
    MOVEMENT = "movement", _("contingent movement")
    # The plans and the diary.
    COURSE_PLAN_CHOSEN = "plan.choose", _("course's plan chosen")
    TERM_ACKNOWLEDGED = "term.acknowledge", _("term marks acknowledged")
    # The timetable's lessons.
    LESSONS_GENERATED = "lessons.generate", _("lessons generated")
    LESSON_ADDED = "lesson.add", _("extra lesson added")
    LESSON_MOVED = "lesson.move", _("lesson moved")
    LESSON_CANCELLED = "lesson.cancel", _("lesson cancelled")
    LESSON_RESTORED = "lesson.restore", _("cancellation withdrawn")
    SUBSTITUTION = "lesson.substitute", _("substitution")
    # Before the events were named one by one (migration audit 0004 renamed what it could
    # tell apart): a change of a lesson or of its homework.
    LESSON_CHANGED = "lesson.change", _("lesson changed")
    # The journal.
    TOPIC_SET = "lesson.topic", _("topic recorded")
    COLUMN_ADDED = "column.add", _("mark column added")
    MARK_SET = "mark.set", _("mark entered or changed")
    MARK_DELETED = "mark.delete", _("mark deleted")
    ATTENDANCE_SET = "attendance.set", _("attendance entered or changed")
    ATTENDANCE_DELETED = "attendance.delete", _("attendance entry removed")
    ROLL_CALL_TAKEN = "rollcall.take", _("attendance taken")
    PERIOD_MARK_SET = "period.set", _("period mark entered or changed")
    PERIOD_MARK_DELETED = "period.delete", _("period mark deleted")
    HOMEWORK_SET = "homework.set", _("homework set or changed")
    HOMEWORK_DELETED = "homework.delete", _("homework removed")
    ATTACHMENT_ADDED = "attachment.add", _("homework file attached")
    NOTE_ADDED = "note.add", _("note to a student")
    ABSENCE_RECORDED = "absence.set", _("absence register changed")
    ABSENCE_DAY_SET = "absenceday.set", _("reason of a day's absence recorded")
    ABSENCE_DAY_DELETED = "absenceday.delete", _("reason of a day's absence removed")
    JOURNAL_UNLOCKED = "journal.unlock", _("journal unlocked")
    # The deputies' control (issue 12).
    REMARK_WRITTEN = "remark.write", _("remark on a journal written")
    REMARK_FIXED = "remark.fix", _("remark marked fixed")
    REMARK_REOPENED = "remark.reopen", _("remark reopened")
    REMARK_ACCEPTED = "remark.accept", _("remark accepted")
    CHECK_REPORT_SAVED = "checkreport.save", _("check report saved")
    SUPPORT_RECORDED = "support.add", _("work with a lagging student recorded")
    # The year end (issue 13): closing, the next year and promotion, the printed journals and
    # the archive, the backups (server-wide: no school).
    YEAR_CLOSED = "year.close", _("school year closed")
    YEAR_REOPENED = "year.reopen", _("closed year opened for a correction")
    YEAR_CREATED = "year.create", _("next school year created")
    CLASS_PROMOTED = "year.promote", _("class promoted to the next year")
    JOURNAL_PRINTED = "print.journal", _("journal printed")
    ARCHIVE_BUILT = "archive.build", _("archive package built")
    ARCHIVE_DOWNLOADED = "archive.download", _("archive package downloaded")
    BACKUP_MADE = "backup.make", _("backup made")
    BACKUP_RESTORED = "backup.restore", _("backup restored")


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
