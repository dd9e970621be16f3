"""The benchmark corpus as a Hugo site and as two plain Pelican sites, page for page as close
to Khabar's as the tools allow (same URLs, 20 a page, rubrics, tags, RSS, language switch)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from bench.corpus import RUBRICS

HEAD = re.compile(r"^---\n(.*?)\n---\n", re.S)

HUGO_CONFIG = """\
baseURL = "https://bench.example.org/"
defaultContentLanguage = "ru"
disableKinds = ["section"]
[pagination]
  pagerSize = 20
[taxonomies]
  category = "categories"
  tag = "tags"
[outputs]
  home = ["HTML", "RSS"]
  page = ["HTML"]
  taxonomy = ["HTML"]
  term = ["HTML"]
[markup.goldmark.renderer]
  unsafe = true
[languages.ru]
  contentDir = "content/ru"
  languageName = "Рус"
  weight = 1
  title = "Бенчмарк-информ"
[languages.tt]
  contentDir = "content/tt"
  languageName = "Тат"
  weight = 2
  title = "Бенчмарк-информ"
"""
HUGO_LAYOUTS = {
    "_default/baseof.html": """<!doctype html>
<html lang="{{ .Site.Language.Lang }}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ .Title }} — {{ .Site.Title }}</title>
<link rel="canonical" href="{{ .Permalink }}">
{{ range .AllTranslations }}<link rel="alternate" hreflang="{{ .Language.Lang }}" href="{{ .Permalink }}">{{ end }}
</head><body>
<header><a href="{{ .Site.Home.RelPermalink }}">{{ .Site.Title }}</a>
<nav>{{ range .Translations }}<a href="{{ .RelPermalink }}" hreflang="{{ .Language.Lang }}">{{ .Language.LanguageName }}</a>{{ end }}</nav>
<nav>{{ range .Site.Taxonomies.categories }}<a href="{{ .Page.RelPermalink }}">{{ .Page.Title }}</a> {{ end }}</nav></header>
<main>{{ block "main" . }}{{ end }}</main>
<footer>{{ .Site.Title }} 18+</footer></body></html>
""",
    "_default/single.html": """{{ define "main" }}<article>
