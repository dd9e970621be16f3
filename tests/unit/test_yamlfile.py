import pytest

from generator import yamlfile


def test_keys_remember_their_lines() -> None:
    data = yamlfile.load("a: 1\nb:\n  c: 2\n  d: x\n")
    assert data.lines == {"a": 1, "b": 2}
    assert data["b"].lines == {"c": 3, "d": 4}


def test_lines_shift_for_front_matter() -> None:
    data = yamlfile.load("title: x\ndate: y\n", first_line=2)
    assert data.line_of("date") == 3


def test_timestamps_stay_text() -> None:
    # PyYAML would raise a bare ValueError on an impossible date; we parse dates ourselves.
    assert yamlfile.load("d: 2024-13-45\n") == {"d": "2024-13-45"}
    assert yamlfile.load("d: 2024-03-08T10:30:00+03:00\n") == {"d": "2024-03-08T10:30:00+03:00"}


def test_syntax_error_names_its_line() -> None:
    with pytest.raises(yamlfile.YamlError) as caught:
        yamlfile.load("a: 1\nb: [1, 2\nc: 3\n", first_line=2)
    assert caught.value.line == 4
    assert caught.value.message.startswith("invalid YAML")


def test_duplicate_keys_are_errors() -> None:
    with pytest.raises(yamlfile.YamlError) as caught:
        yamlfile.load("title: a\ndate: b\ntitle: c\n")
    assert caught.value.line == 3
    assert "duplicate key 'title' (first on line 1)" in caught.value.message
