"""Configuration from the environment (../shared/contract.md), checked once at start.

Every setting is `KHABAR_*`. The names of the first release (`REACTIONS_*`) still work as
fallbacks, because deployed endpoints may set them; they are deprecated.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import yaml

DEFAULT_KINDS = ("like", "love", "laugh", "wow", "sad")
DEFAULT_DATABASE = "sqlite:///khabar.sqlite3"
OLD_DEFAULT_FILE = "reactions.sqlite3"  # the first release's default, kept where it exists
# KHABAR_ name -> the deprecated name it replaces
OLD_NAMES = {
    "KHABAR_DATABASE_URL": "REACTIONS_DATABASE_URL",
    "KHABAR_ALLOWED_ORIGINS": "REACTIONS_ALLOWED_ORIGINS",
    "KHABAR_SECRET": "REACTIONS_SECRET",
    "KHABAR_REACTIONS": "REACTIONS_KINDS",
    "KHABAR_PAGES": "REACTIONS_PAGES",
    "KHABAR_TRUST_PROXY": "REACTIONS_TRUST_PROXY",
    "KHABAR_RATE_LIMIT": "REACTIONS_RATE_LIMIT",
}
KIND_RE = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")


class ConfigError(Exception):
    """A setting is missing or malformed: the service refuses to start."""


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE
    allowed_origins: frozenset[str] = frozenset()
    secret: bytes = b""
    kinds: tuple[str, ...] = DEFAULT_KINDS
    pages: frozenset[str] | None = None  # None: any well-formed page id
    trust_proxy: int = 0
    rate_limit: int = 30  # POSTs per client IP per minute; 0: no limit

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, *, site: Path | None = None
    ) -> Settings:
        env = _with_old_names(os.environ if env is None else env)
        secret = env.get("KHABAR_SECRET", "")
        if len(secret) < 16:
            raise ConfigError("KHABAR_SECRET must be set to a random string of 16+ characters")
        return cls(
            database_url=env.get("KHABAR_DATABASE_URL") or _default_database(),
            allowed_origins=_origins(env.get("KHABAR_ALLOWED_ORIGINS"), site),
            secret=secret.encode(),
            kinds=_kinds(env.get("KHABAR_REACTIONS")),
            pages=_pages(env.get("KHABAR_PAGES")),
            trust_proxy=_number(env, "KHABAR_TRUST_PROXY", 0),
            rate_limit=_number(env, "KHABAR_RATE_LIMIT", 30),
        )


def _with_old_names(env: Mapping[str, str]) -> dict[str, str]:
    """The environment with each deprecated `REACTIONS_*` setting under its new name,
    unless the new name is set too (then the new one wins)."""
    merged = dict(env)
    for new, old in OLD_NAMES.items():
        if new not in merged and old in merged:
            merged[new] = merged[old]
    return merged


def _default_database() -> str:
    """khabar.sqlite3, or the first release's reactions.sqlite3 where a site still has one:
    renaming the default must not leave a site's counts behind."""
    if Path(OLD_DEFAULT_FILE).is_file() and not Path("khabar.sqlite3").exists():
        return f"sqlite:///{OLD_DEFAULT_FILE}"
    return DEFAULT_DATABASE


def origin_of(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"not an origin: {url!r} (write https://example.org)")
    return f"{parts.scheme}://{parts.netloc}".lower()


def _origins(raw: str | None, site: Path | None) -> frozenset[str]:
    if raw is not None:
        return frozenset(origin_of(item) for item in raw.split(",") if item.strip())
    # Default: the origin of base_url in the site's site.yaml (the one contract we share).
    path = (site or Path.cwd()) / "site.yaml"
    if not path.is_file():
        return frozenset()
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    base = data.get("base_url") if isinstance(data, dict) else None
    return frozenset({origin_of(base)}) if isinstance(base, str) else frozenset()


def _kinds(raw: str | None) -> tuple[str, ...]:
    if raw is None:
        return DEFAULT_KINDS
    kinds = tuple(k.strip() for k in raw.split(",") if k.strip())
    if len(kinds) != len(set(kinds)) or not kinds or not all(KIND_RE.match(k) for k in kinds):
        raise ConfigError("KHABAR_REACTIONS must list distinct lowercase names, e.g. like,love")
    return kinds


def _pages(raw: str | None) -> frozenset[str] | None:
    if not raw:
        return None
    try:
        ids = json.loads(Path(raw).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"KHABAR_PAGES: cannot read a JSON list from {raw}: {exc}") from None
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise ConfigError(f"KHABAR_PAGES: {raw} must hold a JSON list of page ids")
    return frozenset(ids)


def _number(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit():
        raise ConfigError(f"{name} must be a whole number, not {raw!r}")
    return int(raw)
