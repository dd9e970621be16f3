"""The site model: which articles are published, their URLs, translations, and every page.

Pure: documents and settings in, a Site out (or a SiteError listing every clash).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from generator import photos, urls
from generator.config import SiteConfig
from generator.errors import Collector
from generator.model import Article, Document, Image, Page, Site, Tag
from generator.slugs import slugify


def assemble(
    config: SiteConfig,
    docs: Sequence[Document],
    now: datetime,
    drafts: bool = False,
    static_files: frozenset[str] = frozenset(),
    pictures: Mapping[str, Image] | None = None,
) -> Site:
    """`pictures`: the published variants of each photo under static/ (by its path there)."""
    errors = Collector()
    candidates = [d for d in docs if drafts or not d.draft]
    doc_urls = {d.source: urls.article(config, d) for d in docs}
    _check_clashes(candidates, doc_urls, errors)
    _check_links(candidates, {d.source: d for d in docs}, drafts, errors)
    _check_images(candidates, static_files, errors)
    errors.raise_if_any()
    live = sorted((d for d in candidates if is_live(d, now)), key=_newest_first)
    tags = _tags(config, live)
    articles = _articles(config, live, doc_urls, tags, pictures or {})
    pages = _pages(config, articles, tags)
    return Site(articles=articles, pages=tuple(pages), tags=_tag_lists(tags), urls=doc_urls)


def is_live(doc: Document, now: datetime) -> bool:
    """Published at `now`: dated no later than now and not yet expired."""
    return doc.date <= now and (doc.expires is None or doc.expires > now)


def _newest_first(doc: Document) -> tuple[float, str]:
    return (-doc.date.timestamp(), doc.source)


def _check_clashes(docs: Sequence[Document], doc_urls: dict[str, str], errors: Collector) -> None:
    by_url: dict[str, list[Document]] = defaultdict(list)
    by_key: dict[tuple[str, str], list[Document]] = defaultdict(list)
    for doc in docs:
        by_url[doc_urls[doc.source]].append(doc)
        by_key[(doc.lang, doc.translation_key)].append(doc)
    for url, group in by_url.items():
        _report_group(group, "slug", f"two articles have the URL {url}", errors)
    for (_, key), group in by_key.items():
        _report_group(group, "translation_key", f"translation key '{key}' is used twice", errors)


def _report_group(group: list[Document], key: str, what: str, errors: Collector) -> None:
    if len(group) < 2:
        return
    for doc in group:
        others = ", ".join(o.source for o in group if o is not doc)
        errors.add(doc.source, doc.lines.get(key, 1), f"{what}: also {others}")


def _check_links(
    docs: Sequence[Document], known: dict[str, Document], drafts: bool, errors: Collector
) -> None:
    for doc in docs:
        for link in doc.links:
            target = known.get(link.target)
            if target is None:
                errors.add(doc.source, link.line, f"link to {link.target}: no such article")
            elif target.draft and not drafts:
                errors.add(doc.source, link.line, f"link to {link.target}, which is a draft")


def _check_images(docs: Sequence[Document], static: frozenset[str], errors: Collector) -> None:
    for doc in docs:
        cover = doc.image
        if cover and not urls.is_external(cover) and cover.lstrip("/") not in static:
            errors.add(doc.source, doc.lines.get("image", 1), f"no such image: static/{cover}")
        for path, line in doc.images:
            if path not in static:
                errors.add(doc.source, line, f"no such image: static/{path}")


def check_root_links(docs: Iterable[Document], known: set[str], drafts: bool) -> None:
    """A body's link to a site path ("/files/x.pdf", "/news/x/") must reach a file of the
    output or the address of an article (even a scheduled one)."""
    errors = Collector()
    for doc in docs:
        if doc.draft and not drafts:
            continue
        for link in doc.root_links:
            if not _reaches(link.target, known):
                errors.add(doc.source, link.line, f"link to {link.target}: no such page or file")
    errors.raise_if_any()


def _reaches(path: str, known: set[str]) -> bool:
    rel = path.lstrip("/")
    if not rel or rel in known:
        return True
    return f"{rel.rstrip('/')}/index.html" in known


def _tags(config: SiteConfig, live: Sequence[Document]) -> dict[tuple[str, str], Tag]:
    """(lang, tag as written) -> Tag; spellings with one slug share the commonest label."""
    spellings: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for doc in live:
        for spelling in doc.tags:
            if slug := slugify(spelling):
                spellings[(doc.lang, slug)][spelling] += 1
    result = {}
    for (lang, slug), counts in spellings.items():
        label = min(counts, key=lambda s: (-counts[s], s))
        found = Tag(slug, label, urls.tag(config, lang, slug))
        result.update({(lang, spelling): found for spelling in counts})
    return result


def _tag_lists(tags: dict[tuple[str, str], Tag]) -> dict[str, tuple[Tag, ...]]:
    per_lang: dict[str, set[Tag]] = defaultdict(set)
    for (lang, _), tag in tags.items():
        per_lang[lang].add(tag)
    return {lang: tuple(sorted(found, key=lambda t: t.slug)) for lang, found in per_lang.items()}


def _articles(
    config: SiteConfig,
    live: Sequence[Document],
    doc_urls: dict[str, str],
    tags: dict[tuple[str, str], Tag],
    pictures: Mapping[str, Image],
) -> dict[str, tuple[Article, ...]]:
    by_key: dict[str, list[Document]] = defaultdict(list)
    for doc in live:
        by_key[doc.translation_key].append(doc)
    result: dict[str, list[Article]] = {lang: [] for lang in config.lang_codes}
    for doc in live:
        pairs = tuple(
            (other.lang, doc_urls[other.source])
            for other in sorted(by_key[doc.translation_key], key=lambda d: d.lang)
            if other.lang != doc.lang
        )
        # Deduplicated by slug (spellings with one slug share one Tag): hashing a string
        # costs a tenth of hashing the dataclass.
        known = (tags.get((doc.lang, t)) for t in doc.tags)
        doc_tags = tuple({tag.slug: tag for tag in known if tag is not None}.values())
        links = tuple(sorted({(link.target, doc_urls[link.target]) for link in doc.links}))
        cover, body = photos.for_article(doc, pictures)
        share = urls.share_image(config, doc, cover)
        article = Article(doc, doc_urls[doc.source], doc_tags, pairs, links, share, cover, body)
        result[doc.lang].append(article)
    return {lang: tuple(items) for lang, items in result.items()}


def _pages(
    config: SiteConfig,
    articles: dict[str, tuple[Article, ...]],
    tags: dict[tuple[str, str], Tag],
) -> list[Page]:
    months = {lang: _by_month(items) for lang, items in articles.items()}
    pages: list[Page] = []
    for lang in config.lang_codes:
        items = articles[lang]
        switch = urls.Switch(config, lang, months)
        rubrics: dict[str, list[Article]] = {key: [] for key in config.categories}
        for item in items:  # one pass: a site has thousands of articles and a dozen rubrics
            rubrics[item.doc.category].append(item)
        position = {a.url: i for rubric in rubrics.values() for i, a in enumerate(rubric)}
        pages += [
            _article_page(a, switch, _related(rubrics[a.doc.category], position[a.url]))
            for a in items
        ]
        pinned = tuple(a for a in items if a.doc.pinned)[:3]
        pages += _listing(config, "home", lang, "", urls.home(config, lang), items, switch, pinned)
        for key, labels in config.categories.items():
            base = urls.category(config, lang, key)
            pages += _listing(
                config, "category", lang, key, base, rubrics[key], switch, title=labels[lang]
            )
        tagged: dict[str, list[Article]] = defaultdict(list)
        for item in items:
            for tag in item.tags:
                tagged[tag.slug].append(item)
        for tag in sorted({t for (tl, _), t in tags.items() if tl == lang}, key=lambda t: t.slug):
            pages += _listing(
                config, "tag", lang, tag.slug, tag.url, tagged[tag.slug], switch, title=tag.label
            )
        for month, in_month in months[lang].items():
            base = urls.archive(config, lang, month)
            pages += _listing(config, "archive", lang, month, base, in_month, switch)
        pages.append(_archives_page(config, lang, months[lang], switch))
        pages.append(_search_page(config, lang, switch, bool(items)))
        pages.append(_not_found_page(config, lang, switch))
    return pages


def _by_month(items: Iterable[Article]) -> dict[str, list[Article]]:
    result: dict[str, list[Article]] = defaultdict(list)
    for article in items:
        result[article.doc.date.strftime("%Y/%m")].append(article)
    return dict(result)


def _related(rubric: list[Article], index: int, count: int = 4) -> tuple[Article, ...]:
    """The next older articles of the rubric, then newer ones: a new article changes few pages."""
    older = rubric[index + 1 : index + 1 + count]
    newer = rubric[max(0, index - (count - len(older))) : index]
    return tuple(older + newer[::-1])


def _article_page(article: Article, switch: urls.Switch, related: tuple[Article, ...]) -> Page:
    doc = article.doc
    alternates = ((doc.lang, article.url), *article.translations)
    return Page(
        kind="article",
        lang=doc.lang,
        url=article.url,
        title=doc.title,
        template="article.html",
        article=article,
        alternates=tuple(sorted(alternates)),
        switch=switch.for_article(article),
        related=related,
    )


def _listing(
    config: SiteConfig,
    kind: str,
    lang: str,
    key: str,
    base: str,
    items: Sequence[Article],
    switch: urls.Switch,
    pinned: tuple[Article, ...] = (),
    title: str = "",
) -> list[Page]:
    size = config.per_page
    chunks = [tuple(items[i : i + size]) for i in range(0, len(items), size)] or [()]
    total = len(chunks)
    alternates, targets = switch.for_listing(kind, key)
    return [
        Page(
            kind=kind,
            lang=lang,
            url=urls.paged(base, number),
            title=title,
            template="list.html",
            articles=chunk,
            pinned=pinned if number == 1 else (),
            key=key,
            number=number,
            total=total,
            prev_url=urls.paged(base, number - 1) if number > 1 else None,
            next_url=urls.paged(base, number + 1) if number < total else None,
            alternates=alternates if number == 1 else ((lang, urls.paged(base, number)),),
            switch=targets,
        )
        for number, chunk in enumerate(chunks, start=1)
    ]


def _archives_page(
    config: SiteConfig, lang: str, months: dict[str, list[Article]], switch: urls.Switch
) -> Page:
    alternates, targets = switch.for_listing("archives", "")
    return Page(
        kind="archives",
        lang=lang,
        url=urls.archives(config, lang),
        title="",
        template="archives.html",
        alternates=alternates,
        switch=targets,
        months=tuple((month, len(items)) for month, items in months.items()),
    )


def _search_page(config: SiteConfig, lang: str, switch: urls.Switch, indexed: bool) -> Page:
    alternates, targets = switch.for_listing("search", "")
    return Page(
        kind="search",
        lang=lang,
        url=urls.search(config, lang),
        title="",
        template="search.html",
        alternates=alternates,
        switch=targets,
        bundles=(urls.search_bundle(lang),) if indexed else (),
    )


def _not_found_page(config: SiteConfig, lang: str, switch: urls.Switch) -> Page:
    _, targets = switch.for_listing("home", "")
    return Page(
        kind="not_found",
        lang=lang,
        url=urls.not_found(config, lang),
        title="",
        template="404.html",
        switch=targets,
    )
