"""The text of an announcement: the title, the lead trimmed at a word, the link.

Telegram counts its limits (1,024 characters for a photo's caption, 4,096 for a message)
on the text after its HTML is parsed, in UTF-16 code units; so the visible text is fitted
first and escaped after. VK takes plain text.
"""

from __future__ import annotations

from html import escape

from generator.publish.buildinfo import Recent

CAPTION_LIMIT = 1024
MESSAGE_LIMIT = 4096
ELLIPSIS = "…"
GAP = "\n\n"
CLOSING = '»“")]'


def telegram_html(item: Recent, limit: int) -> str:
    """HTML for parse_mode=HTML: the title in bold, the lead, the link."""
    title, lead = fit(item.title, item.lead or "", item.url, limit)
    parts = [f"<b>{escape(title, quote=False)}</b>"]
    if lead:
        parts.append(escape(lead, quote=False))
    parts.append(escape(item.url, quote=False))
    return GAP.join(parts)


def vk_text(item: Recent, limit: int = MESSAGE_LIMIT) -> str:
    title, lead = fit(item.title, item.lead or "", item.url, limit)
    return GAP.join(part for part in (title, lead, item.url) if part)


def fit(title: str, lead: str, url: str, limit: int) -> tuple[str, str]:
    """Title and lead such that title, lead and url with the gaps between them fit in
    `limit`; the lead gives way first, then the title. Both are cut at a word."""
    room = limit - length(url) - length(GAP)
    title = trim(title, room)
    room -= length(title) + length(GAP)
    return title, (trim(lead, room) if room > length(ELLIPSIS) else "")


def trim(text: str, room: int) -> str:
    """`text` if it fits in `room`, else its longest run of whole words that fits with an
    ellipsis after it (a single long word is cut where it must be)."""
    text = " ".join(text.split())
    if length(text) <= room:
        return text
    if room <= length(ELLIPSIS):
        return ""
    cut = _prefix(text, room - length(ELLIPSIS))
    if " " in cut[1:] and not text[len(cut)].isspace():
        cut = cut[: cut.rindex(" ")]
    # No dangling sign before the ellipsis ("и &…", "года,…"); closing quotes stay.
    while cut and not (cut[-1].isalnum() or cut[-1] in CLOSING):
        cut = cut[:-1]
    return cut + ELLIPSIS


def _prefix(text: str, units: int) -> str:
    """The longest prefix of `text` that is at most `units` UTF-16 code units long."""
    total = 0
    for index, char in enumerate(text):
        total += length(char)
        if total > units:
            return text[:index]
    return text


def length(text: str) -> int:
    """Telegram's measure: UTF-16 code units (an emoji outside the BMP counts twice)."""
    return len(text.encode("utf-16-le")) // 2
