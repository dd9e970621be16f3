"""RSS per language (Dzen-ready), sitemap.xml with hreflang alternates, robots.txt.

The feeds keep to Dzen's rules (dzen.ru/help/ru/website/rss-modify): only the articles of
the last days (`feed_days`, 3 by default; Dzen asks for two or three), a guid that stays
when a slug or rubric is edited, the full text in the tags Dzen takes, a cover of at least
700 px as the enclosure, media:rating.
"""

from __future__ import annotations

import json
import mimetypes
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from email.utils import format_datetime
from urllib.parse import quote, urlsplit
from xml.sax.saxutils import escape, quoteattr

from markupsafe import Markup

from generator import dzen, urls
from generator.config import SiteConfig
from generator.model import Article, Assets, Image, OutputFile, Site

BodyFn = Callable[[Article, bool], Markup]
NS = (
    'xmlns:atom="http://www.w3.org/2005/Atom" '
    'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
    'xmlns:media="http://search.yahoo.com/mrss/"'
)
DZEN_MIN_WIDTH = 700  # px: Dzen ignores a narrower cover
GUID_DATE = "2026"  # the tag: URI's date (RFC 4151); fixed, so that guids never change


def paths(config: SiteConfig) -> list[str]:
    """Where `feeds` writes, known before rendering so that clashes are found first."""
    rss = [urls.rss(config, lang).lstrip("/") for lang in config.lang_codes]
    return [*rss, "sitemap.xml", "robots.txt", "reactions-pages.json", "endpoint-pages.json"]


def feeds(
    config: SiteConfig, site: Site, body: BodyFn, assets: Assets, now: datetime | None = None
) -> list[OutputFile]:
    files = [_rss(config, site, lang, body, assets, now) for lang in config.lang_codes]
    files += [_sitemap(config, site), _robots(config), _page_ids(site)]
    files.append(_endpoint_pages(config, site))
    return files


def _abs(config: SiteConfig, path: str) -> str:
    """A site path as an absolute URL (base_url already holds any base path)."""
    return config.base_url.rstrip("/") + path


def recent(config: SiteConfig, site: Site, lang: str, now: datetime | None) -> list[Article]:
    """The feed's items: the newest, dated within the last `feed_days` before `now`."""
    since = now - timedelta(days=config.feed_days) if now else None
    items = site.articles[lang][: config.feed_items]
    return [a for a in items if since is None or a.doc.date > since]


def _rss(
    config: SiteConfig, site: Site, lang: str, body: BodyFn, assets: Assets, now: datetime | None
) -> OutputFile:
    items = recent(config, site, lang, now)
    home = _abs(config, urls.home(config, lang))
    self_url = _abs(config, urls.rss(config, lang))
    built = format_datetime(items[0].doc.date) if items else None
    head = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<rss version="2.0" {NS}>',
        "<channel>",
        f"<title>{escape(config.title[lang])}</title>",
        f"<link>{escape(home)}</link>",
        f"<description>{escape((config.description or config.title)[lang])}</description>",
        f"<language>{lang}</language>",
        f'<atom:link href={quoteattr(self_url)} rel="self" type="application/rss+xml"/>',
    ]
    if built:
        head.append(f"<lastBuildDate>{built}</lastBuildDate>")
    entries = [_item(config, a, body, assets) for a in items]
    text = "\n".join([*head, *entries, "</channel>", "</rss>", ""])
    return OutputFile(urls.rss(config, lang).lstrip("/"), text.encode("utf-8"))


