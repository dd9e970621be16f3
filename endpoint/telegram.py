"""The moderators' Telegram chat: each new comment announced with Approve and Reject buttons,
the buttons' presses taken at POST /api/telegram, the message edited to say who decided.

Nothing here can lose or hold up a comment: it is stored (with its announcement queued in
the outbox, in the same transaction) before anything is sent. A long-running endpoint sends
from a background thread; a serverless one sends right after answering... within a short
deadline, and what fails is retried with backoff on later requests.
"""

from __future__ import annotations

import hmac
import html
import json
import os
import sys
import threading
import time
import urllib.error
import urllib.request
from typing import Any

from endpoint.context import Context
from endpoint.moderation import decide, strings
from endpoint.records import OutboxItem
from endpoint.settings import Telegram
from endpoint.store import StoreUnavailable
from endpoint.web import Problem, Request, Response, Routes

LEASE = 120  # seconds a claimed message stays this sender's
BATCH = 20
STOP_WAIT = 10.0  # seconds close() waits for a message being sent (a send times out at 5)
MAX_UPDATE = 64 * 1024
BUTTONS = ("approve", "reject")
DONE = {"approve": "telegram.approved", "reject": "telegram.rejected", "delete": "telegram.deleted"}


class SendFailed(Exception):
    def __init__(self, retry: bool, after: int = 0) -> None:
        super().__init__(retry, after)
        self.retry = retry  # False: it will never succeed (a 4xx), drop it
        self.after = after  # what Telegram asked for (429), at least


