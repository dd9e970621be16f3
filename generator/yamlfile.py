"""YAML loading that remembers the line of every mapping key.

Timestamps stay strings (PyYAML raises a bare ValueError on "2024-13-45"); the
config and front matter stages parse dates themselves and report the line.
"""

from __future__ import annotations

from typing import Any

import yaml


class LineMap(dict[Any, Any]):
    """A YAML mapping that knows the 1-based line of itself and of each key."""

    line: int = 1
    lines: dict[Any, int]

    def line_of(self, key: Any) -> int:
        return self.lines.get(key, self.line)


class YamlError(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


# libyaml's parser where PyYAML was built with it (5-10x faster), the pure one elsewhere.
_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[valid-type,misc]
    pass


# Drop the implicit timestamp resolver: dates are parsed where their line is known.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> LineMap:
    loader.flatten_mapping(node)
    result = LineMap()
    result.line = node.start_mark.line + 1
    result.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if not isinstance(key, (str, int, float, bool)) and key is not None:
            raise YamlError(line, "a mapping key must be a plain value")
        if key in result.lines:
            raise YamlError(line, f"duplicate key '{key}' (first on line {result.lines[key]})")
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = line
    return result


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_map)


def _timestamp_as_text(loader: _Loader, node: yaml.ScalarNode) -> str:
    return str(loader.construct_scalar(node))


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)


def load(text: str, first_line: int = 1) -> Any:
    """Parse one YAML document; line numbers are shifted so that its line 1 is `first_line`."""
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problem = exc.problem or "invalid YAML"
        if "mapping values are not allowed" in problem:
            problem += " (put a value that holds ': ' in quotes)"
        raise YamlError(line + first_line - 1, f"invalid YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise YamlError(first_line, f"invalid YAML: {exc}") from None
    except YamlError as exc:
        raise YamlError(exc.line + first_line - 1, exc.message) from None
    if first_line != 1:
        _shift(data, first_line - 1)
    return data


def _shift(data: Any, offset: int) -> None:
    if isinstance(data, LineMap):
        data.line += offset
        data.lines = {k: v + offset for k, v in data.lines.items()}
        for value in data.values():
            _shift(value, offset)
    elif isinstance(data, list):
        for item in data:
            _shift(item, offset)
