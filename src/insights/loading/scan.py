"""One pass over a file's bytes: size, SHA-256, its first bytes and where it stops decoding.

Both the whole-file reader and the streaming reader decide a file's encoding from these
facts, so they agree byte for byte: ``source.encoding: auto`` picks UTF-8 only when the
*whole* file decodes as UTF-8, which a streaming reader can only know after a full pass.
"""

from __future__ import annotations

import codecs
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

#: Bytes read per chunk when scanning a file.
CHUNK_BYTES = 8 << 20
#: Leading bytes kept for format, byte-order-mark and sample checks (4 bytes per character).
HEAD_BYTES = 4 * 262_144 + 4


@dataclass(frozen=True)
class DecodeError:
    """The first byte that does not decode: its 0-based offset, 1-based line and value."""

    offset: int
    line: int
    byte: int


@dataclass(frozen=True)
class ByteScan:
    """Facts about a file's bytes gathered in one pass."""

    sha256: str
    size: int
    head: bytes
    blank: bool  # nothing but ASCII whitespace
    utf8_error: DecodeError | None
    cp1251_error: DecodeError | None  # cp1251 leaves one byte (0x98) undefined
    lines: int = 0  # physical lines: line feeds, plus one for a last line without one


def scan_bytes(chunks: Iterable[bytes]) -> ByteScan:
    """Return the size, SHA-256, head and first undecodable bytes of a file given in chunks."""
    digest, head, size, blank, lines, last = hashlib.sha256(), b"", 0, True, 0, b"\n"
    utf8 = codecs.getincrementaldecoder("utf-8")()
    utf8_error = cp1251_error = None
    for chunk in chunks:
        digest.update(chunk)
        if len(head) < HEAD_BYTES:
            head += chunk[: HEAD_BYTES - len(head)]
        blank = blank and not chunk.strip()
        if utf8_error is None:
            utf8_error = _utf8_step(utf8, chunk, size, lines)
        if cp1251_error is None and b"\x98" in chunk:
            at = chunk.index(b"\x98")
            cp1251_error = DecodeError(size + at, lines + chunk.count(b"\n", 0, at) + 1, 0x98)
        size += len(chunk)
        lines += chunk.count(b"\n")
        last = chunk[-1:] or last
    if utf8_error is None:
        utf8_error = _utf8_step(utf8, b"", size, lines, final=True)
    return ByteScan(digest.hexdigest(), size, head, blank, utf8_error, cp1251_error,
                    lines + (last != b"\n"))


def _utf8_step(decoder, chunk: bytes, size: int, lines: int, *, final: bool = False) -> DecodeError | None:
    """Feed one chunk to the UTF-8 decoder; return where it fails (absolute), else None."""
    pending = decoder.getstate()[0]
    try:
        decoder.decode(chunk, final)
    except UnicodeDecodeError as exc:
        inside = max(exc.start - len(pending), 0)  # pending bytes hold no line break
        return DecodeError(size - len(pending) + exc.start,
                           lines + chunk.count(b"\n", 0, inside) + 1, exc.object[exc.start])
    return None


def file_chunks(path: Path) -> Iterator[bytes]:
    """Yield a file's bytes in chunks of ``CHUNK_BYTES``."""
    with Path(path).open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            yield chunk


def data_chunks(data: bytes) -> Iterator[bytes]:
    """Yield in-memory bytes in chunks of ``CHUNK_BYTES`` (the same facts as a file's)."""
    view = memoryview(data)
    for start in range(0, len(data), CHUNK_BYTES):
        yield bytes(view[start : start + CHUNK_BYTES])
