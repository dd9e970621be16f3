"""/admin/ as the build makes it: the CMS configuration generated from site.yaml, the pinned
CMS from the npm registry (checked, cached), and what happens without it."""

from __future__ import annotations

import io
import shutil
import tarfile
from pathlib import Path

import pytest
import yaml

from generator import admin, frontmatter, vendor
from generator.config import load_config
from generator.render import load_theme
from tests.conftest import NOW, ROOT, Run, SiteDir

REPOSITORY = "repository: tatmedia-example/chistopol-inform\n"


def _config(site: SiteDir) -> dict[str, object]:
    config = load_config(site.root)
    strings = load_theme(config).strings
    files = {f.path: f.data for f in admin.files(config, strings)}
    data = yaml.safe_load(files["admin/config.yml"])
    assert isinstance(data, dict)
    return data


def test_the_configuration_comes_from_site_yaml(site: SiteDir) -> None:
    site.write("site.yaml", (site.root / "site.yaml").read_text("utf-8") + REPOSITORY)
    data = _config(site)
    assert data["locale"] == "ru" and data["publish_mode"] == "editorial_workflow"
    assert data["backend"] == {
        "name": "github", "repo": "tatmedia-example/chistopol-inform", "branch": "main",
        "base_url": "https://example.org", "auth_endpoint": "api/auth", "squash_merges": True,
    }  # fmt: skip
    assert data["i18n"] == {"structure": "multiple_folders", "locales": ["ru", "tt"],
                            "default_locale": "ru"}  # fmt: skip
    (articles,) = data["collections"]  # type: ignore[misc]
    assert articles["folder"] == "content" and articles["path"] == "{{year}}/{{slug}}"
    assert articles["media_folder"] == "/static/images"
    fields = {f["name"]: f for f in articles["fields"]}
    assert set(frontmatter.KEYS) | {"body"} == set(fields)
    assert fields["category"]["options"] == [
        {"label": "Общество", "value": "society"}, {"label": "Спорт", "value": "sport"}
    ]  # fmt: skip
    assert fields["date"]["widget"] == fields["expires"]["widget"] == "khabar-datetime"
    assert fields["tags"]["widget"] == "list" and fields["body"]["widget"] == "markdown"
    assert fields["image"]["widget"] == "image" and fields["draft"]["widget"] == "boolean"
    assert fields["title"]["label"] == "Заголовок" and fields["title"]["i18n"] is True
    assert fields["category"]["i18n"] == "duplicate"
    required = [f for f in fields if "required" not in fields[f]]
    assert required == ["title", "date", "category", "body"]


def test_an_absolute_endpoint_signs_in_there(site: SiteDir) -> None:
    text = (site.root / "site.yaml").read_text("utf-8")
    site.write("site.yaml", text + REPOSITORY + "endpoint: https://api.example.org/khabar/api/\n")
    backend = _config(site)["backend"]
    assert isinstance(backend, dict)
    assert (backend["base_url"], backend["auth_endpoint"]) == (
        "https://api.example.org", "khabar/api/auth",
    )  # fmt: skip


def test_repository_with_a_branch(site: SiteDir) -> None:
    text = (site.root / "site.yaml").read_text("utf-8")
    site.write("site.yaml", text + "repository: {name: org/site, branch: master}\n")
    backend = _config(site)["backend"]
    assert isinstance(backend, dict)
    assert (backend["repo"], backend["branch"]) == ("org/site", "master")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("not a repository", "repository 'not a repository' must be OWNER/NAME"),
        ("{name: a/b, branche: x}", "unknown key 'repository.branche' (did you mean 'branch'?)"),
        ("{branch: x}", "missing required key 'repository.name'"),
    ],
)
def test_a_wrong_repository_is_one_line(site: SiteDir, run: Run, value: str, message: str) -> None:
    text = (site.root / "site.yaml").read_text("utf-8")
    line = text.count("\n") + 1
    site.write("site.yaml", text + f"repository: {value}\n")
    site.article("content/ru/a.md")
    code, _, err = run("check", "--site", str(site.root))
    assert code == 1
    assert f"site.yaml:{line}: error: {message}" in err


def test_without_a_repository_there_is_no_admin(site: SiteDir, run: Run, tmp_path: Path) -> None:
    site.article("content/ru/a.md")
    cache = tmp_path / "cache"
    code, _, _ = run("build", "--site", str(site.root), "--now", NOW, "--cache", str(cache))
    assert code == 0 and not (site.out / "admin").exists()
    assert not (cache / "vendor").exists()


def test_the_cms_is_served_from_the_site(site: SiteDir, run: Run, tmp_path: Path) -> None:
    site.write("site.yaml", (site.root / "site.yaml").read_text("utf-8") + REPOSITORY)
    site.article("content/ru/a.md")
    cache = tmp_path / "cache"
    code, _, err = run("check", "--site", str(site.root), "--cache", str(cache))
    assert code == 0 and not (cache / "vendor").exists(), err  # check writes nothing
    code, _, err = run("build", "--site", str(site.root), "--now", NOW, "--cache", str(cache))
    assert code == 0, err
    page = (site.out / "admin/index.html").read_text("utf-8")
    assert f'<script src="decap-cms.js?v={vendor.DECAP.version}"></script>' in page
    assert 'lang="ru"' in page
    assert "https://" not in page.split("<script type")[0]  # nothing from another origin
    main = (site.out / "admin/decap-cms.js").read_text("utf-8")
    assert all(new in main for _, new in vendor.DECAP.patches)
    chunks = list((site.out / "admin").glob("*.decap-cms.js"))
    assert len(chunks) > 50 and list((site.out / "admin").glob("*.wasm"))
    assert (site.out / "admin/decap-cms.js.LICENSE.txt").is_file()
    pyodide = {p.name for p in (site.out / "admin" / vendor.PYODIDE.folder).iterdir()}
    assert pyodide == {"pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip",
                       "pyodide-lock.json", "package.json"}  # fmt: skip
    assert (site.out / "admin/khabar-preview.zip").read_bytes() == admin.preview_bundle()
    assert (site.out / "admin/config.yml").read_bytes() == yaml.safe_dump(
        _config(site), allow_unicode=True, sort_keys=False
    ).encode()
    code, _, err = run("build", "--site", str(site.root), "--now", NOW, "--cache", str(cache))
    assert code == 0 and " 0 written" in err  # the second build finds all of it in place


