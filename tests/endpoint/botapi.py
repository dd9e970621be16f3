"""A local stand-in for Telegram's Bot API: it records every call and answers like the real
one, or fails on demand (../shared/toolbox.md: nothing outside reaches these machines)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

BOT_TOKEN = "123456:test-bot-token"


class BotApi:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.mode = "ok"  # ok, down (502), hang (never answers in time)
        self.next_id = 100
        self.lock = threading.Lock()
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                recorder.answer(self, self.path, body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def answer(self, handler: BaseHTTPRequestHandler, path: str, body: bytes) -> None:
        if self.mode == "hang":
            time.sleep(8)
        if self.mode != "ok":
            handler.send_response(502)
            handler.end_headers()
            return
        prefix = f"/bot{BOT_TOKEN}/"
        assert path.startswith(prefix), path
        method, payload = path.removeprefix(prefix), json.loads(body)
        with self.lock:
            self.calls.append((method, payload))
            self.next_id += 1
            result: dict[str, Any] = {"message_id": self.next_id, "chat": {"id": -1001}}
        data = json.dumps({"ok": True, "result": result}).encode()
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def of(self, method: str) -> list[dict[str, Any]]:
        with self.lock:
            return [payload for name, payload in self.calls if name == method]

    def wait_for(self, method: str, count: int, seconds: float = 10) -> list[dict[str, Any]]:
        deadline = time.monotonic() + seconds
        while len(self.of(method)) < count:
            assert time.monotonic() < deadline, (method, count, self.calls)
            time.sleep(0.05)
        return self.of(method)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def running() -> Iterator[BotApi]:
    api = BotApi()
    yield api
    api.close()
