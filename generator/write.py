"""The one writer: the only code that touches the output folder.

Everything new is first written beside the output folder; only once the build has made all
of it does the output change. Two ways, chosen by how much changes:

- **swap**: a whole new tree (unchanged files hard-linked from the old one) exchanged with
  the old in one step (Linux renameat2), for a first build or a large change;
- **patch**: just the changed files, moved into place by a journal of renames; a build killed
  while applying it is completed by the next one. An edit of one article touches a few dozen
  files of thousands: linking the rest anew would cost more than rendering the change.

Files whose bytes did not change are not touched, so their mtimes and inodes stay put.
"""

from __future__ import annotations

import ctypes
import errno
import itertools
import json
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from generator.digests import hash_bytes
from generator.model import BuildReport, OutputFile

STAGE_MARK = ".khabar-"
JOURNAL = ".khabar-journal.json"
SWAP_SHARE = 0.2  # above this share of changed files a build swaps a whole new tree in,
SWAP_MIN = 100  # ... if they are more than this many
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


@dataclass(frozen=True)
class Stamp:
    """What a file in the output looks like on disk: a change by anyone else shows here."""

    size: int
    mtime: int
    inode: int


def stamp_of(stat: os.stat_result) -> Stamp:
    return Stamp(stat.st_size, stat.st_mtime_ns, stat.st_ino)


def scan(out: Path) -> dict[str, Stamp]:
    """Every file of the output folder with its stamp; nothing when there is none."""
    found: dict[str, Stamp] = {}
    folders = [(str(out), "")]
    while folders:
        folder, prefix = folders.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    folders.append((entry.path, f"{prefix}{entry.name}/"))
                else:
                    found[prefix + entry.name] = stamp_of(entry.stat(follow_symlinks=False))
    return found


def stamps_of(out: Path, paths: Iterable[str]) -> dict[str, Stamp]:
    """The stamps of these files of the output (those that are there): a check of what the
    last build wrote, much cheaper than a walk of thousands of folders."""
    found: dict[str, Stamp] = {}
    root = f"{out}/"
    for rel in paths:
        try:
            found[rel] = stamp_of(os.lstat(root + rel))
        except FileNotFoundError:
            continue
    return found


def recover(out: Path) -> None:
    """Before writing: complete a switch-over a killed build journaled, and drop the stages
    of builds killed before theirs (never part of the output, always safe to delete). The
    stages of running builds (serve's threads, another process) are left to them."""
    for stage in sorted(out.parent.glob(f".{out.name}{STAGE_MARK}*")):
        if _running(stage):
            continue
        journal = stage / JOURNAL
        if journal.is_file():
            _apply(out, stage, json.loads(journal.read_text(encoding="utf-8")))
        shutil.rmtree(stage, ignore_errors=True)


def _running(stage: Path) -> bool:
    """Stages are named ...-KIND-PID-SERIAL: is that process alive?"""
    try:
        pid = int(stage.name.rsplit("-", 2)[-2])
    except (ValueError, IndexError):
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True


_serials = itertools.count()


