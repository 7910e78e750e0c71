"""Checks on blocks of CSV bytes, line by line, with NumPy; and Arrow's split of the good lines.

Used by ``loading.blocks``: which lines end in a bare carriage return, hold a NUL byte,
quote their values plainly (``"..."`` after a delimiter, before one), and whose first
field may be blank or repeat the header, so that only the lines ``csv`` and Arrow read
alike are left to Arrow.
"""

from __future__ import annotations

import functools
import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

#: Characters Python's ``str.strip`` removes that are ASCII.
_ASCII_SPACE = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"


def plain_quotes(arr: np.ndarray, breaks: np.ndarray, delimiter: int) -> bool:
    """Return True when every quote of the block is part of a plain ``"..."`` value.

    Quotes pair up in order; each pair opens at a line's start or after a delimiter,
    closes before a delimiter or the line's end, and no line break falls inside a pair.
    A pair holding a delimiter passes here; Arrow then finds a field fewer than counted.
    """
    quotes = np.flatnonzero(arr == 34)
    if len(quotes) % 2:
        return False
    opening, closing = quotes[0::2], quotes[1::2]
    before = arr[np.maximum(opening - 1, 0)]
    after = arr[np.minimum(closing + 1, len(arr) - 1)]
    return bool(((before == delimiter) | (before == 10) | (opening == 0)).all()
                and ((after == delimiter) | (after == 10) | (after == 13)
                     | (closing + 1 == len(arr))).all()
                and not (np.searchsorted(quotes, breaks) % 2).any())


def nul_lines(block: bytes, arr: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Return which lines hold a NUL byte."""
    found = np.zeros(len(starts), dtype=bool)
    if b"\x00" in block:
        found[np.searchsorted(starts, np.flatnonzero(arr == 0), side="right") - 1] = True
    return found


def quoting(arr: np.ndarray, starts: np.ndarray, ends: np.ndarray, marks: np.ndarray,
             fields: np.ndarray, delimiter: int) -> np.ndarray:
    """Return the lines whose quotes are not plain ``"..."`` values; fix the others' counts.

    A plain quoted value opens right after a delimiter or at the line's start, closes right
    before a delimiter or the line's end and holds no quote: csv and Arrow read it alike.
    Delimiters inside such values are taken off ``fields`` (in place).
    """
    quotes = np.flatnonzero(arr == 34)
    owner = np.searchsorted(starts, quotes, side="right") - 1
    ordinal = np.arange(len(quotes)) - np.searchsorted(quotes, starts)[owner]
    opening = ordinal % 2 == 0
    before = arr[np.maximum(quotes - 1, 0)]
    after = arr[np.minimum(quotes + 1, len(arr) - 1)]
    opens = (quotes == starts[owner]) | (before == delimiter)
    closes = (quotes + 1 == ends[owner]) | (after == delimiter) | (
        (after == 13) & (quotes + 2 == ends[owner]))
    wrong = np.zeros(len(starts), dtype=bool)
    wrong[owner[np.where(opening, ~opens, ~closes)]] = True
    wrong |= np.bincount(owner, minlength=len(starts)) % 2 == 1
    first = np.flatnonzero(opening[:-1] & (owner[:-1] == owner[1:]))
    inside = np.searchsorted(marks, quotes[first + 1]) - np.searchsorted(marks, quotes[first])
    fields -= np.bincount(owner[first], weights=inside, minlength=len(starts)).astype(fields.dtype)
    return wrong


def only_lines(block: bytes, starts: np.ndarray, ends: np.ndarray, good: np.ndarray,
                empty: np.ndarray) -> bytes:
    """Return the block's good lines (all of it when every other line is empty)."""
    if (good | empty).all():
        return block
    at = np.flatnonzero(good)
    cuts = np.flatnonzero(np.diff(at) != 1)
    first = np.concatenate(([at[0]], at[cuts + 1]))
    last = np.concatenate((at[cuts], [at[-1]]))
    return b"".join(block[starts[a]:ends[b] + 1] for a, b in zip(first, last, strict=True))


def bare_returns(block: bytes, arr: np.ndarray) -> np.ndarray:
    """Return the positions of carriage returns not followed by a line feed."""
    if b"\r" not in block:
        return np.empty(0, dtype=np.int64)
    returns = np.flatnonzero(arr == 13)
    after = np.minimum(returns + 1, len(arr) - 1)
    return returns[(returns + 1 == len(arr)) | (arr[after] != 10)]


def arrow_rows(block: bytes, delimiter: str, width: int, wrong: list) -> pa.Table:
    """Split lines of ``width`` fields, quoted plainly or not, into string columns.

    Lines with another number of fields are skipped and listed in ``wrong``.
    """
    names = [f"f{i}" for i in range(width)]

    def skip(row) -> str:
        wrong.append(row)
        return "skip"

    return pacsv.read_csv(
        pa.py_buffer(block),
        read_options=pacsv.ReadOptions(column_names=names, block_size=1 << 22),
        parse_options=pacsv.ParseOptions(delimiter=delimiter, quote_char='"',
                                         double_quote=True, escape_char=False,
                                         newlines_in_values=False, ignore_empty_lines=True,
                                         invalid_row_handler=skip),
        convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()),
                                             strings_can_be_null=False, null_values=[],
                                             quoted_strings_can_be_null=False,
                                             check_utf8=False))


