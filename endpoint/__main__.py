"""`python -m endpoint --host 127.0.0.1 --port 8081`: a local threaded server."""

from __future__ import annotations

import argparse
import contextlib
import sys
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from endpoint.app import create_app
from endpoint.settings import ConfigError, Settings


class ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 128


class QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m endpoint", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    args = parser.parse_args(argv)
    try:
        app = create_app(Settings.from_env())
    except ConfigError as exc:
        print(f"endpoint: error: {exc}", file=sys.stderr)
        return 1
    with make_server(args.host, args.port, app, ThreadingServer, QuietHandler) as server:
        print(
            f"khabar endpoint on http://{args.host}:{server.server_port}/api/ ({app.store.kind})",
            file=sys.stderr,
            flush=True,
        )
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
