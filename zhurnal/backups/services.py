"""The backups' use cases (issue 13 item 5; seed 002 §4.2 weekly copies, §5.2 a copy at every
term end, §5.6 on two media in different rooms, §6.2.3 the administrator backs up and
restores in a reliable state).

Services trust their caller (docs/architecture.md): the page checks ``backups.run``; the
commands are the server's operator's.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
from datetime import date, datetime, time, timedelta
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from zhurnal.accounts.models import Membership, Role
from zhurnal.audit.actor import Actor
from zhurnal.notifications.models import Kind
from zhurnal.notifications.services import notify
from zhurnal.school.models import School

from . import bundle, database, events, queries
from .errors import BackupError, DestinationError
from .models import BackupRun, RunState, Trigger

log = logging.getLogger(__name__)

# A scheduled backup is queued at most once in this time, whatever its outcome: a failing one
# is tried again the next day, not at every school's daily run.
RETRY_AFTER = timedelta(hours=20)


def zhurnal_version() -> str:
    try:
        return version("zhurnal")
    except PackageNotFoundError:
        return "unknown"


def make_backup(
    *,
    actor: Actor,
    trigger: str,
    destinations: list[Path] | None = None,
    keep: int | None = None,
    run: BackupRun | None = None,
) -> BackupRun:
    """Make one backup: copy the database (online, consistent), the uploaded files and the
    archive (``bundle.PARTS``) into a temporary folder, seal them with the manifest, and write
    them to every destination (the configured ones unless given), each then kept to its
    ``keep`` newest. A destination that is full or cannot be written is named in the run's
    record and the others are still written: the run is then PARTIAL (FAILED when none was
    written). Never raises for a destination or the copy: the outcome is the returned run,
    told to the administrators when it is not OK. ``run`` is the queued record a task runs."""
    destinations = queries.destinations() if destinations is None else destinations
    keep = settings.ZHURNAL_BACKUP_KEEP if keep is None else keep
    now = timezone.now()
    if run is None:
        run = BackupRun(trigger=trigger, requested_by=actor.user)
    run.state, run.started_at = RunState.RUNNING, now
    run.save()
    run.name = f"zhurnal-{now.astimezone(ZoneInfo('UTC')):%Y%m%dT%H%M%SZ}-{run.pk}"
    try:
        if not destinations:
            raise BackupError(
                _("No backup destination is configured (ZHURNAL_BACKUP_DIRS or --to).")
            )
        with tempfile.TemporaryDirectory(prefix="zhurnal-backup-") as work:
            files = _make_files(Path(work), now, trigger)
            run.size = sum(path.stat().st_size for path in files)
            run.destinations = [_write(files, path, run.name, keep) for path in destinations]
    except BackupError as error:
        log.error("backup %s failed: %s", run.name, error)
        run.error = str(error)
    except Exception as error:  # an unforeseen failure must be recorded and told, not lost
        log.exception("backup %s failed", run.name)
        run.error = f"{type(error).__name__}: {error}"
    written = sum(entry["ok"] for entry in run.destinations)
    if written and written == len(run.destinations):
        run.state = RunState.OK
    else:
        run.state = RunState.PARTIAL if written else RunState.FAILED
    run.finished_at = timezone.now()
    with transaction.atomic():
        run.save()
        if written:
            events.backup_made(run, actor=actor)
        if run.state != RunState.OK:
            _tell_administrators(run)
    return run


def part_root(part: bundle.Part) -> Path:
    """The folder of the server a backup's part holds (``MEDIA_ROOT``, ``ZHURNAL_ARCHIVE_DIR``;
    read from the settings: the backups do not depend on the apps writing there)."""
    return Path(getattr(settings, part.setting))


def _make_files(work: Path, now: datetime, trigger: str) -> list[Path]:
    """The database copy, each part's tar (the uploaded files, the archive) and the seals, in
    ``work``."""
    manifest = {
        "zhurnal_version": zhurnal_version(),
        "engine": database.engine(),
        "created_at": now.isoformat(),
        "migrations": database.last_migrations(),
        "trigger": trigger,
        # Seed 002 §5.2: the copy of each term's end is kept for good (retention skips it).
        "keep": trigger == Trigger.TERM_END,
    }
    files = [database.dump(work)]
    for part in bundle.PARTS:
        files.append(work / part.file)
        manifest[part.key] = bundle.pack(part_root(part), files[-1])
    return bundle.seal(work, manifest, files)


def _write(files: list[Path], destination: Path, name: str, keep: int) -> dict:
    """One destination's outcome: ``{"path", "ok", "error", "pruned"}``."""
    entry = {"path": str(destination), "ok": False, "error": "", "pruned": []}
    try:
        bundle.publish(files, destination, name)
    except DestinationError as error:
        log.error("backup %s: %s", name, error)
        entry["error"] = str(error)
        return entry
    entry["ok"] = True
    try:
        entry["pruned"] = bundle.prune(destination, keep)
    except OSError as error:  # the backup is written; an old one that stays is no failure
        log.warning("backup %s: old backups of %s not deleted: %s", name, destination, error)
    return entry


