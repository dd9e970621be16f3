"""`build.py serve`: build, serve with live reload, rebuild what a change touches, and answer
the readers' endpoint at /api/ (a `python -m endpoint` process on an embedded SQLite file).

An edit of an article re-renders its own page at once (the fast path); a follow-up build in
the background brings feeds and lists up to date, and a newer edit cancels it. A build with
errors prints them and shows them in the browser while the last good site stays served.
"""

from __future__ import annotations

import signal
from types import FrameType

from generator import admin, cms_local, endpoint_proc, livehttp
from generator.cache import Cache
from generator.pipeline import Options
from generator.watch import Session, stderr, watch


def serve(options: Options, host: str, port: int) -> int:
    cache = Cache(options.cache)
    session = Session(options, cache, stderr)
    session.start()
    if session.built is None and not options.out.is_dir():
        return 1
    # From here on (the first build's worker processes are gone) SIGTERM stops serve as
    # Ctrl-C does, the endpoint child too.
    signal.signal(signal.SIGTERM, _interrupt)
    api = endpoint_proc.start(
        options.site, options.cache or options.site / ".cache", f"http://{host}:{port}"
    )
    try:
        cms = cms_local.LocalRepo(options.site) if (options.out / admin.FOLDER).is_dir() else None
        base = api.base if api else None
        server = livehttp.make_server(host, port, options.out, session, base, cms)
        observer = watch(options, session)
        stderr(f"serving {options.out} at http://{host}:{port}/ (Ctrl-C stops)")
        if cms is not None:
            stderr(
                f"editors' UI at http://{host}:{port}/admin/ on this folder's files, no GitHub: "
                "press «Войти», then write; saved articles land in content/ (commit them with git)"
            )
        try:
            server.serve_forever(0.1)
        except KeyboardInterrupt:
            pass
        finally:
            observer.stop()
            server.server_close()
    finally:
        if api:
            api.stop()
        session.stop()
        cache.close()
    return 0


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt
