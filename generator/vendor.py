"""Front-end packages /admin/ needs, pinned and served from the site's own origin.

Decap is the editors' CMS; Pyodide runs the generator's own Markdown and typography in the
editor's browser for the preview (`generator/preview.py`). The build downloads each package's
tarball from the npm registry once, checks it against the sha512 pinned here, keeps the files
the browser needs in the build cache and hands them to the writer. No Node, no CDN: editors
in Russia reach the site itself, not jsDelivr.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import re
import shutil
import tarfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from generator.digests import hash_bytes

REGISTRY = "https://registry.npmjs.org"
REGISTRY_ENV = "KHABAR_NPM_REGISTRY"  # a mirror of the npm registry, e.g. a company's own
COMPLETE = ".complete"
MAX_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    integrity: str  # npm's `integrity`: sha512 of the tarball, base64
    wanted: re.Pattern[str]  # tarball member -> its file name in group 1
    folder: str  # where under /admin/ its files are served ("" for /admin/ itself)
    main: str = ""  # the file the patches apply to
    patches: tuple[tuple[str, str], ...] = ()

    def tarball_url(self) -> str:
        base = os.environ.get(REGISTRY_ENV) or REGISTRY
        return f"{base.rstrip('/')}/{self.name}/-/{self.name}-{self.version}.tgz"


# Three exact edits of the pinned code, where Decap's `multiple_folders` assumes the language
# folder sits right above the file (the pairing limitation of decap-cms#4645 and #6600):
# 1. the language of content/ru/2026/x.md is asked of our admin script (Decap says "2026");
# 2. an article that exists in one language only (not the default one) keeps a path of its
#    own language, so it opens instead of pointing into a folder that does not exist;
# 3. a language left without a title is not written (Decap would write a file holding only
#    the shared fields, which `check` rightly refuses: every article needs its title).
PATCHES = (
    (
        'case Ph.MULTIPLE_FOLDERS:{const e=n.split("/");return e.pop(),e.pop()}',
        'case Ph.MULTIPLE_FOLDERS:{const e=n.split("/");'
        "return window.khabarLocaleOf?window.khabarLocaleOf(n):(e.pop(),e.pop())}",
    ),
    ("a=qh(t,i.value.path,n),s=vh(e,a)", "a=qh(t,i.value.path,i.locale),s=vh(e,a)"),
    (
        'raw:c.get("data")?r(c):""',
        'raw:c.get("data")&&(!window.khabarWritten||window.khabarWritten(e,c.get("data")))?r(c):""',
    ),
)
DECAP = Package(
    name="decap-cms",
    version="3.16.3",
    integrity="sha512-hf+dPlCh7TJmWl8+6VRzHYOWhri5xgUknrZbDewaWe4s9B7xJ8PQugp2QHeSldMUKz"
    "av6+z0oIpwUYhUJDYtYw==",
    # The main file, its lazily loaded chunks, two WebAssembly modules and the licence
    # notice that must travel with the minified code.
    wanted=re.compile(
        r"^package/dist/((?:\d+\.)?decap-cms\.js|[0-9a-f]+\.wasm|decap-cms\.js\.LICENSE\.txt)$"
    ),
    folder="",
    main="decap-cms.js",
    patches=PATCHES,
)
# CPython compiled to WebAssembly with its standard library (about 13 MB, fetched when an
# editor opens the CMS, then from the browser's cache). package.json carries the licence
# (MPL-2.0) and the source's address.
PYODIDE_VERSION = "314.0.7"
PYODIDE = Package(
    name="pyodide",
    version=PYODIDE_VERSION,
    integrity="sha512-0YvXxEhfEdpLfb/XkM2BFAeMROq0iMUX2bzzH9pOttyMcWkwq+HbE5uyuGD82LN7y2q+SNvi"
    "/6V5JEsOlD2R1A==",
    wanted=re.compile(
        r"^package/(pyodide\.mjs|pyodide\.asm\.mjs|pyodide\.asm\.wasm|python_stdlib\.zip"
        r"|pyodide-lock\.json|package\.json)$"
    ),
    folder=f"pyodide-{PYODIDE_VERSION}",  # by version: a browser never mixes two releases
)
PACKAGES = (DECAP, PYODIDE)


class VendorError(Exception):
    """A package could not be had (offline, registry down, bytes not the pinned ones)."""


def package_files(package: Package, cache: Path) -> dict[str, Path]:
    """File name -> path in the cache of one package's files; downloads them once."""
    # The folder's name changes with the bytes pinned, the files kept and our edits, so a
    # cache made before any of them changed is not reused.
    made = repr((package.integrity, package.wanted.pattern, package.patches))
    folder = cache / "vendor" / f"{package.name}-{package.version}-{hash_bytes(made.encode())[:12]}"
    if not (folder / COMPLETE).is_file():
        _install(package, folder, _download(package))
    return {p.name: p for p in sorted(folder.iterdir()) if p.name != COMPLETE}


def _download(package: Package) -> bytes:
    url = package.tarball_url()
    try:
        with urllib.request.urlopen(url, timeout=60) as answer:  # noqa: S310 - http(s) only
            data: bytes = answer.read(MAX_BYTES + 1)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise VendorError(f"could not download {url}: {reason}") from None
    if len(data) > MAX_BYTES:
        raise VendorError(f"{url} is larger than {MAX_BYTES} bytes")
    if not verify(package, data):
        raise VendorError(
            f"{url} is not the pinned {package.name} {package.version} (sha512 differs)"
        )
    return data


def verify(package: Package, data: bytes) -> bool:
    digest = base64.b64encode(hashlib.sha512(data).digest()).decode("ascii")
    return f"sha512-{digest}" == package.integrity


def _install(package: Package, folder: Path, data: bytes) -> None:
    """Unpack into a fresh folder beside the final one, then rename: never half a package."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    partial = folder.with_name(f".{folder.name}.{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir()
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
            for member in archive.getmembers():
                match = package.wanted.match(member.name)
                handle = archive.extractfile(member) if match and member.isfile() else None
                if match and handle is not None:
                    (partial / match.group(1)).write_bytes(handle.read())
        if package.patches:
            _patch(package, partial / package.main)
        (partial / COMPLETE).write_text(f"{package.name} {package.version}\n", encoding="utf-8")
        shutil.rmtree(folder, ignore_errors=True)
        partial.rename(folder)
    finally:
        shutil.rmtree(partial, ignore_errors=True)


def _patch(package: Package, path: Path) -> None:
    code = path.read_text(encoding="utf-8")
    for old, new in package.patches:
        if code.count(old) != 1:
            raise VendorError(
                f"{package.name} {package.version}: the code to adapt was not found exactly once"
            )
        code = code.replace(old, new)
    path.write_text(code, encoding="utf-8")
