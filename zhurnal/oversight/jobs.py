"""The control's daily jobs (``core.daily``; registered in ``OversightConfig.ready``), run once a
day in each school on the school's own day:

* **the preliminary report** (seed 002, regulation 2.2.3: two weeks before a term ends the
  deputies get the preliminary reports of progress and attendance): from 14 days before a
  class's term ends, the class teacher is told of their students at risk, and the deputies and
  the director of the school's — once per term and addressee (``PreliminaryReport``), whatever
  day the job first runs in that fortnight;
* **overdue remarks** (regulation 2.1.7: fixed by the due date): a remark still open after its
  date is told to its teacher and to the deputy who wrote it, once per due date.

Both act on a state ("the term ends within two weeks and nobody was told"), so a day the
server missed is caught up the next day."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from zhurnal.accounts.models import Membership, Role
from zhurnal.notifications.models import Kind
from zhurnal.notifications.services import notify
from zhurnal.school.calendar import current_year
from zhurnal.school.models import SchoolClass, Term

from .lagging import lagging, running_terms
from .models import JournalRemark, PreliminaryReport, RemarkStatus

# Regulation 2.2.3: "за 2 недели до окончания учебного периода".
PRELIMINARY_BEFORE = timedelta(days=14)


def _administration(school) -> list:
    return [
        m.user
        for m in Membership.objects.filter(
            school=school, role__in=(Role.DEPUTY, Role.DIRECTOR), user__is_active=True
        ).select_related("user")
    ]


def _claim(school, term, school_class, students: int) -> bool:
    """Record that the report of ``term`` goes to ``school_class`` (None: the administration);
    False when it went already."""
    try:
        with transaction.atomic():
            PreliminaryReport.objects.create(
                school=school,
                term=term,
                school_class=school_class,
                students=students,
                sent_at=timezone.now(),
            )
    except IntegrityError:
        return False
    return True


def preliminary_reports(school, today: date) -> str | None:
    """Tell the class teachers and the administration of the students at risk of the terms
    that end within two weeks."""
    year = current_year(school, today)
    if year is None:
        return None
    classes = list(
        SchoolClass.objects.filter(school=school, year=year).select_related(
            "grade_level", "class_teacher__user"
        )
    )
    terms = list(Term.objects.filter(year=year))
    due = {
        class_id: term
        for class_id, term in running_terms(classes, terms, today).items()
        if term is not None and term.end - PRELIMINARY_BEFORE <= today <= term.end
    }
    sent = set(
        PreliminaryReport.objects.filter(
            school=school, term__in={t.pk for t in due.values()}, school_class__isnull=False
        ).values_list("term_id", "school_class_id")
    )
    waiting = [c for c in classes if c.pk in due and (due[c.pk].pk, c.pk) not in sent]
    if not waiting:
        return None
    found = lagging(school, year, waiting, today, at_risk_only=True)
    by_class = defaultdict(list)
    for entry in found:
        by_class[entry.school_class.pk].append(entry)
    told = 0
    for school_class in waiting:
        term = due[school_class.pk]
        entries = by_class.get(school_class.pk, [])
        if _claim(school, term, school_class, len(entries)):
            told += _tell_class_teacher(school, school_class, term, entries)
    # The administration: one notice for the terms claimed now (quarters and halves end
    # together).
    ordered = sorted({due[c.pk] for c in waiting}, key=lambda t: (t.end, t.kind != "quarter"))
    claimed = [t for t in ordered if _claim(school, t, None, sum(e.term == t for e in found))]
    if claimed:
        told += _tell_administration(school, claimed, [e for e in found if e.term in claimed])
    return f"{told} preliminary reports told" if told else None


def _tell_class_teacher(school, school_class, term, entries) -> int:
    teacher = school_class.class_teacher
    if teacher is None or not teacher.user_id:
        return 0
    notify(
        users=[teacher.user],
        school=school,
        kind=Kind.PRELIMINARY,
        title=_("Preliminary report of %(class)s: %(term)s ends on %(end)s")
        % {
            "class": school_class.name,
            "term": term.title,
            "end": term.end.strftime("%d.%m.%Y"),
        },
        body=_students_text(entries),
        link=reverse("oversight:lagging") + f"?class={school_class.pk}&at_risk=1",
    )
    return 1


def _tell_administration(school, terms, entries) -> int:
    notify(
        users=_administration(school),
        school=school,
        kind=Kind.PRELIMINARY,
        title=_("Preliminary report: %(terms)s end on %(end)s")
        % {
            "terms": ", ".join(t.title for t in terms),
            "end": max(t.end for t in terms).strftime("%d.%m.%Y"),
        },
        body=_students_text(entries),
        link=reverse("oversight:lagging") + "?at_risk=1",
    )
    return 1


def _students_text(entries) -> str:
    if not entries:
        return _("No student is at risk of a «2» or of not being attested.")
    lines = [
        f"{e.student.short_name} ({e.school_class.name}): "
        + "; ".join(r.text for r in e.reasons if r.kind in ("failing", "few_marks"))
        for e in entries
    ]
    return _("Students at risk: %(n)d.") % {"n": len(entries)} + "\n" + "\n".join(lines)


def overdue_remarks(school, today: date) -> str | None:
    """Tell the teacher and the deputy of each remark that became overdue (once per date)."""
    remarks = list(
        JournalRemark.objects.filter(
            school=school, status=RemarkStatus.OPEN, due__lt=today, overdue_told__isnull=True
        ).select_related(
            "course__subject",
            "course__school_class__grade_level",
            "course__group",
            "teacher__user",
            "author",
        )
    )
    for remark in remarks:
        course = f"{remark.course.subject.name}, {remark.course.audience_name}"
        notify(
            users=[remark.teacher.user, remark.author],
            school=school,
            kind=Kind.REMARK,
            title=_("A remark on a journal is overdue: %(course)s") % {"course": course},
            body=remark.text
            + "\n"
            + _("It was to be fixed by %(due)s.") % {"due": remark.due.strftime("%d.%m.%Y")},
            link=reverse("oversight:remark", kwargs={"remark_id": remark.pk}),
        )
        remark.overdue_told = today
        remark.save(update_fields=["overdue_told"])
    return f"{len(remarks)} overdue remarks told" if remarks else None
