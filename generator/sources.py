"""Find what the site is made of: content/<lang>/**.md for every language, and the static
files of the site and its theme. Only regular files inside the site are ever read: a
symbolic link is an error naming it (anyone who can commit one could otherwise make CI
publish the build machine's files)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

from generator.config import SiteConfig
from generator.digests import Digests, hash_bytes
from generator.errors import Collector
from generator.model import SourceFile, SourceRef

CONTENT = "content"
STATIC = "static"


def list_sources(config: SiteConfig, digests: Digests) -> list[SourceRef]:
    """Every article file, hashed (by its bytes, or known unchanged since last hashed)."""
    return [
        SourceRef(f"{CONTENT}/{lang}/{rel}", lang, rel.removesuffix(".md"), digests.of(path))
        for lang, rel, path in _articles(config)
    ]


def read_sources(config: SiteConfig) -> list[SourceFile]:
    """Every article file, read (for tools that look at every file anyway: `due`)."""
    return [
        _read(path, f"{CONTENT}/{lang}/{rel}", lang, rel) for lang, rel, path in _articles(config)
    ]


def _articles(config: SiteConfig) -> list[tuple[str, str, str]]:
    """(language, path under content/<lang>/, file) of every article (strings: pathlib
    costs more than the rest of listing 10,000 files)."""
    errors = Collector()
    content = config.root / CONTENT
    _reject_unknown_languages(content, config, errors)
    found: list[tuple[str, str, str]] = []
    for lang in config.lang_codes:
        names = regular_files(content / lang, f"{CONTENT}/{lang}", errors, _is_article, "._")
        folder = f"{content}/{lang}/"
        found += [(lang, name, folder + name) for name in names]
    errors.raise_if_any()
    return found


def load(root: Path, ref: SourceRef) -> SourceFile:
    """The file's bytes now (with their own hash: the file may have changed since listed)."""
    return _read(root / ref.path, ref.path, ref.lang, f"{ref.rel}.md")


def static_files(root: Path, theme_static: Iterable[Path]) -> dict[str, Path]:
    """Output path -> file: the theme's static/ under assets/, the site's static/ at the root."""
    errors = Collector()
    found: dict[str, Path] = {}
    folders = [(folder, "assets/", folder.as_posix()) for folder in theme_static]
    folders.append((root / STATIC, "", STATIC))
    for folder, prefix, shown in folders:
        for rel in regular_files(folder, _shown(folder, root, shown), errors, _is_published, "."):
            found[prefix + rel] = folder / rel
    errors.raise_if_any()
    return found


def regular_files(
    base: Path, shown: str, errors: Collector, wanted: Callable[[str], bool], hidden: str
) -> list[str]:
    """Sorted paths under base of the wanted files, skipping folders whose names start with
    one of `hidden` (editor swap files, folders kept out on purpose); every symbolic link is
    an error. scandir: the directory entries tell links and folders apart without a stat."""
    if base.is_symlink():
        _link_error(base, shown, errors)
        return []
    found: list[str] = []
    if base.is_dir():
        _walk(str(base), "", shown, errors, wanted, tuple(hidden), found)
    return sorted(found)


def _walk(
    folder: str,
    prefix: str,
    shown: str,
    errors: Collector,
    wanted: Callable[[str], bool],
    hidden: tuple[str, ...],
    found: list[str],
) -> None:
    try:
        with os.scandir(folder) as entries:
            listed = sorted(entries, key=lambda e: e.name)
    except FileNotFoundError:
        return  # removed while listed (a git checkout under serve): its change is on its way
    except OSError as exc:
        errors.add(
            f"{shown}/{prefix}".rstrip("/"), 1, f"this folder cannot be read: {exc.strerror}"
        )
        return
    for entry in listed:
        rel = prefix + entry.name
        if entry.is_symlink():
            if not entry.name.startswith(hidden):
                _link_error(Path(entry.path), f"{shown}/{rel}", errors)
        elif entry.is_dir():
            if not entry.name.startswith(hidden):
                _walk(entry.path, f"{rel}/", shown, errors, wanted, hidden, found)
        elif wanted(entry.name):
            found.append(rel)


def _link_error(path: Path, shown: str, errors: Collector) -> None:
    target = os.readlink(path)
    errors.add(
        shown, 1, f"a symbolic link (to {target}): only regular files inside the site are "
        "published; put the file itself here"
    )  # fmt: skip


def _is_article(name: str) -> bool:
    return name.endswith(".md") and not name.startswith((".", "_"))


def _is_published(name: str) -> bool:
    return not name.startswith(".")


def _shown(folder: Path, root: Path, default: str) -> str:
    return folder.relative_to(root).as_posix() if folder.is_relative_to(root) else default


def read_source(root: Path, path: Path, lang: str) -> SourceFile:
    rel = path.relative_to(root / CONTENT / lang).as_posix()
    return _read(path, path.relative_to(root).as_posix(), lang, rel)


def _read(path: Path | str, shown: str, lang: str, rel: str) -> SourceFile:
    with open(path, "rb") as handle:
        data = handle.read()
    return SourceFile(
        path=shown,
        lang=lang,
        rel=rel.removesuffix(".md"),
        data=data,
        digest=hash_bytes(data),
    )


def _reject_unknown_languages(content: Path, config: SiteConfig, errors: Collector) -> None:
    if content.is_symlink():
        _link_error(content, CONTENT, errors)
        return
    if not content.is_dir():
        return
    for child in sorted(content.iterdir()):
        if child.is_dir() and child.name not in config.lang_codes and child.name[0] not in "._":
            errors.add(
                f"{CONTENT}/{child.name}",
                1,
                f"'{child.name}' is not a language of site.yaml ({', '.join(config.lang_codes)})",
            )
