"""site.yaml: validated into a typed SiteConfig, every mistake reported with its line."""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from generator import yamlfile
from generator.errors import Collector, Problem, SiteError
from generator.fields import Fields, Text
from generator.yamlfile import LineMap

CONFIG_FILE = "site.yaml"
DEFAULT_KINDS = ("like", "love", "laugh", "wow", "sad")
AGE_RATINGS = ("0+", "6+", "12+", "16+", "18+")
KEY_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LANG_RE = re.compile(r"^[a-z]{2,3}$")
TELEGRAM_CHAT_RE = re.compile(r"^(@[A-Za-z][A-Za-z0-9_]{3,}|-?[0-9]+)$")
VK_OWNER_RE = re.compile(r"^-[0-9]+$")
REPO_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$")

TOP_KEYS = (
    "title", "description", "district", "base_url", "default_language", "languages",
    "timezone", "theme", "per_page", "feed_items", "age_rating", "year_banner",
    "categories", "imprint", "telegram", "reactions", "feed_days", "crosspost", "endpoint",
    "repository",
)  # fmt: skip
IMPRINT_KEYS = ("founder", "chief_editor", "email", "phone", "address", "registration")


@dataclass(frozen=True)
class Language:
    code: str
    label: str
    prefix: str  # URL prefix: "" for the default language, "/tt" for the others


@dataclass(frozen=True)
class Telegram:
    channel: str  # the outlet's own channel URL
    name: Text  # the channel's name as shown in the promo line
    holding: str | None  # the media holding's channel URL


@dataclass(frozen=True)
class Crosspost:
    """Where new articles are announced, per language (../shared/contract.md, Publishing)."""

    telegram: dict[str, str] = field(default_factory=dict)  # lang -> channel id or @name
    vk: dict[str, str] = field(default_factory=dict)  # lang -> community wall owner id
    lines: dict[str, int] = field(default_factory=dict)  # "telegram.ru" -> line in site.yaml


@dataclass(frozen=True)
class Repository:
    """The GitHub repository the editors' CMS commits to."""

    name: str  # OWNER/NAME
    branch: str = "main"
    line: int = 1  # of the key in site.yaml, for messages about the CMS


@dataclass(frozen=True)
class SiteConfig:
    root: Path
    title: Text
    base_url: str  # always ends with "/"
    default_language: str
    languages: tuple[Language, ...]
    categories: dict[str, Text]
    description: Text | None = None
    district: Text | None = None
    timezone: str = "Europe/Moscow"
    theme: str = "default"
    per_page: int = 20
    feed_items: int = 50
    feed_days: int = 3  # Dzen takes only the last days' items
    age_rating: str = "18+"
    year_banner: Text | None = None
    imprint: dict[str, Text] = field(default_factory=dict)
    telegram: Telegram | None = None
    endpoint: str = "/api/"  # the readers' endpoint's base, always ending with "/"
    reactions_kinds: tuple[str, ...] = DEFAULT_KINDS
    crosspost: Crosspost = field(default_factory=Crosspost)
    repository: Repository | None = None
    digest: str = ""  # hash of site.yaml's bytes, part of every cache key

    # Cached: asked for on every page of every article (a frozen dataclass still has a
    # __dict__ for cached_property to fill).
    @functools.cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @functools.cached_property
    def base_path(self) -> str:
        """The path part of base_url without its final slash ("" at a domain's root)."""
        return urlsplit(self.base_url).path.rstrip("/")

    @property
    def reactions_endpoint(self) -> str:
        return self.endpoint + "reactions"

    @functools.cached_property
    def lang_codes(self) -> tuple[str, ...]:
        return tuple(lang.code for lang in self.languages)

    @functools.cached_property
    def _by_code(self) -> dict[str, Language]:
        return {lang.code: lang for lang in self.languages}

    def language(self, code: str) -> Language:
        return self._by_code[code]


def load_config(root: Path) -> SiteConfig:
    """Read and validate ROOT/site.yaml; raise SiteError listing every problem."""
    config, problems = read_config(root)
    if problems or config is None:
        raise SiteError(problems)
    return config


