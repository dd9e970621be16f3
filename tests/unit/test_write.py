import json
import os
import subprocess
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from generator.digests import hash_bytes
from generator.model import OutputFile
from generator.write import JOURNAL, Writer, recover, replace_files, scan, write_all


def dead_pid() -> int:
    """The id of a process that has ended: its stages are a killed build's."""
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def files(**pages: str) -> list[OutputFile]:
    return [
        OutputFile(path.replace("__", "/") + ".html", text.encode()) for path, text in pages.items()
    ]


def patch(out: Path, new: Iterable[OutputFile]) -> Writer:
    """A small change: the writer patches the output in place."""
    writer = Writer(out, scan(out), changes=1)
    assert not writer.swap
    for file in new:
        writer.put(file)
    writer.commit()
    return writer


def test_first_build_writes_everything(tmp_path: Path) -> None:
    out = tmp_path / "public"
    report = write_all(out, files(index="a", news__x__index="b"))
    assert snapshot(out) == {"index.html": b"a", "news/x/index.html": b"b"}
    assert (report.files, report.written, report.unchanged, report.removed) == (2, 2, 0, 0)


@pytest.mark.parametrize("way", ["swap", "patch"])
def test_unchanged_files_are_untouched_and_removed_ones_go(tmp_path: Path, way: str) -> None:
    out = tmp_path / "public"
    write_all(out, files(index="a", old__deep__x="x", same="s"))
    inode = (out / "same.html").stat().st_ino
    new = files(index="A", same="s")
    report = write_all(out, new) if way == "swap" else patch(out, new).report
    assert snapshot(out) == {"index.html": b"A", "same.html": b"s"}
    assert (out / "same.html").stat().st_ino == inode
    assert not (out / "old").exists(), "folders left empty are removed"
    assert (report.written, report.unchanged, report.removed) == (1, 1, 1)
    assert [p.name for p in tmp_path.iterdir()] == ["public"]  # no stage left behind


def test_a_patch_records_the_stamps_of_the_new_files(tmp_path: Path) -> None:
    out = tmp_path / "public"
    write_all(out, files(index="a", b="b"))
    writer = patch(out, files(index="new", b="b"))
    assert writer.stamps == scan(out)


def test_a_file_may_give_way_to_a_folder(tmp_path: Path) -> None:
    out = tmp_path / "public"
    write_all(out, [OutputFile("news/x", b"file"), OutputFile("index.html", b"i")])
    patch(out, [OutputFile("news/x/index.html", b"page"), OutputFile("index.html", b"i")])
    assert snapshot(out) == {"index.html": b"i", "news/x/index.html": b"page"}


def test_static_copies(tmp_path: Path) -> None:
    source = tmp_path / "logo.svg"
    source.write_bytes(b"<svg/>")
    writer = Writer(tmp_path / "public", {}, changes=1)
    writer.copy("assets/logo.svg", source, "hash-of-the-source")
    writer.commit()
    assert (tmp_path / "public/assets/logo.svg").read_bytes() == b"<svg/>"


@pytest.mark.parametrize("changes", [1, 1 << 30])
def test_a_failure_midway_leaves_the_old_site_whole(tmp_path: Path, changes: int) -> None:
    out = tmp_path / "public"
    write_all(out, files(index="old", a="1", b="2"))
    before = snapshot(out)

    def failing() -> Iterator[OutputFile]:
        yield OutputFile("index.html", b"new")
        raise RuntimeError("template exploded")

    writer = Writer(out, scan(out), changes=changes)
    with pytest.raises(RuntimeError):
        for file in failing():
            writer.put(file)
    writer.abort()
    assert snapshot(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["public"]


def test_paths_cannot_escape_or_repeat(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="leaves the output"):
        write_all(tmp_path / "public", [OutputFile("../evil.html", b"x")])
    with pytest.raises(ValueError, match="is taken"):
        write_all(tmp_path / "public", files(a="1") + files(a="2"))
    assert not (tmp_path / "evil.html").exists()


def test_stale_stages_of_killed_builds_are_cleared(tmp_path: Path) -> None:
    stale = tmp_path / f".public.khabar-new-{dead_pid()}-0"
    (stale / "news").mkdir(parents=True)
    write_all(tmp_path / "public", files(index="a"))
    assert not stale.exists()


def test_a_switch_over_killed_halfway_is_completed_by_the_next_build(tmp_path: Path) -> None:
    out = tmp_path / "public"
    write_all(out, files(index="old", a="1", gone="g"))
    stage = tmp_path / f".public.khabar-patch-{dead_pid()}-3"
    (stage / "news").mkdir(parents=True)
    (stage / "b.html").write_bytes(b"2")  # not yet moved when the build was killed
    (out / "index.html").unlink()  # moved already: its new version is in place ...
    (out / "index.html").write_bytes(b"new")
    ops = {"put": ["index.html", "b.html"], "remove": ["gone.html"]}
    (stage / JOURNAL).write_text(json.dumps(ops), encoding="utf-8")
    recover(out)
    assert snapshot(out) == {"index.html": b"new", "a.html": b"1", "b.html": b"2"}
    assert not stage.exists()


def test_a_stage_without_its_journal_never_reaches_the_output(tmp_path: Path) -> None:
    out = tmp_path / "public"
    write_all(out, files(index="old"))
    stage = tmp_path / f".public.khabar-patch-{dead_pid()}-7"
    stage.mkdir()
    (stage / "index.html").write_bytes(b"half-made")
    recover(out)
    assert snapshot(out) == {"index.html": b"old"}
    assert not stage.exists()


def test_replacing_some_files_leaves_the_others(tmp_path: Path) -> None:
    out = tmp_path / "public"
    write_all(out, files(index="a", b="b"))
    writer = replace_files(out, files(b="B"))
    assert snapshot(out) == {"index.html": b"a", "b.html": b"B"}
    assert writer.stamps == {"b.html": scan(out)["b.html"]}
    assert writer.hashes == {"b.html": hash_bytes(b"B")}
    assert os.listdir(tmp_path) == ["public"]


def test_the_stage_of_a_running_writer_is_left_alone(tmp_path: Path) -> None:
    out = tmp_path / "public"
    write_all(out, files(index="a"))
    first = Writer(out, scan(out), changes=1)
    first.put(OutputFile("index.html", b"first"))
    second = Writer(out, {}, changes=1, partial=True)  # serve's fast path, on its thread
    second.put(OutputFile("other.html", b"second"))
    first.commit()
    second.commit()
    assert snapshot(out) == {"index.html": b"first", "other.html": b"second"}
