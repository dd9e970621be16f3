"""Fixtures for publishing: a local HTTP server that answers like the Telegram Bot API and
the VK API and records every call, and a small bilingual site with fresh articles."""

from __future__ import annotations

import itertools
import json
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bench.photogen import Shot, make
from tests.conftest import MINIMAL_SITE, SiteDir

MSK = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=MSK)
TELEGRAM_TOKEN = "123456:TEST-telegram-token-never-shown"
VK_TOKEN = "vk1.a.TEST-vk-token-never-shown"
CROSSPOST = """\
crosspost:
  telegram: {ru: "@chistopol_ru", tt: "@chistay_tt"}
  vk: {ru: -111222}
"""


@dataclass
class Call:
    network: str  # telegram or vk
    method: str  # sendPhoto, sendMessage, wall.post
    token: str
    params: dict[str, Any]
    answered: bool = False  # False: the client never got a success for it


Answer = tuple[int, dict[str, Any]]


class FakeAPI:
    """Answers /bot<token>/<method> like Telegram and /method/<method> like VK.

    `script(network, answer, ...)` queues answers; once the queue is empty every call
    succeeds with the next id. `hook(call)` runs before the answer (a test may kill the
    client there) and may return an answer of its own."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.queued: dict[str, list[Answer]] = {"telegram": [], "vk": []}
        self.ids = itertools.count(1001)
        self.hook: Callable[[Call], Answer | None] | None = None
        self.lock = threading.Lock()
        self.url = ""

    def script(self, network: str, *answers: Answer) -> None:
        self.queued[network].extend(answers)

    def posted(self, network: str | None = None) -> list[Call]:
        return [c for c in self.calls if c.answered and network in (None, c.network)]

    def answer(self, call: Call) -> Answer:
        with self.lock:
            self.calls.append(call)
            custom = self.hook(call) if self.hook else None
            if custom is None and self.queued[call.network]:
                custom = self.queued[call.network].pop(0)
            if custom is not None:
                return custom
            call.answered = True
            new_id = next(self.ids)
        if call.network == "telegram":
            return 200, {"ok": True, "result": {"message_id": new_id, "chat": {}}}
        return 200, {"response": {"post_id": new_id}}


def _handler(api: FakeAPI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            path = self.path.strip("/").split("/")
            if path[0].startswith("bot"):
                call = Call("telegram", path[1], path[0][3:], json.loads(raw))
            else:
                params = dict(urllib.parse.parse_qsl(raw.decode()))
                call = Call("vk", path[1], params.pop("access_token", ""), params)
            status, body = api.answer(call)
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeAPI]:
    fake = FakeAPI()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setenv("KHABAR_TELEGRAM_API", fake.url)
    monkeypatch.setenv("KHABAR_VK_API", fake.url)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TELEGRAM_TOKEN)
    monkeypatch.setenv("VK_TOKEN", VK_TOKEN)
    yield fake
    server.shutdown()
    server.server_close()


def at(delta: timedelta, base: datetime = NOW) -> str:
    return (base + delta).isoformat()


class NewsSite(SiteDir):
    """A site with crosspost channels and articles dated around NOW."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.write("site.yaml", MINIMAL_SITE + CROSSPOST)
        # A phone photo (with GPS), small enough to encode quickly: published as variants.
        make(Shot("cover.jpg", 1280, 720, 7), self.root / "static/images")

    def news(self, rel: str, hours: float, **fields: str) -> Path:
        fields.setdefault("date", at(timedelta(hours=hours)))
        return self.article(rel, **fields)


@pytest.fixture
def news(tmp_path: Path) -> NewsSite:
    site = NewsSite(tmp_path / "site")
    site.news("content/ru/2026/cover.md", -3, title="Школа с обложкой", image="images/cover.jpg",
              lead="Первое предложение.", translation_key="cover")  # fmt: skip
    site.news("content/ru/2026/plain.md", -1, title="Без обложки", translation_key="plain")
    site.news("content/tt/2026/plain.md", -1, title="Тышлыксыз", translation_key="plain")
    site.news("content/ru/2026/old.md", -72, title="Старая новость")
    site.news("content/ru/2026/later.md", 1, title="Ещё не вышла")
    site.news("content/ru/2026/gone.md", -5, title="Снята", expires=at(timedelta(hours=-4)))
    return site


def ledger_of(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data
