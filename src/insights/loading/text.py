"""CSV inputs: encoding and delimiter detection, and records with their physical lines.

Encodings: UTF-8 (with or without a byte-order mark) and cp1251 are accepted; UTF-16/32,
Latin-1, KOI8-R and text that is already mojibake are refused with a clear error instead
of being decoded into garbage. cp1251 is only accepted when the decoded words look like
Russian (no Latin letters inside Cyrillic words, no ``лМЙЕОФ`` casing that KOI8-R gives).
The encoding is chosen from one pass over the bytes (``loading.scan``) and the checks look
at a leading sample, so reading the whole file (``read_csv``) and streaming it in batches
(``stream_csv``) decide alike.

Records are parsed with :mod:`csv` in strict mode over the physical lines, so a row with a
broken quote is rejected on its own line and parsing resumes on the next line instead of
swallowing the rest of the file. Both readers run the same record loop
(``_read_records``); the streaming one keeps only the lines of the current record (and a
few lines of look-ahead) in memory.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from insights.loading.scan import ByteScan, DecodeError, data_chunks, scan_bytes
from insights.loading.table import LoadError, RowReject, Table, unique_header

#: Delimiters tried by ``source.delimiter: auto``, in order of preference on a tie.
DELIMITERS = (";", "\t", ",", "|")
#: Characters of a file examined by the encoding checks.
SAMPLE_CHARS = 262_144
#: Share of non-ASCII words allowed to look wrong before an encoding is refused.
MAX_ODD_WORDS = 0.10
#: Lines looked at by ``source.delimiter: auto`` (from the header on).
SNIFF_LINES = 50
#: Lines split at once when none needs CSV parsing (``plain_rows``); 0 = always csv.reader.
PLAIN_BLOCK_LINES = 4096

_WORD = re.compile(r"[^\W\d_]+")
_TOKEN = re.compile(r"[^\s;,\t|\"']+")
_CYRILLIC = re.compile(r"^[\u0400-\u04ff]+$")
#: Non-letter characters common in Russian exports (no-break space, numero sign, quotes, dashes).
_PUNCTUATION = set("\u00a0\u202f\u2116\u00ab\u00bb\u2014\u2013\u2026\u2018\u2019\u201c\u201d\u2022\u00b0\u00b1\u00a7")
_NAMES = {";": "semicolon", "\t": "tab", ",": "comma", "|": "pipe"}


def decode(entry: str, data: bytes, declared: str) -> tuple[str, str]:
    """Return (encoding, text) of a CSV file's bytes; raise LoadError when unsure."""
    encoding = choose_encoding(entry, scan_bytes(data_chunks(data)), declared)
    return encoding, data.decode(encoding)


