"""The editors' preview runs the build's own code: generator/preview.py in Pyodide (CPython
compiled to WebAssembly, as the CMS loads it) gives byte for byte what the build makes, over
the demo's and the test sites' articles, every Markdown construct the engine is tuned for,
the typography cases and a few hundred random documents."""

from __future__ import annotations

import io
import json
import random
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator import admin, frontmatter, preview, sources, vendor, yamlfile
from generator.config import load_config
from generator.errors import Collector
from generator.model import Parsed, SourceFile
from tests.conftest import ROOT, require
from tests.unit.test_mdtune import ALPHABET, CONSTRUCTS, PIECES

# Runs the bundle in Pyodide under Node, as khabar-preview-worker.js does in the browser: the
# documents come as JSON on stdin, their HTML goes out as JSON on stdout.
RUNNER = """
const fs = require("fs");
const { pathToFileURL } = require("url");
(async () => {
  const { loadPyodide } = await import(pathToFileURL(process.argv[2]).href);
  const py = await loadPyodide({ indexURL: process.argv[3] });
  py.unpackArchive(new Uint8Array(fs.readFileSync(process.argv[4])), "zip", { extractDir: "/khabar" });
  py.runPython("import sys; sys.path.insert(0, '/khabar'); sys.setrecursionlimit(400)");
  const preview = py.pyimport("generator.preview");
  const items = JSON.parse(fs.readFileSync(process.argv[5], "utf8"));
  const out = items.map(([kind, value, lang, path]) =>
    kind === "body" ? preview.body(value, lang, path) : preview.text(value, lang));
  process.stdout.write(JSON.stringify(out));
})().catch((error) => { console.error(String(error)); process.exit(1); });
"""
WORDS = [
    '"Чистай моңнары"', '"Это "Кама" победила"', " - ", " -- ", " – ", "\n- Здравствуйте!",
    "1941-1945", "№ 1187", "№1187", "2024 г.", "А. Р. Гарипова", "в школе", "һәм", "и в саду",
    "Кое-кто", "тел. 5-00-00", "`код - тут`", "<kbd>\"x\"</kbd>", "https://example.org/a-b",
]  # fmt: skip


def _articles(root: Path) -> Iterator[tuple[SourceFile, Parsed, str, str]]:
    """Each article of a site: its file, what the build makes of it, its Markdown body and
    its title as written."""
    config = load_config(root)
    for source in sources.read_sources(config):
        text = source.data.decode("utf-8").removeprefix("\ufeff")
        header, body, _ = frontmatter.split(text, source.path, Collector())
        title = str(yamlfile.load(header)["title"])
        yield source, frontmatter.parse_document(source, config), body, title


def _documents() -> list[tuple[str, str, str, str]]:
    """(kind, text, lang, path) for everything the comparison covers."""
    items: list[tuple[str, str, str, str]] = []
    sites = [p.parent for p in sorted((ROOT / "tests/sites").glob("*/site.yaml"))]
    for root in (ROOT, *sites):
        for source, _, body, title in _articles(root):
            items.append(("body", body, source.lang, source.path))
            items.append(("text", title, source.lang, source.path))
    for text, _ in CONSTRUCTS:
        items.append(("body", text, "ru", "content/ru/2026/a.md"))
    rng = random.Random(2026)  # the same documents every run
    for number in range(300):
        pieces = [*PIECES, *WORDS, *ALPHABET]
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 40)))
        lang = "tt" if number % 3 == 0 else "ru"
        items.append(("body" if number % 4 else "text", text, lang, f"content/{lang}/x.md"))
    return items


@pytest.fixture(scope="module")
def pyodide(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Pyodide as the build vendors it: from the npm registry, checked by its sha512."""
    files = vendor.package_files(vendor.PYODIDE, tmp_path_factory.mktemp("cache"))
    return files["pyodide.mjs"].parent


def test_pyodide_gives_what_the_build_gives(pyodide: Path, tmp_path: Path) -> None:
    node = require("node")
    bundle = tmp_path / admin.PREVIEW
    bundle.write_bytes(admin.preview_bundle())
    script = tmp_path / "run.cjs"
    script.write_text(RUNNER, encoding="utf-8")
    items = _documents()
    documents = tmp_path / "documents.json"
    documents.write_text(json.dumps(items), encoding="utf-8")
    answer = subprocess.run(
        [node, str(script), str(pyodide / "pyodide.mjs"), f"{pyodide}/", str(bundle), str(documents)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert answer.returncode == 0, answer.stderr[-2000:]
    in_browser = json.loads(answer.stdout)
    here = [
        preview.body(value, lang, path) if kind == "body" else preview.text(value, lang)
        for kind, value, lang, path in items
    ]
    assert len(in_browser) == len(items) > 350
    differ = [(item[1], a, b) for item, a, b in zip(items, here, in_browser, strict=True) if a != b]
    assert differ == []
    # The comparison is not of empty strings: the typography and the Markdown ran.
    joined = "".join(in_browser)
    assert (
        "«" in joined
        and "\u00a0—" in joined
        and "<table>" in joined
        and 'class="footnote"' in joined
    )


def test_the_preview_is_the_body_the_build_publishes() -> None:
    """preview.body is what parse_document makes of each demo article."""
    articles = list(_articles(ROOT))
    assert len(articles) > 20
    for source, parsed, body, title in articles:
        assert preview.body(body, source.lang, source.path) == parsed.body, source.path
        assert preview.text(title, source.lang) == parsed.doc.title, source.path


def test_the_bundle_holds_what_the_preview_imports() -> None:
    """The generator modules importing generator.preview loads are exactly MODULES, and the
    bundle carries them with the Markdown package the build uses; its bytes never vary."""
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, generator.preview; print(' '.join(sorted("
         "m.split('.', 1)[1] if '.' in m else '__init__' for m in sys.modules "
         "if m == 'generator' or m.startswith('generator.'))))"],
        capture_output=True, text=True, check=True, cwd=ROOT,
    )  # fmt: skip
    assert loaded.stdout.split() == sorted(preview.MODULES)
    data = admin.preview_bundle()
    admin.preview_bundle.cache_clear()
    assert admin.preview_bundle() == data
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
    assert {f"generator/{m}.py" for m in preview.MODULES} <= set(names)
    assert "markdown/core.py" in names and "markdown/extensions/footnotes.py" in names
    assert "markdown/LICENSE.md" in names and not any("__pycache__" in n for n in names)
