"""A backup on disk: a folder ``zhurnal-<UTC time>-<run>`` in each destination holding the
database copy, one gzipped tar per folder of the server's files (its *parts*, ``PARTS``),
``manifest.json`` and ``SHA256SUMS`` (issue 13 item 5; seed 002 §5.5: integrity and
authenticity of what is kept).

* The parts: ``media.tar.gz``, the uploaded files (``MEDIA_ROOT``: homework and message
  attachments); ``archive.tar.gz``, the archive storage (``ZHURNAL_ARCHIVE_DIR``: printed
  journals, term copies, archive packages; seed 002 §5.5–5.9 wants them on two media too).
  Each holds its folder's files and sub-folders with their permissions, so that the archive's
  read-only files (0444) and sealed folders (0555) come back read-only.
* ``manifest.json``: its ``format``, the Zhurnal version, the engine, the time, the schema's
  last migrations, the SHA-256 and size of every file of the backup (``files``), and for each
  part the SHA-256 of every file inside its tar by path (``media``, ``archive``). A part is
  optional in the format: a part missing from ``files`` means the backup holds none of it —
  backups of format 1 (before the archive part) have no ``archive.tar.gz`` — and the restore
  then leaves that folder as it is. A manifest of the format that added a part must list it.
* ``SHA256SUMS``: the same checksums for every file, the manifest included, in the format of
  ``sha256sum -c`` (an operator can check a copy without Zhurnal).
* Written under a temporary name (``.zhurnal-….partial``) and renamed when complete, so that a
  destination that filled up or failed half-way never holds something that looks like a good
  backup.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import shutil
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path

from .errors import DamagedBackup, DestinationError

MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
MEDIA = "media.tar.gz"
ARCHIVE = "archive.tar.gz"
# 1: the database and media.tar.gz; 2: archive.tar.gz added.
FORMAT = 2
CHUNK = 1 << 20
NAME = re.compile(r"^zhurnal-\d{8}T\d{6}Z-\d+$")
PARTIAL_SUFFIX = ".partial"
# A temporary folder this old was left by a process that died: the next run removes it.
STALE_PARTIAL_SECONDS = 24 * 3600
# Room kept free on a destination beyond the backup itself.
MARGIN = 16 * 1024 * 1024


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while block := source.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


class _HashingReader:
    """A file read by tarfile while its SHA-256 is computed (each uploaded file read once)."""

    def __init__(self, source) -> None:
        self.source = source
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        block = self.source.read(size)
        self.digest.update(block)
        return block


@dataclass(frozen=True)
class Part:
    """A folder of the server packed into every backup as a gzipped tar."""

    key: str  # its entry in the manifest: the SHA-256 of each file, by relative path
    file: str  # the tar's name in the backup folder
    setting: str  # the Django setting naming the folder
    since: int  # the manifest format that added it: an older backup has none of it


PARTS = (
    Part("media", MEDIA, "MEDIA_ROOT", since=1),
    Part("archive", ARCHIVE, "ZHURNAL_ARCHIVE_DIR", since=2),
)


def parts_of(manifest: dict) -> list[Part]:
    """The parts a verified backup holds (a missing part means none: an older backup). Raises
    DamagedBackup when a part its format requires is missing."""
    held = []
    for part in PARTS:
        if part.file in manifest["files"]:
            held.append(part)
        elif manifest.get("format", 1) >= part.since:
            raise DamagedBackup(part.file, "missing (the manifest's format requires it)")
    return held


def pack(root: Path, target: Path) -> dict[str, str]:
    """Put every file and folder under ``root`` into the gzipped tar ``target`` (with their
    permissions; symbolic links left out); returns the SHA-256 of each file by its path
    relative to ``root`` (POSIX separators). A folder whose name starts with a dot is work in
    progress under a temporary name (an archive package being built: renamed when complete)
    and is left out with everything in it."""
    checksums: dict[str, str] = {}
    with tarfile.open(target, "w:gz", compresslevel=6) as archive:
        if root.is_dir():
            for path in sorted(root.rglob("*")):
                if path.is_symlink() or not (path.is_file() or path.is_dir()):
                    continue
                relative = path.relative_to(root).as_posix()
                folders = relative.split("/")[:-1] if path.is_file() else relative.split("/")
                if any(name.startswith(".") for name in folders):
                    continue
                try:
                    info = archive.gettarinfo(str(path), arcname=relative)
                    if info.isdir():
                        archive.addfile(info)
                        continue
                    source = path.open("rb")
                except FileNotFoundError:
                    continue  # gone since the listing (a temporary file renamed): not backed up
                with source:
                    reader = _HashingReader(source)
                    archive.addfile(info, reader)
                checksums[relative] = reader.digest.hexdigest()
    return checksums


def unpack(backup: Path, manifest: dict, part: Part, target: Path) -> None:
    """Extract a part's tar into the empty folder ``target``, check every file against the
    manifest (none missing, none added, none changed), then give each file and folder the
    permissions it was packed with (the archive's read-only ones stay read-only)."""
    with tarfile.open(backup / part.file, "r:gz") as archive:
        # The "data" filter refuses links out of the folder, absolute paths and devices, and
        # extracts with ordinary permissions: the packed ones are given back once checked.
        archive.extractall(target, filter="data")
        modes = {member.name: member.mode for member in archive.getmembers()}
    expected: dict[str, str] = manifest.get(part.key, {})
    found = {
        path.relative_to(target).as_posix(): path for path in target.rglob("*") if path.is_file()
    }
    for relative in sorted(set(expected) | set(found)):
        if relative not in found:
            raise DamagedBackup(f"{part.file}/{relative}", "listed in the manifest, missing")
        if relative not in expected:
            raise DamagedBackup(f"{part.file}/{relative}", "not listed in the manifest")
        if sha256_of(found[relative]) != expected[relative]:
            raise DamagedBackup(f"{part.file}/{relative}", "checksum does not match")
    # Deepest first, folders after their files; always readable (and a folder enterable) by
    # its owner, Zhurnal.
    for name in sorted(modes, key=lambda name: name.count("/"), reverse=True):
        path = target / name
        if path.is_dir():
            path.chmod(modes[name] & 0o777 | 0o500)
        elif path.is_file():
            path.chmod(modes[name] & 0o777 | 0o400)


def discard(folder: Path) -> None:
    """Delete a folder that may hold read-only sub-folders (a replaced archive)."""
    for current, _dirs, _files in os.walk(folder):
        with contextlib.suppress(OSError):
            Path(current).chmod(0o700)
    shutil.rmtree(folder, ignore_errors=True)


def seal(work: Path, manifest: dict, files: list[Path]) -> list[Path]:
    """Write the manifest (with the checksums of ``files``) and SHA256SUMS into ``work``;
    returns every file of the backup, in the order they are copied (the seals last)."""
    manifest = dict(manifest, format=FORMAT)
    manifest["files"] = {
        path.name: {"sha256": sha256_of(path), "size": path.stat().st_size} for path in files
    }
    manifest_path = work / MANIFEST
    manifest_path.write_text(json.dumps(manifest, indent=1, ensure_ascii=False, sort_keys=True))
    sums = {name: entry["sha256"] for name, entry in manifest["files"].items()}
    sums[MANIFEST] = sha256_of(manifest_path)
    (work / SUMS).write_text("".join(f"{digest}  {name}\n" for name, digest in sums.items()))
    return [*files, manifest_path, work / SUMS]


def _read_sums(backup: Path) -> dict[str, str]:
    try:
        lines = (backup / SUMS).read_text().splitlines()
    except FileNotFoundError:
        raise DamagedBackup(SUMS, "missing") from None
    except (OSError, UnicodeDecodeError):
        raise DamagedBackup(SUMS, "unreadable") from None
    sums = {}
    for line in lines:
        digest, _, name = line.partition("  ")
        if not re.fullmatch(r"[0-9a-f]{64}", digest) or not name or "/" in name:
            raise DamagedBackup(SUMS, "damaged (not the list of checksums)")
        sums[name] = digest
    if MANIFEST not in sums:
        raise DamagedBackup(SUMS, f"damaged ({MANIFEST} is not listed)")
    return sums


def verify(backup: Path) -> dict:
    """Check every file of the backup folder against its SHA-256 before anything is restored;
    returns the manifest. Raises DamagedBackup naming the first damaged or missing file."""
    if not backup.is_dir():
        raise DamagedBackup(str(backup), "no such backup folder")
    sums = _read_sums(backup)
    actual = {}
    for name in sorted(sums):
        path = backup / name
        if not path.is_file():
            raise DamagedBackup(name, "missing")
        actual[name] = sha256_of(path)
    try:
        manifest = json.loads((backup / MANIFEST).read_text())
        listed = {name: entry["sha256"] for name, entry in manifest["files"].items()}
    except (ValueError, KeyError, TypeError, OSError):
        manifest, listed = None, None
    for name in sorted(sums):
        if actual[name] == sums[name]:
            continue
        if listed is not None and listed.get(name) == actual[name]:
            raise DamagedBackup(SUMS, f"damaged (its line for {name} changed)")
        raise DamagedBackup(name, "checksum does not match: the file is damaged")
    if manifest is None:
        raise DamagedBackup(MANIFEST, "damaged (not a manifest)")
    if set(listed) | {MANIFEST} != set(sums) or any(sums[n] != d for n, d in listed.items()):
        raise DamagedBackup(MANIFEST, f"does not agree with {SUMS}")
    return manifest


# --- Destinations ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Space:
    exists: bool
    writable: bool
    free: int | None  # bytes; None when the folder cannot be reached


def space_of(destination: Path) -> Space:
    """Whether a destination exists and can be written, and its free space."""
    exists = destination.is_dir()
    try:
        free = shutil.disk_usage(destination if exists else _existing_parent(destination)).free
    except OSError:
        free = None
    probe = destination if exists else _existing_parent(destination)
    writable = free is not None and os.access(probe, os.W_OK | os.X_OK)
    return Space(exists, writable, free)


def _existing_parent(path: Path) -> Path:
    for parent in path.parents:
        if parent.is_dir():
            return parent
    return path


def _describe(destination: Path, error: OSError, need: int) -> str:
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"{destination}: no space left on the device (the backup needs {_mb(need)})"
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"{destination}: cannot be written ({error.strerror})"
    return f"{destination}: {error.strerror or error}"


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def publish(files: list[Path], destination: Path, name: str) -> Path:
    """Copy the backup's ``files`` into ``destination/name``: first under a temporary name,
    each file flushed to the disk, then renamed. Raises DestinationError (with a message naming
    the destination) and leaves no partial folder behind."""
    need = sum(path.stat().st_size for path in files)
    space = space_of(destination)
    if not space.writable:
        raise DestinationError(
            f"{destination}: cannot be written (missing, read-only or no permission)"
        )
    if space.free is not None and space.free < need + MARGIN:
        raise DestinationError(
            f"{destination}: not enough free space ({_mb(space.free)} free, "
            f"the backup needs {_mb(need)})"
        )
    partial = destination / f".{name}{PARTIAL_SUFFIX}"
    final = destination / name
    try:
        destination.mkdir(parents=True, exist_ok=True)
        partial.mkdir()
        for path in files:
            copy = partial / path.name
            shutil.copyfile(path, copy)
            with copy.open("rb") as written:
                os.fsync(written.fileno())
        partial.rename(final)
        _fsync_folder(destination)
    except OSError as error:
        shutil.rmtree(partial, ignore_errors=True)
        raise DestinationError(_describe(destination, error, need)) from error
    return final


def _fsync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def backups_in(destination: Path) -> list[Path]:
    """The complete backups of a destination (a folder with its manifest), newest first."""
    if not destination.is_dir():
        return []
    found = [
        path
        for path in destination.iterdir()
        if NAME.match(path.name) and (path / MANIFEST).is_file()
    ]
    return sorted(found, key=lambda path: path.name.split("-")[1], reverse=True)


def prune(destination: Path, keep: int) -> list[str]:
    """Retention: keep the ``keep`` newest backups of a destination (and every backup made at a
    term end, seed 002 §5.2), delete older ones and temporary folders left by a dead process;
    returns the names deleted."""
    deleted = []
    count = 0
    for path in backups_in(destination):
        try:
            kept_for_good = json.loads((path / MANIFEST).read_text()).get("keep", False)
        except (OSError, ValueError):
            kept_for_good = True  # never delete what cannot be read
        if kept_for_good:
            continue
        count += 1
        if count > keep:
            shutil.rmtree(path)
            deleted.append(path.name)
    for path in destination.glob(f".zhurnal-*{PARTIAL_SUFFIX}"):
        if time.time() - path.stat().st_mtime > STALE_PARTIAL_SECONDS:
            shutil.rmtree(path, ignore_errors=True)
    return deleted
