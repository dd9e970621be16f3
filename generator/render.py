"""Pages through the theme's Jinja templates into OutputFiles. No I/O but reading templates."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import jinja2
import jinja2.bccache
from markupsafe import Markup

from generator import fingerprint, i18n, urls
from generator.config import SiteConfig
from generator.errors import Collector, Problem, SiteError
from generator.markup import MD_LINK, ROOT_LINK
from generator.model import Article, Assets, Image, OutputFile, Page
from generator.sources import regular_files

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(rf'(href|src)="({re.escape(MD_LINK)}|{re.escape(ROOT_LINK)})([^"#]*)')
PHOTO = re.compile(rf'<img\b[^>]*?\ssrc="{re.escape(ROOT_LINK)}/([^"]+)"[^>]*>')
ATTRIBUTE = re.compile(r'([a-zA-Z_:][-a-zA-Z0-9_:.]*)="([^"]*)"')
PICTURES = "_picture.html"  # the theme's macros for photos: `body_photo(image, attrs)`


@dataclass(frozen=True)
class Theme:
    folders: tuple[Path, ...]  # the site's theme first, then the project's
    strings: dict[str, i18n.Strings]
    digest: str = ""  # every file of the theme: part of every page's fingerprint

    @property
    def static_folders(self) -> tuple[Path, ...]:
        return tuple(f / "static" for f in reversed(self.folders) if (f / "static").is_dir())


def load_theme(config: SiteConfig) -> Theme:
    errors = Collector()
    candidates = (config.root / "themes" / config.theme, PROJECT_ROOT / "themes" / config.theme)
    folders = tuple(dict.fromkeys(f for f in candidates if f.is_dir()))
    if not folders:
        errors.add("site.yaml", 1, f"theme '{config.theme}' not found in themes/")
        errors.raise_if_any()
    if candidates[0] in folders:  # only regular files of the site's own theme are read
        regular_files(candidates[0], f"themes/{config.theme}", errors, lambda _: True, ".")
    shown = f"themes/{config.theme}/i18n"
    # A site's own theme may translate differently: its i18n file wins, language by language.
    strings = {
        lang: i18n.load_strings(_first_with(folders, f"i18n/{lang}.yaml"), lang, errors, shown)
        for lang in config.lang_codes
    }
    errors.raise_if_any()
    return Theme(folders, strings, fingerprint.files_digest(folders))


def _first_with(folders: tuple[Path, ...], rel: str) -> Path:
    folder = next((f for f in folders if (f / rel).is_file()), folders[-1])
    return folder / "i18n"


class Renderer:
    """Pages from what they hold: a page, the settings, the theme; bodies by document key.
    Nothing else reaches a template, which is what makes page fingerprints sound."""

    def __init__(
        self,
        config: SiteConfig,
        theme: Theme,
        assets: Assets,
        bodies: Callable[[str], str],
        compiled: Path | None = None,
    ) -> None:
        self.config = config
        self.theme = theme
        self.assets = assets
        self.bodies = bodies
        self.env = _environment(theme, config, compiled)
        self.cards: dict[tuple[int, str, int, bool, bool], tuple[Article, Markup]] = {}

    def page(self, page: Page) -> OutputFile:
        template = self.env.get_template(page.template)
        strings = self.theme.strings[page.lang]
        html = template.render(
            page=page,
            lang=page.lang,
            t=strings,
            strings=self.theme.strings,
            body=self.body,
            card=self.card,
        )
        return OutputFile(urls.output_path(page.url), html.encode("utf-8"))

    def card(
        self, item: Article, lang: str, level: int, eager: bool = False, pinned: bool = False
    ) -> Markup:
        """An article's card (_card.html) is the same on every page that lists it: made once
        and reused, since cards are half the work of rendering a site. The memo keeps the
        article itself, so its id is never reused for another one."""
        key = (id(item), lang, level, eager, pinned)
        found = self.cards.get(key)
        if found is None:
            html = self.env.get_template("_card.html").render(
                item=item, lang=lang, level=level, eager=eager, pinned=pinned,
                t=self.theme.strings[lang], strings=self.theme.strings,
            )  # fmt: skip
            found = self.cards[key] = (item, Markup(html))  # noqa: S704 - rendered escaped
        return found[1]

    def body(self, article: Article, absolute: bool = False) -> Markup:
        """The article's HTML with internal link placeholders resolved and its photos as
        <picture>; for feeds, absolute URLs and the 1200 px JPEG alone."""
        prefix = self.config.base_url.rstrip("/") if absolute else self.config.base_path
        links = dict(article.links)

        def resolve(match: re.Match[str]) -> str:
            attr, kind, target = match.groups()
            if kind == MD_LINK:
                target = links[target]
            return f'{attr}="{prefix}{target}'

        html = self.bodies(article.doc.key)
        if article.photos:
            html = self._photos(article, html, absolute)
        return Markup(PLACEHOLDER.sub(resolve, html))  # noqa: S704 - ours

    def _photos(self, article: Article, html: str, absolute: bool) -> str:
        known = {image.path: image for image in article.photos}
        macros = self.env.get_template(PICTURES).module

        def picture(match: re.Match[str]) -> str:
            image = known.get(match.group(1))
            if image is None:
                return match.group(0)  # a file published as it is (a GIF)
            # The editor's attributes (alt, title, class) stay; their values are HTML already.
            attrs = {k: Markup(v) for k, v in ATTRIBUTE.findall(match.group(0)) if k != "src"}  # noqa: S704
            return str(_call(macros, "feed_photo" if absolute else "body_photo", image, attrs))

        return PHOTO.sub(picture, html)


def _call(macros: object, name: str, image: Image, attrs: dict[str, Markup]) -> str:
    macro = getattr(macros, name, None)
    if macro is None:
        raise SiteError([Problem(f"themes/{PICTURES}", 1, f"template error: no macro '{name}'")])
    return str(macro(image, attrs))


class Compiled(jinja2.BytecodeCache):
    """Compiled templates, in memory for the process and on disk in the build cache. Jinja
    checks an entry against its template's source, but compiles filters of constants into
    the code (`'/x'|url` becomes the site's path): so entries are kept per generator code and
    per site.yaml, and the disk holds only the current ones."""

    memory: ClassVar[dict[str, bytes]] = {}

    def __init__(self, folder: Path | None, config: SiteConfig) -> None:
        self.prefix = fingerprint.digest(fingerprint.code_digest(), config.digest)
        self.folder = folder / f"templates-{self.prefix}" if folder else None
        if folder is not None:
            for old in folder.glob("templates-*"):
                if old != self.folder:
                    shutil.rmtree(old, ignore_errors=True)

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        data = self.memory.get(self.prefix + bucket.key)
        if data is None and self.folder is not None:
            try:
                data = (self.folder / bucket.key).read_bytes()
            except OSError:
                return
        if data is not None:
            bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        data = bucket.bytecode_to_string()
        self.memory[self.prefix + bucket.key] = data
        if self.folder is not None:
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
                temporary = self.folder / f".{bucket.key}.{os.getpid()}"
                temporary.write_bytes(data)
                os.replace(temporary, self.folder / bucket.key)
            except OSError:
                return  # a read-only cache (check): the memory layer still serves this run


def _environment(theme: Theme, config: SiteConfig, compiled: Path | None) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(f / "templates") for f in theme.folders]),
        bytecode_cache=Compiled(compiled, config),
        auto_reload=False,  # templates do not change during a build: no stat per template
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    # Cyrillic stays readable (and small) in JSON-LD.
    env.policies["json.dumps_kwargs"] = {"ensure_ascii": False, "sort_keys": True}
    tz = config.tz
    env.globals.update(site=config, config=config, url_for=urls)
    env.filters.update(
        url=lambda path: f"{config.base_path}{path}",
        absolute=lambda path: _absolute(config, path),
        absolute_asset=lambda url: _absolute(config, url.removeprefix(config.base_path)),
        asset=lambda path: (
            path if urls.is_external(path) else f"{config.base_path}/{path.lstrip('/')}"
        ),
        date=lambda m, lang: i18n.long_date(m.astimezone(tz), lang),
        time=lambda m, lang: i18n.short_time(m.astimezone(tz), lang),
        iso=lambda m: m.astimezone(tz).isoformat(),
        month=i18n.month_title,
        month_names=i18n.month_names,
    )
    return env


def _absolute(config: SiteConfig, path: str) -> str:
    return config.base_url.rstrip("/") + path if path.startswith("/") else path


def render_site(renderer: Renderer, pages: Iterable[Page]) -> Iterator[OutputFile]:
    """Yield the pages; a template mistake becomes a SiteError naming file and line."""
    try:
        for page in pages:
            yield renderer.page(page)
    except (jinja2.TemplateError, KeyError) as exc:
        raise SiteError([_template_problem(exc, renderer.config.root)]) from None


def _template_problem(exc: Exception, root: Path) -> Problem:
    """Name the template file and line: from a syntax error, or the deepest template frame."""
    where = (getattr(exc, "filename", None), getattr(exc, "lineno", None))
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith((".html", ".xml", ".txt")):
            where = (tb.tb_frame.f_code.co_filename, tb.tb_lineno)
        tb = tb.tb_next
    filename, line = where
    path = _shown(Path(filename), root) if filename else "themes"
    return Problem(path, line or 1, f"template error: {getattr(exc, 'message', None) or exc}")


def _shown(path: Path, root: Path) -> str:
    for base in (root, PROJECT_ROOT):
        if path.is_relative_to(base):
            return path.relative_to(base).as_posix()
    return path.as_posix()


__all__ = ["Renderer", "Theme", "load_theme", "render_site"]
