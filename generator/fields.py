"""Typed reading of one YAML mapping, collecting every problem with its line.

Shared by the config and front matter stages so both report mistakes the same way.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from generator.errors import Collector
from generator.yamlfile import LineMap

Text = dict[str, str]  # a user-facing text, one value per site language


class Fields:
    def __init__(
        self, data: LineMap, path: str, errors: Collector, where: str = "", missing_line: int = 0
    ) -> None:
        self.data = data
        self.path = path
        self.errors = errors
        self.where = where
        # Missing keys are reported at the mapping's own line unless told otherwise.
        self.missing_line = missing_line or data.line

    def name(self, key: str) -> str:
        return f"{self.where}{key}"

    def line(self, key: str) -> int:
        return self.data.line_of(key)

    def error(self, key: str, message: str) -> None:
        self.errors.add(self.path, self.line(key), message)

    def reject_unknown(self, allowed: Iterable[str]) -> None:
        allowed = list(allowed)
        for key in self.data:
            if key not in allowed:
                hint = difflib.get_close_matches(str(key), allowed, n=1)
                tail = f" (did you mean '{hint[0]}'?)" if hint else ""
                self.error(key, f"unknown key '{self.name(str(key))}'{tail}")

    def present(self, key: str, required: bool) -> bool:
        if key in self.data and self.data[key] is not None:
            return True
        if required:
            self.errors.add(
                self.path, self.missing_line, f"missing required key '{self.name(key)}'"
            )
        return False

    def string(self, key: str, required: bool = False, default: str | None = None) -> str | None:
        if not self.present(key, required):
            return default
        value = self.data[key]
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)  # a title such as 1941 is still a title
        if not isinstance(value, str):
            self.error(key, f"'{self.name(key)}' must be a string{_quote_hint(value)}")
            return default
        if required and not value.strip():
            self.error(key, f"'{self.name(key)}' must not be empty")
            return default
        return value.strip()

    def boolean(self, key: str, default: bool = False) -> bool:
        if not self.present(key, False):
            return default
        value = self.data[key]
        if not isinstance(value, bool):
            self.error(key, f"'{self.name(key)}' must be true or false, not {value!r}")
            return default
        return value

    def integer(self, key: str, default: int, minimum: int = 1) -> int:
        if not self.present(key, False):
            return default
        value = self.data[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.error(key, f"'{self.name(key)}' must be a whole number of at least {minimum}")
            return default
        return value

    def string_list(self, key: str) -> tuple[str, ...]:
        if not self.present(key, False):
            return ()
        value = self.data[key]
        if not isinstance(value, list):
            self.error(key, f"'{self.name(key)}' must be a list, e.g. [one, two]")
            return ()
        if not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in value):
            self.error(key, f"every item of '{self.name(key)}' must be a string")
            return ()
        return tuple(str(v).strip() for v in value if str(v).strip())

    def mapping(self, key: str, required: bool = False) -> Fields | None:
        if not self.present(key, required):
            return None
        value = self.data[key]
        if not isinstance(value, LineMap):
            self.error(key, f"'{self.name(key)}' must be a mapping of keys to values")
            return None
        return Fields(value, self.path, self.errors, f"{self.name(key)}.", self.line(key))

    def text(self, key: str, languages: Iterable[str], required: bool = False) -> Text | None:
        """A plain string (the same in every language) or a mapping giving every language."""
        if not self.present(key, required):
            return None
        value = self.data[key]
        languages = list(languages)
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return {lang: str(value) for lang in languages}
        if not isinstance(value, LineMap):
            self.error(key, f"'{self.name(key)}' must be a string or a mapping {{ru: …, tt: …}}")
            return None
        sub = Fields(value, self.path, self.errors, f"{self.name(key)}.", self.line(key))
        sub.reject_unknown(languages)
        result = {}
        for lang in languages:
            if lang not in value:
                self.error(key, f"'{self.name(key)}' has no text for language '{lang}'")
            else:
                result[lang] = sub.string(lang, required=True) or ""
        return result if len(result) == len(languages) else None


def _quote_hint(value: Any) -> str:
    if isinstance(value, bool):
        return " (put it in quotes: YAML reads yes/no/true/false as a boolean)"
    return ""