def suspects(first: pa.ChunkedArray, header: str) -> np.ndarray:
    """Return the rows whose first field may be blank or repeat the header's first name.

    Exact for ASCII values (Python strips these spaces and lower-cases as it casefolds);
    a non-ASCII value is a suspect unless it holds a character that is neither a space nor
    one whose casefolding only gives characters of the header's first name.
    """
    column = first.combine_chunks()
    trimmed = pc.ascii_lower(pc.utf8_trim(column, _ASCII_SPACE))
    hit = pc.or_(pc.equal(pc.binary_length(trimmed), 0), pc.equal(trimmed, header))
    result = hit.to_numpy(zero_copy_only=False)
    other = ~pc.string_is_ascii(column).to_numpy(zero_copy_only=False)
    if other.any():
        rows = np.flatnonzero(other)
        maybe = pc.match_substring_regex(column.take(pa.array(rows)), only_letters(header))
        result[rows] = maybe.to_numpy(zero_copy_only=False)
    return result


@functools.cache
def only_letters(header: str) -> str:
    """Return an RE2 pattern matching text made only of spaces and letters of ``header``.

    A code point qualifies when it is a space or every character of its casefolding is a
    letter of ``header`` (surrogates never do).

    >>> pattern = only_letters("id")
    >>> "x{44}" in pattern, "x{65}" in pattern  # "D" casefolds to "d"; "e" is no letter of "id"
    (True, False)
    """
    letters = set(header)
    spaces, changed = _unicode_facts()
    codes = set(spaces)
    codes.update(ord(ch) for ch in letters if ord(ch) not in changed and not 0xD800 <= ord(ch) < 0xE000)
    codes.update(code for code, folded in changed.items() if set(folded) <= letters)
    ordered = sorted(codes)
    ranges, start = [], ordered[0] if ordered else 0
    for prev, code in zip(ordered, ordered[1:] + [-1], strict=True):
        if code != prev + 1:
            ranges.append(f"\\x{{{start:x}}}" + (f"-\\x{{{prev:x}}}" if prev > start else ""))
            start = code
    return "^[" + "".join(ranges) + "]*$"


@functools.cache
def _unicode_facts() -> tuple[frozenset[int], dict[int, str]]:
    """Every space code point, and every code point whose casefolding differs from it.

    Found block by block (a block that casefolds to itself is skipped in C), not code point
    by code point: a tenth of the time, once per process.
    """
    text = "".join(map(chr, range(0xD800))) + "".join(map(chr, range(0xE000, 0x110000)))
    spaces = frozenset(ord(match.group()) for match in re.finditer(r"\s", text))
    changed: dict[int, str] = {}
    for at in range(0, len(text), 256):
        block = text[at:at + 256]
        if block.casefold() != block:
            changed.update((ord(ch), ch.casefold()) for ch in block if ch.casefold() != ch)
    return spaces, changed