<p>{{ range .Params.categories }}<a href="{{ (site.GetPage (printf "/categories/%s" .)).RelPermalink }}">{{ . }}</a>{{ end }}
<time datetime="{{ .Date.Format "2006-01-02T15:04:05-07:00" }}">{{ .Date | time.Format ":date_long" }}</time></p>
<h1>{{ .Title }}</h1>{{ with .Params.lead }}<p class="lead">{{ . }}</p>{{ end }}
{{ with .Params.image }}<figure><img src="/{{ . }}" alt="{{ $.Params.image_alt }}"></figure>{{ end }}
{{ .Content }}
<p>{{ range .GetTerms "tags" }}<a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a> {{ end }}</p>
<section><h2>Read also</h2>{{ range first 4 (.Site.RegularPages.Related .) }}
<h3><a href="{{ .RelPermalink }}">{{ .Title }}</a></h3>{{ end }}</section>
</article>{{ end }}
""",
    "_default/list.html": """{{ define "main" }}<h1>{{ .Title }}</h1>
{{ $pages := .Pages }}{{ if .IsHome }}{{ $pages = .Site.RegularPages }}{{ end }}
{{ range (.Paginate $pages).Pages }}<article><h2><a href="{{ .RelPermalink }}">{{ .Title }}</a></h2>
<time>{{ .Date | time.Format ":date_long" }}</time>{{ with .Params.lead }}<p>{{ . }}</p>{{ end }}</article>{{ end }}
{{ with .Paginator }}{{ with .Prev }}<a href="{{ .URL }}">prev</a>{{ end }}{{ with .Next }}<a href="{{ .URL }}">next</a>{{ end }}{{ end }}
{{ end }}
""",
}

PELICAN_CONFIG = """\
SITENAME = "Бенчмарк-информ"
SITEURL = ""
PATH = "content"
TIMEZONE = "Europe/Moscow"
DEFAULT_LANG = "{lang}"
DEFAULT_PAGINATION = 20
ARTICLE_URL = "news/{{category}}/{{slug}}/"
ARTICLE_SAVE_AS = "news/{{category}}/{{slug}}/index.html"
CATEGORY_URL = "news/{{slug}}/"
CATEGORY_SAVE_AS = "news/{{slug}}/index.html"
TAG_URL = "tags/{{slug}}/"
TAG_SAVE_AS = "tags/{{slug}}/index.html"
MONTH_ARCHIVE_SAVE_AS = "archive/{{date:%Y}}/{{date:%m}}/index.html"
FEED_ALL_RSS = "rss.xml"
FEED_ALL_ATOM = None
CATEGORY_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
STATIC_PATHS = ["images"]
LOAD_CONTENT_CACHE = False
"""
PELICAN_WARM = """
LOAD_CONTENT_CACHE = True
CACHE_CONTENT = True
CACHE_PATH = "cache"
"""


def _split(text: str) -> tuple[dict[str, str], str]:
    match = HEAD.match(text)
    assert match, "front matter"
    fields = dict(line.split(": ", 1) for line in match.group(1).splitlines())
    return fields, text[match.end() :]


READ_ALSO = re.compile(r"<section><h2>Read also</h2>.*?</section>\n", re.S)


def to_hugo(corpus: Path, site: Path, read_also: bool = True) -> Path:
    """read_also=False leaves out the "read also" block: Hugo's related-content lookup is
    what costs it most at 10,000 articles, and the anchors' Hugo figures had no such block."""
    site.mkdir(parents=True)
    (site / "hugo.toml").write_text(HUGO_CONFIG, encoding="utf-8")
    for name, layout in HUGO_LAYOUTS.items():
        text = layout if read_also else READ_ALSO.sub("", layout)
        (site / "layouts" / name).parent.mkdir(parents=True, exist_ok=True)
        (site / "layouts" / name).write_text(text, encoding="utf-8")
    shutil.copytree(corpus / "static", site / "static")
    for lang in ("ru", "tt"):
        for source in sorted((corpus / "content" / lang).glob("*.md")):
            fields, body = _split(source.read_text(encoding="utf-8"))
            category = fields.pop("category")
            fields["categories"] = f"[{category}]"
            fields["translationKey"] = fields.pop("translation_key")
            head = "".join(f"{k}: {v}\n" for k, v in fields.items())
            target = site / "content" / lang / "news" / category / source.name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(f"---\n{head}---\n{body}", encoding="utf-8")
    return site


def to_pelican(corpus: Path, root: Path) -> list[Path]:
    sites = []
    for lang in ("ru", "tt"):
        site = root / lang
        (site / "content").mkdir(parents=True)
        (site / "pelicanconf.py").write_text(PELICAN_CONFIG.format(lang=lang), encoding="utf-8")
        warm = PELICAN_CONFIG.format(lang=lang).replace("LOAD_CONTENT_CACHE = False\n", "")
        (site / "warm.py").write_text(warm + PELICAN_WARM, encoding="utf-8")
        shutil.copytree(corpus / "static" / "images", site / "content" / "images")
        for source in sorted((corpus / "content" / lang).glob("*.md")):
            fields, body = _split(source.read_text(encoding="utf-8"))
            meta = {
                "Title": fields["title"],
                "Date": fields["date"],
                "Category": RUBRICS[fields["category"]][0 if lang == "ru" else 1],
                "Tags": fields["tags"].strip("[]"),
                "Slug": source.stem,
                "Lang": lang,
                "Summary": fields["lead"],
            }
            head = "".join(f"{k}: {v}\n" for k, v in meta.items())
            (site / "content" / source.name).write_text(f"{head}\n{body}", encoding="utf-8")
        sites.append(site)
    return sites
