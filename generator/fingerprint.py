"""What each output is made of, as a short hash: the keys of the build cache.

A document is a pure function of its source file (path and bytes), site.yaml and the
generator's own code. A page is a pure function of what its template is given: the `Page`
object (hashed whole, field by field, with every article it holds), the settings, the theme's
files and the code. Nothing else reaches a template, so equal fingerprints mean equal bytes.
"""

from __future__ import annotations

import copyreg
import functools
import hashlib
import io
import operator
import pickle
import sys
from collections.abc import Callable, Iterable
from dataclasses import fields, is_dataclass
from importlib import metadata
from pathlib import Path

from generator import model
from generator.model import Article, Document, SourceFile, SourceRef

PACKAGE = Path(__file__).resolve().parent
# Libraries whose upgrade can change the bytes we write.
LIBRARIES = ("markdown", "jinja2", "markupsafe", "babel", "pyyaml", "pillow", "pagefind")


def digest(*parts: str) -> str:
    joined = "\x00".join(parts).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(joined, digest_size=16).hexdigest()


@functools.cache
def code_digest() -> str:
    """Every source file of the generator, the Python version and the libraries' versions:
    a generator upgrade invalidates what it may render differently (not a version string)."""
    h = hashlib.blake2b(digest_size=16)
    for path in sorted(PACKAGE.rglob("*.py")):
        h.update(path.relative_to(PACKAGE).as_posix().encode() + b"\x00" + path.read_bytes())
    h.update(sys.version.encode())
    for name in LIBRARIES:
        try:
            h.update(f"{name}={metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{name}=none".encode())
    return h.hexdigest()


def document_key(source: SourceFile | SourceRef, config_digest: str) -> str:
    return digest(code_digest(), config_digest, source.path, source.digest)


def files_digest(folders: Iterable[Path]) -> str:
    """Every file under the folders, by relative name and content (the theme, say)."""
    h = hashlib.blake2b(digest_size=16)
    for number, folder in enumerate(folders):
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            name = f"{number}/{path.relative_to(folder).as_posix()}"
            h.update(name.encode() + b"\x00" + path.read_bytes() + b"\x00")
    return h.hexdigest()


class Pages:
    """Fingerprints of pages: a hash of the whole Page object under a salt (settings, theme,
    code). Pickle writes every field of every value, however deep, so nothing a template can
    reach is left out. Articles are hashed once each, however many pages show them, and stand
    in a page by that hash; a document stands for itself by its key (its source, site.yaml
    and the code). Both are swapped in before pickling, so the pickling itself runs in C."""

    def __init__(self, salt: str) -> None:
        self.salt = salt.encode()
        self.articles: dict[int, str] = {}
        self.keep: list[Article] = []  # ids stay unique while the memo lives

    def __call__(self, page: object) -> str:
        h = hashlib.blake2b(self.salt, digest_size=16)
        h.update(_pickled(self._stand_ins(page)))
        return h.hexdigest()

    def article(self, item: Article) -> str:
        found = self.articles.get(id(item))
        if found is None:
            found = (
                "A" + hashlib.blake2b(_pickled(self._stand_ins(item)), digest_size=16).hexdigest()
            )
            self.articles[id(item)] = found
            self.keep.append(item)
        return found

    def _stand_ins(self, item: object) -> tuple[object, ...]:
        """A dataclass as its type's name and its fields' values, with the articles and
        documents among them (or in a tuple among them) replaced by their hashes. One nested
        deeper is pickled whole: slower, never less exact."""
        found: list[object] = [type(item).__qualname__]
        for name in _names(type(item)):
            value = getattr(item, name)
            kind = type(value)
            if kind is Article or kind is Document:
                value = self._one(value)
            elif kind is tuple and value and type(value[0]) is Article:
                value = tuple(map(self._one, value))
            found.append(value)
        return tuple(found)

    def _one(self, value: object) -> object:
        if type(value) is Article:
            return self.article(value)
        if type(value) is Document:
            return f"D{_key(value)}"
        return value


def _names(kind: type) -> tuple[str, ...]:
    found = _FIELD_NAMES.get(kind)
    if found is None:
        found = _FIELD_NAMES[kind] = tuple(f.name for f in fields(kind))
    return found


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _key(doc: Document) -> str:
    if not doc.key:
        raise ValueError(f"document {doc.source} has no cache key")
    return doc.key


def _pickled(value: object) -> bytes:
    """Without memo ("fast"): equal values give equal bytes whatever objects they share."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.fast = True
    pickler.dispatch_table = _AS_FIELDS
    pickler.dump(value)
    return buffer.getvalue()


def _as_fields(kind: type) -> Callable[[object], tuple[type, tuple[object, ...]]]:
    """A dataclass pickled as its class and its fields' values in order: exact, and a
    quarter cheaper than pickle's default (a dict of field names for every object)."""
    names = _names(kind)
    get = operator.attrgetter(*names)
    if len(names) == 1:
        return lambda item: (kind, (get(item),))
    return lambda item: (kind, get(item))


_AS_FIELDS = copyreg.dispatch_table | {
    kind: _as_fields(kind)
    for kind in vars(model).values()
    if isinstance(kind, type) and is_dataclass(kind)
}
