"""What the class teacher is told of the diary's changes (issue 5): the handler the diary
registers with ``notifications.dispatch`` (``DiaryConfig.ready``)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from zhurnal.notifications.dispatch import register
from zhurnal.notifications.models import Kind
from zhurnal.notifications.services import add_to_digest
from zhurnal.school.calendar import school_today
from zhurnal.school.models import Enrollment, Guardian
from zhurnal.school.rosters import enrolled_on

from .models import TermAcknowledgement


def term_acknowledged(acknowledgement) -> None:
    """A guardian's «Ознакомлен» for a term's marks: a line in the next digest of the class
    teacher of the student's class (issue 5: "the class teacher is told and sees, per class,
    who has and has not acknowledged") — one e-mail for a class's parents, not one each. The
    class is the one whose list the acknowledgements page shows for the term: the student's
    class on the term's last day, or today during the term."""
    student = acknowledgement.student
    term = acknowledgement.term
    school = student.school
    day = min(max(school_today(school), term.start), term.end)
    enrollment = (
        Enrollment.objects.filter(enrolled_on(day), student=student)
        .select_related("school_class__class_teacher__user")
        .first()
    )
    school_class = enrollment.school_class if enrollment else None
    teacher = school_class.class_teacher if school_class else None
    user = teacher.user if teacher else None
    # Told only while they are the class's class teacher at work (their link must open the
    # list: ``diary.view_acknowledgements``), not a former one who kept the login.
    if user is None or not user.is_active or not teacher.is_active:
        return
    if not user.has_perm("diary.view_acknowledgements", school_class):
        return
    guardian = Guardian.objects.filter(school=school, user=acknowledgement.user).first()
    name = guardian.full_name if guardian else acknowledgement.user.display_name
    link = reverse("diary:acknowledgements", kwargs={"class_id": school_class.pk})
    add_to_digest(
        users=[user],
        school=school,
        student=student,
        kind=Kind.ACKNOWLEDGEMENTS,
        text=_("%(guardian)s acknowledged the term marks (%(term)s)")
        % {"guardian": name, "term": term},
        link=f"{link}?term={term.pk}",
    )


def register_handlers() -> None:
    register(
        "term_acknowledged",
        lambda: TermAcknowledgement.objects.select_related(
            "term__year", "user", "student__school", "student__user"
        ),
        term_acknowledged,
    )
