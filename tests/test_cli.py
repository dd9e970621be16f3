"""The command line per ../shared/contract.md: verbs, options, exit codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import NOW, ROOT, Run, SiteDir


def test_build_is_the_default_verb(site: SiteDir, run: Run) -> None:
    site.article("content/ru/2026/a.md")
    code, _, err = run("--site", str(site.root), "--now", NOW)
    assert code == 0, err
    assert (site.out / "news/society/a/index.html").is_file()
    assert "built" in err


def test_out_and_now(site: SiteDir, run: Run, tmp_path: Path) -> None:
    site.article("content/ru/2026/a.md", date="2026-12-01T09:00:00+03:00")
    out = tmp_path / "elsewhere"
    assert run("build", "--site", str(site.root), "--out", str(out), "--now", NOW)[0] == 0
    assert not (out / "news/society/a/index.html").exists()
    # Without an offset --now is the site's time zone: 09:00 in Moscow is 06:00 UTC.
    assert (
        run("build", "--site", str(site.root), "--out", str(out), "--now", "2026-12-01T09:00")[0]
        == 0
    )
    assert (out / "news/society/a/index.html").is_file()


def test_drafts_only_with_the_flag(site: SiteDir, run: Run) -> None:
    site.article("content/ru/2026/a.md", draft="true")
    run("build", "--site", str(site.root), "--now", NOW)
    assert not (site.out / "news/society/a/index.html").exists()
    run("build", "--site", str(site.root), "--now", NOW, "--drafts")
    assert (site.out / "news/society/a/index.html").exists()


def test_check_writes_nothing(site: SiteDir, run: Run) -> None:
    site.article("content/ru/2026/a.md")
    code, _, err = run("check", "--site", str(site.root), "--now", NOW)
    assert code == 0 and err.startswith("ok:")
    assert not site.out.exists()
    assert not (site.root / ".cache").exists()
    # With a cache from a build, check reads it and still writes nothing.
    assert run("build", "--site", str(site.root), "--now", NOW)[0] == 0
    site.article("content/ru/2026/b.md", title="Вторая")
    before = {p: p.stat().st_mtime_ns for p in site.root.rglob("*") if p.is_file()}
    assert run("check", "--site", str(site.root), "--now", NOW)[0] == 0
    assert before == {p: p.stat().st_mtime_ns for p in site.root.rglob("*") if p.is_file()}


def test_usage_errors_exit_2(site: SiteDir) -> None:
    for args in (
        ["frobnicate"],
        ["build", "--now", "yesterday"],
        ["build", "--jobs", "0"],
        ["new", "Title"],
    ):
        result = subprocess.run(
            [sys.executable, str(ROOT / "build.py"), *args, "--site", str(site.root)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 2, (args, result.stderr)
        assert "usage:" in result.stderr


def test_errors_exit_1_without_traceback(site: SiteDir) -> None:
    site.write("content/ru/2026/a.md", "---\ntitle: [\n---\n")
    result = subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "build", "--site", str(site.root)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("content/ru/2026/a.md:3: error: invalid YAML")
    assert "Traceback" not in result.stderr


def test_out_may_not_be_the_site(site: SiteDir, run: Run) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "--site", str(site.root), "--out", str(site.root)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0 and "would replace the site itself" in result.stderr
    assert (site.root / "site.yaml").exists()


def test_new_tatar_article_passes_check(site: SiteDir, run: Run) -> None:
    code, out, err = run(
        "new",
        "--site",
        str(site.root),
        "--lang",
        "tt",
        "--now",
        NOW,
        "Чистай районында яңа мәктәп ачылды",
    )
    assert code == 0, err
    path = Path(out.strip())
    assert path.name == "chistay-rayonynda-yana-maktap-achyldy.md"
    assert path.resolve() == site.root / "content/tt/2026/chistay-rayonynda-yana-maktap-achyldy.md"
    text = path.read_text(encoding="utf-8")
    assert 'title: "Чистай районында яңа мәктәп ачылды"' in text
    assert "category: society" in text  # the first rubric of site.yaml
    assert "date: 2026-11-28T12:00:00+03:00" in text
    assert run("check", "--site", str(site.root), "--now", NOW)[0] == 0
    assert run("build", "--site", str(site.root), "--now", NOW)[0] == 0
    assert (site.out / "tt/news/society/chistay-rayonynda-yana-maktap-achyldy/index.html").is_file()


def test_new_with_category_and_a_taken_name(site: SiteDir, run: Run) -> None:
    first = run(
        "new",
        "--site",
        str(site.root),
        "--lang",
        "ru",
        "--category",
        "sport",
        "--now",
        NOW,
        'Хоккей: "Чистополь" победил',
    )[1]
    second = run(
        "new",
        "--site",
        str(site.root),
        "--lang",
        "ru",
        "--category",
        "sport",
        "--now",
        NOW,
        'Хоккей: "Чистополь" победил',
    )[1]
    assert Path(first.strip()).name == "khokkey-chistopol-pobedil.md"
    assert Path(second.strip()).name == "khokkey-chistopol-pobedil-2.md"
    assert "category: sport" in Path(second.strip()).read_text(encoding="utf-8")
    code, _, err = run("check", "--site", str(site.root), "--now", NOW)
    assert code == 0, err


def test_new_rejects_unknown_language_and_rubric(site: SiteDir, run: Run) -> None:
    code, _, err = run("new", "--site", str(site.root), "--lang", "en", "Title")
    assert code == 1 and "'en' is not a language of this site" in err
    code, _, err = run(
        "new", "--site", str(site.root), "--lang", "ru", "--category", "weather", "Погода"
    )
    assert code == 1 and "unknown rubric 'weather'" in err