def choose_encoding(entry: str, scan: ByteScan, declared: str) -> str:
    """Return the encoding of a CSV file from a scan of its bytes; raise LoadError when unsure."""
    data = scan.head
    if data[:4] in (b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00") or data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise LoadError(f"{entry}: the file is UTF-16/UTF-32 text (it starts with that byte-order "
                        "mark); re-save it as UTF-8 CSV. source.encoding supports utf-8, "
                        "utf-8-sig and cp1251.")
    if data[:65536].count(b"\x00") > max(8, len(data[:65536]) // 100):
        at = data.index(b"\x00")
        line = data.count(b"\n", 0, at) + 1
        raise LoadError(f"{entry}: the file is full of NUL bytes (the first on line "
                        f"{line}, byte offset {at}), so it is not UTF-8 "
                        "or cp1251 text (UTF-16 without a byte-order mark, or a binary file); "
                        "re-save it as UTF-8 CSV or set source.format.")
    bom = data.startswith(codecs.BOM_UTF8)
    if declared == "cp1251" and bom:
        raise LoadError(f"{entry}: the file starts with a UTF-8 byte-order mark but "
                        "source.encoding is cp1251; set source.encoding: auto.")
    if bom or declared in ("utf-8", "utf-8-sig"):
        # lines that do not decode are rejected one by one (``undecodable_rejects``)
        encoding = "utf-8-sig" if bom else "utf-8"
    elif declared == "cp1251":
        _strict(entry, scan.cp1251_error, "cp1251")
        return "cp1251"
    elif scan.utf8_error is None:
        encoding = "utf-8"
    else:
        _refuse_broken_utf8(entry, scan)
        _check_cp1251(entry, scan)
        return "cp1251"
    example = _mojibake(_sample(data, encoding))
    if example:
        raise LoadError(f"{entry}: the text is already garbled (mojibake): {example[0]!r} reads "
                        f"as {example[1]!r} once repaired. Re-export the file as UTF-8 from "
                        "the source system instead of re-saving a mis-read copy.")
    return encoding


def _sample(head: bytes, encoding: str) -> str:
    """Return the first ``SAMPLE_CHARS`` characters of a file from its leading bytes."""
    return codecs.getincrementaldecoder(encoding)(errors="replace").decode(head)[:SAMPLE_CHARS]


#: Characters standing for bytes that did not decode (``errors="surrogateescape"``).
UNDECODED = re.compile("[\udc80-\udcff]")


def _refuse_broken_utf8(entry: str, scan: ByteScan) -> None:
    """Refuse, under ``encoding: auto``, a file that is UTF-8 but for a few broken bytes.

    Read as cp1251 it would be garbled silently; the message names the first broken byte
    and the setting that rejects the lines holding broken bytes one by one.
    """
    text = scan.head.decode("utf-8", errors="replace")
    broken = text.count("\ufffd")
    decoded = sum(1 for c in text if ord(c) > 127) - broken
    bad = scan.utf8_error
    if bad is not None and decoded >= 10 * max(broken, 1):
        raise LoadError(f"{entry}: the file is UTF-8 text except for broken bytes: line "
                        f"{bad.line}, byte offset {bad.offset} ({bad.byte:#04x}) is not valid "
                        "UTF-8. Set source.encoding: utf-8 to reject each line holding a "
                        "broken byte (named by line and byte), or re-export the file.")


def _strict(entry: str, error: DecodeError | None, encoding: str) -> None:
    """Raise when the file does not decode strictly, naming the line and the params key."""
    if error is not None:
        other = "cp1251" if encoding.startswith("utf") else "utf-8"
        raise LoadError(f"{entry}: line {error.line} is not valid {encoding} (byte "
                        f"{error.byte:#04x} at byte offset {error.offset}); the file may be {other}: set "
                        f"source.encoding: auto or {other}, or re-save it as UTF-8.")


def _check_cp1251(entry: str, scan: ByteScan) -> None:
    """Accept non-UTF-8 bytes as cp1251 only when the text reads as Russian, else refuse."""
    odd: str | None
    if scan.cp1251_error is not None:
        odd = "<undefined cp1251 byte>"
    else:
        odd = _odd_cp1251_word(_sample(scan.head, "cp1251"))
    if odd is not None:
        bad = scan.utf8_error
        where = (f"line {bad.line}, byte offset {bad.offset} ({bad.byte:#04x}) is not valid "
                 "UTF-8, and " if bad is not None else "")
        raise LoadError(f"{entry}: the file is neither UTF-8 nor Russian cp1251 text ({where}read "
                        f"as cp1251 it gives words like {odd!r}); it may be Latin-1, KOI8-R or "
                        "another encoding. Re-save it as UTF-8 CSV, or set source.encoding: "
                        "utf-8 or cp1251 to be told each line that does not decode.")


def _odd_cp1251_word(text: str) -> str | None:
    """Return a word that shows ``text`` is not Russian cp1251, or None when it reads fine."""
    words = [w for w in _WORD.findall(text[:SAMPLE_CHARS]) if not w.isascii()]
    odd = [w for w in words if not _CYRILLIC.match(w) or (w[0].islower() and not w.islower())]
    if words and len(odd) > MAX_ODD_WORDS * len(words):
        return odd[0]
    strange = sorted({c for c in text[:SAMPLE_CHARS] if ord(c) > 127} - _PUNCTUATION)
    if not words and strange:
        return next((t for t in _TOKEN.findall(text[:SAMPLE_CHARS]) if strange[0] in t), strange[0])
    return None


def _mojibake(text: str) -> tuple[str, str] | None:
    """Return (garbled, repaired) when UTF-8 text was mis-decoded and saved again."""
    tokens = [t for t in _TOKEN.findall(text[:SAMPLE_CHARS]) if not t.isascii()][:5000]
    found = []
    for token in tokens:
        for encoding in ("cp1251", "cp1252", "latin-1"):
            try:
                repaired = token.encode(encoding).decode("utf-8")
            except UnicodeError:
                continue
            if repaired != token:
                found.append((token, repaired))
                break
    return found[0] if found and len(found) > 0.3 * len(tokens) else None


def sniff_delimiter(entry: str, sample: list[str], declared: str) -> str:
    """Return the delimiter: the declared one, or the candidate that splits rows consistently."""
    if declared != "auto":
        return declared
    best, best_score = None, (0, 0)
    for candidate in DELIMITERS:
        rows = [r for r in _loose_rows(sample, candidate) if any(f.strip() for f in r)]
        if not rows or len(rows[0]) < 2:
            continue
        score = (sum(len(r) == len(rows[0]) for r in rows), len(rows[0]))
        if score > best_score:
            best, best_score = candidate, score
    if best is None:
        raise LoadError(f"{entry}: could not tell the delimiter (tried {', '.join(_NAMES.values())}); "
                        "the header has a single column. Set source.delimiter in the params: "
                        "one of ',', ';', '|', \"\\t\" (tab) or whitespace (runs of spaces), "
                        "or, for columns aligned by position, source.format: fixed_width with "
                        "source.widths: [10, 8, 12] (each column's width in characters).")
    return best


def _loose_rows(sample: list[str], delimiter: str) -> list[list[str]]:
    """Parse sample lines one by one, leniently, skipping broken ones (for sniffing only)."""
    rows: list[list[str]] = []
    for line in sample:
        try:
            rows.extend(csv.reader([line[:10_000]], delimiter=delimiter))
        except csv.Error:
            continue
    return rows


class _Feed:
    """Physical lines fed to csv.reader, read lazily, with a position that can be moved back.

    Lines are kept from the start of the current record on (``forget_before``), so a
    broken record can be re-read from its next line without holding the whole file.
    """

    def __init__(self, source: Iterable[str]) -> None:
        self.source = iter(source)
        self.buffer: list[str] = []
        self.base, self.pos = 0, 0

    def __iter__(self) -> _Feed:
        return self

    def __next__(self) -> str:
        line = self.line(self.pos)
        if line is None:
            raise StopIteration
        self.pos += 1
        return line

    def line(self, index: int) -> str | None:
        """Return physical line ``index`` (0-based), or None past the end of the file."""
        while index - self.base >= len(self.buffer):
            line = next(self.source, None)
            if line is None:
                return None
            self.buffer.append(line)
        return self.buffer[index - self.base]

    def lines_from(self, index: int, count: int) -> list[str]:
        """Return up to ``count`` physical lines from ``index`` on (fewer at the end)."""
        self.line(index + count - 1)
        return self.buffer[index - self.base : index - self.base + count]

    def forget_before(self, index: int) -> None:
        """Let go of the lines before ``index`` (in steps, to keep this cheap)."""
        if index - self.base > 4096:
            del self.buffer[: index - self.base]
            self.base = index


@dataclass
class _Records:
    """An open CSV after its header: the reader, the header and what goes in ``sources``."""

    feed: _Feed
    reader: Iterator[list[str]]
    header: list[str]
    duplicates: dict[str, list[str]]
    header_norm: list[str]
    extra: dict
    spanned: int = 0  # physical lines of the records read so far (rows and rejects)

    def new_table(self, rows: list[list[str]], lines: list[int]) -> Table:
        """Return a Table of the header over ``rows`` and their ``lines`` (filled by the caller)."""
        return Table(header=list(self.header), lines=lines, rows=rows, dtype="str",
                     duplicates=self.duplicates)


def read_csv(entry: str, data: bytes, source, scan: ByteScan | None = None) -> tuple[Table, dict]:
    """Read CSV bytes into a Table of text rows; structural problems become rejects."""
    scan = scan if scan is not None else scan_bytes(data_chunks(data))
    encoding = choose_encoding(entry, scan, source.encoding)
    text = data.decode(encoding, errors="surrogateescape")
    records = _open_records(entry, io.StringIO(text, newline=""), source, encoding)
    table, blank, _ = _read_records(records)
    return table, records.extra | {"blank_lines": blank, "data_lines": records.spanned}


def stream_csv(entry: str, path: Path, source, scan: ByteScan,
               batch_rows: int) -> tuple[Table, Iterator[Table], dict]:
    """Open a CSV file for reading in batches of at most ``batch_rows`` records.

    Returns the header (an empty Table), an iterator of Tables (at least one) and the
    ``sources`` extras, whose ``blank_lines`` is final once the iterator is exhausted.
    The file is read line by line; only the current record's lines stay in memory.
    """
    encoding = choose_encoding(entry, scan, source.encoding)
    raw = Path(path).open("rb")  # noqa: SIM115 -- closed by _csv_tables when it ends
    handle = io.TextIOWrapper(raw, encoding=encoding, newline="", errors="surrogateescape")
    try:
        records = _open_records(entry, handle, source, encoding)
    except BaseException:
        handle.close()
        raise
    extra = records.extra | {"blank_lines": 0, "data_lines": 0}
    return records.new_table([], []), _csv_tables(records, handle, extra, batch_rows), extra


def _csv_tables(records: _Records, handle, extra: dict, batch_rows: int) -> Iterator[Table]:
    """Yield Tables of at most ``batch_rows`` records; count blank lines into ``extra``."""
    with handle:
        done = False
        while not done:
            table, blank, done = _read_records(records, limit=max(int(batch_rows), 1))
            extra["blank_lines"] += blank
            extra["data_lines"] = records.spanned
            if table.rows or table.rejects or done:
                yield table


def _open_records(entry: str, lines: Iterable[str], source, encoding: str) -> _Records:
    """Find the header, sniff the delimiter and read the header record.

    With ``source.delimiter: whitespace`` every run of spaces and tabs separates values
    (each line is re-joined with tabs, so line numbers stay); with ``source.column_names``
    the file has no header line and those names are the header.
    """
    declared = source.delimiter
    if declared == "whitespace":
        lines, declared = map(_whitespace_to_tabs, lines), "\t"
    feed = _Feed(lines)
    named = list(getattr(source, "column_names", []) or [])
    start = _header_index(entry, feed, source.header_line) if not named else 0
    sample = [line for i in range(start, start + SNIFF_LINES) if (line := feed.line(i)) is not None]
    delimiter = sniff_delimiter(entry, sample, declared)
    feed.pos = start
    reader = csv.reader(feed, delimiter=delimiter, strict=True)
    try:
        raw_header = list(named) if named else next(reader)
    except csv.Error as exc:
        raise LoadError(f"{entry}: the header on line {start + 1} has broken quoting ({exc}); "
                        "fix the export or set source.header_line.") from None
    trailing = bool(raw_header) and not raw_header[-1].strip()
    while raw_header and not raw_header[-1].strip():
        raw_header.pop()
    header, duplicates = unique_header(raw_header)
    extra = {"encoding": encoding, "delimiter": delimiter,
             "header_line": 0 if named else start + 1, "trailing_delimiter": trailing}
    return _Records(feed, reader, header, duplicates,
                    [h.casefold() for h in map(str.strip, raw_header)], extra)


def _whitespace_to_tabs(line: str) -> str:
    """Return a line whose runs of spaces and tabs are single tabs (line end kept)."""
    body = line.rstrip("\r\n")
    return "\t".join(body.split()) + line[len(body):]


def _header_index(entry: str, feed: _Feed, header_line: int | None) -> int:
    """Return the 0-based index of the header line."""
    if header_line is not None:
        if feed.line(header_line - 1) is None:
            count = feed.base + len(feed.buffer)
            raise LoadError(f"{entry}: source.header_line is {header_line} but the file has "
                            f"only {count} lines.")
        return header_line - 1
    index = 0
    while (line := feed.line(index)) is not None:
        if line.strip():
            return index
        feed.forget_before(index)
        index += 1
    raise LoadError(f"{entry}: the file has no header line (only blank lines); re-export it.")


def _read_records(records: _Records, limit: int | None = None) -> tuple[Table, int, bool]:
    """Read aligned rows into a new Table and reject the rest, up to ``limit`` records.

    Returns the table, the number of blank lines passed and whether the file is exhausted.
    Called again, it goes on where it stopped.
    """
    feed, reader, header_norm = records.feed, records.reader, records.header_norm
    width, blank, careful_until = len(header_norm), 0, 0
    kept: list[list[str]] = []
    lines: list[int] = []
    table = records.new_table(kept, lines)
    while limit is None or len(kept) + len(table.rejects) < limit:
        first = feed.pos
        feed.forget_before(first)
        head = feed.line(first)  # stays buffered until the next record (forget_before above)
        if head is None:
            return table, blank, True
        if first >= careful_until and PLAIN_BLOCK_LINES:
            room = PLAIN_BLOCK_LINES if limit is None else limit - len(kept) - len(table.rejects)
            block = feed.lines_from(first, min(room, PLAIN_BLOCK_LINES))
            rows = plain_rows(block, records.extra["delimiter"], header_norm)
            if rows is not None:
                kept.extend(rows)
                lines.extend(range(first + 1, first + 1 + len(rows)))
                feed.pos = first + len(rows)
                records.spanned += len(rows)
                continue
            careful_until = first + len(block)  # read these lines record by record
        try:
            fields = next(reader)
        except StopIteration:
            return table, blank, True
        except csv.Error as exc:
            spans = feed.pos - first > 1
            table.rejects.append(_quote_reject(head, first, str(exc), spans))
            feed.pos = first + 1
            records.spanned += 1
            continue
        while len(fields) > width and not fields[-1].strip():
            fields.pop()
        if feed.pos - first > 1 and len(fields) != width:
            table.rejects.append(_quote_reject(head, first, "", True))
            feed.pos = first + 1
            records.spanned += 1
            continue
        if not any(f.strip() for f in fields):
            blank += feed.pos - first
            continue
        records.spanned += feed.pos - first
        undecoded = _undecodable(fields, feed.lines_from(first, feed.pos - first), first,
                                 records.extra["encoding"])
        if undecoded is not None:
            table.rejects.append(undecoded)
            continue
        if any("\x00" in f for f in fields):
            raw = "".join(feed.lines_from(first, feed.pos - first)).rstrip("\r\n")
            table.rejects.append(RowReject(first + 1, raw.replace("\x00", "\\0"), "nul_byte",
                                           f"the line holds a NUL byte (character "
                                           f"{raw.index(chr(0)) + 1}); the line was skipped",
                                           tuple(fields)))
            continue
        reject = _shape_reject(fields, header_norm, first, head)
        if reject is not None:
            table.rejects.append(reject)
            continue
        kept.append(fields)
        lines.append(first + 1)
    return table, blank, feed.line(feed.pos) is None


def _undecodable(fields: list[str], lines: list[str], first: int, encoding: str) -> RowReject | None:
    """Reject a record holding bytes that do not decode, naming the line and the byte."""
    if not any(UNDECODED.search(f) for f in fields):
        return None
    raw = "".join(lines).rstrip("\r\n")
    at = UNDECODED.search(raw)
    assert at is not None, "the fields are cut from these lines, so the byte is in them"
    line = first + 1 + raw.count("\n", 0, at.start())
    byte = ord(at.group()) - 0xDC00
    shown = raw.encode(encoding, errors="surrogateescape").decode(encoding, errors="replace")
    return RowReject(first + 1, shown, "undecodable", f"line {line} holds byte {byte:#04x} "
                     f"(character {at.start() + 1}) that is not valid {encoding}; the line was "
                     "skipped", tuple(UNDECODED.sub("\ufffd", f) for f in fields))


def plain_rows(lines: list[str], delimiter: str, header_norm: list[str]) -> list[list[str]] | None:
    """Parse a block of lines in one csv.reader pass; None when any needs record-by-record care.

    The block is fine when every line is one whole record that csv.reader parses without
    error into exactly one field per header column, and no line is blank (only spaces,
    quotes and delimiters) or repeats the header: the rows are then exactly those the
    record-by-record loop of ``_read_records`` keeps. Anything else (a quoted value across
    lines, broken quoting, a wrong field count, NUL, an over-long value) goes through that
    loop, which rejects it with its reason.
    """
    if not lines:
        return None
    try:
        rows = list(csv.reader(lines, delimiter=delimiter, strict=True))
    except csv.Error:
        return None
    if len(rows) != len(lines):
        return None
    block = "".join(lines)
    if "\x00" in block or UNDECODED.search(block):  # such lines are rejected one by one
        return None
    width, first = len(header_norm), header_norm[0]
    for row, line in zip(rows, lines, strict=True):
        if (len(row) != width or not line.replace(delimiter, " ").replace('"', " ").strip()
                or row[0].strip().casefold() == first):
            return None
    return rows


def _shape_reject(fields: list[str], header_norm: list[str], first: int, raw: str) -> RowReject | None:
    """Return a reject for a repeated header or a wrong field count, else None."""
    raw = raw.rstrip("\r\n")
    width = len(header_norm)
    if fields[0].strip().casefold() == header_norm[0] and [
        f.strip().casefold() for f in fields
    ] == header_norm:
        return RowReject(first + 1, raw, "repeated_header", "the line repeats the header "
                         "(files joined together?)", tuple(fields))
    if len(fields) > width:
        return RowReject(first + 1, raw, "too_many_fields", f"the row has {len(fields)} fields "
                         f"but the header has {width} (an unquoted delimiter inside a value?)",
                         tuple(fields))
    if len(fields) < width:
        return RowReject(first + 1, raw, "too_few_fields", f"the row has {len(fields)} fields "
                         f"but the header has {width}", tuple(fields))
    return None


def _quote_reject(line: str, first: int, error: str, spans: bool) -> RowReject:
    """Reject a line whose quoting is broken, with a reason a person can act on."""
    raw = line.rstrip("\r\n")
    if "field limit" in error and not spans:
        return RowReject(first + 1, raw[:1000], "too_long_value", "a value on this line is longer "
                         f"than {csv.field_size_limit():,} characters")
    if "expected after" in error and not spans:
        return RowReject(first + 1, raw, "malformed_quotes", "a quote inside a quoted value "
                         "is not doubled (write \"\" for a quote inside quotes)")
    return RowReject(first + 1, raw, "unterminated_quote", "a quoted value opened on this "
                     "line is never closed; the line was skipped and reading went on")