def _tell_administrators(run: BackupRun) -> None:
    """A failed or partial backup is told to the administrators of every school on the server
    (``notifications.Kind.BACKUP``), with what failed."""
    if run.state == RunState.FAILED:
        title = _("The backup failed")
    else:
        title = _("The backup was not written to every destination")
    problems = [run.error] if run.error else []
    problems += [entry["error"] for entry in run.failed_destinations]
    _tell(title, "\n".join(problems))


def _tell(title: str, body: str) -> None:
    admins = Membership.objects.filter(role=Role.ADMIN, user__is_active=True).select_related(
        "user", "school"
    )
    by_school: dict[int, tuple[School, list]] = {}
    for membership in admins:
        by_school.setdefault(membership.school_id, (membership.school, []))[1].append(
            membership.user
        )
    link = reverse("backups:index")
    for school, users in by_school.values():
        notify(users=users, school=school, kind=Kind.BACKUP, title=title, body=body, link=link)


def queue_backup(*, actor: Actor, trigger: str) -> BackupRun | None:
    """Queue a backup for the worker (the page's «Back up now», the schedule); None when one is
    already queued or running (one at a time: they would copy the same data)."""
    with transaction.atomic():
        if queries.active_run() is not None:
            return None
        run = BackupRun.objects.create(
            trigger=trigger, state=RunState.QUEUED, requested_by=actor.user
        )
    # tasks.py imports this module (the task runs make_backup): imported here, not at the top.
    from .tasks import run_backup

    transaction.on_commit(lambda: run_backup.enqueue(run.pk))
    return run


def run_queued(run_id: int) -> BackupRun | None:
    """The worker's side of ``queue_backup``: make the queued backup (None if it is not
    waiting any more)."""
    with transaction.atomic():
        run = BackupRun.objects.select_for_update().filter(pk=run_id, state=RunState.QUEUED).first()
        if run is None:
            return None
        run.state, run.started_at = RunState.RUNNING, timezone.now()
        run.save(update_fields=["state", "started_at"])
    actor = Actor(user=run.requested_by) if run.requested_by else Actor.system()
    return make_backup(actor=actor, trigger=run.trigger, run=run)


