"""Parse dates from exports: typed cells, Excel serials, ISO, day-first and date-times.

``parse_dates`` reads most texts in bulk: a text that is exactly a fixed-width shape
(two-digit day and month, four- or two-digit year, ``.``/``/``/``-`` between, e.g.
``2025-02-01`` or ``01.02.2025``), optionally followed by a time of day, and that names a
real day, is read with array arithmetic on its characters. Everything else -- one-digit
days, impossible days, other shapes, odd years -- is read one format at a time
(``_parse_text_dates``), which is also the reference the tests hold the bulk path to.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa

from insights.cleaning.text import Parsed, as_text

#: strptime directive -> (field, digits) read by the bulk path.
_FIELDS = {"%d": ("day", 2), "%m": ("month", 2), "%Y": ("year", 4), "%y": ("year2", 2)}
#: A time of day after the date; a subset (ASCII digits, spaces) of what the per-format
#: path strips (``_TIME_PART``), so the date part of a match is what it keeps.
_TIME = (r"(?:[T ][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]+)?)? *"
         r"(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?")
#: Years read in bulk (datetime64[ns] range); others take the per-format path.
_YEARS = (1678, 2261)
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_MAX_SERIAL = 2_958_465  # 9999-12-31
_TIME_PART = r"(?:[T ]|\s+)\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2})?$"


def parse_dates(values: pd.Series, *, date_format: str | None = None, dayfirst: bool = True,
                excel_serial: bool = False) -> Parsed:
    """Parse dates: day-first ``dd.mm.yyyy``, ISO, date-times (day kept), Excel serials.

    Returns datetime64[us] values normalised to midnight (NaT where empty or invalid).
    Numbers are Excel serial dates (days since 1899-12-30) only when ``excel_serial``.
    Fixed-width texts (``2025-02-01``, ``01.02.2025``, with or without a time) are read in
    bulk; the rest one format at a time.
    """
    return _parse_dates(values, date_format, dayfirst, excel_serial, bulk=True)


def _parse_dates_slow(values: pd.Series, *, date_format: str | None = None,
                      dayfirst: bool = True, excel_serial: bool = False) -> Parsed:
    """Return what :func:`parse_dates` returns, reading every text one format at a time.

    The reference the tests hold the bulk path for fixed-width dates to.
    """
    return _parse_dates(values, date_format, dayfirst, excel_serial, bulk=False)


def _parse_dates(values: pd.Series, date_format: str | None, dayfirst: bool,
                 excel_serial: bool, bulk: bool) -> Parsed:
    """Parse dates; ``bulk`` reads fixed-width texts vectorised instead of per format."""
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        dates = values.dt.tz_localize(None) if values.dt.tz is not None else values
        dates = dates.astype("datetime64[us]").dt.normalize()
        return Parsed(dates, dates.isna(), pd.Series(False, index=values.index))
    result = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]")
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        numeric = values.astype("float64")
        if excel_serial:
            result = _from_serial(numeric)
        return Parsed(result, numeric.isna(), result.isna() & numeric.notna())
    typed = values.map(_is_date) if values.dtype == object else pd.Series(False, index=values.index)
    if typed.any():
        result[typed] = pd.to_datetime(values[typed].map(pd.Timestamp)).astype("datetime64[us]")
    text = as_text(values.where(~typed))
    empty = (text == "") & ~typed
    if excel_serial:
        serial = text.str.fullmatch(r"\d+(?:[.,]\d+)?")
        numbers = pd.to_numeric(text.where(serial).str.replace(",", ".", regex=False), errors="coerce")
        result = result.where(~serial, _from_serial(numbers))
    if bulk:
        _parse_text_dates_bulk(text, result, date_format, dayfirst)
    else:
        _parse_text_dates(text, result, date_format, dayfirst)
    result = result.dt.normalize()
    return Parsed(result, empty, result.isna() & ~empty)


def _is_date(value: object) -> bool:
    """Return True for a typed date/datetime cell."""
    return hasattr(value, "year") and hasattr(value, "month") and hasattr(value, "day")


def _from_serial(numbers: pd.Series) -> pd.Series:
    """Return Excel serial day numbers as dates (NaT outside 1..9999-12-31)."""
    valid = (numbers >= 1) & (numbers <= _MAX_SERIAL)
    days = np.floor(numbers.where(valid))
    return (_EXCEL_EPOCH + pd.to_timedelta(days, unit="D")).astype("datetime64[us]")


def _keeps_time(date_format: str | None) -> bool:
    """Return True when the date format reads a time of day (times are not stripped)."""
    return date_format is not None and any(f in date_format for f in ("%H", "%I", "%M", "%S"))


def _parse_text_dates_bulk(text: pd.Series, result: pd.Series, date_format: str | None,
                           dayfirst: bool) -> None:
    """Fill ``result`` (in place, where still NaT): fixed-width texts in bulk, then the rest.

    Each text's date depends on that text alone, so reading a part of the texts one
    format at a time gives those texts what reading all of them would.
    """
    formats = [date_format] if date_format else [f for _, f in _date_formats(dayfirst)]
    shapes = [_fixed_width_shape(f) for f in formats]
    fixed = [shape for shape in shapes if shape is not None]
    if not _keeps_time(date_format) and len(fixed) == len(shapes):
        todo = result.isna() & (text != "")
        if todo.any():
            result[todo] = _read_fixed_width(text[todo], fixed).to_numpy()
    rest = result.isna() & (text != "")
    if rest.any():
        part = result[rest]
        _parse_text_dates(text[rest], part, date_format, dayfirst)
        result[rest] = part.to_numpy()


def _parse_text_dates(text: pd.Series, result: pd.Series, date_format: str | None,
                      dayfirst: bool) -> None:
    """Fill ``result`` (in place, where still NaT) from date text, one format at a time."""
    keeps_time = _keeps_time(date_format)
    core = text if keeps_time else text.str.replace(_TIME_PART, "", regex=True)
    todo = result.isna() & (core != "")
    iso = [(r"\d{4}-\d{1,2}-\d{1,2}", "%Y-%m-%d")]  # unambiguous, accepted with any format
    formats = [(None, date_format)] + iso if date_format else _date_formats(dayfirst)
    for pattern, fmt in formats:
        mask = todo & result.isna()
        if pattern is not None:
            mask &= core.str.fullmatch(pattern)
        if mask.any():
            parsed = pd.to_datetime(core[mask], format=fmt, errors="coerce")
            result[mask] = parsed.astype("datetime64[us]")


def _date_formats(dayfirst: bool) -> list[tuple[str, str]]:
    """Return (full-match pattern, strptime format) pairs tried when no format is given."""
    dm = ("%d", "%m") if dayfirst else ("%m", "%d")
    pairs = [(r"\d{4}-\d{1,2}-\d{1,2}", "%Y-%m-%d"), (r"\d{4}\.\d{1,2}\.\d{1,2}", "%Y.%m.%d"),
             (r"\d{4}/\d{1,2}/\d{1,2}", "%Y/%m/%d")]
    for sep in (".", "/", "-"):
        pairs.append((rf"\d{{1,2}}{re.escape(sep)}\d{{1,2}}{re.escape(sep)}\d{{4}}",
                      f"{dm[0]}{sep}{dm[1]}{sep}%Y"))
        pairs.append((rf"\d{{1,2}}{re.escape(sep)}\d{{1,2}}{re.escape(sep)}\d{{2}}",
                      f"{dm[0]}{sep}{dm[1]}{sep}%y"))
    return pairs


def _fixed_width_shape(fmt: str) -> tuple[str, dict[str, int]] | None:
    """Return (regex, {field: first character}) of a fixed-width date format, else None.

    A fixed-width format has ``%d``, ``%m`` and one of ``%Y``/``%y`` once each, and only
    ``.``, ``/`` or ``-`` between them (e.g. ``%d.%m.%Y``).
    """
    regex, starts, at = "", {}, 0
    for token in re.findall(r"%.|.", fmt, flags=re.DOTALL):
        if token in _FIELDS:
            field, width = _FIELDS[token]
            if field in starts:
                return None
            regex, starts[field], at = regex + f"[0-9]{{{width}}}", at, at + width
        elif token in "./-":
            regex, at = regex + re.escape(token), at + 1
        else:
            return None
    if {"day", "month"} <= set(starts) and len({"year", "year2"} & set(starts)) == 1:
        return regex, starts
    return None


def _read_fixed_width(text: pd.Series, shapes: list[tuple[str, dict[str, int]]]) -> pd.Series:
    """Return datetime64[us] dates of texts in one of ``shapes`` (NaT for the others).

    ``shapes`` must be mutually exclusive (no text fits two), so the order they are
    tried in does not change the answer; the shape most common at the top goes first.
    """
    dates = np.full(len(text), np.datetime64("NaT"), dtype="datetime64[us]")
    rest = np.arange(len(text))  # positions not read yet
    for regex, starts in _by_frequency(text, shapes):
        if not len(rest):
            break
        part = text if len(rest) == len(text) else text.iloc[rest]
        fits = part.str.fullmatch(regex + _TIME).to_numpy(dtype=bool, na_value=False)
        if fits.any():
            dates[rest[fits]] = _days(part[fits], starts)
            rest = rest[~fits]
    return pd.Series(dates, index=text.index)


def _by_frequency(text: pd.Series, shapes: list) -> list:
    """Return ``shapes`` ordered by how many of the first texts fit each (most first)."""
    head = text.iloc[:200]
    counts = [int(head.str.fullmatch(regex + _TIME).sum()) for regex, _ in shapes]
    return [shapes[i] for i in sorted(range(len(shapes)), key=lambda i: -counts[i])]


def _days(text: pd.Series, starts: dict[str, int]) -> np.ndarray:
    """Return the dates of ASCII texts that fit a shape (NaT where no such day)."""
    digits = _ascii_digits(text)
    year = digits(starts["year"], 4) if "year" in starts else _two_digit_year(
        digits(starts["year2"], 2))
    month, day = digits(starts["month"], 2), digits(starts["day"], 2)
    valid = (month >= 1) & (month <= 12) & (day >= 1) & (year >= _YEARS[0]) & (year <= _YEARS[1])
    months = np.where(valid, (year - 1970) * 12 + month - 1, 0).astype("datetime64[M]")
    first = months.astype("datetime64[D]")
    dates = first + (day - 1).astype("timedelta64[D]")
    valid &= dates < (months + 1).astype("datetime64[D]")  # the day exists in that month
    return np.where(valid, dates, np.datetime64("NaT")).astype("datetime64[us]")


def _two_digit_year(year: np.ndarray) -> np.ndarray:
    """Return the year strptime's ``%y`` reads a two-digit year as (00-68: 2000s, 69-99: 1900s)."""
    return np.where(year <= 68, year + 2000, year + 1900)


def _ascii_digits(text: pd.Series):
    """Return a reader of the number written at a character position of ASCII texts."""
    array = pa.array(text)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    array = array.cast(pa.large_string())
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int64)
    offsets = offsets[array.offset:array.offset + len(array) + 1]
    data = np.frombuffer(array.buffers()[2], dtype=np.uint8)
    lengths = np.diff(offsets)
    if (lengths == lengths[0]).all():  # one length: the texts form a table of characters
        table = data[offsets[0]:offsets[-1]].reshape(len(lengths), int(lengths[0]))
    else:
        table = None

    def number(start: int, width: int) -> np.ndarray:
        if table is not None:
            digits = table[:, start:start + width].astype(np.int64) - 48
        else:
            digits = data[offsets[:-1, None] + np.arange(start, start + width)].astype(np.int64) - 48
        return digits @ 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)

    return number
