"""Parse column values from exports into numbers, dates, flags and currency codes.

Every parser takes a Series of any dtype (text from CSV, typed cells from Excel, typed
columns from Parquet) and returns parsed values with masks of empty and invalid cells;
it never raises on a bad value. Plain numbers (digits, separators, one sign mark or
parentheses) are parsed in bulk with vectorised string operations; only unusual values
(currency marks, letters, non-ASCII digits, doubled signs) are parsed one distinct value at
a time, and the bulk path gives exactly what that per-value parser would.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Minus signs: hyphen-minus, U+2212 minus, figure dash, en dash, em dash, small/fullwidth.
MINUS = "-\u2212\u2012\u2013\u2014\ufe63\uff0d"
#: Space-like thousands separators: space, no-break, narrow no-break, thin, figure space.
SPACES = " \u00a0\u202f\u2009\u2007"
APOSTROPHES = "'\u2019"
#: Currency marks (casefolded) -> ISO 4217 code.
CURRENCY_MARKS = {
    "₽": "RUB", "руб.": "RUB", "руб": "RUB", "р.": "RUB", "р": "RUB", "rub": "RUB",
    "rur": "RUB", "$": "USD", "us$": "USD", "usd": "USD", "€": "EUR", "eur": "EUR",
    "¥": "CNY", "cny": "CNY", "юань": "CNY", "₸": "KZT", "kzt": "KZT", "£": "GBP",
    "gbp": "GBP", "byn": "BYN", "₴": "UAH", "uah": "UAH",
}
_MARKS = "|".join(re.escape(m) for m in sorted(CURRENCY_MARKS, key=len, reverse=True))
_CUR_START = re.compile(rf"^({_MARKS})\s*", re.IGNORECASE)
_CUR_END = re.compile(rf"(?<![^\W\d_])\s*({_MARKS})$", re.IGNORECASE)
_M = MINUS.replace("-", "\\-")  # the minus signs inside a [class]
_IN = ".,'\u2019"  # marks and apostrophes; with digits they may start or end a plain body
_BODY = f"[0-9{_IN}](?:[0-9{_IN}{SPACES}]*[0-9{_IN}])?"
_BODY_DIGIT = f"(?:[0-9{_IN}][0-9{_IN}{SPACES}]*)?[0-9]"
#: Plain values parsed in bulk: body, sign + body, (body), body + trailing minus.
_PLAIN = f"[{_M}+]?{_BODY}|\\({_BODY}\\)|{_BODY_DIGIT}[{_M}]"
_SIGN_MARKS = f"^[{_M}+(]|[{_M})]$"
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_MAX_SERIAL = 2_958_465  # 9999-12-31
_TIME_PART = r"(?:[T ]|\s+)\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2})?$"

TRUE_WORDS = frozenset({"да", "д", "yes", "y", "true", "t", "1", "истина", "x", "+"})
FALSE_WORDS = frozenset({"нет", "н", "no", "n", "false", "f", "0", "ложь", "-", ""})


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
    return text.str.strip().str.strip("\u200b\u200c\u200d\u2060\ufeff").str.strip()


def _cell_text(value: object) -> str:
    """Return one typed cell as text."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, pd.Timestamp | np.datetime64) or hasattr(value, "isoformat"):
        return pd.Timestamp(value).isoformat()
    return str(value)


def number_pattern(decimal: str, seps: str) -> re.Pattern:
    """Return the full-match pattern of an unsigned number with these separators."""
    group = f"[{re.escape(seps)}]" if seps else None
    integer = rf"\d{{1,3}}(?:{group}\d{{3}})+|\d+" if group else r"\d+"
    dec = re.escape(decimal)
    return re.compile(rf"(?:{integer})(?:{dec}\d+)?|{dec}\d+")


def _separators(decimal: str, thousands: str) -> str:
    """Return the thousands characters accepted with ``decimal`` for a ``thousands`` setting."""
    if thousands == "auto":
        return SPACES + APOSTROPHES + ("." if decimal == "," else ",")
    return SPACES if thousands and thousands in SPACES else thousands


def parse_numbers(values: pd.Series, *, decimal: str = "auto", thousands: str = "auto") -> Parsed:
    """Parse amounts: decimal comma/point, thousands spaces, minus variants, currency marks.

    ``decimal="auto"`` reads the column both ways and keeps the reading that only its values
    fit (``12,5`` fits only a decimal comma, ``1.5`` only a point); when no value decides,
    a lone group of three digits (``1,234``) is read as thousands. Parentheses and a
    trailing minus mean negative; a currency mark is returned in ``currency``.
    """
    return _parse_numbers(values, decimal, thousands, bulk=True)