def scheduled_backup(school: School, today: date) -> str | None:
    """The daily job (``core.daily``, run for every school): queue the server's backup when it
    is due — weekly (``ZHURNAL_BACKUP_EVERY_DAYS`` since the last good one; seed 002 §4.2) or
    after a term of this school ended with no good backup since (``ZHURNAL_BACKUP_AT_TERM_END``;
    seed 002 §5.2). A backup is of the whole server: the first school whose job finds it due
    queues it; the others find it queued, or tried within ``RETRY_AFTER``, and do nothing.
    Backups overdue all the same are told to the administrators once a day.
    Without a configured destination nothing is queued (the page and ``check --deploy``
    warn)."""
    if not queries.destinations():
        return None
    now = timezone.now()
    told = _tell_if_overdue(school, now)
    if queries.active_run(now) is not None or queries.tried_since(now - RETRY_AFTER):
        return told
    good = queries.last_good()
    trigger = None
    term = queries.ended_term(school, today) if settings.ZHURNAL_BACKUP_AT_TERM_END else None
    if term is not None:
        after_term = datetime.combine(
            term.end + timedelta(days=1), time(), tzinfo=ZoneInfo(school.timezone)
        )
        if good is None or good.started_at < after_term:
            trigger = Trigger.TERM_END
    every = settings.ZHURNAL_BACKUP_EVERY_DAYS
    if (
        trigger is None
        and every
        and (good is None or good.started_at < now - timedelta(days=every))
    ):
        trigger = Trigger.WEEKLY
    run = queue_backup(actor=Actor.system(), trigger=trigger) if trigger else None
    queued = f"backup {run.pk} queued ({trigger})" if run else None
    return "; ".join(filter(None, (told, queued))) or None


def _tell_if_overdue(school: School, now: datetime) -> str | None:
    """Tell the administrators when backups are overdue (``queries.overdue_since``: e.g. the
    queued ones never run because the worker is stopped while ``zhurnal daily`` runs from
    cron). Once a day for the server: from the daily job of its first school only, and not
    when a backup's failure was told within ``RETRY_AFTER``."""
    if school.pk != queries.first_school_id():
        return None
    since = queries.overdue_since(now)
    if since is None or queries.told_since(now - RETRY_AFTER):
        return None
    when = date_format(timezone.localtime(since), "DATETIME_FORMAT")
    _tell(
        _("A backup is overdue"),
        _("No good backup has been made since %(when)s. Is the background worker running?")
        % {"when": when},
    )
    return f"backups overdue since {since:%Y-%m-%d %H:%M} UTC: the administrators told"


def restore(*, backup: Path, actor: Actor) -> dict:
    """Replace the whole server's data — the database, the uploaded files and the archive — by
    a backup's (seed 002 §6.2.3: restored in a reliable state). Every checksum is verified
    first and a damaged backup is refused naming the damaged file (DamagedBackup); a backup
    made by a newer Zhurnal or on another engine is refused (BackupError). Each part's files
    are unpacked and checked beside its folder before the database is replaced, then swapped
    in, with the permissions they were backed up with (the archive's stay read-only). A part
    the backup does not hold (one made before the archive was backed up) leaves its folder as
    it is. The restore is recorded in the restored database's audit trail. Returns the
    manifest."""
    manifest = bundle.verify(backup)
    unknown = database.unknown_migrations(manifest.get("migrations", {}))
    if unknown or manifest.get("format", 1) > bundle.FORMAT:
        what = f"unknown migrations {', '.join(unknown)}" if unknown else "an unknown format"
        raise BackupError(
            f"the backup was made by a newer Zhurnal ({manifest.get('zhurnal_version')}): "
            f"{what}; restore it with that version"
        )
    parts = bundle.parts_of(manifest)
    kind = manifest.get("engine")
    database.check_engine(kind)
    db_file = backup / database.FILES[kind]
    with contextlib.ExitStack() as stack:
        staged = []
        for part in parts:
            root = part_root(part)
            root.parent.mkdir(parents=True, exist_ok=True)
            # Unpacked next to its folder, so that the swap below is a rename on the same disk.
            work = Path(
                stack.enter_context(
                    tempfile.TemporaryDirectory(prefix=".restoring-", dir=root.parent)
                )
            )
            unpacked = work / part.key
            unpacked.mkdir()
            bundle.unpack(backup, manifest, part, unpacked)
            staged.append((root, unpacked, work / "replaced"))
        database.load(db_file, kind)
        for root, unpacked, replaced in staged:
            if root.exists():
                root.rename(replaced)
            unpacked.rename(root)
            bundle.discard(replaced)
    with transaction.atomic():
        events.backup_restored(
            manifest, parts=[part.key for part in parts], source=str(backup), actor=actor
        )
    return manifest
