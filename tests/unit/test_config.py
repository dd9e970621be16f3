from pathlib import Path

import pytest

from generator.config import load_config
from generator.errors import SiteError
from tests.conftest import MINIMAL_SITE, ROOT


def errors_of(tmp_path: Path, text: str) -> list[str]:
    (tmp_path / "site.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(SiteError) as caught:
        load_config(tmp_path)
    return [str(p) for p in caught.value.problems]


def test_demo_config_loads() -> None:
    config = load_config(ROOT)
    assert config.default_language == "ru"
    assert [lang.prefix for lang in config.languages] == ["", "/tt"]
    assert config.categories["society"] == {"ru": "Общество", "tt": "Җәмгыять"}
    assert config.telegram is not None
    assert len(config.reactions_kinds) == 5


def test_default_language_comes_first_and_has_no_prefix(tmp_path: Path) -> None:
    (tmp_path / "site.yaml").write_text(
        MINIMAL_SITE.replace("default_language: ru", "default_language: tt")
    )
    config = load_config(tmp_path)
    assert [(lang.code, lang.prefix) for lang in config.languages] == [("tt", ""), ("ru", "/ru")]


def test_every_error_is_listed_with_its_line(tmp_path: Path) -> None:
    text = MINIMAL_SITE.replace("base_url: https://example.org/\n", "per_page: many\n")
    text = text.replace("  sport: {ru: Спорт, tt: Спорт}", "  sport: {ru: Спорт}\ncolour: red")
    assert errors_of(tmp_path, text) == [
        "site.yaml:1: error: missing required key 'base_url'",
        "site.yaml:2: error: 'per_page' must be a whole number of at least 1",
        "site.yaml:9: error: 'categories.sport' has no text for language 'tt'",
        "site.yaml:10: error: unknown key 'colour'",
    ]


def test_misspelt_key_gets_a_hint(tmp_path: Path) -> None:
    errors = errors_of(tmp_path, MINIMAL_SITE + "timezon: Europe/Moscow\n")
    assert errors == ["site.yaml:10: error: unknown key 'timezon' (did you mean 'timezone'?)"]


def test_bad_values(tmp_path: Path) -> None:
    text = MINIMAL_SITE.replace("https://example.org/", "example.org") + (
        "timezone: Mars/Olympus\nage_rating: 21+\nreactions: {kinds: [a, b]}\n"
    )
    assert errors_of(tmp_path, text) == [
        "site.yaml:2: error: base_url 'example.org' must be an absolute http(s) URL",
        "site.yaml:10: error: unknown time zone 'Mars/Olympus' (e.g. Europe/Moscow)",
        "site.yaml:11: error: age_rating must be one of 0+, 6+, 12+, 16+, 18+",
        "site.yaml:12: error: 'reactions.kinds' must list five different lowercase names",
    ]


def test_yaml_syntax_error(tmp_path: Path) -> None:
    errors = errors_of(tmp_path, "title: x\nlanguages: [ru\n")
    assert len(errors) == 1
    assert errors[0].startswith("site.yaml:3: error: invalid YAML")


def test_not_a_mapping_and_not_utf8(tmp_path: Path) -> None:
    assert errors_of(tmp_path, "- a\n- b\n") == [
        "site.yaml:1: error: site.yaml must be a mapping of settings"
    ]
    (tmp_path / "site.yaml").write_bytes(b"title: \xff\n")
    with pytest.raises(SiteError) as caught:
        load_config(tmp_path)
    assert str(caught.value) == "site.yaml:1: error: the file is not UTF-8 text"


def test_digest_changes_with_the_file(tmp_path: Path) -> None:
    (tmp_path / "site.yaml").write_text(MINIMAL_SITE)
    first = load_config(tmp_path).digest
    (tmp_path / "site.yaml").write_text(MINIMAL_SITE + "per_page: 5\n")
    assert load_config(tmp_path).digest != first


def test_crosspost_channels_per_language(tmp_path: Path) -> None:
    (tmp_path / "site.yaml").write_text(
        MINIMAL_SITE + "crosspost:\n  telegram: {ru: '@chistopol', tt: -1001234567890}\n"
        "  vk: {ru: -123456}\nfeed_days: 2\n",
        encoding="utf-8",
    )
    config = load_config(tmp_path)
    assert config.crosspost.telegram == {"ru": "@chistopol", "tt": "-1001234567890"}
    assert config.crosspost.vk == {"ru": "-123456"}  # not every language needs every network
    assert config.crosspost.lines == {"telegram.ru": 11, "telegram.tt": 11, "vk.ru": 12}
    assert config.feed_days == 2


def test_no_crosspost_by_default() -> None:
    config = load_config(ROOT / "tests/sites_invalid/_base")
    assert (config.crosspost.telegram, config.crosspost.vk, config.feed_days) == ({}, {}, 3)


def test_endpoint_base(tmp_path: Path) -> None:
    (tmp_path / "site.yaml").write_text(MINIMAL_SITE + "endpoint: https://api.example.org/api\n")
    config = load_config(tmp_path)
    assert config.endpoint == "https://api.example.org/api/"
    assert config.reactions_endpoint == "https://api.example.org/api/reactions"
    (tmp_path / "site.yaml").write_text(MINIMAL_SITE)
    assert load_config(tmp_path).endpoint == "/api/"


def test_the_older_reactions_endpoint_still_names_the_base(tmp_path: Path) -> None:
    (tmp_path / "site.yaml").write_text(
        MINIMAL_SITE + "reactions: {endpoint: 'https://r.example.org/api/reactions'}\n"
    )
    assert load_config(tmp_path).endpoint == "https://r.example.org/api/"


def test_endpoint_mistakes(tmp_path: Path) -> None:
    text = MINIMAL_SITE + "endpoint: /api/\nreactions: {endpoint: /other/reactions}\n"
    assert errors_of(tmp_path, text) == [
        "site.yaml:10: error: 'endpoint' /api/ and 'reactions.endpoint' disagree: keep one"
    ]
    assert errors_of(tmp_path, MINIMAL_SITE + "endpoint: api.example.org\n") == [
        "site.yaml:10: error: 'endpoint' 'api.example.org' must be a path such as /api/ or an"
        " http(s) URL"
    ]
    assert errors_of(tmp_path, MINIMAL_SITE + "reactions: {endpoint: /api/votes}\n") == [
        "site.yaml:10: error: 'reactions.endpoint' must end with /reactions; better:"
        " 'endpoint: /api/'"
    ]
