"""Backups as a product feature (issue 13 item 5; seed 002 §4.2, §5.2, §5.6, §6.2.3): the copy of
the database, the uploaded files and the archive (§5.5–5.9: printed journals, term copies,
packages) with its manifest, two destinations, a destination full or unwritable, retention, the
restore drill and a damaged backup refused, a backup made before the archive was backed up, the
schedule on the worker, the administrator's page. The drill runs on the suite's database:
SQLite, and PostgreSQL under scripts/test-postgres."""

from __future__ import annotations

import errno
import json
import shutil
import stat
import subprocess
import tarfile
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from zhurnal.archive import storage
from zhurnal.archive.models import TermCopy
from zhurnal.archive.services import make_term_copies
from zhurnal.audit.actor import Actor
from zhurnal.audit.models import AuditAction, AuditEvent
from zhurnal.backups import bundle, queries, services
from zhurnal.backups.models import BackupRun, RunState, Trigger
from zhurnal.backups.tasks import run_backup
from zhurnal.journal import services as journal
from zhurnal.journal.defaults import ensure_work_types
from zhurnal.journal.models import Attendance, GradeColumn, HomeworkAttachment, Mark, WorkType
from zhurnal.notifications.models import Kind, Notification
from zhurnal.notifications.services import kinds_for
from zhurnal.ops.daily import run_daily
from zhurnal.timetable.models import Lesson

from .factories import SchoolFactory
from .personas import build_world

# A backup is made outside any transaction, as on the server (SQLite's online backup cannot read
# a database its own connection is writing; pg_dump would not see uncommitted rows).
pytestmark = [pytest.mark.usefixtures("english"), pytest.mark.django_db(transaction=True)]

MSK = ZoneInfo("Europe/Moscow")
MONDAY, TUESDAY = date(2026, 11, 16), date(2026, 11, 17)


def at(*args) -> time_machine.travel:
    return time_machine.travel(datetime(*args, tzinfo=MSK), tick=False)


@pytest.fixture
def dirs(tmp_path, settings):
    """Two destinations, as on two media: a second disk and a network share."""
    disk, share = tmp_path / "disk", tmp_path / "share"
    settings.ZHURNAL_BACKUP_DIRS = [str(disk), str(share)]
    return disk, share


@pytest.fixture(autouse=True)
def archive_dir(tmp_path, settings):
    """The archive storage in the test's folder, never the checkout's var/archive."""
    settings.ZHURNAL_ARCHIVE_DIR = tmp_path / "archive"
    yield settings.ZHURNAL_ARCHIVE_DIR
    _writable(tmp_path)  # the archive is read-only: let the test's folder be removed


def _writable(folder: Path) -> None:
    for path in sorted(folder.rglob("*"), reverse=True):
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() else 0o644)


TERM_COPY = "school-1/2026-2027/terms/quarter-1/5А-journal.pdf"
PACKAGE = "school-1/2026-2027/package-v1"


def _fill_archive() -> None:
    """A term copy and an archive package, as the archive storage keeps them: each file written
    once and read-only (0444), the package's folders sealed (0555), the term's folder not (the
    next class's copy goes there)."""
    storage.write_once(TERM_COPY, b"%PDF-1.7 the 1st quarter of 5A")
    storage.write_once(f"{PACKAGE}/journals/5А-journal.pdf", b"%PDF-1.7 the year of 5A")
    storage.write_once(f"{PACKAGE}/data/marks.csv", "ученик;отметка\nИванов;5\n".encode())
    storage.write_once(f"{PACKAGE}/SHA256SUMS", b"...")
    storage.seal(storage.root() / PACKAGE)


def _wipe_archive() -> None:
    root = storage.root()
    _writable(root)
    shutil.rmtree(root)


