"""`due --since A --now B`: what became published or expired in (A, B]."""

from __future__ import annotations

import pytest

from tests.conftest import Run, SiteDir


def due(run: Run, site: SiteDir, since: str, now: str, *more: str) -> tuple[int, str, str]:
    return run("due", "--site", str(site.root), "--since", since, "--now", now, *more)


def test_a_scheduled_article_is_due_from_its_moment_on(site: SiteDir, run: Run) -> None:
    site.article("content/ru/2026/a.md", date="2026-11-28T12:00:00+03:00")
    # (since, now]: due at 12:00 sharp, no longer due for a run whose since is 12:00.
    code, out, _ = due(run, site, "2026-11-28T11:45:00+03:00", "2026-11-28T12:00:00+03:00")
    assert code == 0
    assert out == "2026-11-28T12:00:00+03:00 published /news/society/a/ content/ru/2026/a.md\n"
    code, out, err = due(run, site, "2026-11-28T12:00:00+03:00", "2026-11-28T12:15:00+03:00")
    assert (code, out) == (3, "")
    assert "nothing became published or expired between 2026-11-28T12:00:00+03:00" in err
    assert due(run, site, "2026-11-28T11:30:00+03:00", "2026-11-28T11:59:59+03:00")[0] == 3


def test_an_expiry_is_due(site: SiteDir, run: Run) -> None:
    site.article("content/tt/2026/b.md", expires="2026-11-28T12:05:00+03:00")
    code, out, _ = due(run, site, "2026-11-28T12:00:00+03:00", "2026-11-28T12:15:00+03:00")
    assert code == 0
    assert out == "2026-11-28T12:05:00+03:00 expired /tt/news/society/b/ content/tt/2026/b.md\n"


def test_a_day_boundary_in_the_sites_time_zone(site: SiteDir, run: Run) -> None:
    # A bare date is midnight in Moscow: 21:00 UTC the day before.
    site.article("content/ru/2026/c.md", date="2026-11-29")
    site.article("content/tt/2026/d.md", expires="2026-11-29")
    code, out, _ = due(run, site, "2026-11-28T20:50:00Z", "2026-11-28T21:05:00Z")
    assert code == 0
    assert out.splitlines() == [
        "2026-11-29T00:00:00+03:00 published /news/society/c/ content/ru/2026/c.md",
        "2026-11-29T00:00:00+03:00 expired /tt/news/society/d/ content/tt/2026/d.md",
    ]
    # Moments without an offset are the site's time: 23:59 in Moscow is still the 28th.
    assert due(run, site, "2026-11-28T23:00", "2026-11-28T23:59")[0] == 3
    assert due(run, site, "2026-11-28T23:00", "2026-11-29T00:00")[0] == 0
    # UTC midnight is 03:00 in Moscow: the article went out three hours before.
    assert due(run, site, "2026-11-29T00:00:00Z", "2026-11-29T06:00:00Z")[0] == 3


def test_drafts_are_never_due_unless_asked(site: SiteDir, run: Run) -> None:
    site.article("content/ru/2026/e.md", date="2026-11-28T12:00:00+03:00", draft="true")
    since, now = "2026-11-28T11:00:00+03:00", "2026-11-28T13:00:00+03:00"
    assert due(run, site, since, now)[0] == 3
    assert due(run, site, since, now, "--drafts")[0] == 0


def test_mistakes_are_listed_and_a_wrong_interval_is_usage(site: SiteDir, run: Run) -> None:
    site.article("content/ru/2026/f.md", date="tomorrow")
    site.write("content/tt/2026/g.md", "no front matter\n")
    code, out, err = due(run, site, "2026-11-28T11:00:00+03:00", "2026-11-28T13:00:00+03:00")
    assert (code, out) == (1, "")
    assert "content/ru/2026/f.md:3: error: 'date' is not a date: 'tomorrow'" in err
    assert "content/tt/2026/g.md:1: error: no front matter" in err
    code, _, err = due(run, site, "2026-11-29T00:00:00+03:00", "2026-11-28T00:00:00+03:00")
    assert code == 2 and "--since 2026-11-29T00:00:00+03:00 is after --now" in err
    with pytest.raises(SystemExit) as usage:
        run("due", "--site", str(site.root))  # --since is required
    assert usage.value.code == 2