def _parse_numbers_slow(values: pd.Series, *, decimal: str = "auto",
                        thousands: str = "auto") -> Parsed:
    """Return what :func:`parse_numbers` returns, without the bulk path for plain values.

    Every value that is not an unsigned or hyphen-signed number is parsed one distinct
    value at a time (:func:`_parse_odd`): the reference the tests hold the bulk path to.
    """
    return _parse_numbers(values, decimal, thousands, bulk=False)


def _parse_numbers(values: pd.Series, decimal: str, thousands: str, bulk: bool) -> Parsed:
    """Parse numbers; ``bulk`` parses plain signed values vectorised instead of one by one."""
    if pd.api.types.is_bool_dtype(values.dtype):
        return Parsed(pd.Series(np.nan, index=values.index), values.isna(), values.notna())
    if pd.api.types.is_numeric_dtype(values.dtype):
        numbers = values.astype("float64")
        return Parsed(numbers, numbers.isna(), pd.Series(np.isinf(numbers), index=values.index))
    typed = values.map(_is_number) if values.dtype == object else pd.Series(False, index=values.index)
    text = as_text(values.where(~typed))
    empty = (text == "") & ~typed
    plain = text.str.fullmatch(_PLAIN) if bulk else None
    if decimal != "auto":
        numbers, currency = _read(text, decimal, _separators(decimal, thousands), plain)
        note = None
    else:
        numbers, currency, note = _read_auto(text, thousands, plain)
    if typed.any():
        numbers = numbers.where(~typed, pd.to_numeric(values.where(typed), errors="coerce"))
    numbers = numbers.where(np.isfinite(numbers))
    invalid = numbers.isna() & ~empty
    return Parsed(numbers, empty, invalid, currency, note)


def _is_number(value: object) -> bool:
    """Return True for a typed numeric cell (bool excluded)."""
    return isinstance(value, int | float | np.number) and not isinstance(value, bool | np.bool_)


def _read(text: pd.Series, decimal: str, seps: str,
          plain: pd.Series | None = None) -> tuple[pd.Series, pd.Series]:
    """Parse text with fixed separators: vectorised paths, then distinct odd values.

    Unsigned and hyphen-signed numbers go through ``pd.to_numeric``; other values where
    ``plain`` (a ``_PLAIN`` shape) through :func:`_read_plain`; the rest one distinct value
    at a time (:func:`_parse_odd`).
    """
    pattern = number_pattern(decimal, seps)
    simple = _simple(text, pattern, plain)
    cleaned = text.where(simple, "")
    if seps:
        cleaned = cleaned.str.replace(f"[{re.escape(seps)}]", "", regex=True)
    numbers = pd.to_numeric(cleaned.str.replace(decimal, ".", regex=False).where(simple),
                            errors="coerce").astype("float64")
    currency = pd.Series(np.nan, index=text.index, dtype="object")
    todo = ~simple & (text != "")
    if plain is not None:
        bulk = todo & plain
        if bulk.any():
            numbers[bulk] = _read_plain(text[bulk], decimal, seps, pattern)
        todo &= ~plain
    rest = text[todo]
    if len(rest):
        parsed = {v: _parse_odd(v, decimal, seps, pattern) for v in rest.unique()}
        numbers.loc[rest.index] = rest.map(lambda v: parsed[v][0]).astype("float64")
        currency.loc[rest.index] = rest.map(lambda v: parsed[v][1])
    return numbers, currency.where(currency.notna())  # no mark: NaN (map may give None)


def _simple(text: pd.Series, pattern: re.Pattern, plain: pd.Series | None) -> pd.Series:
    """Return where the value is a number with at most a hyphen-minus before it."""
    signed = rf"-?(?:{pattern.pattern})"
    if plain is None:
        return text.str.fullmatch(signed)
    # plain values hold ASCII digits only, where \d and [0-9] agree (and pyarrow can match)
    simple = plain & text.str.fullmatch(signed.replace(r"\d", "[0-9]"))
    other = ~plain & (text != "")
    if other.any():
        simple[other] = text[other].str.fullmatch(signed)
    return simple


def _read_plain(text: pd.Series, decimal: str, seps: str, pattern: re.Pattern) -> pd.Series:
    """Return plain values (``_PLAIN`` shapes) read exactly as :func:`_parse_odd` reads them."""
    numbers = pd.Series(np.nan, index=text.index)
    digits = pattern.pattern.replace(r"\d", "[0-9]")  # plain values hold ASCII digits only
    text = text[text.str.fullmatch(f"[{_M}+(]?(?:{digits})[{_M})]?")]  # cheap pre-filter
    body = text.str.replace(_SIGN_MARKS, "", regex=True)
    fits = body.str.fullmatch(digits)
    body = body[fits]
    if seps:
        body = body.str.replace(f"[{re.escape(seps)}]", "", regex=True)
    # float() of each text (an object array cast), as _parse_odd does
    number = body.str.replace(decimal, ".", regex=False).to_numpy(dtype=object).astype("float64")
    negative = (text.str.slice(0, 1).isin(list(MINUS + "("))
                | text.str.slice(-1).isin(list(MINUS)))[fits]
    numbers[body.index] = np.where(negative, -number, number)
    return numbers


