"""The editors' UI on one's own machine: Decap's local-repository protocol, in Python.

`serve` answers POST /api/v1 the way `decap-server` (Node) does in its file-system mode, so
`make serve` gives a working CMS at /admin/ with no GitHub and no Node. It reads and writes
only under content/ and static/images/. The listing returns each article's front matter
only; the body is read when the editor opens the article (10,000 articles list fast).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
from pathlib import Path, PurePosixPath
from typing import Any

PATH = "/api/v1"
ROOTS = ("content/", "static/images/")
FENCE = re.compile(r"^(?:---|\.\.\.)[ \t]*\r?$", re.MULTILINE)
MAX_BODY = 64 * 1024 * 1024  # a few phone photos, base64
Answer = tuple[int, Any]


class Refused(Exception):
    """A request the local repository will not carry out (a path outside its folders)."""


class LocalRepo:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def handle(self, body: bytes) -> Answer:
        """One protocol request (a JSON object with `action` and `params`) -> (status, JSON)."""
        request = _request(body)
        if request is None:
            return 400, {"error": "the request must be a JSON object with action and params"}
        action = getattr(self, f"do_{request.get('action')}", None)
        if action is None:
            return 422, {"error": f"Unknown action {request.get('action')}"}
        try:
            return 200, action(request.get("params") or {})
        except Refused as exc:
            return 400, {"error": str(exc)}
        except (KeyError, TypeError, ValueError, binascii.Error) as exc:
            return 422, {"error": f"bad parameters: {exc}"}
        except FileNotFoundError as exc:
            return 404, {"error": f"no such file: {self._shown(exc.filename)}"}

    def _file(self, rel: object, folder: bool = False) -> Path:
        """The file (or folder) a request names, refused unless under one of ROOTS."""
        if not isinstance(rel, str) or "\\" in rel or "\0" in rel:
            raise Refused(f"not a repository path: {rel!r}")
        clean = PurePosixPath(rel).as_posix().strip("/") + ("/" if folder else "")
        under = next((r for r in ROOTS if (clean + "/").startswith(r)), None)
        if ".." in PurePosixPath(clean).parts or under is None:
            raise Refused(f"only {' and '.join(ROOTS)} can be read or written here: {rel}")
        path = (self.root / clean).resolve()
        if not path.is_relative_to((self.root / under).resolve()):
            raise Refused(f"{rel} leads outside {under}")
        return path

    def _shown(self, path: object) -> str:
        text = os.fsdecode(path) if isinstance(path, (str, bytes)) else str(path)
        return os.path.relpath(text, self.root) if os.path.isabs(text) else text

    def _rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def do_info(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"repo": self.root.name, "publish_modes": ["simple"], "type": "local_fs"}

    def do_entriesByFolder(self, params: dict[str, Any]) -> list[dict[str, Any]]:  # noqa: N802
        folder = self._file(params["folder"], folder=True)
        extension = str(params.get("extension") or "")
        files = _walk(folder, extension, int(params.get("depth") or 1))
        return [self._entry(path, head_only=True) for path in files]

    def do_entriesByFiles(self, params: dict[str, Any]) -> list[dict[str, Any]]:  # noqa: N802
        return [self._entry(self._file(f["path"]), label=f.get("label")) for f in params["files"]]

    def do_getEntry(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        return self._entry(self._file(params["path"]))

    def _entry(self, path: Path, head_only: bool = False, label: object = None) -> dict[str, Any]:
        try:
            data = path.read_bytes()
        except (FileNotFoundError, IsADirectoryError):
            return {"data": None, "file": {"path": self._rel(path), "label": label, "id": None}}
        text = data.decode("utf-8", errors="replace")
        return {
            "data": front_matter(text) if head_only else text,
            "file": {"path": self._rel(path), "label": label, "id": _sha(data)},
        }

    def do_persistEntry(self, params: dict[str, Any]) -> dict[str, str]:  # noqa: N802
        files = params.get("dataFiles") or [params["entry"]]
        writes = [(self._file(f["path"]), str(f["raw"]).encode("utf-8")) for f in files]
        assets = [(self._file(a["path"]), _decode(a)) for a in params.get("assets") or []]
        moves = [
            (self._file(f["path"]), self._file(f["newPath"])) for f in files if f.get("newPath")
        ]
        for path, data in writes + assets:
            _write(path, data)
        for old, new in moves if len(moves) == len(files) else ():
            new.parent.mkdir(parents=True, exist_ok=True)
            os.replace(old, new)
        return {"message": "entry persisted"}

    def do_getMedia(self, params: dict[str, Any]) -> list[dict[str, Any]]:  # noqa: N802
        folder = self._file(params["mediaFolder"], folder=True)
        return [self._media(path) for path in _walk(folder, "", 1)]

    def do_getMediaFile(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        return self._media(self._file(params["path"]))

    def do_persistMedia(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        asset = params["asset"]
        path = self._file(asset["path"])
        _write(path, _decode(asset))
        return self._media(path)

    def _media(self, path: Path) -> dict[str, Any]:
        data = path.read_bytes()
        return {
            "id": _sha(data),
            "content": base64.b64encode(data).decode("ascii"),
            "encoding": "base64",
            "path": self._rel(path),
            "name": path.name,
        }

    def do_deleteFile(self, params: dict[str, Any]) -> dict[str, str]:  # noqa: N802
        self._file(params["path"]).unlink(missing_ok=True)
        return {"message": f"deleted file {params['path']}"}

    def do_deleteFiles(self, params: dict[str, Any]) -> dict[str, str]:  # noqa: N802
        paths = [self._file(p) for p in params["paths"]]
        for path in paths:
            path.unlink(missing_ok=True)
        return {"message": f"deleted files {', '.join(params['paths'])}"}

    def do_getDeployPreview(self, params: dict[str, Any]) -> None:  # noqa: N802
        return None


def _request(body: bytes) -> dict[str, Any] | None:
    try:
        request = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(request, dict) or not isinstance(request.get("params") or {}, dict):
        return None
    return request


def front_matter(text: str) -> str:
    """The file up to its closing fence: all the listing needs (title, date, rubric…)."""
    if not text.startswith("---"):
        return text
    closing = FENCE.search(text, text.find("\n") + 1)
    return text if closing is None else text[: closing.end()] + "\n"


def _walk(folder: Path, extension: str, depth: int) -> list[Path]:
    """Files under folder down to depth levels (1: the folder's own files), like decap-server."""
    found: list[Path] = []
    if depth < 1 or not folder.is_dir():
        return found
    for child in sorted(folder.iterdir()):
        if child.name.startswith("."):
            continue
        if child.is_dir():
            found += _walk(child, extension, depth - 1)
        elif child.name.endswith(extension):
            found.append(child)
    return found


def _decode(asset: dict[str, Any]) -> bytes:
    if asset.get("encoding") != "base64":
        raise ValueError(f"unsupported encoding {asset.get('encoding')!r}")
    return base64.b64decode(str(asset["content"]), validate=True)


def _write(path: Path, data: bytes) -> None:
    """Whole or not at all: a watcher (serve's rebuild) never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.part")
    partial.write_bytes(data)
    os.replace(partial, path)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def dress_config(config: bytes, host: str) -> bytes:
    """admin/config.yml as served by `serve`: Decap looks for this server's /api/v1 first."""
    hostname = host.rsplit(":", 1)[0].strip("[]")
    block = {"url": f"http://{host}{PATH}", "allowed_hosts": [hostname]}
    return config.rstrip(b"\n") + b"\nlocal_backend: " + json.dumps(block).encode() + b"\n"
