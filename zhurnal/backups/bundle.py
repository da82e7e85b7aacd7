"""A backup on disk: a folder ``zhurnal-<UTC time>-<run>`` in each destination holding the
database copy, ``media.tar.gz`` (the uploaded files: homework and message attachments),
``manifest.json`` and ``SHA256SUMS`` (issue 13 item 5; seed 002 §5.5: integrity and
authenticity of what is kept).

* ``manifest.json``: the Zhurnal version, the engine, the time, the schema's last migrations,
  the SHA-256 and size of every file of the backup, and the SHA-256 of every uploaded file
  inside ``media.tar.gz``.
* ``SHA256SUMS``: the same checksums for every file, the manifest included, in the format of
  ``sha256sum -c`` (an operator can check a copy without Zhurnal).
* Written under a temporary name (``.zhurnal-….partial``) and renamed when complete, so that a
  destination that filled up or failed half-way never holds something that looks like a good
  backup.
"""

from __future__ import annotations

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
FORMAT = 1
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


def pack_media(media_root: Path, target: Path) -> dict[str, str]:
    """Put every file under ``media_root`` into the gzipped tar ``target``; returns the SHA-256
    of each by its path relative to ``media_root`` (POSIX separators)."""
    checksums: dict[str, str] = {}
    with tarfile.open(target, "w:gz", compresslevel=6) as archive:
        if media_root.is_dir():
            for path in sorted(media_root.rglob("*")):
                if not path.is_file() or path.is_symlink():
                    continue
                relative = path.relative_to(media_root).as_posix()
                info = archive.gettarinfo(str(path), arcname=relative)
                with path.open("rb") as source:
                    reader = _HashingReader(source)
                    archive.addfile(info, reader)
                checksums[relative] = reader.digest.hexdigest()
    return checksums


def unpack_media(backup: Path, manifest: dict, target: Path) -> None:
    """Extract ``media.tar.gz`` into the empty folder ``target`` and check every file against
    the manifest (none missing, none added, none changed)."""
    with tarfile.open(backup / MEDIA, "r:gz") as archive:
        archive.extractall(target, filter="data")
    expected: dict[str, str] = manifest.get("media", {})
    found = {
        path.relative_to(target).as_posix(): path for path in target.rglob("*") if path.is_file()
    }
    for relative in sorted(set(expected) | set(found)):
        if relative not in found:
            raise DamagedBackup(f"{MEDIA}/{relative}", "missing from the archive")
        if relative not in expected:
            raise DamagedBackup(f"{MEDIA}/{relative}", "not listed in the manifest")
        if sha256_of(found[relative]) != expected[relative]:
            raise DamagedBackup(f"{MEDIA}/{relative}", "checksum does not match")


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