def _fill_journal(world) -> None:
    """Marks, attendance, a homework file: a small journal with its audit trail."""
    ensure_work_types(world.school)
    teacher = Actor(world.users["class_teacher"])
    work_type = WorkType.objects.get(school=world.school, code="КР")
    for day, value in ((MONDAY, "5"), (TUESDAY, "4")):
        lesson = Lesson.objects.get(course=world.class_course, date=day)
        column = journal.add_column(lesson=lesson, work_type=work_type, actor=Actor.system())
        journal.set_mark(
            column=column, student=world.student, value=value, version=0, actor=teacher
        )
    tuesday = Lesson.objects.get(course=world.class_course, date=TUESDAY)
    journal.set_attendance(
        lesson=tuesday, student=world.student, code="Н", version=0, actor=teacher
    )
    homework = journal.set_homework(lesson=tuesday, text="§ 3", version=0, actor=teacher)
    HomeworkAttachment.objects.create(
        school=world.school,
        homework=homework,
        name="task.pdf",
        size=9,
        file=SimpleUploadedFile("task.pdf", b"%PDF-task"),
    )


def _snapshot() -> dict:
    """Every mark, attendance entry, audit row (but the backups' own) and uploaded file."""
    media = Path(settings.MEDIA_ROOT)
    return {
        "marks": list(Mark.objects.order_by("pk").values()),
        "columns": list(GradeColumn.objects.order_by("pk").values()),
        "attendance": list(Attendance.objects.order_by("pk").values()),
        "audit": list(
            AuditEvent.objects.exclude(
                action__in=[AuditAction.BACKUP_MADE, AuditAction.BACKUP_RESTORED]
            )
            .order_by("pk")
            .values()
        ),
        "files": {
            path.relative_to(media).as_posix(): path.read_bytes()
            for path in media.rglob("*")
            if path.is_file()
        },
        "archive": _archive(),
    }


def _archive() -> dict[str, tuple[int, bytes | None]]:
    """Every file and folder of the archive storage: its permissions and its bytes."""
    root = storage.root()
    return {
        path.relative_to(root).as_posix(): (
            stat.S_IMODE(path.stat().st_mode),
            path.read_bytes() if path.is_file() else None,
        )
        for path in sorted(root.rglob("*"))
    }


def _backup(**kwargs) -> BackupRun:
    return services.make_backup(actor=Actor.system(), trigger=Trigger.COMMAND, **kwargs)


def test_backup_wipe_restore_gives_back_every_mark_attendance_audit_row_and_file(dirs):
    with at(2026, 11, 20, 10, 0):
        world = build_world()
        _fill_journal(world)
        # A real term copy of the archive (its row and its PDF, seed 002 §4.2) and a package.
        assert make_term_copies(world.class_course.school_class, world.term) == 2
    _fill_archive()
    before = _snapshot()
    assert len(before["marks"]) == 2 and before["attendance"] and before["files"]
    assert len(before["audit"]) >= 4
    assert before["archive"][TERM_COPY] == (0o444, b"%PDF-1.7 the 1st quarter of 5A")
    assert before["archive"][f"{PACKAGE}/journals"][0] == 0o555
    copies = list(TermCopy.objects.order_by("path"))
    assert [before["archive"][copy.path][0] for copy in copies] == [0o444, 0o444]

    run = _backup()
    assert run.state == RunState.OK
    assert [entry["ok"] for entry in run.destinations] == [True, True]

    call_command("flush", interactive=False, verbosity=0)  # the wipe
    shutil.rmtree(settings.MEDIA_ROOT)
    _wipe_archive()  # the lost disk
    assert not Mark.objects.exists() and not AuditEvent.objects.exists()

    services.restore(backup=dirs[1] / run.name, actor=Actor.system())

    # Every file back, the archive's read-only as it keeps them.
    assert _snapshot() == before
    for copy in TermCopy.objects.all():  # each copy's row and its file agree again
        assert storage.sha256_of(storage.root() / copy.path) == copy.sha256
    assert TermCopy.objects.count() == 2
    restored = AuditEvent.objects.get(action=AuditAction.BACKUP_RESTORED)
    assert restored.after["source"] == str(dirs[1] / run.name)
    assert restored.after["parts"] == ["media", "archive"]


