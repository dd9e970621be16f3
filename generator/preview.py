"""The editors' preview: the build's own Markdown and typography over one article, run in
the editor's browser by Pyodide (generator/cms/khabar-cms.js), so the preview is what readers
get and not a second implementation of it. Only what `MODULES` names goes to the browser.

The HTML keeps the build's placeholders for internal links and photos (markup.MD_LINK,
markup.ROOT_LINK); the script resolves them, since only the CMS knows an uploaded photo's
address before it is committed.
"""

from __future__ import annotations

from generator import markup, typography
from generator.errors import Collector

# The generator's modules this one imports, itself included: admin.preview_bundle ships
# them (tests/admin/test_preview.py checks the list against what an import loads).
MODULES = ("__init__", "preview", "markup", "mdtune", "typography", "slugs", "errors", "model")


def body(markdown: str, lang: str, path: str) -> str:
    """An article's body as parse_document makes it for the build."""
    rendered = markup.render(markdown, path, 1, Collector())
    return typography.typograph_html(rendered.html, lang)


def text(value: str, lang: str) -> str:
    """A title or lead as the build sets it."""
    return typography.typograph(value, lang)
