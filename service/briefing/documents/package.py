"""The Word package of the direct writer: the reference document prepared once, and zips written with their
unchanging parts already compressed.

A reference document is prepared by python-docx itself, once per process (and kept on disk by the hash of
its content, so a new process need not import python-docx): opened with an empty body, given the styles a
masthead needs (one variant with them, one without), its core properties set to markers, and saved the way
word.render_python_docx saves. Every part of that package a render does not change is kept compressed;
``document.xml`` is kept as the text before and after the body's content, the document's relationships as
the text before their end, the content types as their table, and ``core.xml`` with its markers. A render
then writes the body, fills the markers, adds its charts, and zips, so that its parts are the ones
python-docx would have written (tests/test_word_oracle.py holds the two to that).
"""

from __future__ import annotations

import hashlib
import marshal
import struct
import sys
import zlib
from pathlib import Path
from typing import Callable, NamedTuple

Entry = tuple[bytes, int, int, bytes]      # zip name, crc32, size, deflated bytes
_DOS_DATE = (0 << 9) | (1 << 5) | 1        # 1980-01-01, the time 00:00: every entry, so the same parts, the same bytes
_LOCAL = struct.Struct("<4sHHHHHIIIHH")
_CENTRAL = struct.Struct("<4sBBHHHHHIIIHHHHHII")
_END = struct.Struct("<4sHHHHIIH")
CACHE_FORMAT = 1                            # part of every disk cache key: a new layout of Prepared, a new key
MARK = "\ue000{}\ue001"                     # a marker python-docx writes as it is, replaced at render


def deflate(name: str, data: bytes) -> Entry:
    """A zip entry, compressed as zipfile compresses (raw deflate at the default level)."""
    packer = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    return name.encode("utf-8"), zlib.crc32(data), len(data), packer.compress(data) + packer.flush()


def zip_bytes(entries: list[Entry]) -> bytes:
    """A zip of the entries in order, each dated 1980-01-01 and readable by its owner (as zipfile writes)."""
    out, central, offset = [], [], 0
    for name, crc, size, data in entries:
        flags = 0 if name.isascii() else 0x800
        local = _LOCAL.pack(b"PK\x03\x04", 20, flags, 8, 0, _DOS_DATE, crc, len(data), size, len(name), 0)
        out += (local, name, data)
        central.append(_CENTRAL.pack(b"PK\x01\x02", 20, 0, 20, flags, 8, 0, _DOS_DATE, crc, len(data), size,
                                     len(name), 0, 0, 0, 0, 0o600 << 16, offset) + name)
        offset += len(local) + len(name) + len(data)
    directory = b"".join(central)
    out += (directory, _END.pack(b"PK\x05\x06", 0, 0, len(entries), len(entries), len(directory), offset, 0))
    return b"".join(out)


class Prepared(NamedTuple):
    """A reference document ready for the direct writer (see the module's docstring)."""

    entries: tuple[Entry, ...]        # the package in python-docx's order; the parts a render rewrites are empty
    document: str                     # zip names of the parts a render rewrites
    document_rels: str
    core: str
    head: str                         # document.xml before the body's content
    tail: str                         # and after it (the section properties onward)
    rels_head: str                    # the document's relationships before </Relationships>
    rel_ids: tuple[str, ...]          # the ids the document's relationships use
    defaults: tuple[tuple[str, str], ...]     # content types: (extension, type) and (part name, type)
    overrides: tuple[tuple[str, str], ...]
    core_xml: str                     # core.xml with markers T A S K for title, author, subject, keywords, D the date
    partnames: tuple[str, ...]
    document_dir: str                 # the folder of document.xml (/word): chart targets are relative to it
    first_shape_id: int               # the id of the first drawing this document can add
    block_width: int                  # EMU between the margins: a table's columns share it
    table_style: str | None           # the table style's id, as python-docx finds it
    masthead_size: float | None       # the Masthead style's size in points, when it has one
    namespaces: tuple[tuple[str, str], ...]   # the prefixes document.xml declares on its root


def escape(data: str, entities: dict[str, str] | None = None) -> str:
    """Text for XML, as xml.sax.saxutils.escape makes it (&, >, <, then each of ``entities`` in order), without
    importing it: saxutils imports urllib.request and http.client, 20 ms of a cold start."""
    data = data.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
    for key, value in (entities or {}).items():
        data = data.replace(key, value)
    return data


_memory: dict[tuple[str, bool], Prepared] = {}


def prepared(key: str, on_demand: bool, prepare: Callable[[bool, Callable[[str], str]], Prepared]) -> Prepared:
    """The reference prepared for the direct writer, by ``key`` (a hash of its content and of the code that
    prepares it): from this process's memory, else the disk cache, else made by ``prepare`` and kept in both."""
    found = _memory.get((key, on_demand))
    if found is not None:
        return found
    from .cache import folder as cache_folder

    folder = cache_folder("reference")     # the one cache folder (documents/cache.py): off when not this user's own
    path = folder / f"{key}-{int(on_demand)}.bin" if folder else None
    found = _read(path)
    if found is None:
        found = prepare(on_demand, MARK.format)
        _write(path, found)
    _memory[(key, on_demand)] = found
    return found


def content_key(*parts: bytes) -> str:
    """A key for the disk cache: the content, this file's format and Python's (marshal changes with it)."""
    digest = hashlib.sha256(f"{CACHE_FORMAT} {sys.version}".encode())
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()[:32]


def _read(path: Path | None) -> Prepared | None:
    """The cached preparation, or None when there is none or it cannot be read (it is then made again)."""
    if path is None:
        return None
    try:
        fields = marshal.loads(path.read_bytes())
        return Prepared(*fields)
    except (OSError, EOFError, ValueError, TypeError):
        return None


def _write(path: Path | None, value: Prepared) -> None:
    """Keep the preparation for the next process; a cache that cannot be written is passed over silently."""
    if path is None:
        return
    from ..files import write_atomically

    try:
        write_atomically(path, marshal.dumps(tuple(value)))
    except OSError:
        pass
