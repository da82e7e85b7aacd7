"""The diary's writes: a guardian acknowledges a term's marks («Ознакомлен», issue 5), the
class teacher informs the families by the progress report (seed 002, regulation 2.2.2); and
the read models around them (which terms a student follows, who of a class has
acknowledged)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhurnal.audit.actor import Actor
from zhurnal.journal.models import PeriodKind, PeriodMark
from zhurnal.notifications.dispatch import emit
from zhurnal.school.models import Enrollment, SchoolClass, Student, StudentGuardian, Term
from zhurnal.school.rosters import class_roster

from . import events
from .informing import is_current_period
from .models import IssueKind, ProgressReportIssue, TermAcknowledgement


def _enrollments(student: Student) -> list[Enrollment]:
    return list(
        Enrollment.objects.filter(school_id=student.school_id, student=student)
        .select_related("school_class__grade_level", "school_class__year")
        .order_by("start")
    )


def _class_on(enrollments: list[Enrollment], day: date) -> SchoolClass | None:
    current = next((e for e in enrollments if e.covers(day)), None)
    if current is None:
        past = [e for e in enrollments if e.start <= day]
        current = past[-1] if past else (enrollments[0] if enrollments else None)
    return current.school_class if current else None


def student_class(student: Student, day: date) -> SchoolClass | None:
    """The class of a student on ``day``, else their latest class before it (after a
    departure), else the first to come; with grade level and year. One query."""
    return _class_on(_enrollments(student), day)


def class_of_year(
    student: Student, day: date, year_id: int | None
) -> tuple[SchoolClass | None, list[SchoolClass]]:
    """The student's class in the year chosen (``year_id``: a past year's marks stay readable
    after the promotion, issue 13), else ``student_class``; and the student's last class of
    each year they studied in, the latest first (the family's choice of year). One query."""
    enrollments = _enrollments(student)
    by_year: dict[int, SchoolClass] = {}
    for enrollment in enrollments:
        by_year[enrollment.school_class.year_id] = enrollment.school_class  # the last wins
    years = sorted(by_year.values(), key=lambda c: c.year.start, reverse=True)
    chosen = by_year.get(year_id) if year_id is not None else None
    return chosen or _class_on(enrollments, day), years


def term_marks_entered(student: Student, term: Term) -> bool:
    return PeriodMark.objects.filter(student=student, term=term, kind=PeriodKind.TERM).exists()


def may_acknowledge(term: Term, today: date, *, marks_entered: bool) -> bool:
    """Open once the term has ended, or as soon as its term marks are entered."""
    return today > term.end or marks_entered


@transaction.atomic
def acknowledge_term(
    *, student: Student, term: Term, actor: Actor, today: date
) -> TermAcknowledgement:
    """A guardian's «Ознакомлен» for the term marks of a student; a second click changes
    nothing (and tells nobody again). The class teacher of the student's class is told, in a
    digest (issue 5). The caller checks ``diary.acknowledge`` on the student."""
    if term.school_id != student.school_id:
        raise ValidationError(_("The record belongs to another school."))
    existing = TermAcknowledgement.objects.filter(
        school_id=student.school_id, student=student, term=term, user=actor.user
    ).first()
    if existing is not None:
        return existing
    if not may_acknowledge(term, today, marks_entered=term_marks_entered(student, term)):
        raise ValidationError(
            _("The term marks can be acknowledged once the term has ended or its marks are in."),
            code="too_early",
        )
    try:
        with transaction.atomic():
            acknowledgement = TermAcknowledgement.objects.create(
                school_id=student.school_id,
                student=student,
                term=term,
                user=actor.user,
                acknowledged_at=timezone.now(),
            )
    except IntegrityError:  # a double click in two tabs
        return TermAcknowledgement.objects.get(
            school_id=student.school_id, student=student, term=term, user=actor.user
        )
    events.term_acknowledged(acknowledgement, actor=actor)
    # The class teacher is told, in a digest (issue 5; diary/notices.py).
    emit("term_acknowledged", acknowledgement.pk)
    return acknowledgement


def record_report_issue(
    *, school_class: SchoolClass, start: date, end: date, kind: IssueKind, actor: Actor
) -> ProgressReportIssue:
    """Record that the families of a class were informed by the progress report of
    ``start``–``end`` (seed 002, regulation 2.2.2): sent by e-mail (the count is filled in by
    the run, ``set_report_emails``) or its PDF downloaded for printing. Call it in the
    transaction of the action (the sending is queued on its commit). The caller checks
    ``diary.progress_report`` on the class."""
    return ProgressReportIssue.objects.create(
        school_id=school_class.school_id,
        school_class=school_class,
        start=start,
        end=end,
        kind=kind,
        issued_by=actor.user,
        at=timezone.now(),
    )


def record_informing(
    *,
    school_class: SchoolClass,
    start: date,
    end: date,
    kind: IssueKind,
    informs: bool,
    actor: Actor,
    today: date,
) -> ProgressReportIssue | None:
    """The rule of what counts as the fortnightly informing (seed 002, regulation 2.2.2), then
    ``record_report_issue``: a report covering the latest two weeks only (``informing.
    is_current_period``: the fortnight's, or a longer period's — a term's — ending recently;
    sending an older period's is not recorded as it), and a printing only by whoever informs
    the families (``informs``: the caller's rule ``diary.inform_families``, the class teacher;
    the administration downloads the PDF to check it). None when nothing is recorded."""
    if not is_current_period(start, end, today):
        return None
    if kind == IssueKind.PRINTED and not informs:
        return None
    return record_report_issue(
        school_class=school_class, start=start, end=end, kind=kind, actor=actor
    )


@transaction.atomic
def send_progress_report(
    *,
    school_class: SchoolClass,
    start: date,
    end: date,
    term: Term | None = None,
    informs: bool,
    actor: Actor,
    today: date,
) -> ProgressReportIssue | None:
    """Send the progress report of ``start``–``end`` to the class's families by e-mail, in the
    background once the transaction commits (``tasks.send_progress_reports``), recording the
    sending as the fortnightly informing where it counts (``record_informing``). With ``term``
    (one of the class's terms, its own days; issue 12) the report is that term's: titled by its
    name, with the term marks. The caller loaded the term among the class's terms."""
    if term is not None and term.school_id != school_class.school_id:
        raise ValidationError(_("The record belongs to another school."))
    issue = record_informing(
        school_class=school_class,
        start=start,
        end=end,
        kind=IssueKind.SENT,
        informs=informs,
        actor=actor,
        today=today,
    )
    # The task records its count through this module: imported here, not at the top.
    from .tasks import send_progress_reports

    args = (
        school_class.pk,
        start.isoformat(),
        end.isoformat(),
        actor.user_id,
        issue.pk if issue else None,
        term.pk if term is not None else None,
    )
    transaction.on_commit(lambda: send_progress_reports.enqueue(*args))
    return issue


def set_report_emails(issue_id: int, emails: int) -> None:
    """The number of e-mails a sending's run queued, once it has finished."""
    ProgressReportIssue.objects.filter(pk=issue_id, kind=IssueKind.SENT).update(emails=emails)


@dataclass
class GuardianState:
    name: str
    has_login: bool
    acknowledged_at: object = None  # datetime or None


@dataclass
class AcknowledgementRow:
    student: Student
    guardians: list[GuardianState] = field(default_factory=list)

    @property
    def acknowledged(self) -> bool:
        return any(g.acknowledged_at for g in self.guardians)


def class_acknowledgements(
    school_class: SchoolClass, term: Term, today: date
) -> list[AcknowledgementRow]:
    """The class's students (its list on the term's last day, or today during the term) with
    each guardian and whether they acknowledged the term marks. Three queries."""
    day = min(max(today, term.start), term.end)
    rows = {s.pk: AcknowledgementRow(s) for s in class_roster(school_class, day)}
    acknowledged = (
        {
            (student_id, user_id): at
            for student_id, user_id, at in TermAcknowledgement.objects.filter(
                school_id=school_class.school_id, term=term, student_id__in=rows
            ).values_list("student_id", "user_id", "acknowledged_at")
        }
        if rows
        else {}
    )
    links = (
        (
            StudentGuardian.objects.filter(school_id=school_class.school_id, student_id__in=rows)
            .select_related("guardian")
            .order_by("guardian__last_name", "guardian__first_name", "pk")
        )
        if rows
        else []
    )
    for link in links:
        guardian = link.guardian
        rows[link.student_id].guardians.append(
            GuardianState(
                name=guardian.full_name,
                has_login=guardian.user_id is not None,
                acknowledged_at=acknowledged.get((link.student_id, guardian.user_id)),
            )
        )
    return list(rows.values())


@dataclass
class TermAcknowledgementState:
    """A term of a student's class for the family's «Ознакомлен»: whether its term marks are
    in, whether it may be acknowledged now (``may_acknowledge``), and by whom it was (each
    guardian once, with the user loaded)."""

    term: Term
    marks_entered: bool
    open: bool
    acknowledgements: list[TermAcknowledgement] = field(default_factory=list)


def student_acknowledgements(
    student: Student, terms: list[Term], today: date
) -> list[TermAcknowledgementState]:
    """The acknowledgement of each of ``terms`` (the terms of the student's class, in order)
    for the student: the state of the diary's marks page for every term at once. Two queries,
    whatever the number of terms."""
    if not terms:
        return []
    term_ids = [t.pk for t in terms]
    entered = set(
        PeriodMark.objects.filter(
            school_id=student.school_id,
            student=student,
            kind=PeriodKind.TERM,
            term_id__any_of=term_ids,
        ).values_list("term_id", flat=True)
    )
    by_term: dict[int, list[TermAcknowledgement]] = {pk: [] for pk in term_ids}
    for acknowledgement in TermAcknowledgement.objects.filter(
        school_id=student.school_id, student=student, term_id__any_of=term_ids
    ).select_related("user"):
        by_term[acknowledgement.term_id].append(acknowledgement)
    return [
        TermAcknowledgementState(
            term=term,
            marks_entered=term.pk in entered,
            open=may_acknowledge(term, today, marks_entered=term.pk in entered),
            acknowledgements=by_term[term.pk],
        )
        for term in terms
    ]