def read_config(root: Path) -> tuple[SiteConfig | None, list[Problem]]:
    """The config and its problems. A config with problems is still returned when it is
    usable enough (languages and rubrics read) for the articles to be checked against it,
    so that one run lists the mistakes of site.yaml and of the articles together."""
    errors = Collector()
    path = root / CONFIG_FILE
    try:
        raw = path.read_bytes()
        data = yamlfile.load(raw.decode("utf-8"))
    except FileNotFoundError:
        errors.add(CONFIG_FILE, 1, f"no {CONFIG_FILE} in {root}")
    except UnicodeDecodeError:
        errors.add(CONFIG_FILE, 1, "the file is not UTF-8 text")
    except yamlfile.YamlError as exc:
        errors.add(CONFIG_FILE, exc.line, exc.message)
    if errors.problems:
        return None, errors.problems
    if not isinstance(data, LineMap):
        errors.add(CONFIG_FILE, 1, "site.yaml must be a mapping of settings")
        return None, errors.problems
    config = _read(Fields(data, CONFIG_FILE, errors, missing_line=1), root, raw)
    usable = bool(config.languages and config.categories)
    return (config if usable else None), errors.problems


def _read(f: Fields, root: Path, raw: bytes) -> SiteConfig:
    f.reject_unknown(TOP_KEYS)
    languages = _languages(f)
    codes = [lang for lang, _ in languages]
    default = f.string("default_language", required=True)
    if default and codes and default not in codes:
        f.error("default_language", f"default_language '{default}' is not one of languages")
    default = default if default in codes else (codes[0] if codes else "")
    ordered = sorted(languages, key=lambda item: item[0] != default)
    langs = tuple(Language(c, label, "" if c == default else f"/{c}") for c, label in ordered)
    title = f.text("title", codes, required=True)
    categories = _categories(f, codes)
    base_url = _base_url(f)
    result = SiteConfig(
        root=root,
        title=title or {},
        base_url=base_url,
        default_language=default,
        languages=langs,
        categories=categories,
        description=f.text("description", codes),
        district=f.text("district", codes),
        timezone=_timezone(f),
        theme=f.string("theme", default="default") or "default",
        per_page=f.integer("per_page", 20),
        feed_items=f.integer("feed_items", 50),
        feed_days=f.integer("feed_days", 3),
        age_rating=_age_rating(f),
        year_banner=f.text("year_banner", codes),
        imprint=_imprint(f, codes),
        telegram=_telegram(f, codes),
        **_endpoint(f),  # type: ignore[arg-type]
        crosspost=_crosspost(f, codes),
        repository=_repository(f),
        digest=hashlib.sha256(raw).hexdigest(),
    )
    return result


def _languages(f: Fields) -> list[tuple[str, str]]:
    sub = f.mapping("languages", required=True)
    if sub is None:
        return []
    result = []
    for code in sub.data:
        if not isinstance(code, str) or not LANG_RE.match(code):
            sub.error(code, f"language code '{code}' must be two or three lowercase letters")
            continue
        entry = sub.mapping(code, required=True)
        label = code.capitalize()
        if entry is not None:
            entry.reject_unknown(["label"])
            label = entry.string("label", required=True) or label
        result.append((code, label))
    if not result:
        f.error("languages", "'languages' must list at least one language")
    return result


def _categories(f: Fields, codes: list[str]) -> dict[str, Text]:
    sub = f.mapping("categories", required=True)
    if sub is None:
        return {}
    result = {}
    for key in sub.data:
        if not isinstance(key, str) or not KEY_RE.match(key):
            sub.error(
                key, f"rubric key '{key}' must be lowercase latin letters, digits and hyphens"
            )
            continue
        labels = sub.text(key, codes, required=True)
        # A rubric with a missing label still exists: its articles are not flagged too.
        result[key] = labels or {code: key for code in codes}
    if not sub.data:
        f.error("categories", "'categories' must list at least one rubric")
    return result


def _base_url(f: Fields) -> str:
    url = f.string("base_url", required=True) or ""
    parts = urlsplit(url)
    if url and (parts.scheme not in ("http", "https") or not parts.netloc):
        f.error("base_url", f"base_url '{url}' must be an absolute http(s) URL")
    return url if url.endswith("/") else url + "/"


def _timezone(f: Fields) -> str:
    name = f.string("timezone", default="Europe/Moscow") or "Europe/Moscow"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        f.error("timezone", f"unknown time zone '{name}' (e.g. Europe/Moscow)")
        return "Europe/Moscow"
    return name


def _age_rating(f: Fields) -> str:
    rating = f.string("age_rating", default="18+") or "18+"
    if rating not in AGE_RATINGS:
        f.error("age_rating", f"age_rating must be one of {', '.join(AGE_RATINGS)}")
    return rating


def _imprint(f: Fields, codes: list[str]) -> dict[str, Text]:
    sub = f.mapping("imprint")
    if sub is None:
        return {}
    sub.reject_unknown(IMPRINT_KEYS)
    texts = {key: sub.text(key, codes) for key in IMPRINT_KEYS}
    return {key: text for key, text in texts.items() if text is not None}


