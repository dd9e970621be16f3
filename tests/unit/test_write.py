from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.model import OutputFile
from generator.write import write_site


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


def test_first_build_writes_everything(tmp_path: Path) -> None:
    out = tmp_path / "public"
    report = write_site(out, files(index="a", news__x__index="b"), [])
    assert snapshot(out) == {"index.html": b"a", "news/x/index.html": b"b"}
    assert (report.files, report.written, report.unchanged, report.removed) == (2, 2, 0, 0)


def test_unchanged_files_are_untouched_and_removed_ones_go(tmp_path: Path) -> None:
    out = tmp_path / "public"
    write_site(out, files(index="a", old="x", same="s"), [])
    inode = (out / "same.html").stat().st_ino
    report = write_site(out, files(index="A", same="s"), [])
    assert snapshot(out) == {"index.html": b"A", "same.html": b"s"}
    assert (out / "same.html").stat().st_ino == inode
    assert (report.written, report.unchanged, report.removed) == (1, 1, 1)
    assert [p.name for p in tmp_path.iterdir()] == ["public"]  # no stage left behind


def test_static_copies(tmp_path: Path) -> None:
    source = tmp_path / "logo.svg"
    source.write_bytes(b"<svg/>")
    write_site(tmp_path / "public", [], [("assets/logo.svg", source)])
    assert (tmp_path / "public/assets/logo.svg").read_bytes() == b"<svg/>"


def test_a_failure_midway_leaves_the_old_site_whole(tmp_path: Path) -> None:
    out = tmp_path / "public"
    write_site(out, files(index="old", a="1", b="2"), [])
    before = snapshot(out)

    def failing() -> Iterator[OutputFile]:
        yield OutputFile("index.html", b"new")
        raise RuntimeError("template exploded")

    with pytest.raises(RuntimeError):
        write_site(out, failing(), [])
    assert snapshot(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["public"]


def test_paths_cannot_escape_or_repeat(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="leaves the output"):
        write_site(tmp_path / "public", [OutputFile("../evil.html", b"x")], [])
    with pytest.raises(ValueError, match="is taken"):
        write_site(tmp_path / "public", files(a="1") + files(a="2"), [])
    assert not (tmp_path / "evil.html").exists()


def test_stale_stages_of_killed_builds_are_cleared(tmp_path: Path) -> None:
    stale = tmp_path / ".public.khabar-new-99999"
    (stale / "news").mkdir(parents=True)
    write_site(tmp_path / "public", files(index="a"), [])
    assert not stale.exists()
