"""The local-repository protocol `serve` speaks to the CMS (/api/v1), over real HTTP through
serve's own server: what it lists, reads and writes, and what it refuses."""

from __future__ import annotations

import base64
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from generator import cms_local, livehttp
from tests.admin.conftest import copy_demo, post_json


@dataclass
class _Session:
    version: int = 1
    errors: list[str] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)


@dataclass
class Local:
    site: Path
    url: str

    def call(self, action: str, **params: Any) -> tuple[int, Any]:
        return post_json(f"{self.url}/api/v1", {"action": action, "params": params})


@pytest.fixture
def local(tmp_path: Path) -> Iterator[Local]:
    site = copy_demo(tmp_path / "site")
    (tmp_path / "secret.txt").write_text("not for the CMS")
    out = tmp_path / "public"
    (out / "admin").mkdir(parents=True)
    (out / "admin/config.yml").write_text("backend:\n  name: github\n")
    (out / "admin/index.html").write_text("<!doctype html><title>CMS</title><body></body>")
    (out / "index.html").write_text("<!doctype html><title>Site</title><body></body>")
    server = livehttp.make_server("127.0.0.1", 0, out, _Session(), None, cms_local.LocalRepo(site))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Local(site, f"http://127.0.0.1:{server.server_address[1]}")
    server.shutdown()
    server.server_close()


def test_info_says_local_files_and_simple_publishing(local: Local) -> None:
    assert local.call("info") == (
        200,
        {"repo": "site", "publish_modes": ["simple"], "type": "local_fs"},
    )


def test_the_listing_holds_front_matter_only(local: Local) -> None:
    status, entries = local.call("entriesByFolder", folder="content", extension="md", depth=3)
    assert status == 200
    paths = {e["file"]["path"] for e in entries}
    assert "content/ru/2026/novaya-shkola.md" in paths
    assert "content/tt/2026/иң-матур-ишегалды.md" in paths
    assert len(paths) == len(list((local.site / "content").rglob("*.md")))
    for entry in entries:
        text = (local.site / entry["file"]["path"]).read_text(encoding="utf-8")
        head = entry["data"]
        assert head.startswith("---\n") and head.endswith("---\n") and text.startswith(head)
        assert len(head) < len(text)
    status, entry = local.call("getEntry", path="content/ru/2026/novaya-shkola.md")
    assert entry["data"] == (local.site / "content/ru/2026/novaya-shkola.md").read_text("utf-8")


def test_depth_limits_the_listing(local: Local) -> None:
    _, shallow = local.call("entriesByFolder", folder="content", extension="md", depth=2)
    assert shallow == []  # the demo's articles all sit in year folders


def test_an_entry_and_its_photo_are_written(local: Local) -> None:
    photo = base64.b64encode(b"\xff\xd8 a photo").decode()
    status, _ = local.call(
        "persistEntry",
        dataFiles=[{"path": "content/tt/2026/yana.md", "raw": "---\ntitle: Яңа\n---\nТекст\n"}],
        assets=[{"path": "static/images/yana.jpg", "content": photo, "encoding": "base64"}],
        options={},
    )
    assert status == 200
    assert (local.site / "content/tt/2026/yana.md").read_text("utf-8").startswith("---\ntitle: Яңа")
    assert (local.site / "static/images/yana.jpg").read_bytes() == b"\xff\xd8 a photo"
    status, media = local.call("getMedia", mediaFolder="static/images")
    assert "yana.jpg" in {m["name"] for m in media}
    assert local.call("deleteFiles", paths=["content/tt/2026/yana.md"])[0] == 200
    assert not (local.site / "content/tt/2026/yana.md").exists()


@pytest.mark.parametrize(
    "path",
    [
        "site.yaml",
        "../secret.txt",
        "content/../site.yaml",
        "content/../../secret.txt",
        "/etc/passwd",
        "static/other.txt",
        "themes/default/templates/base.html",
        "content\\..\\site.yaml",
    ],
)
def test_paths_outside_content_and_images_are_refused(local: Local, path: str) -> None:
    status, answer = local.call("getEntry", path=path)
    assert status == 400 and "error" in answer
    status, _ = local.call("persistEntry", dataFiles=[{"path": path, "raw": "x"}], assets=[])
    assert status == 400
    assert (local.site / "site.yaml").read_text("utf-8").startswith("#")
    assert (local.site.parent / "secret.txt").read_text() == "not for the CMS"


def test_a_symlink_out_of_content_is_refused(local: Local) -> None:
    os.symlink(local.site.parent, local.site / "content/ru/outside")
    status, _ = local.call("getEntry", path="content/ru/outside/secret.txt")
    assert status == 400


def test_another_sites_page_and_non_json_are_refused(local: Local) -> None:
    payload = {"action": "info", "params": {}}
    evil = {"Origin": "https://evil.example"}
    assert post_json(f"{local.url}/api/v1", payload, evil)[0] == 403
    import urllib.error
    import urllib.request

    form = urllib.request.Request(
        f"{local.url}/api/v1", data=b"action=info", method="POST",
        headers={"Content-Type": "text/plain"},
    )  # fmt: skip
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(form, timeout=10)
    assert refused.value.code == 415
    refused.value.close()


def test_unknown_actions_and_bad_requests(local: Local) -> None:
    assert local.call("gitPush")[0] == 422
    assert post_json(f"{local.url}/api/v1", ["not", "an", "object"])[0] == 400
    assert local.call("getEntry")[0] == 422  # no path given


def test_serve_points_the_cms_at_itself(local: Local) -> None:
    import urllib.request

    with urllib.request.urlopen(f"{local.url}/admin/config.yml", timeout=10) as answer:
        text = answer.read().decode()
    port = local.url.rsplit(":", 1)[1]
    assert f'local_backend: {{"url": "http://127.0.0.1:{port}/api/v1"' in text
    assert text.startswith("backend:\n  name: github")


def test_the_cms_page_is_never_reloaded_by_serve(local: Local) -> None:
    """Live reload is for the readers' pages; a rebuild after a save must not reload the CMS."""
    import urllib.request

    with urllib.request.urlopen(f"{local.url}/admin/", timeout=10) as answer:
        assert livehttp.SCRIPT not in answer.read().decode()
    with urllib.request.urlopen(f"{local.url}/", timeout=10) as answer:
        assert livehttp.SCRIPT in answer.read().decode()