def _telegram(f: Fields, codes: list[str]) -> Telegram | None:
    sub = f.mapping("telegram")
    if sub is None:
        return None
    sub.reject_unknown(["channel", "name", "holding"])
    channel = sub.string("channel", required=True)
    name = sub.text("name", codes, required=True)
    if channel is None or name is None:
        return None
    return Telegram(channel, name, sub.string("holding"))


def _endpoint(f: Fields) -> dict[str, object]:
    """`endpoint: BASE` (the readers' endpoint), the reaction kinds, and the older spelling
    `reactions: {endpoint: BASE/reactions}` that sites of the first release use."""
    result: dict[str, object] = {}
    legacy = None
    sub = f.mapping("reactions")
    if sub is not None:
        sub.reject_unknown(["endpoint", "kinds"])
        legacy = _legacy_endpoint(sub)
        kinds = sub.string_list("kinds")
        if kinds and (len(set(kinds)) != 5 or len(kinds) != 5 or not all(map(KEY_RE.match, kinds))):
            sub.error("kinds", "'reactions.kinds' must list five different lowercase names")
        elif kinds:
            result["reactions_kinds"] = kinds
    base = _endpoint_base(f)
    if base and legacy and base != legacy:
        f.error("endpoint", f"'endpoint' {base} and 'reactions.endpoint' disagree: keep one")
    if base or legacy:
        result["endpoint"] = base or legacy
    return result


def _crosspost(f: Fields, codes: list[str]) -> Crosspost:
    sub = f.mapping("crosspost")
    if sub is None:
        return Crosspost()
    sub.reject_unknown(["telegram", "vk"])
    lines: dict[str, int] = {}
    telegram = _channels(sub, "telegram", codes, lines, TELEGRAM_CHAT_RE)
    vk = _channels(sub, "vk", codes, lines, VK_OWNER_RE)
    return Crosspost(telegram, vk, lines)


CHANNEL_HINTS = {
    "telegram": "a channel's @name or a chat id",
    "vk": 'a community wall id such as "-123456"',
}


def _channels(
    f: Fields, key: str, codes: list[str], lines: dict[str, int], pattern: re.Pattern[str]
) -> dict[str, str]:
    """A language -> channel mapping; not every language needs a channel."""
    sub = f.mapping(key)
    if sub is None:
        return {}
    sub.reject_unknown(codes)
    result = {}
    for lang in codes:
        value = sub.string(lang)
        if value is None:
            continue
        if not pattern.match(value):
            fixed = f"-{value}" if key == "vk" else f"@{value}"
            hint = f" (did you mean '{fixed}'?)" if pattern.match(fixed) else ""
            sub.error(lang, f"'{sub.name(lang)}' must be {CHANNEL_HINTS[key]}{hint}")
            continue
        result[lang] = value
        lines[f"{key}.{lang}"] = sub.line(lang)
    return result


def _endpoint_base(f: Fields) -> str | None:
    url = f.string("endpoint")
    if url is None:
        return None
    parts = urlsplit(url)
    absolute = parts.scheme in ("http", "https") and bool(parts.netloc)
    if not (absolute or url.startswith("/")) or parts.query or parts.fragment:
        f.error("endpoint", f"'endpoint' {url!r} must be a path such as /api/ or an http(s) URL")
        return None
    return url if url.endswith("/") else url + "/"


def _legacy_endpoint(sub: Fields) -> str | None:
    url = sub.string("endpoint")
    if url is None:
        return None
    if not url.rstrip("/").endswith("/reactions"):
        sub.error(
            "endpoint", "'reactions.endpoint' must end with /reactions; better: 'endpoint: /api/'"
        )
        return None
    return url.rstrip("/").removesuffix("reactions")


def _repository(f: Fields) -> Repository | None:
    """`repository: OWNER/NAME`, or `{name: OWNER/NAME, branch: BRANCH}`."""
    if not f.present("repository", False):
        return None
    line = f.line("repository")
    if isinstance(f.data["repository"], str):
        name, branch = f.string("repository"), "main"
    else:
        sub = f.mapping("repository")
        if sub is None:
            return None
        sub.reject_unknown(["name", "branch"])
        name, branch = sub.string("name", required=True), sub.string("branch") or "main"
    if name is None:
        return None
    if not REPO_RE.match(name):
        url = re.match(r"^(?:https?://)?github\.com/([^/]+/[^/]+?)(?:\.git)?/?$", name)
        hint = f" (write {url.group(1)})" if url else ""
        f.error(
            "repository", f"repository '{name}' must be OWNER/NAME of a GitHub repository{hint}"
        )
        return None
    return Repository(name, branch, line)
