"""`build.py serve`: build, then serve the output folder on a local port."""

from __future__ import annotations

import contextlib
import functools
import sys
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

from generator.errors import SiteError
from generator.pipeline import Options, build


def serve(options: Options, host: str, port: int) -> int:
    try:
        build(options)
    except SiteError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        if not options.out.is_dir():
            return 1
        print("serving the last good build", file=sys.stderr)
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(options.out))
    with ThreadingHTTPServer((host, port), handler) as server:
        print(f"serving {options.out} at http://{host}:{port}/ (Ctrl-C stops)", file=sys.stderr)
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()
    return 0
