"""Whether and when the families of a class were informed by the fortnightly progress report
(seed 002, regulation 2.2.2: "the class teacher systematically, at least once in 2 weeks,
informs the parents of their children's progress and attendance through reports made from the
electronic journal's data"), read from ``ProgressReportIssue``: the report page's "last
informed" line, the class teacher's reminder on the home page, the administration's check on
the class page. Each read is one query, whatever the number of classes and issues.

An issue informs the families when it is a printing (the PDF for the families without e-mail)
or a sending that queued e-mails — or whose run has not finished yet. A sending that queued
none (no family with e-mail, or every one already had this period's report) informs nobody.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Max, Q, QuerySet, Subquery
from django.utils import timezone

from .models import IssueKind, ProgressReportIssue
from .report import PERIOD_DAYS

# Seed 002, regulation 2.2.2: at least once in two weeks. The report is due on the 14th day
# after the last informing: sent that day, the interval stays within the two weeks.
DUE_AFTER_DAYS = PERIOD_DAYS


# A sending whose run has not written its count yet counts as informing for this long; a run
# that never finished (a crash, a stopped worker) then informs nobody.
RUN_GRACE = timedelta(hours=1)


def informing_issues(school_id: int) -> QuerySet[ProgressReportIssue]:
    """The issues of a school that informed the families (see the module's docstring)."""
    return (
        ProgressReportIssue.objects.filter(school_id=school_id)
        .exclude(kind=IssueKind.SENT, emails=0)
        .exclude(kind=IssueKind.SENT, emails__isnull=True, at__lt=timezone.now() - RUN_GRACE)
    )


def is_current_period(start: date, end: date, today: date) -> bool:
    """Whether the report of ``start``–``end``, sent or printed on ``today``, is the fortnightly
    informing (seed 002, regulation 2.2.2: "at least once in 2 weeks ... of their children's
    progress and attendance"): only a report covering the latest two weeks tells the families
    how things are now. Since issue 12 the report may be of any period, so it counts when

    * it is recent: it ends at most ``DUE_AFTER_DAYS`` days before today, or later (the rule
      of the fortnightly report, unchanged);
    * it holds a whole fortnight: it is at least ``PERIOD_DAYS`` days long — the fortnight
      ending on its last day lies inside it, so it says at least what that fortnight's report
      says. A few days chosen by hand are not the fortnightly informing;
    * it has begun: its first day is not after today (a period wholly in the future holds
      nothing yet).

    So the report of a term in progress, or of a term that ended in the last two weeks (the
    last days of school before the holidays), counts, as does any longer period ending
    recently; the report of an old period — a term that ended long ago, last month's weeks —
    is not recorded as the informing, however it is sent or printed."""
    return (
        end >= today - timedelta(days=DUE_AFTER_DAYS)
        and (end - start).days + 1 >= PERIOD_DAYS
        and start <= today
    )


def is_due(last: datetime | None, today: date, tz: ZoneInfo, since: date | None = None) -> bool:
    """Last informed ``DUE_AFTER_DAYS`` or more days ago (calendar days of the school's time
    zone), counted from ``since`` (the academic year's first day) when never informed or
    informed before it: a new year's first reminder comes two weeks after the year begins."""
    counted_from = timezone.localtime(last, tz).date() if last is not None else None
    if since is not None and (counted_from is None or counted_from < since):
        counted_from = since
    if counted_from is None:
        return True
    return (today - counted_from).days >= DUE_AFTER_DAYS


def last_informed(school_id: int, class_ids: Iterable[int]) -> dict[int, datetime]:
    """When each of the classes was last informed (classes never informed are absent). One
    query, whatever the number of classes."""
    ids = list(class_ids)
    if not ids:
        return {}
    rows = (
        informing_issues(school_id)
        .filter(school_class_id__in=ids)
        .values("school_class_id")
        .annotate(last=Max("at"))
        .order_by()
    )
    return {row["school_class_id"]: row["last"] for row in rows}


@dataclass
class InformingStatus:
    """A class's last informing, its last sending and its last printing (each may be the
    same issue, or None), and whether the report is due."""

    last: ProgressReportIssue | None
    last_sent: ProgressReportIssue | None
    last_printed: ProgressReportIssue | None
    due: bool


def informing_status(school_class, today: date, tz: ZoneInfo) -> InformingStatus:
    """The report page's and the class page's line. One query: the class's latest informing
    issue, latest sending and latest printing, each picked by a subquery, with who did it."""
    issues = ProgressReportIssue.objects.filter(
        school_id=school_class.school_id, school_class_id=school_class.pk
    )

    def latest(queryset: QuerySet[ProgressReportIssue]) -> Subquery:
        return Subquery(queryset.order_by("-at", "-pk").values("pk")[:1])

    informing = informing_issues(school_class.school_id).filter(school_class_id=school_class.pk)
    rows = {
        issue.pk: issue
        for issue in issues.filter(
            Q(pk=latest(informing))
            | Q(pk=latest(issues.filter(kind=IssueKind.SENT)))
            | Q(pk=latest(issues.filter(kind=IssueKind.PRINTED)))
        ).select_related("issued_by")
    }
    ordered = sorted(rows.values(), key=lambda issue: (issue.at, issue.pk), reverse=True)
    last = next((issue for issue in ordered if issue.informed), None)
    return InformingStatus(
        last=last,
        last_sent=next((i for i in ordered if i.kind == IssueKind.SENT), None),
        last_printed=next((i for i in ordered if i.kind == IssueKind.PRINTED), None),
        due=is_due(last.at if last else None, today, tz, since=school_class.year.start),
    )


def with_report_due(classes: Iterable, school_id: int, today: date, tz: ZoneInfo) -> list:
    """The classes (loaded with their ``year``), each with ``report_last_informed`` and
    ``report_due`` set (the home page's badge). One query for all of them."""
    classes = list(classes)
    last = last_informed(school_id, (c.pk for c in classes))
    for school_class in classes:
        school_class.report_last_informed = last.get(school_class.pk)
        school_class.report_due = is_due(
            school_class.report_last_informed, today, tz, since=school_class.year.start
        )
    return classes
