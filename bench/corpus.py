"""A deterministic bilingual corpus for benchmarks and large-site tests.

N articles per language, ~70% of them paired ru/tt, 400-900 words each with headings,
lists, quotes, links and images; 8 rubrics, 200 tags. The same N always gives the same bytes.

    python -m bench.corpus --articles 1000 OUT_DIR
"""

from __future__ import annotations

import argparse
import random
from datetime import datetime, timedelta
from pathlib import Path

RUBRICS = {
    "news": ("Новости", "Район яңалыклары"),
    "society": ("Общество", "Җәмгыять"),
    "topic": ("Тема дня", "Көн темасы"),
    "culture": ("Культура", "Мәдәният"),
    "education": ("Образование", "Мәгариф"),
    "sport": ("Спорт", "Спорт"),
    "health": ("Здоровье", "Сәламәтлек"),
    "official": ("Официально", "Рәсми"),
}
WORDS = {
    "ru": (
        "район город школа дорога праздник жители администрация глава поселение село "
        "ремонт спорт культура здоровье дети семья работа новый большой важный открыли "
        "провели рассказали встреча конкурс победитель библиотека больница урожай поле "
        "улица дом весна лето осень зима год месяц неделя день утро вечер вопрос ответ"
    ).split(),
    "tt": (
        "район шәһәр мәктәп юл бәйрәм халык башкарма башлык авыл җирлек төзекләндерү "
        "спорт мәдәният сәламәтлек балалар гаилә эш яңа зур мөһим ачылды үткәрделәр "
        "сөйләделәр очрашу бәйге җиңүче китапханә хастаханә уңыш кыр урам йорт язын "
        "җәен көзен кышын ел ай атна көн иртә кич сорау җавап"
    ).split(),
}
SITE_YAML = """\
title: {{ru: Бенчмарк-информ, tt: Бенчмарк-информ}}
base_url: https://bench.example.org/
default_language: ru
languages:
  ru: {{label: Рус}}
  tt: {{label: Тат}}
per_page: 20
categories:
{categories}
"""
# A tiny valid JPEG is enough: the images are checked and copied, never decoded.
JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c140d0c0b0b0c19"
    "12130f141d1a1f1e1d1a1c1c20242e2720222c231c1c2837292c30313434341f27393d38323c2e333432ffc0000b08"
    "0001000101011100ffc4001f0000010501010101010100000000000000000102030405060708090a0bffc400b51000"
    "02010303020403050504040000017d01020300041105122131410613516107227114328191a1082342b1c11552d1f0"
    "2433627282090a161718191a25262728292a3435363738393a434445464748494a535455565758595a636465666768"
    "696a737475767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3"
    "c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9faffda0008010100003f00fb"
    "d0ffd9"
)


def sentence(rng: random.Random, lang: str, words: int) -> str:
    text = " ".join(rng.choice(WORDS[lang]) for _ in range(words))
    return text[:1].upper() + text[1:] + "."


def body(rng: random.Random, lang: str, links: list[str]) -> str:
    target = rng.randint(400, 900)
    parts, count = [], 0
    while count < target:
        kind = rng.random()
        if kind < 0.12:
            parts.append(f"## {sentence(rng, lang, 4)[:-1]}")
        elif kind < 0.22:
            parts.append("\n".join(f"- {sentence(rng, lang, 6)}" for _ in range(3)))
        elif kind < 0.30:
            parts.append(f"> {sentence(rng, lang, 14)}")
        elif kind < 0.36 and links:
            parts.append(
                f"{sentence(rng, lang, 8)} [{sentence(rng, lang, 2)[:-1]}]({rng.choice(links)})."
            )
        elif kind < 0.40:
            parts.append(
                f"![{sentence(rng, lang, 3)[:-1]}](/images/photo-{rng.randint(0, 19)}.jpg)"
            )
        else:
            parts.append(" ".join(sentence(rng, lang, rng.randint(6, 16)) for _ in range(4)))
        count += len(parts[-1].split())
    return "\n\n".join(parts) + "\n"


def article(rng: random.Random, lang: str, index: int, key: str, start: datetime) -> str:
    tags = rng.sample(range(200), rng.randint(1, 4))
    date = start + timedelta(minutes=37 * index)
    rubric = list(RUBRICS)[index % len(RUBRICS)]
    tag_word = "тег" if lang == "ru" else "тэг"
    return (
        f"---\ntitle: {sentence(rng, lang, rng.randint(5, 10))[:-1]} {index}\n"
        f"date: {date.isoformat()}+03:00\ncategory: {rubric}\n"
        f"lead: {sentence(rng, lang, 18)}\n"
        f"tags: [{', '.join(f'{tag_word}{t}' for t in tags)}]\n"
        f"image: images/photo-{index % 20}.jpg\nimage_alt: {sentence(rng, lang, 4)[:-1]}\n"
        f"translation_key: a{key}\n---\n\n"
    )


def generate(out: Path, articles: int, seed: int = 2026) -> Path:
    """Write a site root with `articles` articles per language into OUT; return OUT."""
    rng = random.Random(seed)
    categories = "\n".join(f"  {k}: {{ru: {ru}, tt: {tt}}}" for k, (ru, tt) in RUBRICS.items())
    out.mkdir(parents=True, exist_ok=True)
    (out / "site.yaml").write_text(SITE_YAML.format(categories=categories), encoding="utf-8")
    (out / "static" / "images").mkdir(parents=True, exist_ok=True)
    for n in range(20):
        (out / "static" / "images" / f"photo-{n}.jpg").write_bytes(JPEG)
    start = datetime(2020, 1, 1, 8, 0)
    paired = int(articles * 0.7)
    for lang in ("ru", "tt"):
        folder = out / "content" / lang
        folder.mkdir(parents=True, exist_ok=True)
        for index in range(articles):
            key = str(index) if index < paired or lang == "ru" else f"{index}-{lang}"
            links = [f"a{j:05d}.md" for j in rng.sample(range(articles), 2)]
            text = article(rng, lang, index, key, start) + body(rng, lang, links)
            (folder / f"a{index:05d}.md").write_text(text, encoding="utf-8")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=1000, help="articles per language")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    generate(args.out, args.articles, args.seed)


if __name__ == "__main__":
    main()
