"""Fixed-width text inputs (``source.format: fixed_width``): columns cut at ``source.widths``.

The encoding is settled as for CSV (``loading.text.choose_encoding``). The header is the
first non-blank line (or ``source.header_line``) cut at the same widths, unless
``source.column_names`` names the columns of a file without one. A line with text beyond
the last column is rejected with its line number (the widths do not fit it); blank lines
are counted, not read. Values are stripped of the padding spaces around them.
"""

from __future__ import annotations

import io
from itertools import accumulate

from insights.loading.scan import ByteScan, data_chunks, scan_bytes
from insights.loading.table import LoadError, RowReject, Table, unique_header
from insights.loading.text import UNDECODED, choose_encoding


def read_fixed_width(entry: str, data: bytes, source, scan: ByteScan | None = None) -> tuple[Table, dict]:
    """Read fixed-width text into a Table of text rows; lines that do not fit are rejects."""
    scan = scan if scan is not None else scan_bytes(data_chunks(data))
    encoding = choose_encoding(entry, scan, source.encoding)
    text = data.decode(encoding, errors="surrogateescape")
    lines = io.StringIO(text, newline=None).read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    ends = list(accumulate(source.widths))
    spans = list(zip([0, *ends[:-1]], ends, strict=True))
    start, names = _header(entry, lines, source)
    header, duplicates = unique_header(names)
    rows: list[list[str]] = []
    numbers: list[int] = []
    table = Table(header=header, lines=numbers, rows=rows, dtype="str", duplicates=duplicates)
    blank = 0
    for number, line in enumerate(lines[start:], start=start + 1):
        if not line.strip():
            blank += 1
            continue
        if UNDECODED.search(line):
            shown = line.encode(encoding, "surrogateescape").decode(encoding, "replace")
            table.rejects.append(RowReject(number, shown, "undecodable", f"line {number} holds "
                                           f"bytes that are not valid {encoding}"))
            continue
        if line[ends[-1]:].strip():
            table.rejects.append(RowReject(number, line, "too_many_fields",
                                           f"the line has text after character {ends[-1]}, "
                                           "where source.widths end"))
            continue
        rows.append([line[a:b].strip() for a, b in spans])
        numbers.append(number)
    return table, {"encoding": encoding, "delimiter": None, "blank_lines": blank,
                   "data_lines": len(rows) + len(table.rejects),
                   "header_line": start if not source.column_names else 0}


def _header(entry: str, lines: list[str], source) -> tuple[int, list[str]]:
    """Return (index of the first data line, column names)."""
    if source.column_names:
        return 0, list(source.column_names)
    if source.header_line is not None:
        index = source.header_line - 1
        if index >= len(lines):
            raise LoadError(f"{entry}: source.header_line is {source.header_line} but the file "
                            f"has only {len(lines)} lines.")
    else:
        index = next((i for i, line in enumerate(lines) if line.strip()), None)
        if index is None:
            raise LoadError(f"{entry}: the file has no header line (only blank lines); "
                            "re-export it or set source.column_names.")
    ends = list(accumulate(source.widths))
    line = lines[index]
    names = [line[a:b].strip() for a, b in zip([0, *ends[:-1]], ends, strict=True)]
    return index + 1, names