class BotApi:
    def __init__(self, settings: Telegram) -> None:
        self.base = f"{settings.api}/bot{settings.token}/"

    def call(self, method: str, payload: dict[str, Any], timeout: float) -> dict[str, Any]:
        # The base is an http(s) URL: settings.telegram() checked it.
        request = urllib.request.Request(  # noqa: S310
            self.base + method,
            data=json.dumps(payload, ensure_ascii=False).encode(),
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310
                data = json.loads(answer.read())
        except urllib.error.HTTPError as error:
            with error:
                raise _failure(error.code, error.read()) from None
        except (OSError, ValueError):  # unreachable, timed out, or not JSON: try again
            raise SendFailed(retry=True) from None
        result = data.get("result") if isinstance(data, dict) else None
        return result if isinstance(result, dict) else {}


def _failure(status: int, body: bytes) -> SendFailed:
    try:
        data = json.loads(body)
    except ValueError:
        data = {}
    params = data.get("parameters") if isinstance(data, dict) else None
    after = params.get("retry_after") if isinstance(params, dict) else None
    if status == 429:
        return SendFailed(retry=True, after=after if isinstance(after, int) else 0)
    return SendFailed(retry=status >= 500)  # another 4xx (a deleted message) never succeeds


class Notifier:
    """Sends what the outbox holds. `inline`: in the request's own thread (serverless),
    else in one background thread per process."""

    def __init__(self, context: Context, settings: Telegram, inline: bool) -> None:
        self.context = context
        self.settings = settings
        self.api = BotApi(settings)
        self.t = strings()[settings.lang]
        self.inline = inline
        self.wake = threading.Event()
        self.thread: threading.Thread | None = None
        self.pid = 0
        self.stopping = False

    def kick(self) -> None:
        if self.inline:
            self.flush(deadline=time.monotonic() + 2.0)
            return
        self.running()
        self.wake.set()

    def running(self) -> None:
        """The sending thread of this process (a forked worker has none of its parent's);
        started on the first request, so that what a restart left in the outbox goes out."""
        if self.thread is None or self.pid != os.getpid() or not self.thread.is_alive():
            self.thread = threading.Thread(target=self._loop, name="telegram", daemon=True)
            self.pid = os.getpid()
            self.thread.start()

    def close(self) -> None:
        """Stop sending; waits for the message being sent, so that it is recorded before
        the store closes (otherwise it would go out again when its lease ran out)."""
        self.stopping = True
        self.wake.set()
        thread = self.thread
        if (
            thread is not None
            and self.pid == os.getpid()
            and thread is not threading.current_thread()
        ):
            thread.join(timeout=STOP_WAIT)

    def _loop(self) -> None:
        while not self.stopping:
            self.wake.clear()
            self.flush(deadline=time.monotonic() + 30)
            self.wake.wait(self._pause())

    def _pause(self) -> float:
        try:
            due = self.context.store.next_due()
        except StoreUnavailable:
            return 5.0
        return 60.0 if due is None else min(60.0, max(0.5, due - time.time()))

    def flush(self, deadline: float) -> int:
        """Send what is due until the deadline; returns how many went out."""
        sent = 0
        while time.monotonic() < deadline:
            try:
                items = self.context.store.claim_outbox(int(time.time()), LEASE, BATCH)
            except StoreUnavailable:
                return sent
            for item in items:
                try:
                    sent += self._one(item, max(0.5, min(5.0, deadline - time.monotonic())))
                except StoreUnavailable:  # its lease runs out and it is tried again
                    return sent
            if len(items) < BATCH:
                break
        return sent

    def _one(self, item: OutboxItem, timeout: float) -> int:
        store, now = self.context.store, int(time.time())
        try:
            message = self._send(item, timeout)
        except SendFailed as failed:
            if not failed.retry:
                print(f"telegram: gave up on outbox #{item.id}", file=sys.stderr)
                store.finish_outbox(item, None, now)
            else:  # 2 s, 5 s, 10 s, 20 s … up to 10 minutes between tries
                backoff = min(600, 5 * 2 ** min(item.tries, 8) // 2)
                store.retry_outbox(item, now + max(failed.after, backoff))
            return 0
        store.finish_outbox(item, message, now)
        return 1

    def _send(self, item: OutboxItem, timeout: float) -> int | None:
        if item.kind == "announce":
            if item.found is None or item.found.status != "pending":
                return None  # decided or purged before its turn came
            keyboard = [self.buttons(item.comment)]
            payload = self.payload(self.announcement(item), keyboard)
            message_id = self.api.call("sendMessage", payload, timeout).get("message_id")
            return int(message_id) if isinstance(message_id, int) else None
        payload = self.payload(self.decided(item), [])  # no buttons once decided
        self.api.call("editMessageText", {**payload, "message_id": item.message}, timeout)
        return None

    def payload(self, text: str, keyboard: list[list[dict[str, str]]]) -> dict[str, Any]:
        return {
            "chat_id": self.settings.chat,
            "text": text,
            "parse_mode": "HTML",
            "link_preview_options": {"is_disabled": True},
            "reply_markup": {"inline_keyboard": keyboard},
        }

    def buttons(self, comment_id: int) -> list[dict[str, str]]:
        return [
            {"text": self.t[f"telegram.{b}"], "callback_data": f"{b}:{comment_id}"} for b in BUTTONS
        ]

    def announcement(self, item: OutboxItem) -> str:
        """Everything a reader wrote is escaped: Telegram's HTML mode takes the rest as
        markup (a bare `<` even fails the whole message)."""
        comment = item.found
        assert comment is not None
        title = self.context.pages.current().titles.get(comment.page) or comment.page
        url = self.context.article_url(comment.page, None)
        link = (
            f'<a href="{html.escape(url)}">{html.escape(title)}</a>'
            if url.startswith("http")
            else html.escape(title)
        )
        return (
            f"💬 {html.escape(self.t['telegram.new'])} #{comment.id} — {link}\n"
            f"<b>{html.escape(comment.name)}</b>:\n{html.escape(comment.text)}"
        )

    def decided(self, item: OutboxItem) -> str:
        verdict = self.t[DONE.get(item.action or "", "telegram.deleted")]
        line = html.escape(verdict.format(name=item.moderator or "?"))
        if item.found is None:  # deleted for good: its words are not repeated anywhere
            return f"💬 #{item.comment}\n\n{line}"
        return f"{self.announcement(item)}\n\n{line}"


class Webhook:
    """POST /api/telegram: Telegram calls it when a moderator presses a button."""

    def __init__(self, context: Context) -> None:
        self.context = context
        self.t = strings()[context.settings.telegram.lang if context.settings.telegram else "ru"]

    def routes(self) -> Routes:
        return [("/api/telegram", {"POST": self.update})]

    def update(self, request: Request) -> Response:
        settings = self.context.settings.telegram
        sent = (request.header("X-Telegram-Bot-Api-Secret-Token") or "").encode()
        if not sent:
            raise Problem(401, "invalid_secret", "not Telegram, or another bot's webhook")
        if settings is None:
            raise Problem(404, "not_found", "Telegram is not configured")
        if not hmac.compare_digest(sent, settings.secret.encode()):
            raise Problem(401, "invalid_secret", "not Telegram, or another bot's webhook")
        data = request.json(MAX_UPDATE)
        query = data.get("callback_query") if isinstance(data, dict) else None
        if not isinstance(query, dict):
            return Response(200, {})  # other updates (messages in the chat) are not ours
        return self.press(settings, query)

    def press(self, settings: Telegram, query: dict[str, Any]) -> Response:
        who = query.get("from")
        user = who.get("id") if isinstance(who, dict) else None
        action, _, number = str(query.get("data") or "").partition(":")
        name = settings.moderators.get(user) if type(user) is int else None
        if name is None:
            return self.answer(query, self.t["telegram.not_moderator"])
        if action not in BUTTONS or not (
            number.isascii() and number.isdigit() and len(number) < 19
        ):
            return self.answer(query, "")
        done = decide(self.context, name, action, (int(number),), "telegram")
        return self.answer(query, self.t["telegram.done" if done else "telegram.gone"])

    @staticmethod
    def answer(query: dict[str, Any], text: str) -> Response:
        """Answered in the webhook's own response: no second call to Telegram."""
        body = {"method": "answerCallbackQuery", "callback_query_id": str(query.get("id", "")),
                "text": text}  # fmt: skip
        return Response(200, body)
