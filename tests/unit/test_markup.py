from generator.errors import Collector
from generator.markup import count_words, render


def md(text: str, path: str = "content/ru/2026/a.md", line: int = 5):  # type: ignore[no-untyped-def]
    return render(text, path, line, Collector())


def test_tables_lists_and_quotes() -> None:
    html = md("| a | b |\n|---|---|\n| 1 | 2 |\n\n> цитата\n\n1. раз\n2. два\n").html
    assert "<table>" in html and "<td>1</td>" in html
    assert "<blockquote>" in html
    assert "<ol>" in html


def test_sane_lists_do_not_merge_kinds() -> None:
    html = md("1. раз\n\n* два\n").html
    assert "<ol>" in html and "<ul>" in html


def test_heading_anchors_are_transliterated_and_unique() -> None:
    result = md("## Мәктәп ачылды\n\n## Мәктәп ачылды\n\n### Что дальше\n")
    assert '<h2 id="maktap-achyldy">' in result.html
    assert '<h2 id="maktap-achyldy_1">' in result.html
    assert [h.anchor for h in result.headings] == [
        "maktap-achyldy",
        "maktap-achyldy_1",
        "chto-dalshe",
    ]


def test_attr_list() -> None:
    assert '<p class="note">' in md("Важно.\n{: .note }\n").html


def test_raw_html_is_kept_for_embeds() -> None:
    embed = '<iframe src="https://vk.com/video_ext.php?oid=1" width="640" height="360"></iframe>'
    assert embed in md(f"Видео:\n\n{embed}\n").html


def test_relative_md_links_become_placeholders_with_lines() -> None:
    result = md("Текст.\n\nСм. [школа](../2025/school.md#history) и [дороги](roads.md).\n")
    assert 'href="khabar-md:content/ru/2025/school.md#history"' in result.html
    assert [(link.target, link.line) for link in result.links] == [
        ("content/ru/2025/school.md", 7),
        ("content/ru/2026/roads.md", 7),
    ]


def test_other_links_are_left_or_rooted() -> None:
    html = md("[a](https://example.org/x.md) [b](/news/) [c](#part) [d](mailto:a@b.ru)\n").html
    assert 'href="https://example.org/x.md"' in html
    assert 'href="khabar-root:/news/"' in html
    assert 'href="#part"' in html
    assert 'href="mailto:a@b.ru"' in html


def test_images_are_static_paths() -> None:
    result = md(
        "Фото:\n\n![Школа](images/school.jpg)\n![Б](/images/b.png)\n![В](https://x.ru/c.jpg)\n"
    )
    assert result.images == (("images/school.jpg", 7), ("images/b.png", 8))
    assert 'src="khabar-root:/images/school.jpg"' in result.html
    assert 'src="https://x.ru/c.jpg"' in result.html


def test_word_count_ignores_markup() -> None:
    assert md("## Один\n\nдва **три** [четыре](https://x.ru)\n").words == 4


def test_documents_do_not_leak_into_each_other() -> None:
    md("[a](a.md)\n\n## Заголовок\n")
    second = md("Текст\n")
    assert second.links == () and second.headings == ()


def test_a_blank_body_has_no_links_of_the_article_before() -> None:
    assert md("[Школа](school.md) ![Фото](images/a.jpg)\n").links
    empty = md("\n  \n")
    assert (empty.html, empty.links, empty.images) == ("", (), ())


def test_words_are_runs_of_letters_digits_and_underscores_outside_tags() -> None:
    html = '<p>Кое-кто пришёл в 10:30, <a href="/a-b/">а_б</a> «1941–1945».</p>'
    assert md("Текст").words == 1
    assert count_words(html) == 9  # Кое кто пришёл в 10 30 а_б 1941 1945