@dataclass
class Writer:
    """Collects the new output beside `out`, then switches `out` over in `commit`."""

    out: Path
    current: dict[str, Stamp]  # the output as it is now (scan)
    changes: int  # how many files the caller expects to write: decides swap or patch
    partial: bool = False  # only the files given change; nothing else is removed (serve)
    report: BuildReport = field(default_factory=BuildReport)
    stamps: dict[str, Stamp] = field(default_factory=dict)  # the new output's files
    hashes: dict[str, str] = field(default_factory=dict)  # ... and the hashes of their bytes
    written: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.out = self.out.resolve()
        self.out.parent.mkdir(parents=True, exist_ok=True)
        recover(self.out)
        large = self.changes > max(SWAP_MIN, SWAP_SHARE * len(self.current))
        self.swap = not self.partial and (not self.out.is_dir() or large)
        kind = "new" if self.swap else "patch"
        name = f".{self.out.name}{STAGE_MARK}{kind}-{os.getpid()}-{next(_serials)}"
        self.stage = self.out.parent / name
        self.folders: set[Path] = set()  # made in the stage; the stage itself on first use

    def put(self, file: OutputFile) -> None:
        """New bytes for a file: written only if the output does not hold them already."""
        content = hash_bytes(file.data)
        if self._has(file.path, file.data):
            return self.keep(file.path, content)
        target = self._target(file.path)
        target.write_bytes(file.data)
        self._written(file.path, target, content)

    def keep(self, rel: str, content: str) -> None:
        """A file the output already holds as it must be (`content`: the hash of its bytes)."""
        self._claim(rel)
        self.stamps[rel], self.hashes[rel] = self.current[rel], content
        self.report.unchanged += 1
        if self.swap:
            os.link(self.out / rel, self._target(rel, claimed=True))

    def copy(self, rel: str, source: Path, content: str, link: bool = False) -> None:
        """A file copied as it is (a static file); with `link`, a file of the build cache,
        which never changes once made (a photo variant, the search index): hard-linked, so
        its bytes never pass through memory, and copied only where the cache is on another
        file system."""
        target = self._target(rel)
        try:
            if not link:
                raise OSError  # a static file may be edited in place: a copy of its own
            os.link(source, target)
        except OSError:
            shutil.copy2(source, target)
        self._written(rel, target, content)

    def commit(self) -> BuildReport:
        """Switch the output over to what was put, kept and copied; drop every other file."""
        removed = [] if self.partial else sorted(set(self.current) - set(self.stamps))
        self.report.removed = len(removed)
        try:
            if self.swap and (self.written or removed or not self.out.is_dir()):
                self._ensure_stage()  # an empty site still gets its folder
                _swap(self.stage, self.out)
            elif not self.swap and (self.written or removed):
                self._ensure_stage()
                ops = {"put": self.written, "remove": removed}
                _write_journal(self.stage, ops)
                _apply(self.out, self.stage, ops)
        finally:
            self.abort()
        return self.report

    def abort(self) -> None:
        """Forget the stage (after a swap: the previous output)."""
        shutil.rmtree(self.stage, ignore_errors=True)

    def _has(self, rel: str, data: bytes) -> bool:
        if rel not in self.current or self.current[rel].size != len(data):
            return False
        try:
            return (self.out / rel).read_bytes() == data
        except OSError:
            return False

    def _claim(self, rel: str) -> None:
        if rel in self.stamps or rel.startswith("/") or ".." in rel.split("/"):
            raise ValueError(f"output path {rel!r} is taken or leaves the output folder")
        self.report.files += 1

    def _target(self, rel: str, claimed: bool = False) -> Path:
        if not claimed:
            self._claim(rel)
        target = self.stage / rel
        self._ensure_stage()
        if target.parent not in self.folders:
            target.parent.mkdir(parents=True, exist_ok=True)
            self.folders.add(target.parent)
        return target

    def _ensure_stage(self) -> None:
        if not self.folders:
            self.stage.mkdir()
            self.folders.add(self.stage)

    def _written(self, rel: str, target: Path, content: str) -> None:
        self.stamps[rel], self.hashes[rel] = stamp_of(target.stat()), content
        self.written.append(rel)
        self.report.written += 1


def write_all(out: Path, files: Iterable[OutputFile]) -> BuildReport:
    """A whole output of known files (tests, small tools)."""
    return _write(Writer(out, scan(out) if out.is_dir() else {}, changes=1 << 30), files)


def replace_files(out: Path, files: list[OutputFile]) -> Writer:
    """Just these files, each replaced whole, nothing else touched (serve's first answer to
    an edit). The writer tells their new stamps and hashes."""
    current = {f.path: stamp_of((out / f.path).stat()) for f in files if (out / f.path).is_file()}
    writer = Writer(out, current, changes=len(files), partial=True)
    _write(writer, files)
    return writer


def _write(writer: Writer, files: Iterable[OutputFile]) -> BuildReport:
    try:
        for file in files:
            writer.put(file)
    except BaseException:
        writer.abort()
        raise
    return writer.commit()


def _write_journal(stage: Path, ops: dict[str, list[str]]) -> None:
    temporary = stage / f"{JOURNAL}.tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(ops, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, stage / JOURNAL)  # from here on the switch-over completes


def _apply(out: Path, stage: Path, ops: dict[str, list[str]]) -> None:
    """Removals first (a file may give way to a folder of the same name), then the moves.
    Every step may already have been done by a killed build: each is idempotent."""
    for rel in ops["remove"]:
        target = out / rel
        if target.is_file() or target.is_symlink():
            target.unlink()
            _prune(target.parent, out)
    for rel in ops["put"]:
        source = stage / rel
        if source.exists():
            target = out / rel
            if target.is_dir():
                shutil.rmtree(target)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, target)


def _prune(folder: Path, out: Path) -> None:
    """Remove folders left empty, up to the output folder itself."""
    while folder != out and folder.is_relative_to(out):
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


def _swap(stage: Path, out: Path) -> None:
    """Exchange the two folders in one step where the kernel can (Linux renameat2)."""
    if not out.exists():
        os.rename(stage, out)
        return
    if _exchange(stage, out):
        return
    old = out.parent / f".{out.name}{STAGE_MARK}old-{os.getpid()}"
    os.rename(out, old)
    os.rename(stage, out)
    os.rename(old, stage)  # so that the caller's cleanup removes it


def _exchange(a: Path, b: Path) -> bool:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EPERM, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(b))