def _fake_registry(folder: Path) -> str:
    """A registry holding a tarball of the right name but the wrong bytes."""
    target = folder / vendor.DECAP.name / "-" / vendor.DECAP.tarball_url().rsplit("/", 1)[1]
    target.parent.mkdir(parents=True)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        data = b"alert('not decap')"
        info = tarfile.TarInfo("package/dist/decap-cms.js")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    target.write_bytes(buffer.getvalue())
    return folder.as_uri()


@pytest.mark.parametrize("registry", ["tampered", "offline"])
def test_without_the_pinned_cms_the_site_is_built_and_admin_left_out(
    site: SiteDir, run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, registry: str
) -> None:
    text = (site.root / "site.yaml").read_text("utf-8")
    line = text.count("\n") + 1
    site.write("site.yaml", text + REPOSITORY)
    site.article("content/ru/a.md")
    url = _fake_registry(tmp_path / "npm") if registry == "tampered" else "http://127.0.0.1:9"
    monkeypatch.setenv(vendor.REGISTRY_ENV, url)
    code, _, err = run("build", "--site", str(site.root), "--now", NOW,
                       "--cache", str(tmp_path / "cache"))  # fmt: skip
    assert code == 0, err
    expected = "sha512 differs" if registry == "tampered" else "could not download"
    warning = [line for line in err.splitlines() if ": warning: " in line]
    assert len(warning) == 1 and warning[0].startswith(f"site.yaml:{line}: warning: ")
    assert expected in warning[0] and warning[0].endswith("/admin/ is left out of this build")
    assert (site.out / "index.html").is_file() and not (site.out / "admin").exists()


def test_without_pyodide_the_cms_is_built_with_its_own_preview(
    site: SiteDir, run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    cms_registry: Path | None,
) -> None:  # fmt: skip
    """A registry (a mirror, say) that has Decap but not Pyodide: /admin/ is built, and the
    warning says the preview will show the CMS's own Markdown."""
    assert cms_registry is not None, "the npm registry could not be reached"
    mirror = tmp_path / "npm"
    shutil.copytree(cms_registry / vendor.DECAP.name, mirror / vendor.DECAP.name)
    text = (site.root / "site.yaml").read_text("utf-8")
    site.write("site.yaml", text + REPOSITORY)
    site.article("content/ru/a.md")
    monkeypatch.setenv(vendor.REGISTRY_ENV, mirror.as_uri())
    code, _, err = run("build", "--site", str(site.root), "--now", NOW,
                       "--cache", str(tmp_path / "cache"))  # fmt: skip
    assert code == 0, err
    warning = [line for line in err.splitlines() if ": warning: " in line]
    assert len(warning) == 1 and "could not download" in warning[0]
    assert warning[0].endswith("the editors' preview shows the CMS's own Markdown, not the site's")
    assert (site.out / "admin/decap-cms.js").is_file()
    assert (site.out / "admin/khabar-preview.zip").is_file()
    assert not list((site.out / "admin").glob("pyodide*"))


def test_the_demo_newsroom_has_its_admin(demo_site: Path) -> None:
    assert (demo_site / "admin/index.html").is_file()
    assert (ROOT / "site.yaml").read_text("utf-8").count("repository:") == 1


def test_rubrics_an_editor_cannot_tell_apart(site: SiteDir, run: Run) -> None:
    text = (site.root / "site.yaml").read_text("utf-8")
    text = text.replace("sport: {ru: Спорт, tt: Спорт}", "sport: {ru: Общество, tt: Спорт}")
    line = text.count("\n") + 1
    site.write("site.yaml", text + REPOSITORY)
    site.article("content/ru/a.md")
    code, _, err = run("check", "--site", str(site.root))
    assert code == 1
    assert err.splitlines()[0] == (
        f"site.yaml:{line}: error: the editors' UI: two rubrics share the label Общество: "
        "editors cannot tell them apart"
    )


def test_a_sites_own_theme_without_the_cms_words(site: SiteDir, run: Run) -> None:
    site.write("site.yaml", (site.root / "site.yaml").read_text("utf-8") + REPOSITORY)
    site.article("content/ru/a.md")
    ru = (ROOT / "themes/default/i18n/ru.yaml").read_text("utf-8").split("\nadmin:")[0]
    site.write("themes/default/i18n/ru.yaml", ru + "\n")
    code, _, err = run("check", "--site", str(site.root))
    assert code == 1
    assert err.splitlines()[0].startswith(
        "themes/default/i18n/ru.yaml:1: error: no UI string 'admin."
    ), err
    assert "Traceback" not in err
