"""Read models of the backups: the administrator's page and the schedule's facts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from zhurnal.notifications.models import Kind, Notification
from zhurnal.school.models import School, Term

from . import bundle
from .models import BackupRun, RunState

# A run left queued or running longer than this was lost with its worker: it blocks nothing.
RUNNING_EXPIRES = timedelta(hours=6)
# Seed 002 (DESIGN §3): a copy at least every two weeks; the page warns past this even when
# the weekly count is switched off.
LONGEST_GAP_DAYS = 14
# Runs shown on the page.
RECENT = 10


def destinations() -> list[Path]:
    """The configured destinations (``ZHURNAL_BACKUP_DIRS``), in order."""
    return [Path(path).expanduser() for path in settings.ZHURNAL_BACKUP_DIRS]


def active_run(now: datetime | None = None) -> BackupRun | None:
    """A run queued or running, and not abandoned (one query)."""
    now = now or timezone.now()
    queued = BackupRun.objects.filter(state=RunState.QUEUED, created_at__gte=now - RUNNING_EXPIRES)
    running = BackupRun.objects.filter(
        state=RunState.RUNNING, started_at__gte=now - RUNNING_EXPIRES
    )
    return (queued | running).order_by("created_at").first()


def last_good() -> BackupRun | None:
    """The newest backup written to every destination (one query)."""
    return BackupRun.objects.filter(state=RunState.OK).order_by("-finished_at").first()


def longest_gap() -> timedelta:
    """How old the last good backup may be before a backup is overdue: the schedule's days and
    one more (the job runs once a day), or two weeks (seed 002, DESIGN §3) without a weekly
    schedule."""
    every = settings.ZHURNAL_BACKUP_EVERY_DAYS
    return timedelta(days=(every + 1) if every else LONGEST_GAP_DAYS)


def overdue_since(now: datetime) -> datetime | None:
    """Since when backups have been overdue — the last good one's end, or the first attempt
    when none succeeded — if that is longer ago than ``longest_gap``; None otherwise, and
    before any backup was ever tried (two queries at most)."""
    good = last_good()
    since = good.finished_at if good else None
    if since is None:
        first = BackupRun.objects.order_by("created_at").first()
        since = first.created_at if first else None
    return since if since is not None and since < now - longest_gap() else None


def first_school_id() -> int | None:
    """The server's first school (one query): whose daily job speaks for the server."""
    return School.objects.order_by("pk").values_list("pk", flat=True).first()


def told_since(moment: datetime) -> bool:
    """Whether anyone was told of a backup (failed or overdue) since ``moment`` (one query)."""
    return Notification.objects.filter(kind=Kind.BACKUP, created_at__gte=moment).exists()


def tried_since(moment: datetime) -> bool:
    """Whether a backup was started (whatever its outcome) since ``moment`` (one query)."""
    return BackupRun.objects.filter(created_at__gte=moment).exists()


def ended_term(school, today: date) -> Term | None:
    """The school's latest term that ended within the last two weeks, before ``today`` (one
    query): a backup is due after it (seed 002 §5.2)."""
    return (
        Term.objects.filter(school=school, end__lt=today, end__gte=today - timedelta(days=14))
        .order_by("-end")
        .first()
    )


@dataclass
class DestinationState:
    path: Path
    space: bundle.Space
    latest: str  # the newest complete backup's folder name, or ""
    count: int
    full: bool  # less free space than the last backup needs


@dataclass
class Overview:
    runs: list[BackupRun]
    last_good: BackupRun | None
    destinations: list[DestinationState]
    active: BackupRun | None
    overdue: bool
    every_days: int
    keep: int
    at_term_end: bool
    warnings: list[str] = field(default_factory=list)


def overview(now: datetime | None = None) -> Overview:
    """The administrator's page: the recent runs, the last good backup, each destination's state
    (reached on the disk, not in the database) and whether a backup is overdue. Three queries."""
    now = now or timezone.now()
    runs = list(BackupRun.objects.select_related("requested_by")[:RECENT])
    good = last_good()
    every = settings.ZHURNAL_BACKUP_EVERY_DAYS
    need = (runs[0].size if runs else 0) + bundle.MARGIN
    states = []
    for path in destinations():
        found = bundle.backups_in(path)
        space = bundle.space_of(path)
        full = space.free is not None and space.free < need
        states.append(
            DestinationState(path, space, found[0].name if found else "", len(found), full)
        )
    result = Overview(
        runs=runs,
        last_good=good,
        destinations=states,
        active=active_run(now),
        overdue=good is None or good.finished_at < now - longest_gap(),
        every_days=every,
        keep=settings.ZHURNAL_BACKUP_KEEP,
        at_term_end=settings.ZHURNAL_BACKUP_AT_TERM_END,
    )
    result.warnings = _warnings(result)
    return result


def _warnings(state: Overview) -> list[str]:
    """What the administrator must act on (seed 002 §5.6: two media in different rooms)."""
    warnings = []
    if not state.destinations:
        warnings.append(
            _(
                "Backups are not configured: set ZHURNAL_BACKUP_DIRS to two folders on "
                "different media."
            )
        )
    elif len(state.destinations) < 2:
        warnings.append(
            _(
                "Only one destination is configured: the rules require copies on two media "
                "kept in different rooms."
            )
        )
    for destination in state.destinations:
        if not destination.space.writable:
            warnings.append(
                _("The destination %(path)s cannot be written.") % {"path": destination.path}
            )
        elif destination.full:
            warnings.append(
                _("The destination %(path)s has less free space than a backup needs.")
                % {"path": destination.path}
            )
    latest = state.runs[0] if state.runs else None
    if latest is not None and latest.state in (RunState.FAILED, RunState.PARTIAL):
        when = date_format(timezone.localtime(latest.created_at), "DATETIME_FORMAT")
        if latest.state == RunState.FAILED:
            warnings.append(_("The last backup (%(when)s) failed.") % {"when": when})
        else:
            warnings.append(
                _("The last backup (%(when)s) was written to some destinations only.")
                % {"when": when}
            )
    if state.overdue:
        warnings.append(
            _("A backup is overdue: the last good one is from %(when)s.")
            % {
                "when": date_format(
                    timezone.localtime(state.last_good.finished_at), "DATETIME_FORMAT"
                )
            }
            if state.last_good
            else _("A backup is overdue: no good backup has been made yet.")
        )
    return warnings
