"""Index generations on disk: the `CURRENT` pointer, readers' leases, the build lock, clean-up.

A build writes a new folder `g-<time>-<hex>` beside the current one and only then points
`CURRENT` at it (an atomic rename), so a killed or failed build leaves the previous index in use.
Every process that reads a generation holds a shared lease on it (`flock(LOCK_SH)` on the
folder's `LEASE` file) for as long as it has it open; clean-up removes a folder only while
holding the exclusive lock on that file, so a generation somebody still reads is never deleted.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path

from .errors import IndexBusy

CURRENT = "CURRENT"
LEASE = "LEASE"
MANIFEST = "manifest.json"
PREFIX = "g-"
# Complete generations kept besides the current one even when nobody reads them: a reader that
# has just read CURRENT opens its generation a moment later, and one spare costs little disk.
KEEP_SPARE = 1


def new_generation(index_dir: Path) -> Path:
    gen = index_dir / f"{PREFIX}{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    gen.mkdir(parents=True)
    (gen / LEASE).touch()
    return gen


def read_current(index_dir: Path) -> Path | None:
    """The generation `CURRENT` names, if it is complete."""
    try:
        name = (index_dir / CURRENT).read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    gen = index_dir / name
    return gen if name and (gen / MANIFEST).is_file() else None


# CURRENT's identity (inode, change time, size) when last read, and what it said, per index folder.
_current_seen: dict[Path, tuple[tuple[int, int, int], str | None]] = {}


def current_name(index_dir: Path) -> str | None:
    """What `CURRENT` says, cheaply: asked on every request to notice a new build. The file is
    read again only when a `stat` shows it replaced (`write_current` renames a new file over it,
    so its inode changes); otherwise the name read last time is returned."""
    path = index_dir / CURRENT
    try:
        st = os.stat(path)
        identity = (st.st_ino, st.st_mtime_ns, st.st_size)
        seen = _current_seen.get(path)
        if seen is not None and seen[0] == identity:
            return seen[1]
        name = path.read_text(encoding="utf-8").strip() or None
    except (FileNotFoundError, NotADirectoryError):
        return None
    _current_seen[path] = (identity, name)
    return name


def write_current(index_dir: Path, gen: Path) -> None:
    tmp = index_dir / f".{CURRENT}.{uuid.uuid4().hex}"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(gen.name)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, index_dir / CURRENT)
    dir_fd = os.open(index_dir, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def write_manifest(gen: Path, manifest: dict) -> None:
    """Written last: a generation without a manifest is an unfinished build."""
    tmp = gen / f"{MANIFEST}.tmp"
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, gen / MANIFEST)


def read_manifest(gen: Path) -> dict:
    return json.loads((gen / MANIFEST).read_text(encoding="utf-8"))


class Lease:
    """A shared lock on one generation, held while this process reads it.

    fcntl locks belong to the open file, not to a thread, so a lease taken when the store opens
    stays valid across the web server's worker threads (filelock's ReadWriteLock binds holds to
    the thread that took them, which does not fit a store shared by every request).
    """

    def __init__(self, gen: Path):
        self.gen = gen
        self._fd: int | None = os.open(gen / LEASE, os.O_RDONLY | os.O_CREAT, 0o644)
        fcntl.flock(self._fd, fcntl.LOCK_SH)

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the file drops the lock
            self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None


def build_lock(index_dir: Path):
    """One build at a time per index folder; a second one is told so at once."""
    from filelock import FileLock, Timeout

    index_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(index_dir / ".build.lock", blocking=False)
    try:
        lock.acquire()
    except Timeout:
        raise IndexBusy() from None
    return lock


def _try_exclusive(gen: Path) -> int | None:
    """An fd holding the exclusive lock on the generation's lease file, or None if it is read."""
    try:
        fd = os.open(gen / LEASE, os.O_RDONLY | os.O_CREAT, 0o644)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def collect(index_dir: Path, keep: set[str], on_remove=None) -> list[str]:
    """Remove generations nobody reads (but the newest spare ones) and killed builds' folders.

    Called with the build lock held, so a folder without a manifest is a killed build's, never
    one being written. `on_remove(gen, manifest)` is told before a complete generation goes
    (e.g. to drop its collection on a Chroma server). Returns the names removed.
    """
    gens = sorted(p for p in index_dir.glob(f"{PREFIX}*") if p.is_dir())
    complete = [g for g in gens if (g / MANIFEST).is_file()]
    keep = keep | {g.name for g in complete[-(KEEP_SPARE + 1) :]}
    current = current_name(index_dir)
    removed = []
    for gen in gens:
        if gen.name in keep or gen.name == current:
            continue
        fd = _try_exclusive(gen)
        if fd is None:
            continue  # a process still reads it: it goes at a later build
        try:
            if on_remove is not None and (gen / MANIFEST).is_file():
                on_remove(gen, read_manifest(gen))
            shutil.rmtree(gen, ignore_errors=True)
            removed.append(gen.name)
        finally:
            os.close(fd)
    return removed
