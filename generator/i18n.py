"""UI strings from the theme's translation files; dates and plurals by CLDR through Babel.

Never the operating system's locale: a Tatar locale is rarely installed, Babel has CLDR's.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date, format_datetime

from generator import yamlfile
from generator.errors import Collector
from generator.yamlfile import LineMap

PLURAL_FORMS = ("zero", "one", "two", "few", "many", "other")


@dataclass(frozen=True)
class Strings:
    """One language's UI strings: `t("nav.home")`, `t("reactions.count", n=5)`."""

    lang: str
    table: dict[str, Any]

    def __call__(self, key: str, n: int | None = None, **params: object) -> str:
        value = self.table.get(key)
        if value is None:
            raise KeyError(f"no UI string '{key}' for language '{self.lang}'")
        if isinstance(value, dict):
            value = value.get(plural_form(self.lang, n or 0), value.get("other", ""))
        return str(value).format(n=n, **params) if (params or n is not None) else str(value)

    def get(self, key: str, default: str) -> str:
        """A string the theme may leave out (a custom reaction's label)."""
        return self(key) if key in self.table else default

    def forms(self, key: str) -> dict[str, str]:
        """A plural string's CLDR forms, for the browser's Intl.PluralRules."""
        value = self.table.get(key)
        if not isinstance(value, dict):
            raise KeyError(f"UI string '{key}' has no plural forms for '{self.lang}'")
        return dict(value)


def plural_form(lang: str, n: int) -> str:
    return str(Locale.parse(lang).plural_form(n))


def load_strings(folder: Path, lang: str, errors: Collector, shown_as: str) -> Strings:
    """Read i18n/<lang>.yaml of a theme; nested mappings become dotted keys."""
    path = folder / f"{lang}.yaml"
    name = f"{shown_as}/{lang}.yaml"
    try:
        data = yamlfile.load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        errors.add(name, 1, f"the theme has no UI strings for language '{lang}'")
        return Strings(lang, {})
    except yamlfile.YamlError as exc:
        errors.add(name, exc.line, exc.message)
        return Strings(lang, {})
    return Strings(lang, _flatten(data if isinstance(data, LineMap) else LineMap(), ""))


def _flatten(data: LineMap, prefix: str) -> dict[str, Any]:
    table: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, LineMap) and set(value) <= set(PLURAL_FORMS):
            table[name] = {str(k): str(v) for k, v in value.items()}
        elif isinstance(value, LineMap):
            table.update(_flatten(value, f"{name}."))
        else:
            table[name] = "" if value is None else str(value)
    return table


def long_date(moment: datetime, lang: str) -> str:
    """ru «8 марта 2024», tt «8 март 2024»: day, month name, year (on the moment's clock)."""
    return _long_date(moment.replace(tzinfo=None), lang)


def short_time(moment: datetime, lang: str) -> str:
    """15:12 on the moment's clock."""
    return _short_time(moment.replace(tzinfo=None), lang)


# Babel takes ~50 µs a call and one date shows on a dozen pages. Cached by the wall-clock
# time: aware datetimes of one instant in two zones are equal keys but different dates.
@functools.lru_cache(maxsize=1 << 16)
def _long_date(wall: datetime, lang: str) -> str:
    return format_date(wall, "d MMMM y", locale=lang)


@functools.lru_cache(maxsize=1 << 16)
def _short_time(wall: datetime, lang: str) -> str:
    return format_datetime(wall, "HH:mm", locale=lang)


@functools.lru_cache(maxsize=1 << 16)
def month_title(month: str, lang: str) -> str:
    """ "2024/03" -> «Март 2024» (the standalone month name, capitalised)."""
    year, number = month.split("/")
    text = format_date(datetime(int(year), int(number), 1), "LLLL y", locale=lang)
    return text[:1].upper() + text[1:]
