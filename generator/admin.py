"""The editors' UI at /admin/: Decap CMS configured from site.yaml.

`files` returns the generated files (the page, config.yml, the preview settings) for the
writer, like feeds.py; vendor.py supplies the CMS itself. `check` validates the generated
configuration against the front matter the build accepts, so the CMS can only write what
`check` passes.
"""

from __future__ import annotations

import functools
import io
import json
import zipfile
from collections.abc import Mapping
from html import escape
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import markdown
import yaml

from generator import frontmatter, markup, preview, vendor
from generator.config import SiteConfig
from generator.digests import hash_bytes
from generator.errors import Collector
from generator.i18n import Strings
from generator.model import OutputFile

FOLDER = "admin"
SCRIPT = Path(__file__).resolve().parent / "cms" / "khabar-cms.js"
WORKER = SCRIPT.with_name("khabar-preview-worker.js")  # runs the preview's Python
PREVIEW = "khabar-preview.zip"  # the preview's Python (generator/preview.py) for Pyodide
CONTENT = "content"
MEDIA_FOLDER = "static/images"
PUBLIC_FOLDER = "/images"
# Front matter key -> (widget, how translations share it). Every key of the contract is here
# (`check` below keeps it so); "true" means each language has its own value.
FIELDS: dict[str, tuple[str, bool | str]] = {
    "title": ("khabar-title", True),
    "slug": ("khabar-slug", True),
    "date": ("khabar-datetime", "duplicate"),
    "category": ("select", "duplicate"),
    "lead": ("text", True),
    "tags": ("list", True),
    "author": ("string", True),
    "image": ("image", "duplicate"),
    "image_alt": ("string", True),
    "image_credit": ("string", True),
    "translation_key": ("hidden", "duplicate"),
    "draft": ("boolean", True),
    "pinned": ("boolean", True),
    "expires": ("khabar-datetime", "duplicate"),
}
REQUIRED = ("title", "date", "category")


def enabled(config: SiteConfig) -> bool:
    return config.repository is not None


def paths(config: SiteConfig) -> list[str]:
    """Where /admin/ is written, known before rendering so that clashes are found first."""
    if not enabled(config):
        return []
    generated = ["index.html", "config.yml", SCRIPT.name, WORKER.name, PREVIEW]
    return [f"{FOLDER}/{name}" for name in generated]


def files(config: SiteConfig, strings: Mapping[str, Strings]) -> list[OutputFile]:
    """The CMS page and its configuration; [] when site.yaml names no repository."""
    if not enabled(config):
        return []
    t = strings[config.default_language]
    text = yaml.safe_dump(cms_config(config, t), allow_unicode=True, sort_keys=False)
    return [
        OutputFile(f"{FOLDER}/index.html", page(config, strings).encode("utf-8")),
        OutputFile(f"{FOLDER}/config.yml", text.encode("utf-8")),
        OutputFile(f"{FOLDER}/{SCRIPT.name}", SCRIPT.read_bytes()),
        OutputFile(f"{FOLDER}/{WORKER.name}", WORKER.read_bytes()),
        OutputFile(f"{FOLDER}/{PREVIEW}", preview_bundle()),
    ]


def _versioned(name: str, data: bytes) -> str:
    """The file's address by its content: a browser never keeps one older than the site's."""
    return f"{name}?v={hash_bytes(data)[:12]}"


