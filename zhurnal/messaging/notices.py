"""What people are told of messages and announcements (issue 5): the handlers messaging
registers with ``notifications.dispatch`` (``MessagingConfig.ready``)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from zhurnal.notifications.dispatch import register
from zhurnal.notifications.models import Kind
from zhurnal.notifications.services import notify
from zhurnal.school.calendar import school_today
from zhurnal.school.models import Enrollment, StudentGuardian
from zhurnal.school.rosters import enrolled_on

from .models import Announcement, Message


def message_posted(message) -> None:
    """A new message: everyone else in the conversation."""
    thread = message.thread
    others = [
        participant.user
        for participant in thread.participants.select_related("user")
        if participant.user_id != message.author_id
    ]
    notify(
        users=others,
        school=thread.school,
        kind=Kind.MESSAGE,
        title=_("New message: %(subject)s") % {"subject": thread.subject},
        body=f"{message.author.display_name}: {message.body[:500]}",
        link=reverse("messaging:thread", kwargs={"thread_id": thread.pk}),
    )


def announcement_published(announcement) -> None:
    """An announcement: the families (and/or students) of its classes, parallel or school."""
    school = announcement.school
    today = school_today(school)
    enrollments = Enrollment.objects.filter(enrolled_on(today), school=school)
    if announcement.school_class_id:
        enrollments = enrollments.filter(school_class_id=announcement.school_class_id)
    elif announcement.grade_level_id:
        enrollments = enrollments.filter(school_class__grade_level_id=announcement.grade_level_id)
    student_ids = set(enrollments.values_list("student_id", flat=True))
    users = []
    if announcement.audience in ("parents", "both"):
        users += [
            link.guardian.user
            for link in StudentGuardian.objects.filter(
                student_id__in=student_ids, guardian__user__isnull=False
            ).select_related("guardian__user")
        ]
    if announcement.audience in ("students", "both"):
        users += [
            enrollment.student.user
            for enrollment in enrollments.filter(student__user__isnull=False).select_related(
                "student__user", "student__school"
            )
            if enrollment.student.age_on(today) >= school.student_min_age
        ]
    notify(
        users=users,
        school=school,
        kind=Kind.ANNOUNCEMENT,
        title=announcement.title,
        body=announcement.body,
        link=reverse("messaging:announcements"),
    )


def register_handlers() -> None:
    register(
        "message_posted",
        lambda: Message.objects.select_related("thread__school", "author"),
        message_posted,
    )
    register(
        "announcement_published",
        lambda: Announcement.objects.select_related("school"),
        announcement_published,
    )