def _item(config: SiteConfig, article: Article, body: BodyFn, assets: Assets) -> str:
    doc = article.doc
    link = _abs(config, article.url)
    parts = [
        "<item>",
        f"<title>{escape(doc.title)}</title>",
        f"<link>{escape(link)}</link>",
        f'<guid isPermaLink="false">{escape(guid(config, article))}</guid>',
        f"<pubDate>{format_datetime(doc.date)}</pubDate>",
        f"<category>{escape(config.categories[doc.category][doc.lang])}</category>",
    ]
    if doc.author:
        parts.append(f"<author>{escape(doc.author)}</author>")
    if doc.lead:
        parts.append(f"<description>{escape(doc.lead)}</description>")
    cover = article.cover
    if cover and cover.share and _wide_enough(cover):
        parts.append(_enclosure(config, cover.share.url, assets.sizes))
    parts.append('<media:rating scheme="urn:simple">nonadult</media:rating>')
    text = dzen.clean(str(body(article, True)))
    parts.append(f"<content:encoded><![CDATA[{_cdata(text)}]]></content:encoded>")
    parts.append("</item>")
    return "\n".join(parts)


def guid(config: SiteConfig, article: Article) -> str:
    """A tag: URI from the language and translation key: Dzen and readers know an edited
    article by it, even when its slug or rubric (and so its URL) changed."""
    host = urlsplit(config.base_url).hostname or "localhost"
    key = quote(article.doc.translation_key, safe="/-._~")
    return f"tag:{host},{GUID_DATE}:{article.doc.lang}/{key}"


def _wide_enough(cover: Image) -> bool:
    """A cover of ours whose shared JPEG (1200 px, or the largest there is) is at least 700 px
    wide; a cover elsewhere cannot be measured."""
    width = cover.share.width if cover.share else 0
    return urls.is_external(cover.path) or width >= DZEN_MIN_WIDTH


def _enclosure(config: SiteConfig, image: str, sizes: Mapping[str, int]) -> str:
    """The cover's 1200 px JPEG (Dzen wants one at least 700 px wide)."""
    path = image.lstrip("/")
    url = image if urls.is_external(image) else _abs(config, f"/{path}")
    kind = mimetypes.guess_type(path)[0] or "image/jpeg"
    return f'<enclosure url={quoteattr(url)} length="{sizes.get(path, 0)}" type="{kind}"/>'


def _cdata(text: str) -> str:
    return text.replace("]]>", "]]]]><![CDATA[>")


def _sitemap(config: SiteConfig, site: Site) -> OutputFile:
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:xhtml="http://www.w3.org/1999/xhtml">',
    ]
    for page in site.pages:
        if page.kind in ("not_found", "search"):
            continue
        lines.append(f"<url><loc>{escape(_abs(config, page.url))}</loc>")
        if page.article:
            lines.append(f"<lastmod>{page.article.doc.date.date().isoformat()}</lastmod>")
        for lang, url in page.alternates if len(page.alternates) > 1 else ():
            href = quoteattr(_abs(config, url))
            lines.append(f'<xhtml:link rel="alternate" hreflang="{lang}" href={href}/>')
        lines.append("</url>")
    lines += ["</urlset>", ""]
    return OutputFile("sitemap.xml", "\n".join(lines).encode("utf-8"))


def _robots(config: SiteConfig) -> OutputFile:
    sitemap = _abs(config, "/sitemap.xml")
    text = f"User-agent: *\nAllow: /\n\nSitemap: {sitemap}\n"
    return OutputFile("robots.txt", text.encode("utf-8"))


def _page_ids(site: Site) -> OutputFile:
    """Every article's URL path: the page list of the first release (REACTIONS_PAGES), kept
    for endpoints deployed with it."""
    ids = sorted(a.url for items in site.articles.values() for a in items)
    return OutputFile("reactions-pages.json", (json.dumps(ids, indent=0) + "\n").encode("utf-8"))


def _endpoint_pages(config: SiteConfig, site: Site) -> OutputFile:
    """What the readers' endpoint knows of the site (KHABAR_PAGES): the page ids it takes,
    their titles for the moderators, the address for links back, whether comments are on."""
    titles = {a.url: a.doc.title for items in site.articles.values() for a in items}
    data = {
        "base_url": config.base_url,
        "comments": config.comments is not None,
        "pages": dict(sorted(titles.items())),
    }
    text = json.dumps(data, ensure_ascii=False, indent=0) + "\n"
    return OutputFile("endpoint-pages.json", text.encode("utf-8"))
