"""`build.py serve`: build, serve with live reload, rebuild what a change touches, and answer
the readers' endpoint at /api/ (a `python -m endpoint` process on an embedded SQLite file).

An edit that changes only an article's body re-renders that one page at once (the fast
path); a full incremental build follows and brings feeds and lists up to date. A build with
errors prints them and shows them in the browser while the last good site stays served.
"""

from __future__ import annotations

import sys

from generator import endpoint_proc, livehttp
from generator.cache import Cache
from generator.pipeline import Options
from generator.watch import Session, watch


def serve(options: Options, host: str, port: int) -> int:
    cache = Cache(options.cache)
    session = Session(options, cache)
    session.rebuild(set())
    if session.errors and not options.out.is_dir():
        return 1
    api = endpoint_proc.start(
        options.site,
        options.cache or options.site / ".cache",
        f"http://{host}:{port}",
        options.out / "endpoint-pages.json",
    )
    server = livehttp.make_server(host, port, options.out, session, api.base if api else None)
    observer = watch(options, session)
    print(
        f"serving {options.out} at http://{host}:{port}/ (Ctrl-C stops)",
        file=sys.stderr,
        flush=True,
    )
    try:
        server.serve_forever(0.1)
    except KeyboardInterrupt:
        pass
    finally:
        observer.stop()
        server.server_close()
        if api:
            api.stop()
        cache.close()
    return 0