def test_a_restore_replaces_the_archive_made_after_the_backup(dirs):
    """The archive comes back as it was when the backup was made, with the database."""
    with at(2026, 11, 20, 10, 0):
        build_world()
    _fill_archive()
    before = _archive()
    run = _backup()
    storage.write_once("school-1/2026-2027/terms/quarter-2/5А-journal.pdf", b"%PDF later")

    call_command("restore", str(dirs[0] / run.name), "--yes", stdout=_Sink())

    assert _archive() == before
    leftovers = [p for p in storage.root().parent.iterdir() if p.name.startswith(".restoring")]
    assert leftovers == [], "the replaced archive and the work folders are gone"


def test_the_restore_command_replaces_newer_data_only_when_confirmed(dirs):
    with at(2026, 11, 20, 10, 0):
        world = build_world()
        _fill_journal(world)
    run = _backup()
    Mark.objects.all().delete()
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(dirs[0] / run.name), stdout=_Sink())
    assert not Mark.objects.exists()
    call_command("restore", str(dirs[0] / run.name), "--yes", stdout=_Sink())
    assert Mark.objects.count() == 2


class _Sink:
    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass


def test_the_manifest_holds_version_engine_time_migrations_and_every_checksum(dirs):
    with at(2026, 11, 20, 10, 0):
        world = build_world()
        _fill_journal(world)
        run = _backup()
    folder = dirs[0] / run.name
    manifest = json.loads((folder / bundle.MANIFEST).read_text())
    assert manifest["engine"] in {"sqlite", "postgresql"}
    assert manifest["zhurnal_version"] and manifest["created_at"].startswith("2026-11-20T07:00")
    assert manifest["migrations"]["journal"].startswith("00")
    attachment = HomeworkAttachment.objects.get()
    stored = Path(settings.MEDIA_ROOT) / attachment.file.name
    assert manifest["media"] == {attachment.file.name: bundle.sha256_of(stored)}
    assert set(manifest["files"]) == {bundle.MEDIA, bundle.ARCHIVE, _db_file(folder)}
    assert manifest["format"] == bundle.FORMAT == 2
    assert manifest["archive"] == {}  # nothing archived yet: an empty part, not a missing one
    assert run.size == sum(path.stat().st_size for path in folder.iterdir())
    # An operator checks a copy without Zhurnal.
    checked = subprocess.run(
        ["sha256sum", "-c", bundle.SUMS], cwd=folder, capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert not list(dirs[0].glob(".*")), "no temporary folder is left behind"
    made = AuditEvent.objects.get(action=AuditAction.BACKUP_MADE)
    assert made.school_id is None and made.after["name"] == run.name


def _db_file(folder: Path) -> str:
    return next(path.name for path in folder.iterdir() if path.name.startswith("database."))


def test_the_manifest_holds_the_checksum_of_every_archived_file(dirs):
    with at(2026, 11, 20, 10, 0):
        build_world()
    _fill_archive()
    run = _backup()
    manifest = json.loads((dirs[0] / run.name / bundle.MANIFEST).read_text())
    root = storage.root()
    assert manifest["archive"] == {
        path.relative_to(root).as_posix(): bundle.sha256_of(path)
        for path in root.rglob("*")
        if path.is_file()
    }
    assert TERM_COPY in manifest["archive"] and len(manifest["archive"]) == 4


def test_a_package_being_built_is_not_backed_up(dirs):
    """A package is built in a folder under a temporary name and renamed when complete: a
    backup taken meanwhile leaves that work out."""
    with at(2026, 11, 20, 10, 0):
        build_world()
    _fill_archive()
    building = storage.root() / "school-1" / ".building-x1"
    building.mkdir(parents=True)
    (building / "half.pdf").write_bytes(b"%PDF-1.7 half")
    run = _backup()
    manifest = json.loads((dirs[0] / run.name / bundle.MANIFEST).read_text())
    assert not any(".building-" in path for path in manifest["archive"])
    assert TERM_COPY in manifest["archive"]


@pytest.mark.parametrize("damaged", ["database", bundle.MEDIA, bundle.ARCHIVE, bundle.MANIFEST])
def test_a_flipped_byte_is_refused_by_restore_naming_the_damaged_file(dirs, damaged):
    with at(2026, 11, 20, 10, 0):
        world = build_world()
        _fill_journal(world)
        _fill_archive()
        run = _backup()
    archive = _archive()
    folder = dirs[0] / run.name
    name = _db_file(folder) if damaged == "database" else damaged
    data = bytearray((folder / name).read_bytes())
    data[len(data) // 2] ^= 0x01
    (folder / name).write_bytes(bytes(data))
    marks = Mark.objects.count()

    with pytest.raises(CommandError, match=f"damaged.*{name}"):
        call_command("restore", str(folder), "--yes", stdout=_Sink())
    with pytest.raises(CommandError, match=name):
        call_command("restore", str(folder), "--verify", stdout=_Sink())
    assert Mark.objects.count() == marks  # nothing was touched
    assert _archive() == archive
    # The same backup on the other medium is whole.
    out = _Sink()
    call_command("restore", str(dirs[1] / run.name), "--verify", stdout=out)
    assert "verified" in out.text


def _reseal(folder: Path, manifest: dict | None = None) -> None:
    """Write the manifest (the checksums of the backup's files computed again) and SHA256SUMS,
    as a backup sealed elsewhere would be."""
    manifest = manifest or json.loads((folder / bundle.MANIFEST).read_text())
    manifest["files"] = {
        name: {"sha256": bundle.sha256_of(folder / name), "size": (folder / name).stat().st_size}
        for name in manifest["files"]
    }
    (folder / bundle.MANIFEST).write_text(json.dumps(manifest))
    sums = {name: entry["sha256"] for name, entry in manifest["files"].items()}
    sums[bundle.MANIFEST] = bundle.sha256_of(folder / bundle.MANIFEST)
    (folder / bundle.SUMS).write_text("".join(f"{d}  {n}\n" for n, d in sums.items()))


def test_an_archived_file_changed_inside_a_resealed_backup_is_refused_naming_it(dirs, tmp_path):
    """The tar's own checksum is right (the backup was sealed again), the file inside is not."""
    with at(2026, 11, 20, 10, 0):
        world = build_world()
        _fill_journal(world)
    _fill_archive()
    run = _backup()
    folder = dirs[0] / run.name
    unpacked = tmp_path / "unpacked"
    with tarfile.open(folder / bundle.ARCHIVE, "r:gz") as archive:
        archive.extractall(unpacked, filter="data")
    (unpacked / TERM_COPY).write_bytes(b"%PDF-1.7 the 1st quarter of 5A, changed")
    bundle.pack(unpacked, folder / bundle.ARCHIVE)
    _reseal(folder)
    archive, marks = _archive(), Mark.objects.count()
    Mark.objects.all().delete()

    out = _Sink()
    call_command("restore", str(folder), "--verify", stdout=out)
    assert "verified" in out.text  # every file of the folder matches its seal…
    with pytest.raises(CommandError, match=f"{bundle.ARCHIVE}/{TERM_COPY}: checksum does not"):
        call_command("restore", str(folder), "--yes", stdout=_Sink())  # …but not the copy
    assert not Mark.objects.exists() and _archive() == archive  # nothing was touched
    call_command("restore", str(dirs[1] / run.name), "--yes", stdout=_Sink())
    assert Mark.objects.count() == marks and _archive() == archive


def _as_made_before_the_archive_part(folder: Path) -> None:
    """Turn a backup into one of format 1: no archive.tar.gz, no ``archive`` in the manifest."""
    manifest = json.loads((folder / bundle.MANIFEST).read_text())
    del manifest["archive"], manifest["files"][bundle.ARCHIVE]
    manifest["format"] = 1
    (folder / bundle.ARCHIVE).unlink()
    _reseal(folder, manifest)


def test_a_backup_made_before_the_archive_part_restores_and_leaves_the_archive(dirs):
    with at(2026, 11, 20, 10, 0):
        world = build_world()
        _fill_journal(world)
    before = _snapshot()
    run = _backup()
    folder = dirs[0] / run.name
    _as_made_before_the_archive_part(folder)
    _fill_archive()  # made after that backup: its only copy is on the server's disk
    archive = _archive()
    call_command("flush", interactive=False, verbosity=0)
    shutil.rmtree(settings.MEDIA_ROOT)

    out = _Sink()
    call_command("restore", str(folder), "--yes", stdout=out)

    assert _snapshot() == dict(before, archive=archive)
    assert f"holds no archive part (made before it was backed up): {storage.root()}" in out.text
    restored = AuditEvent.objects.get(action=AuditAction.BACKUP_RESTORED)
    assert restored.after["parts"] == ["media"]


def test_a_backup_of_the_current_format_without_its_archive_part_is_refused(dirs):
    with at(2026, 11, 20, 10, 0):
        world = build_world()
        _fill_journal(world)
    run = _backup()
    folder = dirs[0] / run.name
    manifest = json.loads((folder / bundle.MANIFEST).read_text())
    del manifest["files"][bundle.ARCHIVE]  # format 2 stays: the part was taken away
    (folder / bundle.ARCHIVE).unlink()
    _reseal(folder, manifest)
    Mark.objects.all().delete()
    with pytest.raises(CommandError, match=f"{bundle.ARCHIVE}: missing"):
        call_command("restore", str(folder), "--yes", stdout=_Sink())
    assert not Mark.objects.exists()


def test_an_unwritable_destination_is_named_and_the_other_is_still_written(dirs, tmp_path):
    not_a_folder = tmp_path / "a-file"
    not_a_folder.write_text("x")
    with at(2026, 11, 20, 10, 0):
        world = build_world()
        run = _backup(destinations=[not_a_folder / "backups", dirs[1]])
    assert run.state == RunState.PARTIAL
    bad, good = run.destinations
    assert not bad["ok"] and str(not_a_folder / "backups") in bad["error"]
    assert good["ok"] and (dirs[1] / run.name / bundle.MANIFEST).is_file()
    # The administrators are told; the backup made is audited.
    told = Notification.objects.get(user=world.users["admin"], kind=Kind.BACKUP)
    assert str(not_a_folder / "backups") in told.body
    assert AuditEvent.objects.filter(action=AuditAction.BACKUP_MADE).exists()


def test_a_destination_that_fills_up_half_way_keeps_nothing_that_looks_like_a_backup(
    dirs, monkeypatch
):
    real_copy = shutil.copyfile

    def copy_then_fill_the_share(source, target):
        if str(target).startswith(str(dirs[1])) and Path(source).name == bundle.MEDIA:
            Path(target).write_bytes(b"half")
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_copy(source, target)

    monkeypatch.setattr(bundle.shutil, "copyfile", copy_then_fill_the_share)
    with at(2026, 11, 20, 10, 0):
        build_world()
        run = _backup()
    assert run.state == RunState.PARTIAL
    assert run.destinations[0]["ok"]
    assert "no space left" in run.destinations[1]["error"]
    assert str(dirs[1]) in run.destinations[1]["error"]
    assert list(dirs[1].iterdir()) == []  # neither the folder nor its temporary name
    assert bundle.backups_in(dirs[0])[0].name == run.name


def test_a_destination_without_room_for_the_backup_is_refused_before_writing(dirs, monkeypatch):
    real_space = bundle.space_of

    def full_share(destination):
        space = real_space(destination)
        return bundle.Space(space.exists, space.writable, 1000) if destination == dirs[1] else space

    monkeypatch.setattr(bundle, "space_of", full_share)
    with at(2026, 11, 20, 10, 0):
        build_world()
        run = _backup()
    assert run.state == RunState.PARTIAL
    assert "not enough free space" in run.destinations[1]["error"]
    assert not dirs[1].exists() or not list(dirs[1].iterdir())


def test_no_destination_at_all_fails_the_run_and_tells_the_administrators(settings):
    settings.ZHURNAL_BACKUP_DIRS = []
    with at(2026, 11, 20, 10, 0):
        world = build_world()
        run = _backup()
    assert run.state == RunState.FAILED and "ZHURNAL_BACKUP_DIRS" in run.error
    assert Notification.objects.filter(user=world.users["admin"], kind=Kind.BACKUP).exists()
    assert not Notification.objects.filter(user=world.users["teacher"], kind=Kind.BACKUP).exists()
    with pytest.raises(CommandError, match="failed"):
        call_command("backup", stdout=_Sink(), stderr=_Sink())


def test_retention_keeps_the_newest_and_every_term_end_backup(dirs):
    with at(2026, 11, 20, 10, 0):
        build_world()
    names = []
    for hour, trigger in ((1, Trigger.TERM_END), (2, Trigger.COMMAND), (3, Trigger.COMMAND)):
        with at(2026, 11, 21, hour, 0):
            run = services.make_backup(actor=Actor.system(), trigger=trigger, keep=1)
            names.append(run.name)
    with at(2026, 11, 21, 4, 0):
        call_command("backup", "--to", str(dirs[0]), "--keep", "1", stdout=_Sink())
    kept = [path.name for path in bundle.backups_in(dirs[0])]
    assert len(kept) == 2 and names[0] in kept  # the newest and the term end's
    assert [path.name for path in bundle.backups_in(dirs[1])] == [names[2], names[0]]


def test_the_schedule_queues_one_backup_for_the_whole_server_weekly(dirs):
    with at(2026, 11, 20, 10, 0):
        world = build_world()
        SchoolFactory(timezone="Asia/Vladivostok")
        outcomes = run_daily(job="backups.schedule")
        queued = BackupRun.objects.get()
        assert queued.state == RunState.QUEUED and queued.trigger == Trigger.WEEKLY
        assert sum(bool(outcome.summary) for outcome in outcomes) == 1  # not once per school
        assert run_backup.call(queued.pk) == RunState.OK
        assert BackupRun.objects.get().state == RunState.OK
    with at(2026, 11, 24, 10, 0):  # four days later: not due
        assert services.scheduled_backup(world.school, date(2026, 11, 24)) is None
    with at(2026, 11, 28, 10, 0):  # a week after the last good one
        assert "weekly" in services.scheduled_backup(world.school, date(2026, 11, 28))
        # queued already: the other schools' jobs (and a second run) add none
        assert services.scheduled_backup(world.other_school, date(2026, 11, 28)) is None


def test_the_schedule_makes_a_backup_after_each_term_end(dirs):
    with at(2026, 10, 22, 10, 0):
        world = build_world()
        good = _backup()  # two days before the 1st quarter ends (24.10)
        assert good.state == RunState.OK
    with at(2026, 10, 24, 10, 0):  # the last day of the quarter: not yet
        assert services.scheduled_backup(world.school, date(2026, 10, 24)) is None
    with at(2026, 10, 25, 6, 1):  # the morning after
        summary = services.scheduled_backup(world.school, date(2026, 10, 25))
        assert "term_end" in summary
        run = BackupRun.objects.get(state=RunState.QUEUED)
        run_backup.call(run.pk)
    with at(2026, 10, 26, 6, 1):  # done: not again
        assert services.scheduled_backup(world.school, date(2026, 10, 26)) is None


def test_nothing_is_scheduled_without_destinations(settings):
    settings.ZHURNAL_BACKUP_DIRS = []
    with at(2026, 11, 20, 10, 0):
        world = build_world()
        assert services.scheduled_backup(world.school, date(2026, 11, 20)) is None
    assert not BackupRun.objects.exists()


# --- The administrator's page ----------------------------------------------------------------


@pytest.fixture
def world(transactional_db):
    with at(2026, 11, 20, 10, 0):
        yield build_world()


def test_the_administrator_sees_the_last_backup_and_each_destination(client, world, dirs):
    run = _backup(destinations=[dirs[0]])
    client.force_login(world.users["admin"])
    html = client.get(reverse("backups:index")).content.decode()
    assert run.name in html
    assert "and the archive (printed journals, term copies and archive packages)" in html
    assert str(dirs[0]) in html and str(dirs[1]) in html
    assert "writable" in html
    assert "Back up now" in html
    assert "overdue" not in html


def test_the_page_warns_when_a_backup_is_overdue_or_failed(client, world, dirs, settings):
    client.force_login(world.users["admin"])
    html = client.get(reverse("backups:index")).content.decode()
    assert "no good backup has been made yet" in html
    with at(2026, 11, 1, 10, 0):
        _backup()
    settings.ZHURNAL_BACKUP_DIRS = [str(dirs[0])]
    _backup(destinations=[Path("/proc/no-such-place")])
    html = client.get(reverse("backups:index")).content.decode()
    assert "A backup is overdue: the last good one is from" in html
    assert "failed" in html
    assert "Only one destination is configured" in html


def test_the_pages_state_costs_three_queries_whatever_the_number_of_runs(
    world, dirs, django_assert_num_queries
):
    for _ in range(3):
        _backup()
    # the recent runs with who asked, the last good one, the one queued or running
    with django_assert_num_queries(3):
        state = queries.overview()
    assert len(state.runs) == 3 and state.destinations[0].count == 3
    assert not state.overdue and state.warnings == []


def test_the_page_warns_of_a_destination_without_room_for_the_next_backup(
    client, world, dirs, monkeypatch
):
    _backup()
    real_space = bundle.space_of
    monkeypatch.setattr(
        bundle,
        "space_of",
        lambda path: bundle.Space(True, True, 1000) if path == dirs[1] else real_space(path),
    )
    client.force_login(world.users["admin"])
    html = client.get(reverse("backups:index")).content.decode()
    assert f"The destination {dirs[1]} has less free space than a backup needs." in html
    assert "not enough free space" in html


def test_the_page_says_when_backups_are_not_configured(client, world, settings):
    settings.ZHURNAL_BACKUP_DIRS = []
    client.force_login(world.users["admin"])
    html = client.get(reverse("backups:index")).content.decode()
    assert "Backups are not configured" in html


@pytest.mark.parametrize(
    "persona, status",
    [("admin", 302), ("director", 403), ("deputy", 403), ("teacher", 403), ("parent", 403)],
)
def test_only_the_administrator_queues_a_backup_now(client, world, dirs, persona, status):
    client.force_login(world.users[persona])
    response = client.post(reverse("backups:run"))
    assert response.status_code == status
    assert BackupRun.objects.filter(trigger=Trigger.MANUAL).exists() == (status == 302)


def test_a_second_backup_now_is_not_queued_while_one_waits(client, world, dirs):
    client.force_login(world.users["admin"])
    client.post(reverse("backups:run"))
    response = client.post(reverse("backups:run"), follow=True)
    assert "already queued or running" in response.content.decode()
    assert BackupRun.objects.count() == 1
    assert BackupRun.objects.get().requested_by == world.users["admin"]


def test_backup_notifications_are_offered_to_administrators_only(world):
    assert Kind.BACKUP in kinds_for(world.users["admin"])
    assert Kind.BACKUP not in kinds_for(world.users["teacher"])
    assert Kind.BACKUP not in kinds_for(world.users["parent"])


def test_the_deploy_check_asks_for_two_destinations(settings):
    from zhurnal.backups.checks import check_two_destinations

    settings.ZHURNAL_BACKUP_DIRS = ["/srv/backups"]
    assert [warning.id for warning in check_two_destinations()] == ["backups.W001"]
    settings.ZHURNAL_BACKUP_DIRS = ["/srv/backups", "/mnt/share"]
    assert check_two_destinations() == []


def test_backups_overdue_are_told_to_the_administrators_once_a_day(dirs):
    """The worker is stopped while the daily jobs run from cron: the queued backup never runs."""
    with at(2026, 11, 1, 10, 0):
        world = build_world()
        assert "queued" in services.scheduled_backup(world.school, date(2026, 11, 1))
    with at(2026, 11, 5, 10, 0):  # four days: not overdue yet
        services.scheduled_backup(world.school, date(2026, 11, 5))
    assert not Notification.objects.filter(kind=Kind.BACKUP).exists()
    with at(2026, 11, 10, 10, 0):  # nine days, nothing good: overdue
        summary = services.scheduled_backup(world.school, date(2026, 11, 10))
        assert "the administrators told" in summary
        services.scheduled_backup(world.other_school, date(2026, 11, 10))  # speaks for no one
    # the administrators of every school on the server, once
    told = Notification.objects.filter(kind=Kind.BACKUP)
    assert {notice.user for notice in told} == {world.users["admin"], world.users["outsider"]}
    assert {notice.title for notice in told} == {"A backup is overdue"}
    with at(2026, 11, 10, 20, 0):  # the same day again: not told twice
        services.scheduled_backup(world.school, date(2026, 11, 10))
    assert Notification.objects.filter(kind=Kind.BACKUP).count() == 2


def _rewrite_manifest(folder: Path, **changes) -> None:
    """Change the manifest and seal it again, as a backup made elsewhere would be."""
    manifest = json.loads((folder / bundle.MANIFEST).read_text())
    manifest.update(changes)
    (folder / bundle.MANIFEST).write_text(json.dumps(manifest))
    sums = (folder / bundle.SUMS).read_text().splitlines()
    digest = bundle.sha256_of(folder / bundle.MANIFEST)
    sums = [
        f"{digest}  {bundle.MANIFEST}" if line.endswith(bundle.MANIFEST) else line for line in sums
    ]
    (folder / bundle.SUMS).write_text("\n".join(sums) + "\n")


@pytest.mark.parametrize(
    "changes, refusal",
    [
        ({"migrations": {"journal": "9999_from_the_future"}}, "newer Zhurnal"),
        ({"engine": "oracle"}, "oracle database"),
        ({"format": 3}, "newer Zhurnal .*an unknown format"),
    ],
)
def test_a_backup_of_a_newer_version_or_another_engine_is_refused(dirs, changes, refusal):
    with at(2026, 11, 20, 10, 0):
        world = build_world()
        _fill_journal(world)
        run = _backup()
    folder = dirs[0] / run.name
    _rewrite_manifest(folder, **changes)
    with pytest.raises(CommandError, match=refusal):
        call_command("restore", str(folder), "--yes", stdout=_Sink())
    assert Mark.objects.count() == 2


def test_an_unforeseen_failure_is_recorded_and_told(dirs, monkeypatch):
    def broken(root, target):
        raise RuntimeError("disk controller on fire")

    monkeypatch.setattr(bundle, "pack", broken)
    with at(2026, 11, 20, 10, 0):
        world = build_world()
        run = _backup()
    assert run.state == RunState.FAILED and "disk controller on fire" in run.error
    assert Notification.objects.filter(user=world.users["admin"], kind=Kind.BACKUP).exists()
    assert not dirs[0].exists() or not any(dirs[0].iterdir())