@functools.cache
def preview_bundle() -> bytes:
    """The Python the preview runs in the browser: generator/preview.py with the generator
    modules it imports and the Markdown package the build itself renders with (same
    version, same code). Sources only, in a fixed order with fixed times: the same code
    always gives the same bytes, so an unchanged bundle is never written again."""
    package = Path(markdown.__file__).resolve().parent
    here = Path(__file__).resolve().parent
    files = {f"generator/{name}.py": here / f"{name}.py" for name in preview.MODULES}
    files.update(
        (f"markdown/{p.relative_to(package).as_posix()}", p)
        for p in package.rglob("*.py")
        if "__pycache__" not in p.parts
    )
    licence = next(
        (f for f in metadata.distribution("markdown").files or () if f.name.startswith("LICENSE")),
        None,
    )
    if licence is not None:  # BSD: the notice travels with the code
        files["markdown/LICENSE.md"] = Path(str(licence.locate()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[name].read_bytes())
    return buffer.getvalue()


def copies(package: vendor.Package, files: Mapping[str, Path]) -> dict[str, Path]:
    """A vendored package's files under admin/ (output path -> file in the cache)."""
    folder = f"{FOLDER}/{package.folder}/" if package.folder else f"{FOLDER}/"
    return {folder + name: path for name, path in files.items()}


def api_base(config: SiteConfig) -> str:
    """The readers' endpoint's absolute base URL, ending with /api/ (from site.yaml)."""
    return urljoin(config.base_url, config.endpoint)


def backend(config: SiteConfig) -> dict[str, Any]:
    """GitHub, signing in through the readers' endpoint (/api/auth): no Netlify."""
    assert config.repository is not None
    api = urlsplit(api_base(config))
    return {
        "name": "github",
        "repo": config.repository.name,
        "branch": config.repository.branch,
        # Decap wants the OAuth server's origin and the path apart; a relative one fails.
        "base_url": f"{api.scheme}://{api.netloc}",
        "auth_endpoint": f"{api.path.lstrip('/')}auth",
        "squash_merges": True,
    }


def cms_config(config: SiteConfig, t: Strings) -> dict[str, Any]:
    return {
        "locale": "ru",
        "backend": backend(config),
        "publish_mode": "editorial_workflow",
        "site_url": config.base_url,
        "display_url": config.base_url,
        "media_folder": MEDIA_FOLDER,
        "public_folder": PUBLIC_FOLDER,
        "i18n": {
            "structure": "multiple_folders",
            "locales": list(config.lang_codes),
            "default_locale": config.default_language,
        },
        "collections": [_collection(config, t)],
    }


def _collection(config: SiteConfig, t: Strings) -> dict[str, Any]:
    return {
        "name": "articles",
        "label": t("admin.articles"),
        "label_singular": t("admin.article"),
        "folder": CONTENT,
        "extension": "md",
        "format": "frontmatter",
        "create": True,
        # The ru and tt files share a name (pairing by path); the year keeps folders small.
        "path": "{{year}}/{{slug}}",
        # Without these Decap puts a collection-with-`path`'s photos beside the article.
        "media_folder": "/" + MEDIA_FOLDER,
        "public_folder": PUBLIC_FOLDER,
        "slug": "{{fields.slug}}",
        "identifier_field": "title",
        "summary": "{{title}} · {{date | date('DD.MM.YYYY HH:mm')}}",
        "sortable_fields": ["date", "title", "category"],
        "view_filters": [
            {"label": t("admin.filter.drafts"), "field": "draft", "pattern": True},
            {"label": t("admin.filter.pinned"), "field": "pinned", "pattern": True},
        ],
        "view_groups": [{"label": t("admin.group.year"), "field": "date", "pattern": r"\d{4}"}],
        "i18n": True,
        "fields": [*(_field(config, t, key) for key in FIELDS), _body(t)],
    }


def _field(config: SiteConfig, t: Strings, key: str) -> dict[str, Any]:
    widget, shared = FIELDS[key]
    field: dict[str, Any] = {"name": key, "label": t(f"admin.field.{key}"), "widget": widget}
    field["i18n"] = shared
    if key not in REQUIRED:
        field["required"] = False
    hint = f"admin.hint.{key}"
    if hint in t.table:
        field["hint"] = t(hint)
    field.update(_options(config, key))
    return field


def _options(config: SiteConfig, key: str) -> dict[str, Any]:
    lang = config.default_language
    if key == "category":
        rubrics = [{"label": labels[lang], "value": k} for k, labels in config.categories.items()]
        return {"options": rubrics, "default": next(iter(config.categories))}
    if key == "date":
        return {"default": "{{now}}"}  # written 2026-09-01T10:30:00+03:00 on the site's clock
    if key in ("draft", "pinned"):
        return {"default": False}
    if key == "tags":
        return {"allow_add": True, "collapsed": False}
    if key == "image":
        return {"choose_url": False}
    return {}


def _body(t: Strings) -> dict[str, Any]:
    return {
        "name": "body",
        "label": t("admin.field.body"),
        "widget": "markdown",
        "i18n": True,
        "editor_components": ["image"],
        "modes": ["rich_text", "raw"],
    }


def settings(config: SiteConfig, strings: Mapping[str, Strings]) -> dict[str, Any]:
    """What our script needs: where languages sit in paths, and the preview's words."""
    words = {
        lang: {
            "photo": t("photo", credit="{credit}"),
            "author": t("author"),
            "tags": t("tags"),
            "slugInvalid": t("admin.slug_invalid"),
            "now": t("admin.now"),
            "clear": t("admin.clear"),
            "previewLoading": t("admin.preview_loading"),
            "previewFailed": t("admin.preview_failed"),
            "previewBroken": t("admin.preview_broken"),
        }
        for lang, t in strings.items()
    }
    return {
        "folder": CONTENT,
        "locales": list(config.lang_codes),
        "defaultLocale": config.default_language,
        "timezone": config.timezone,
        "stylesheet": f"{config.base_path}/assets/css/site.css",
        "basePath": config.base_path,
        "pyodide": f"{config.base_path}/{FOLDER}/{vendor.PYODIDE.folder}/",
        "preview": f"{config.base_path}/{FOLDER}/{_versioned(PREVIEW, preview_bundle())}",
        "worker": f"{config.base_path}/{FOLDER}/{_versioned(WORKER.name, WORKER.read_bytes())}",
        "placeholders": {"article": markup.MD_LINK, "root": markup.ROOT_LINK},
        "rubrics": config.categories,
        "words": words,
    }


def page(config: SiteConfig, strings: Mapping[str, Strings]) -> str:
    """The shell: Decap draws itself into <body>; settings for our script ride along as JSON."""
    lang = config.default_language
    t = strings[lang]
    data = json.dumps(settings(config, strings), ensure_ascii=False).replace("</", "<\\/")
    return f"""<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>{escape(t("admin.title"))} · {escape(config.title[lang])}</title>
<link rel="cms-config-url" type="text/yaml" href="config.yml">
<script type="application/json" id="khabar-cms">{data}</script>
<style>a[class*="GoBackButtonStyle"] p {{ color: #4a5261; }}</style>
</head>
<body>
<noscript><p>{escape(t("admin.noscript"))}</p></noscript>
<script src="{vendor.DECAP.main}?v={vendor.DECAP.version}"></script>
<script src="{_versioned(SCRIPT.name, SCRIPT.read_bytes())}"></script>
</body>
</html>
"""


def check(config: SiteConfig, strings: Mapping[str, Strings], errors: Collector) -> None:
    """The generated configuration is one the CMS accepts and that writes only what the
    build accepts: every front matter key has its field, the rubrics and languages are
    site.yaml's, the theme has the CMS's words. Each problem is one line."""
    if not enabled(config):
        return
    assert config.repository is not None
    where, line = "site.yaml", config.repository.line
    try:
        data = cms_config(config, strings[config.default_language])
    except KeyError as exc:  # a site's own theme whose i18n file predates /admin/
        shown = f"themes/{config.theme}/i18n/{config.default_language}.yaml"
        errors.add(shown, 1, f"{exc.args[0]} (the editors' UI at /admin/ needs it)")
        return
    for message in problems(data, config):
        errors.add(where, line, f"the editors' UI: {message}")


def problems(data: dict[str, Any], config: SiteConfig) -> list[str]:
    """What Decap would refuse, or what would let it write an article `check` refuses."""
    found = []
    (collection,) = data["collections"]
    fields = [f["name"] for f in collection["fields"]]
    if len(set(fields)) != len(fields):
        found.append("two fields share a name")
    missing = [key for key in (*frontmatter.KEYS, "body") if key not in fields]
    if missing:
        found.append(f"no field for {', '.join(missing)}")
    options = next(f["options"] for f in collection["fields"] if f["name"] == "category")
    if [o["value"] for o in options] != list(config.categories):
        found.append("the rubric list differs from site.yaml's categories")
    labels = [o["label"] for o in options]
    twins = sorted({label for label in labels if labels.count(label) > 1})
    if twins:
        found.append(
            f"two rubrics share the label {', '.join(twins)}: editors cannot tell them apart"
        )
    if data["i18n"]["locales"] != list(config.lang_codes):
        found.append("the languages differ from site.yaml's")
    if not urlsplit(data["backend"]["base_url"]).netloc:
        found.append("sign-in needs the readers' endpoint at an absolute origin")
    return found
