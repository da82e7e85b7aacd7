"""Whom the control tells (issue 12): the handlers oversight registers with
``notifications.dispatch`` (``OversightConfig.ready``).

* a remark written or reopened: its teacher; marked fixed: the deputy who wrote it; accepted:
  the teacher (regulation 2.1.7: the teacher fixes the deputy's remarks by their due date);
* the work done with a lagging student: the student's family (seeds 003, 004; the family
  sees what concerns their child)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from zhurnal.notifications.dispatch import register
from zhurnal.notifications.models import Kind
from zhurnal.notifications.services import notify, recipients_of

from .models import RemarkStep, StepAction, SupportAction


def remark_step(step: RemarkStep) -> None:
    remark = step.remark
    link = reverse("oversight:remark", kwargs={"remark_id": remark.pk})
    course = f"{remark.course.subject.name}, {remark.course.audience_name}"
    if step.action in (StepAction.WRITTEN, StepAction.REOPENED):
        users = [remark.teacher.user]
        title = (
            _("A remark on your journal: %(course)s")
            if step.action == StepAction.WRITTEN
            else _("A remark on your journal is open again: %(course)s")
        ) % {"course": course}
        due = _("Fix by %(due)s.") % {"due": remark.due.strftime("%d.%m.%Y")}
        body = f"{step.comment or remark.text}\n{due}"
    elif step.action == StepAction.FIXED:
        users = [remark.author]
        title = _("A remark is marked fixed: %(course)s") % {"course": course}
        body = f"{remark.teacher.short_name}: {step.comment}"
    else:
        users = [remark.teacher.user]
        title = _("Your remark is accepted: %(course)s") % {"course": course}
        body = step.comment
    notify(users=users, school=remark.school, kind=Kind.REMARK, title=title, body=body, link=link)


def support_recorded(action: SupportAction) -> None:
    student = action.student
    notify(
        users=recipients_of(student),
        school=student.school,
        kind=Kind.SUPPORT,
        title=_("The school's work with %(name)s: %(what)s")
        % {"name": student.first_name, "what": action.get_kind_display()},
        body=action.text,
        link=reverse("oversight:support", kwargs={"student_id": student.pk}),
    )


def register_handlers() -> None:
    register(
        "remark_step",
        lambda: RemarkStep.objects.select_related(
            "remark__school",
            "remark__course__subject",
            "remark__course__school_class__grade_level",
            "remark__course__group",
            "remark__teacher__user",
            "remark__author",
        ),
        remark_step,
    )
    register(
        "support_recorded",
        lambda: SupportAction.objects.select_related("student__school", "student__user"),
        support_recorded,
    )
