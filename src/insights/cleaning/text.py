"""Cell text and parse results shared by the value parsers (numbers, dates, flags)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


@dataclass(frozen=True)
class Parsed:
    """Parsed values of one column, aligned with the input."""

    values: pd.Series
    empty: pd.Series  # bool: nothing in the cell
    invalid: pd.Series  # bool: something in the cell that does not parse
    currency: pd.Series | None = None  # ISO code of a currency mark found in the cell, else NaN
    note: str | None = None


def as_text(values: pd.Series) -> pd.Series:
    """Return the values as stripped text (str dtype; missing -> ''; 12.0 -> '12')."""
    if values.dtype == object or pd.api.types.is_float_dtype(values.dtype):
        values = values.map(_cell_text, na_action="ignore")
    text = values.astype("str").fillna("")
    printable = printable_ascii(text)
    if printable is not None:  # only spaces can be stripped: one Arrow pass, same result
        if not _edge_spaces(printable):
            return text
        return _str_series(pc.utf8_trim(printable, " "), text.index)
    return text.str.strip().str.strip("\u200b\u200c\u200d\u2060\ufeff").str.strip()


def printable_ascii(text: pd.Series) -> pa.Array | pa.ChunkedArray | None:
    """Return the Arrow strings of a text Series when all are printable ASCII, else None.

    Printable ASCII (space to tilde) holds no invisible character, and stripping it only
    removes spaces; the check is one pass over the bytes.
    """
    if not isinstance(text.array, pd.arrays.ArrowStringArray) or text.hasnans:
        return None
    strings = pa.array(text.array)
    for chunk in strings.chunks if isinstance(strings, pa.ChunkedArray) else [strings]:
        data = chunk.buffers()[2]
        if data is not None and np.count_nonzero(np.frombuffer(data, dtype=np.uint8) - 0x20 >= 0x5F):
            return None
    return strings


def _edge_spaces(strings: pa.Array | pa.ChunkedArray) -> bool:
    """Return True when some value (of strings without nulls) starts or ends with a space.

    Reads each value's first and last byte through the offsets: much less than a trim,
    which copies every value.
    """
    for chunk in strings.chunks if isinstance(strings, pa.ChunkedArray) else [strings]:
        _, offsets, data = chunk.buffers()[:3]
        if not len(chunk) or data is None:
            continue
        if not (pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)):
            return True
        width = "int64" if pa.types.is_large_string(chunk.type) else "int32"
        bounds = np.frombuffer(offsets, dtype=width)[
            chunk.offset:chunk.offset + len(chunk) + 1].astype(np.int64)
        starts, ends = bounds[:-1], bounds[1:]
        filled = ends > starts
        body = np.frombuffer(data, dtype=np.uint8)
        if (body[starts[filled]] == 0x20).any() or (body[ends[filled] - 1] == 0x20).any():
            return True
    return False


def _str_series(strings: pa.Array | pa.ChunkedArray, index: pd.Index) -> pd.Series:
    """Return Arrow strings as a Series of the ``str`` dtype on ``index``."""
    return pd.Series(strings.to_pandas(types_mapper=_STR_TYPES.get).array, index=index, copy=False)


_STR = pd.StringDtype("pyarrow", na_value=np.nan)
_STR_TYPES = {pa.string(): _STR, pa.large_string(): _STR}


#: Characters nobody sees: C0/C1 controls, zero-width characters, bidi marks, overrides and
#: isolates (U+202E can make a key read backwards), the word joiner and the byte-order mark.
INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f"
                       "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]")
_LINE_BREAKS = re.compile("[\t\n\r\x0b\x0c\x85\u2028\u2029]+")


def strip_invisible(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Return text without invisible characters, and where a value changed.

    Tabs and line breaks inside a value become one space; other control, zero-width and
    bidi characters are removed; the result is stripped again.
    """
    if text.empty or printable_ascii(text) is not None:
        return text, pd.Series(False, index=text.index)
    odd = text.str.contains(INVISIBLE.pattern + "|[\u2028\u2029]", regex=True)
    if not odd.any():
        return text, odd
    fixed = text[odd].str.replace(_LINE_BREAKS.pattern, " ", regex=True)
    fixed = fixed.str.replace(INVISIBLE.pattern, "", regex=True).str.strip()
    return text.where(~odd, fixed), odd


def quote(text: pd.Series, limit: int = 60) -> pd.Series:
    """Return text shortened for a reason sentence (``…`` marks a cut)."""
    short = text.str.slice(0, limit)
    return short.where(text.str.len() <= limit, short + "…")


def _cell_text(value: object) -> str:
    """Return one typed cell as text."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, pd.Timestamp | np.datetime64) or hasattr(value, "isoformat"):
        return pd.Timestamp(value).isoformat()
    return str(value)
