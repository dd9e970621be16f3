"""Telegram Bot API: sendPhoto with the cover by URL, or sendMessage without a cover."""

from __future__ import annotations

import json
import os

from generator.publish import message
from generator.publish.api import Answer, PostFailed, call, hide
from generator.publish.buildinfo import Recent

DEFAULT_API = "https://api.telegram.org"
TOKEN_VARIABLE = "TELEGRAM_BOT_TOKEN"  # noqa: S105 - the name, not a token


class Telegram:
    network = "telegram"
    token_variable = TOKEN_VARIABLE

    def __init__(self, token: str, api: str | None = None) -> None:
        self.token = token
        self.api = (api or os.environ.get("KHABAR_TELEGRAM_API") or DEFAULT_API).rstrip("/")

    @staticmethod
    def plan(chat: str, item: Recent) -> tuple[str, dict[str, object]]:
        """(method, parameters) of the announcement: what --dry-run shows."""
        if item.image:
            caption = message.telegram_html(item, message.CAPTION_LIMIT)
            return "sendPhoto", _params(chat, photo=item.image, caption=caption)
        return "sendMessage", _params(chat, text=message.telegram_html(item, message.MESSAGE_LIMIT))

    def post(self, chat: str, item: Recent) -> str:
        """The message id of the announcement; PostFailed when it was not made."""
        method, params = self.plan(chat, item)
        answer = self._call(method, params)
        if method == "sendPhoto" and answer.status == 400:
            # Telegram could not take the photo (too small, unreachable): the link preview
            # of a plain message still shows the cover from the page's og:image.
            method, params = "sendMessage", _params(chat, text=params["caption"])
            answer = self._call(method, params)
        return self._result(method, answer)

    def _call(self, method: str, params: dict[str, object]) -> Answer:
        body = json.dumps(params, ensure_ascii=False).encode("utf-8")
        url = f"{self.api}/bot{self.token}/{method}"
        return call(url, body, "application/json", self.token)

    def _result(self, method: str, answer: Answer) -> str:
        result = answer.data.get("result")
        if answer.status == 200 and answer.data.get("ok") and isinstance(result, dict):
            return str(result["message_id"])
        retry = (answer.data.get("parameters") or {}).get("retry_after")
        described = answer.data.get("description") or "no description"
        text = f"{method}: HTTP {answer.status}: {described}"
        raise PostFailed(hide(text, self.token), retry if isinstance(retry, int) else None)


def _params(chat: str, **fields: object) -> dict[str, object]:
    return {"chat_id": chat, "parse_mode": "HTML", **fields}
