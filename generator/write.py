"""The one writer: builds the new site beside the output folder and swaps it in whole.

A failed or killed build leaves the previous output byte for byte as it was. Files whose
bytes did not change are hard links to the previous ones, so their mtimes stay put.
"""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
from collections.abc import Iterable
from pathlib import Path

from generator.model import BuildReport, CachedFile, KeptFile, OutputFile

STAGE_MARK = ".khabar-"
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def write_site(
    out: Path,
    files: Iterable[OutputFile | KeptFile | CachedFile],
    copies: Iterable[tuple[str, Path]],
) -> BuildReport:
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_stages(out)
    stage = out.parent / f".{out.name}{STAGE_MARK}new-{os.getpid()}"
    stage.mkdir()
    report = BuildReport()
    try:
        writer = _Stage(stage, out if out.is_dir() else None, report)
        for file in files:
            if isinstance(file, KeptFile):
                writer.keep(file.path)
            elif isinstance(file, CachedFile):
                writer.link(file.path, file.source)
            else:
                writer.put(file.path, file.data)
        for rel, source in copies:
            writer.copy(rel, source)
        report.removed = _count_removed(out, writer.paths)
        if report.written or report.removed or not out.is_dir():
            _swap(stage, out)  # else nothing changed: the old folder stays, untouched
    finally:
        shutil.rmtree(stage, ignore_errors=True)  # after a swap: the previous site
    return report


def already_there(out: Path, files: list[OutputFile], copies: Iterable[tuple[str, Path]]) -> bool:
    """True when the output already holds exactly these bytes: then nothing is written at all
    (the caller knows the pages are unchanged). Static files compare by size and mtime."""
    if not all(_same(out / f.path, f.data) for f in files):
        return False
    try:
        return all(_stamp((out / rel).stat()) == _stamp(src.stat()) for rel, src in copies)
    except OSError:
        return False


def remove_stale_stages(out: Path) -> None:
    """Left by a build that was killed: never part of the output, always safe to delete."""
    for stale in out.parent.glob(f".{out.name}{STAGE_MARK}*"):
        shutil.rmtree(stale, ignore_errors=True)


class _Stage:
    def __init__(self, root: Path, previous: Path | None, report: BuildReport) -> None:
        self.root = root
        self.previous = previous
        self.report = report
        self.paths: set[str] = set()
        self.folders: set[Path] = {root}

    def _target(self, rel: str) -> Path:
        if rel in self.paths or rel.startswith("/") or ".." in rel.split("/"):
            raise ValueError(f"output path {rel!r} is taken or leaves the output folder")
        self.paths.add(rel)
        target = self.root / rel
        if target.parent not in self.folders:
            target.parent.mkdir(parents=True, exist_ok=True)
            self.folders.add(target.parent)
        self.report.files += 1
        return target

    def put(self, rel: str, data: bytes) -> None:
        target = self._target(rel)
        if self.previous is not None and _same(self.previous / rel, data):
            os.link(self.previous / rel, target)
            self.report.unchanged += 1
        else:
            target.write_bytes(data)
            self.report.written += 1

    def keep(self, rel: str) -> None:
        """A file the build knows to be unchanged: link it without reading it."""
        assert self.previous is not None
        os.link(self.previous / rel, self._target(rel))
        self.report.unchanged += 1

    def link(self, rel: str, source: Path) -> None:
        """A file from the build cache, which never changes once made: linked, not copied
        (the bytes never pass through memory); copied where the cache is on another disk."""
        target = self._target(rel)
        old = self.previous / rel if self.previous is not None else None
        stat = source.stat()
        try:
            kept = old is not None and _stamp(old.stat()) == _stamp(stat)
        except OSError:
            kept = False
        try:
            os.link(old if kept and old is not None else source, target)
        except OSError:
            shutil.copy2(source, target)
        if kept:
            self.report.unchanged += 1
        else:
            self.report.written += 1

    def copy(self, rel: str, source: Path) -> None:
        """A static file: unchanged when size and mtime match what the last copy kept."""
        target = self._target(rel)
        old = self.previous / rel if self.previous is not None else None
        stat = source.stat()
        try:
            kept = old is not None and _stamp(old.stat()) == _stamp(stat)
        except OSError:
            kept = False
        if kept and old is not None:
            os.link(old, target)
            self.report.unchanged += 1
        else:
            shutil.copy2(source, target)
            self.report.written += 1


def _stamp(stat: os.stat_result) -> tuple[int, int]:
    return stat.st_size, stat.st_mtime_ns


def _same(path: Path, data: bytes) -> bool:
    try:
        if path.stat().st_size != len(data):
            return False
        return path.read_bytes() == data
    except OSError:
        return False


def _count_removed(out: Path, kept: set[str]) -> int:
    if not out.is_dir():
        return 0
    found = (p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    return sum(1 for rel in found if rel not in kept)


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
