"""ASCII slugs for Russian and Tatar: URLs, tag paths and heading anchors.

No library transliterates Tatar (python-slugify turns ә into "@" and drops it), so the
table is ours: Tatar letters first map to their Russian neighbours, then a
Wikipedia/Yandex-style romanisation of Russian (й→y, х→kh, ц→ts, щ→shch, ь and ъ dropped).
"""

from __future__ import annotations

import functools
import re
import unicodedata

TATAR = {"ә": "а", "ө": "о", "ү": "у", "җ": "ж", "ң": "н", "һ": "h"}
RUSSIAN = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
    "я": "ya",
}  # fmt: skip
_TABLE = str.maketrans({**RUSSIAN, **{k: RUSSIAN.get(v, v) for k, v in TATAR.items()}})
_NON_WORD = re.compile(r"[^a-z0-9]+")
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def transliterate(text: str) -> str:
    """Lowercase ASCII rendering of Cyrillic (Russian and Tatar) text; other scripts pass."""
    lowered = unicodedata.normalize("NFC", text).lower().translate(_TABLE)
    if lowered.isascii():  # all Cyrillic was in the table: nothing left to decompose
        return lowered
    # Latin letters with diacritics (é, ü) lose them rather than vanish. Marks by category,
    # as the editors' UI's port does (\p{M} in generator/cms/khabar-cms.js).
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(c for c in decomposed if unicodedata.category(c)[0] != "M").lower()


@functools.lru_cache(maxsize=65536)  # tags repeat across thousands of articles
def slugify(text: str, max_length: int = 80) -> str:
    """`Чистай районында яңа мәктәп ачылды` -> `chistay-rayonynda-yana-maktap-achyldy`."""
    slug = _NON_WORD.sub("-", transliterate(text)).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0] or slug[:max_length]
    return slug


def anchor(text: str, separator: str = "-") -> str:
    """Heading ids for Python-Markdown's toc extension: transliterated, never empty."""
    return slugify(text).replace("-", separator) or "section"
