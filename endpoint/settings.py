"""Configuration from the environment (../shared/contract.md), checked once at start.

Every setting is `KHABAR_*`. The names of the first release (`REACTIONS_*`) still work as
fallbacks, because deployed endpoints may set them; they are deprecated.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from endpoint.pages import Pages, PagesError, load

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
TOKEN_RE = re.compile(r"^[A-Za-z0-9._~+/=-]{24,200}$")
SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{16,256}$")  # what Telegram allows, 16+ long
TELEGRAM_API = "https://api.telegram.org"


class ConfigError(Exception):
    """A setting is missing or malformed: the service refuses to start."""


@dataclass(frozen=True)
class Telegram:
    """The moderators' chat: a bot that announces comments and takes decisions."""

    token: str
    chat: str
    secret: str  # Telegram sends it back in X-Telegram-Bot-Api-Secret-Token
    api: str = TELEGRAM_API
    moderators: dict[int, str] = field(default_factory=dict)  # Telegram user id -> name
    lang: str = "ru"


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE
    allowed_origins: frozenset[str] = frozenset()
    secret: bytes = b""
    kinds: tuple[str, ...] = DEFAULT_KINDS
    pages: Pages = field(default_factory=Pages)  # at start; PageIndex follows the file
    pages_file: Path | None = None
    trust_proxy: int = 0
    rate_limit: int = 30  # POSTs per client IP per minute; 0: no limit
    moderators: tuple[tuple[str, str], ...] = ()  # (name, token)
    telegram: Telegram | None = None
    site_url: str | None = None  # base_url of the site.yaml found at start, if any

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, *, site: Path | None = None
    ) -> Settings:
        env = _with_old_names(os.environ if env is None else env)
        secret = env.get("KHABAR_SECRET", "")
        if len(secret) < 16:
            raise ConfigError("KHABAR_SECRET must be set to a random string of 16+ characters")
        base_url = _site_base_url(site)
        pages_file = Path(env["KHABAR_PAGES"]) if env.get("KHABAR_PAGES") else None
        return cls(
            database_url=env.get("KHABAR_DATABASE_URL") or _default_database(),
            allowed_origins=_origins(env.get("KHABAR_ALLOWED_ORIGINS"), base_url),
            secret=secret.encode(),
            kinds=_kinds(env.get("KHABAR_REACTIONS")),
            pages=_pages(env.get("KHABAR_PAGES")),
            pages_file=pages_file,
            trust_proxy=_number(env, "KHABAR_TRUST_PROXY", 0),
            rate_limit=_number(env, "KHABAR_RATE_LIMIT", 30),
            moderators=moderators(env.get("KHABAR_MODERATORS", "")),
            telegram=telegram(env),
            site_url=base_url,
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


def _origins(raw: str | None, base_url: str | None) -> frozenset[str]:
    if raw is not None:
        return frozenset(origin_of(item) for item in raw.split(",") if item.strip())
    # Default: the origin of base_url in the site's site.yaml (the one contract we share).
    return frozenset({origin_of(base_url)}) if base_url else frozenset()


def _site_base_url(site: Path | None) -> str | None:
    path = (site or Path.cwd()) / "site.yaml"
    if not path.is_file():
        return None
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
    base = data.get("base_url") if isinstance(data, dict) else None
    return base if isinstance(base, str) else None


def _kinds(raw: str | None) -> tuple[str, ...]:
    if raw is None:
        return DEFAULT_KINDS
    kinds = tuple(k.strip() for k in raw.split(",") if k.strip())
    if len(kinds) != len(set(kinds)) or not kinds or not all(KIND_RE.match(k) for k in kinds):
        raise ConfigError("KHABAR_REACTIONS must list distinct lowercase names, e.g. like,love")
    return kinds


def _pages(raw: str | None) -> Pages:
    if not raw:
        return Pages()
    try:
        return load(Path(raw))
    except PagesError as exc:
        raise ConfigError(f"KHABAR_PAGES: {exc}") from None


def _number(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit():
        raise ConfigError(f"{name} must be a whole number, not {raw!r}")
    return int(raw)


def moderators(raw: str) -> tuple[tuple[str, str], ...]:
    """`name:token,name:token`: each moderator signs in with a personal token."""
    found: list[tuple[str, str]] = []
    for item in filter(None, (part.strip() for part in raw.split(","))):
        name, _, token = item.rpartition(":")
        if not name.strip() or not TOKEN_RE.match(token):
            raise ConfigError(
                "KHABAR_MODERATORS must list name:token pairs, each token 24+ characters"
                " (python -c 'import secrets; print(secrets.token_urlsafe(24))')"
            )
        found.append((name.strip(), token))
    tokens = [token for _, token in found]
    if len(set(tokens)) != len(tokens):
        raise ConfigError("KHABAR_MODERATORS: two moderators share a token")
    return tuple(found)


def telegram(env: Mapping[str, str]) -> Telegram | None:
    names = ("KHABAR_TELEGRAM_BOT_TOKEN", "KHABAR_TELEGRAM_CHAT", "KHABAR_TELEGRAM_SECRET")
    token, chat, secret = (env.get(name, "").strip() for name in names)
    if not (token or chat or secret):
        return None
    if not (token and chat and secret):
        raise ConfigError(f"Telegram needs all three of {', '.join(names)}")
    if not SECRET_RE.match(secret):
        raise ConfigError("KHABAR_TELEGRAM_SECRET: 16 to 256 of A-Z, a-z, 0-9, _ and -")
    api = env.get("KHABAR_TELEGRAM_API", TELEGRAM_API).rstrip("/")
    origin_of(api)  # an http(s) URL, or ConfigError
    lang = env.get("KHABAR_TELEGRAM_LANG", "ru")
    if lang not in ("ru", "tt"):
        raise ConfigError("KHABAR_TELEGRAM_LANG must be ru or tt")
    return Telegram(token, chat, secret, api, _telegram_moderators(env), lang)


def _telegram_moderators(env: Mapping[str, str]) -> dict[int, str]:
    """`name:user_id,…`: who may press Approve and Reject in the chat."""
    found: dict[int, str] = {}
    raw = env.get("KHABAR_TELEGRAM_MODERATORS", "")
    for item in filter(None, (part.strip() for part in raw.split(","))):
        name, _, user = item.rpartition(":")
        if not name.strip() or not user.isascii() or not user.isdigit():
            raise ConfigError("KHABAR_TELEGRAM_MODERATORS must list name:telegram_user_id pairs")
        found[int(user)] = name.strip()
    return found