def _parse_odd(value: str, decimal: str, seps: str, pattern: re.Pattern) -> tuple[float, str | None]:
    """Parse one unusual number: peel currency marks, parentheses and signs, then the digits."""
    body, currency, negative = value, None, False
    for _ in range(4):
        before = body
        for regex in (_CUR_START, _CUR_END):
            match = regex.search(body)
            if match:
                code = CURRENCY_MARKS[match.group(1).casefold()]
                if currency not in (None, code):
                    return np.nan, None
                currency, body = code, (body[: match.start()] + body[match.end() :]).strip()
        sign = _sign(body)
        if sign is not None:
            if negative and sign[0]:
                return np.nan, currency
            negative, body = negative or sign[0], sign[1].strip()
        if body == before:
            break
    if not pattern.fullmatch(body):
        return np.nan, currency
    for sep in seps:
        body = body.replace(sep, "")
    number = float(body.replace(decimal, "."))
    return (-number if negative else number), currency


def _sign(body: str) -> tuple[bool, str] | None:
    """Return (negative, rest) when ``body`` has a sign or parentheses, else None."""
    if len(body) > 2 and body[0] == "(" and body[-1] == ")":
        return True, body[1:-1]
    if len(body) > 1 and body[0] in MINUS:
        return True, body[1:]
    if len(body) > 1 and body[0] == "+":
        return False, body[1:]
    if len(body) > 1 and body[-1] in MINUS and body[-2].isdigit():
        return True, body[:-1]
    return None


def _read_auto(text: pd.Series, thousands: str,
               plain: pd.Series | None = None) -> tuple[pd.Series, pd.Series, str | None]:
    """Parse with a decimal comma and a decimal point; keep the reading the values decide."""
    comma, cur_c = _read(text, ",", _separators(",", thousands).replace(",", ""), plain)
    point, cur_p = _read(text, ".", _separators(".", thousands).replace(".", ""), plain)
    only_comma = int((comma.notna() & point.isna()).sum())
    only_point = int((point.notna() & comma.isna()).sum())
    if only_comma > only_point:
        return comma, cur_c, "decimal comma (detected)"
    if only_point > only_comma:
        return point, cur_p, "decimal point (detected)"
    # nothing decides: a lone group of three digits is a thousands group (1,234 = 1234)
    larger = comma.abs() >= point.abs()
    numbers = comma.where(larger | point.isna(), point)
    note = "no value showed the decimal separator; 1,234 read as 1234" if only_comma else None
    return numbers, cur_c.where(cur_c.notna(), cur_p), note


def parse_dates(values: pd.Series, *, date_format: str | None = None, dayfirst: bool = True,
                excel_serial: bool = False) -> Parsed:
    """Parse dates: day-first ``dd.mm.yyyy``, ISO, date-times (day kept), Excel serials.

    Returns datetime64[us] values normalised to midnight (NaT where empty or invalid).
    Numbers are Excel serial dates (days since 1899-12-30) only when ``excel_serial``.
    """
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


def _parse_text_dates(text: pd.Series, result: pd.Series, date_format: str | None,
                      dayfirst: bool) -> None:
    """Fill ``result`` (in place, where still NaT) from date text."""
    keeps_time = bool(date_format) and any(f in date_format for f in ("%H", "%I", "%M", "%S"))
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


def parse_flags(values: pd.Series) -> Parsed:
    """Parse yes/no flags: да/нет, yes/no, true/false, 1/0; empty is False."""
    if pd.api.types.is_bool_dtype(values.dtype):
        flags = values.fillna(False).astype(bool)
        return Parsed(flags, values.isna(), pd.Series(False, index=values.index))
    words = as_text(values).str.casefold()
    true, false = words.isin(TRUE_WORDS), words.isin(FALSE_WORDS)
    numeric = pd.to_numeric(words.where(~true & ~false), errors="coerce")
    true |= numeric == 1
    false |= numeric == 0
    return Parsed(true, words == "", ~true & ~false)


def currency_code(mark: str) -> str:
    """Return the ISO code of a currency mark or code (``руб.`` -> ``RUB``, ``usd`` -> ``USD``)."""
    return CURRENCY_MARKS.get(mark.strip().casefold(), mark.strip().upper())


def normalise_currency(values: pd.Series) -> pd.Series:
    """Return ISO currency codes: marks mapped (₽, руб. -> RUB), codes upper-cased, '' kept."""
    text = as_text(values)
    folded = text.str.casefold()
    mapped = folded.map(CURRENCY_MARKS)
    return mapped.where(mapped.notna(), text.str.upper()).astype("str")
