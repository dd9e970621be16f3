import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.typography import NBSP, SEP, _joined, _piecewise, typograph, typograph_html

N = NBSP


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ('Фестиваль "Чистай моңнары"', "ru", "Фестиваль «Чистай моңнары»"),
        ('Он сказал: "Это "Кама" победила"', "ru", "Он сказал: «Это „Кама“ победила»"),
        ('"Мы ждали", - сказала она', "ru", f"«Мы ждали»,{N}— сказала она"),
        ("Школа - это дом", "ru", f"Школа{N}— это дом"),
        ("Школа -- это дом", "ru", f"Школа{N}— это дом"),
        ("Школа — это дом", "ru", f"Школа{N}— это дом"),
        ("Школа – это дом", "ru", f"Школа{N}— это дом"),
        ("- Здравствуйте!", "ru", "— Здравствуйте!"),
        ("– Здравствуйте!", "ru", "— Здравствуйте!"),  # an en dash without a hyphen in sight
        ("5\tкм", "ru", f"5{N}км"),  # a tab and no space
        ("Годы 1941-1945", "ru", "Годы 1941–1945"),
        ("Постановление № 1187", "ru", f"Постановление №{N}1187"),
        ("Постановление №1187", "ru", f"Постановление №{N}1187"),
        ("в 2024 г. и 2,5 млн руб.", "ru", f"в{N}2024{N}г. и{N}2,5{N}млн руб."),
        ("Редактор Гарипова А. Р.", "ru", f"Редактор Гарипова{N}А.{N}Р."),
        ("А. С. Пушкин", "ru", f"А.{N}С.{N}Пушкин"),
        ("В школе и в саду", "ru", f"В{N}школе и{N}в{N}саду"),
        ("Мәктәп һәм балалар бакчасы", "tt", f"Мәктәп һәм{N}балалар бакчасы"),
        ("Бу мәктәп - яңа", "tt", f"Бу{N}мәктәп{N}— яңа"),
        ('"Шатлык" ансамбле', "tt", "«Шатлык» ансамбле"),
        ("тел. 5-00-00, ст. 12-3", "ru", "тел. 5-00-00, ст. 12-3"),  # not ranges of years
        ("Кое-кто пришёл", "ru", "Кое-кто пришёл"),  # a hyphen inside a word stays
    ],
)
def test_plain_text(text: str, lang: str, expected: str) -> None:
    assert typograph(text, lang) == expected


def test_html_text_only() -> None:
    html = (
        '<p>Текст <a href="/a-b/?q=&quot;x&quot;" title="x - y">"ссылка"</a> и "<em>ещё</em>"</p>'
    )
    assert typograph_html(html, "ru") == (
        f'<p>Текст <a href="/a-b/?q=&quot;x&quot;" title="x - y">«ссылка»</a> и{N}«<em>ещё</em>»</p>'
    )


def test_code_and_scripts_are_untouched() -> None:
    html = '<pre><code>a - "b" в 2024 г.</code></pre><p>a - b</p><script>x = "a - b"</script>'
    assert typograph_html(html, "ru") == (
        f'<pre><code>a - "b" в 2024 г.</code></pre><p>a{N}— b</p><script>x = "a - b"</script>'
    )


def test_urls_in_text_keep_their_hyphens() -> None:
    assert typograph("Адрес https://example.org/a-b-c", "ru") == "Адрес https://example.org/a-b-c"


def test_unknown_language_gets_no_short_word_rules() -> None:
    assert typograph("a b", "en") == "a b"


def test_every_paragraph_may_open_with_a_dash_of_dialogue() -> None:
    html = "<p>Он спросил:</p>\n<p>- Где?</p>\n<p>– Там.</p>"
    assert typograph_html(html, "ru") == "<p>Он спросил:</p>\n<p>— Где?</p>\n<p>— Там.</p>"


def test_rules_apply_within_the_text_between_two_tags() -> None:
    html = "<p>Глава <b>А. Р.</b> Гарипова и <em>в</em> школе и в <a>саду</a></p>"
    assert typograph_html(html, "ru") == (
        f"<p>Глава <b>А.{N}Р.</b> Гарипова и <em>в</em> школе и{N}в <a>саду</a></p>"
    )


def test_a_fragment_holding_the_separator_is_typographed_piece_by_piece() -> None:
    html = f'<p>в{SEP} школе "Кама" - чемпион</p><p>- Да!</p>'
    assert typograph_html(html, "ru") == f"<p>в{SEP} школе «Кама»{N}— чемпион</p><p>— Да!</p>"


# Text pieces (between tags) made of what the rules look at: joined in one pass, they
# come out as the pieces do one by one.
BITS = [*'вВоОиИкК «„"([.,;:!?)…»“-—–/19№\t\n\u00a0ä', "во", "для", "һәм", "2024 г.", "А. Р."]
PIECE = st.lists(st.sampled_from(BITS), min_size=1, max_size=12).map("".join)


# database=None: Hypothesis saves no examples into the repository.
@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(PIECE, max_size=8), st.sampled_from(["ru", "tt", "en"]))
def test_joined_pieces_come_out_as_one_by_one(texts: list[str], lang: str) -> None:
    assert _joined(texts, lang) == _piecewise(texts, lang)
