"""CSV read in blocks of bytes by Arrow's CSV reader, giving what the exact reader gives.

``loading.text`` parses records with :mod:`csv` line by line: exact, but a Python loop per
row. Here the data lines (after the header, which the exact reader reads) are cut into
blocks of bytes, transcoded from cp1251 to UTF-8 block by block where the encoding needs
it, and each block is split into string columns by ``pyarrow.csv``. Arrow and ``csv`` only
agree on some lines, so each block is checked with NumPy first (``loading.bytelines``):

- a block with no NUL byte whose quotes all pair up as plain ``"..."`` values within a line
  goes to Arrow whole; when Arrow finds every non-empty line to have one field per header
  column, row ``i`` is the ``i``-th non-empty line;
- otherwise each line's fields are counted and its quotes checked, and only the lines
  that pass go to Arrow; so do not lines whose first field may be blank or repeat the
  header;
- every other line (too few or too many fields, broken quotes, NUL, a value longer than
  csv's limit, blank) goes through the exact reader on its own, which keeps or rejects it
  with its line, reason and raw text as it always did, after checking that its record
  ends on that line;
- when a record may span lines (a quoted value left open at a line's end) or a line ends
  in a bare carriage return, the exact reader reads the rest of the file from the start of
  that block, and ``sources`` notes it.

Whitespace-delimited files, files whose header region cannot be mapped to bytes and UTF-8
files with undecodable bytes are read by the exact reader throughout.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import numpy as np
import pandas as pd
import pyarrow as pa

from insights.loading import bytelines, text
from insights.loading.scan import ByteScan, data_chunks, scan_bytes
from insights.loading.table import RowReject, Table

#: Read CSV with Arrow where that gives what the exact reader gives (False: never; for tests).
COLUMNAR = True
#: Bytes of the file read at a time (a block ends at the last line break in it).
BLOCK_BYTES = 32 << 20
_STR = pd.StringDtype("pyarrow", na_value=np.nan)


@dataclass
class _Piece:
    """Records of some lines: kept rows as Arrow columns with their lines, and rejects."""

    columns: list[pa.Array]
    lines: np.ndarray  # 1-based physical lines of the kept rows, increasing
    rejects: list[RowReject] = field(default_factory=list)

    @property
    def records(self) -> int:
        return len(self.lines) + len(self.rejects)


@dataclass
class _State:
    """What the block reader needs from the header and counts while it reads."""

    records: text._Records  # the header, delimiter and encoding, as the exact reader has them
    blank: int = 0
    data_lines: int = 0
    fallback: int | None = None  # 0-based line where the exact reader took over


def read_csv(entry: str, data: bytes, source, scan: ByteScan | None = None) -> tuple[Table, dict]:
    """Read CSV bytes into a Table of text columns, as ``loading.text.read_csv`` reads them."""
    scan = scan if scan is not None else scan_bytes(data_chunks(data))
    encoding = text.choose_encoding(entry, scan, source.encoding)
    opened = _open(entry, lambda: io.BytesIO(data), source, encoding, scan)
    if opened is None:
        return text.read_csv(entry, data, source, scan)
    state, offset = opened
    head = _header_table(state)
    pieces = list(_pieces(lambda at: io.BufferedReader(_View(data, at)), offset, state, None))
    table = _table(head, _merge(pieces, len(head.header)), note=_note(state))
    return table, _extra(state)


def stream_csv(entry: str, path: Path, source, scan: ByteScan,
               batch_rows: int) -> tuple[Table, Iterator[Table], dict]:
    """Open a CSV file for reading in batches, as ``loading.text.stream_csv`` does.

    Returns the header (an empty Table), an iterator of Tables of at most ``batch_rows``
    records (at least one) and the ``sources`` extras, final once the iterator is done.
    """
    encoding = text.choose_encoding(entry, scan, source.encoding)
    opened = _open(entry, lambda: Path(path).open("rb"), source, encoding, scan)  # noqa: SIM115
    if opened is None:
        return text.stream_csv(entry, path, source, scan, batch_rows)
    state, offset = opened
    head = _header_table(state)
    extra = _extra(state)

    def reopen(at: int):
        handle = Path(path).open("rb")  # noqa: SIM115 -- closed by _chunks
        handle.seek(at)
        return handle

    pieces = _pieces(reopen, offset, state, max(int(batch_rows), 1))
    return head, _batches(pieces, head, state, extra, max(int(batch_rows), 1)), extra


class _View(io.RawIOBase):
    """In-memory bytes read from an offset on, a chunk at a time (no copy of the rest)."""

    def __init__(self, data: bytes, at: int) -> None:
        self.view, self.at = memoryview(data), at

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        end = len(self.view) if size is None or size < 0 else self.at + size
        chunk = bytes(self.view[self.at:end])
        self.at += len(chunk)
        return chunk

    def readinto(self, buffer) -> int:
        chunk = self.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def _open(entry: str, opener, source, encoding: str,
          scan: ByteScan) -> tuple[_State, int] | None:
    """Read the header with the exact reader; return the state and the data's byte offset.

    None when the file must be read by the exact reader throughout.
    """
    if not COLUMNAR or source.delimiter == "whitespace" or (encoding.startswith("utf")
                                            and scan.utf8_error is not None):
        return None
    handle = io.TextIOWrapper(opener(), encoding=encoding, newline="", errors="surrogateescape")
    with handle:
        records = text._open_records(entry, handle, source, encoding)
    offset = _line_offset(scan, records.feed.pos, bom=encoding == "utf-8-sig")
    if offset is None or len(records.header_norm) == 0:
        return None
    return _State(records), offset


def _line_offset(scan: ByteScan, line: int, *, bom: bool) -> int | None:
    """Return the byte offset of 0-based ``line`` from the file's leading bytes, or None.

    None when the line starts beyond the leading bytes kept by the scan, or when a bare
    carriage return before it makes Python's lines differ from line feeds.
    """
    head, at = scan.head, 3 if bom and line == 0 else 0
    for _ in range(line):
        found = head.find(b"\n", at)
        if found < 0:
            if len(head) < scan.size or head.endswith(b"\n"):
                return None
            at = len(head)
            break
        at = found + 1
    if head[:at].count(b"\r") != head[:at].count(b"\r\n"):
        return None
    return at


def _header_table(state: _State) -> Table:
    """Return the empty Table of the header (its notes list is the file's)."""
    return state.records.new_table([], [])


def _extra(state: _State) -> dict:
    """Return the ``sources`` extras (blank and data lines filled as reading goes)."""
    return state.records.extra | {"blank_lines": state.blank, "data_lines": state.data_lines}


def _note(state: _State) -> str | None:
    """Return the note saying the exact reader took over, if it did."""
    if state.fallback is None:
        return None
    return (f"read line by line from line {state.fallback + 1} on (a quoted value may span "
            "lines, or a line ends in a bare carriage return); the rows are the same, only "
            "slower to read")


def _chunks(handle, encoding: str) -> Iterator[tuple[int, bytes]]:
    """Yield (bytes consumed before, UTF-8 block) for blocks ending at a line break."""
    with handle:
        carry, consumed = b"", 0
        while True:
            chunk = handle.read(BLOCK_BYTES)
            block = carry + chunk
            cut = block.rfind(b"\n") + 1 if chunk else len(block)
            if cut == 0 and chunk:
                carry = block
                continue
            body, carry = block[:cut], block[cut:]
            if body:
                yield consumed, body if encoding.startswith("utf") else \
                    body.decode(encoding).encode("utf-8")
            consumed += len(body)
            if not chunk:
                return


def _pieces(reopen, offset: int, state: _State, limit: int | None) -> Iterator[_Piece]:
    """Yield the records of the data lines from byte ``offset`` on, block by block."""
    line = state.records.feed.pos
    encoding = state.records.extra["encoding"]
    for consumed, block in _chunks(reopen(offset), encoding):
        piece = _read_block(block, line, state)
        if piece is None:  # the exact reader goes on from the start of this block
            yield from _exact_pieces(reopen(offset + consumed), line, state, limit)
            return
        yield piece
        line += block.count(b"\n") + (not block.endswith(b"\n"))


def _exact_pieces(raw, line: int, state: _State, limit: int | None) -> Iterator[_Piece]:
    """Yield the records from 0-based ``line`` on (``raw`` starts there), read exactly."""
    base = state.records
    encoding = "utf-8" if base.extra["encoding"] == "utf-8-sig" else base.extra["encoding"]
    handle = io.TextIOWrapper(raw, encoding=encoding, newline="", errors="surrogateescape")
    feed = text._Feed(handle)
    feed.base = feed.pos = line
    records = text._Records(feed, csv.reader(feed, delimiter=base.extra["delimiter"], strict=True),
                            base.header, base.duplicates, base.header_norm, base.extra)
    with handle:
        done = False
        while not done:
            table, blank, done = text._read_records(records, limit=limit)
            state.blank += blank
            state.data_lines += records.spanned
            records.spanned = 0
            yield _rows_piece(table.rows or [], list(table.lines), table.rejects,
                              len(base.header))


def _rows_piece(rows: list[list[str]], lines: list[int], rejects: list[RowReject],
                width: int) -> _Piece:
    """Return a piece of rows held as Python lists."""
    columns = [pa.array([row[i] for row in rows], type=pa.string()) for i in range(width)]
    return _Piece(columns, np.asarray(lines, dtype="int64"), list(rejects))


def _read_block(block: bytes, line: int, state: _State) -> _Piece | None:
    """Return the records of a block of whole lines starting at 0-based ``line``.

    None (and ``state.fallback`` set) when the block needs the exact reader.
    """
    records = state.records
    width = len(records.header_norm)
    arr = np.frombuffer(block, dtype=np.uint8)
    breaks = np.flatnonzero(arr == 10)
    starts = np.concatenate(([0], breaks + 1))
    starts = starts[starts < len(arr)]
    ends = np.append(breaks, len(arr))[: len(starts)]  # the line feed, or the block's end
    lone = bytelines.bare_returns(block, arr)
    if len(lone):
        state.fallback = line + int(np.searchsorted(starts, lone[0], side="right")) - 1
        return None
    length = ends - starts
    empty = (length == 0) | ((length == 1) & (arr[starts] == 13))
    long = length > csv.field_size_limit()  # csv refuses a value this long: let it say so
    try:
        at, table = _plain_block(block, arr, breaks, empty | long, state) if not long.any() \
            else (np.empty(0, dtype=np.int64), None)
        if table is None or table.num_rows != len(at):
            at, table = _careful_block(block, arr, breaks, starts, ends, empty, long, state)
    except pa.ArrowInvalid:  # e.g. a line longer than Arrow's block: the exact reader reads it
        table, at = None, np.empty(1, dtype=np.int64)
    if (table is not None and table.num_rows != len(at)) or (table is None and len(at)):
        state.fallback = line  # Arrow split lines otherwise than counted: trust neither
        return None
    good = np.zeros(len(starts), dtype=bool)
    good[at] = True
    keep = np.ones(len(at), dtype=bool)
    if table is not None:
        keep = ~bytelines.suspects(table.column(0), records.header_norm[0])
    rest = np.union1d(np.flatnonzero(~good & ~empty), at[~keep])
    texts = [block[starts[i]:ends[i] + 1].decode("utf-8", errors="surrogateescape") for i in rest]
    found = _exact_lines(texts, line + rest, state)
    if found is None:
        return None
    exact, blank = found
    state.blank += int(empty.sum()) + blank
    columns = [] if table is None else [c.combine_chunks() if keep.all() else
                                        c.combine_chunks().filter(pa.array(keep))
                                        for c in table.columns]
    fast = _Piece(columns or [pa.array([], pa.string())] * width, line + 1 + at[keep])
    state.data_lines += len(fast.lines) + exact.records
    return _merge([fast, exact], width)


def _plain_block(block: bytes, arr: np.ndarray, breaks: np.ndarray, empty: np.ndarray,
                 state: _State) -> tuple[np.ndarray, pa.Table | None]:
    """Read a block whose every line is a plain row in one Arrow call, if it is one.

    The block qualifies when it holds no NUL byte and only plain quoted values; then
    Arrow reads each non-empty line as one row, and when none was found with another
    field count (Arrow counts fields as csv does here), every such line is a row.
    Returns the lines and Arrow's columns; None for the columns when not so.
    """
    at = np.flatnonzero(~empty)
    delimiter = state.records.extra["delimiter"]
    if not len(at) or b"\x00" in block or (
            b'"' in block and not bytelines.plain_quotes(arr, breaks, ord(delimiter))):
        return at, None
    wrong: list[int] = []
    table = bytelines.arrow_rows(block, delimiter, len(state.records.header_norm), wrong)
    return at, None if wrong else table


def _careful_block(block: bytes, arr: np.ndarray, breaks: np.ndarray, starts: np.ndarray,
                   ends: np.ndarray, empty: np.ndarray, long: np.ndarray,
                   state: _State) -> tuple[np.ndarray, pa.Table | None]:
    """Count each line's fields and check its quotes; read only the lines that pass."""
    width, delimiter = len(state.records.header_norm), ord(state.records.extra["delimiter"])
    marks = np.flatnonzero(arr == delimiter)
    fields = np.diff(np.searchsorted(marks, np.append(starts, len(arr)))) + 1
    odd = bytelines.nul_lines(block, arr, starts) | long
    if b'"' in block:
        odd |= bytelines.quoting(arr, starts, ends, marks, fields, delimiter)
    good = ~empty & ~odd & (fields == width)
    at = np.flatnonzero(good)
    if not len(at):
        return at, None
    body = bytelines.only_lines(block, starts, ends, good, empty)
    return at, bytelines.arrow_rows(body, state.records.extra["delimiter"], width, [])


def _exact_lines(texts: list[str], lines: np.ndarray, state: _State) -> tuple[_Piece, int] | None:
    """Read lines that need care, each as its own record, as the exact reader reads them.

    ``lines`` are their 0-based numbers. One ``csv.reader`` pass settles the lines that are
    plain rows after all; the others go through the exact record loop one by one. Returns
    their records and the number of blank lines among them; None (``state.fallback`` set)
    when a line leaves a quoted value open: its record may span lines.
    """
    base = state.records
    delimiter, width, first = base.extra["delimiter"], len(base.header_norm), base.header_norm[0]
    try:
        rows = list(csv.reader(texts, delimiter=delimiter, strict=True))
    except csv.Error:
        rows = []
    whole = len(rows) == len(texts)  # then every line is one record
    kept, kept_lines, rejects, blank = [], [], [], 0
    for k, line_text in enumerate(texts):
        row = rows[k] if whole else None
        if (row is not None and len(row) == width and "\x00" not in line_text
                and row[0].strip().casefold() != first and any(f.strip() for f in row)):
            kept.append(row)
            kept_lines.append(int(lines[k]) + 1)
            continue
        read = _one_line(line_text, int(lines[k]), state)
        if read is None:
            state.fallback = int(lines[k])
            return None
        table, blanks = read
        blank += blanks
        kept.extend(table.rows or [])
        kept_lines.extend(table.lines)
        rejects.extend(table.rejects)
    return _rows_piece(kept, kept_lines, rejects, width), blank


def _one_line(line_text: str, line: int, state: _State) -> tuple[Table, int] | None:
    """Read one line through the exact record loop (its records, blank lines); None when
    its record may go on past the line."""
    base = state.records
    delimiter = base.extra["delimiter"]
    try:
        list(csv.reader([line_text], delimiter=delimiter, strict=True))
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            return None
    feed = text._Feed([line_text])
    feed.base = feed.pos = line
    records = text._Records(feed, csv.reader(feed, delimiter=delimiter, strict=True),
                            base.header, base.duplicates, base.header_norm, base.extra)
    table, blank, _ = text._read_records(records)
    return table, blank


def _merge(pieces: list[_Piece], width: int) -> _Piece:
    """Return the records of several pieces as one, rows and rejects in line order."""
    pieces = [p for p in pieces if p.records] or pieces[:1]
    if not pieces:
        return _rows_piece([], [], [], width)
    if len(pieces) == 1:
        return pieces[0]
    lines = np.concatenate([p.lines for p in pieces])
    columns = [pa.concat_arrays([p.columns[i] for p in pieces]) for i in range(width)]
    if len(lines) and (np.diff(lines) < 0).any():
        order = np.argsort(lines, kind="stable")
        lines, columns = lines[order], [c.take(pa.array(order)) for c in columns]
    rejects = sorted((r for p in pieces for r in p.rejects), key=lambda r: r.line)
    return _Piece(columns, lines, rejects)


def _cut(piece: _Piece, count: int) -> tuple[_Piece, _Piece]:
    """Split a piece after its first ``count`` records (in line order)."""
    every = np.sort(np.concatenate([piece.lines, [r.line for r in piece.rejects]]))
    last = every[count - 1]
    rows = int(np.searchsorted(piece.lines, last, side="right"))
    head = _Piece([c.slice(0, rows) for c in piece.columns], piece.lines[:rows],
                  [r for r in piece.rejects if r.line <= last])
    tail = _Piece([c.slice(rows) for c in piece.columns], piece.lines[rows:],
                  [r for r in piece.rejects if r.line > last])
    return head, tail


def _batches(pieces: Iterator[_Piece], head: Table, state: _State, extra: dict,
             batch_rows: int) -> Iterator[Table]:
    """Yield Tables of ``batch_rows`` records (the last may hold fewer; at least one)."""
    width = len(head.header)
    pending = _rows_piece([], [], [], width)
    ready: _Piece | None = None
    for piece in pieces:
        pending = _merge([pending, piece], width)
        while pending.records >= batch_rows:
            full, pending = _cut(pending, batch_rows)
            if ready is not None:
                yield _table(head, ready, note=None)
            ready = full
    if pending.records or ready is None:
        if ready is not None:
            yield _table(head, ready, note=None)
        ready = pending
    extra.update(blank_lines=state.blank, data_lines=state.data_lines)
    note = _note(state)
    if note is not None:
        head.notes.append(note)
    yield _table(head, ready, note=None)


def _table(head: Table, piece: _Piece, *, note: str | None) -> Table:
    """Return a Table over a piece's rows that hands its columns to pandas as Arrow strings."""
    table = Table(header=list(head.header), lines=cast(Sequence[int], piece.lines), dtype="str",
                  duplicates=head.duplicates, notes=head.notes, rejects=list(piece.rejects))
    if note is not None:
        table.notes.append(note)
    columns = piece.columns
    table.converter = lambda index, target: _series(columns[index])
    return table


def _series(column: pa.Array) -> pd.Series:
    """Return an Arrow string column as a pandas Series of the ``str`` dtype."""
    return pd.Series(column.to_pandas(types_mapper={pa.string(): _STR,
                                                    pa.large_string(): _STR}.get))
