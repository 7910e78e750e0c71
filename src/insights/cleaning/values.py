"""Parse column values from exports into numbers, flags and currency codes (dates: ``dates``).

Every parser takes a Series of any dtype (text from CSV, typed cells from Excel, typed
columns from Parquet) and returns parsed values with masks of empty and invalid cells;
it never raises on a bad value. Plain numbers (digits, separators, one sign mark or
parentheses) are parsed in bulk with vectorised string operations; only unusual values
(currency marks, letters, non-ASCII digits, doubled signs) are parsed one distinct value at
a time, and the bulk path gives exactly what that per-value parser would. A column whose
every value is a common number of one reading (``1234.5``; ``-1 234,5``) skips even the
bulk machinery (:func:`_read_common`), and short plain numbers are cast by pyarrow rather
than ``pd.to_numeric`` (:func:`_to_float`) -- both give exactly the same values.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from insights.cleaning.dates import _parse_dates_slow as _parse_dates_slow
from insights.cleaning.dates import parse_dates as parse_dates
from insights.cleaning.text import Parsed as Parsed
from insights.cleaning.text import as_text as as_text
from insights.cleaning.text import quote as quote

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
_SHORT_NUMBER = r"-?[0-9]*\.?[0-9]+"

TRUE_WORDS = frozenset({"да", "д", "yes", "y", "true", "t", "1", "истина", "x", "+"})
FALSE_WORDS = frozenset({"нет", "н", "no", "n", "false", "f", "0", "ложь", "-", ""})


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
    common = _read_common(text, empty, decimal, thousands) if bulk and not typed.any() else None
    plain = text.str.fullmatch(_PLAIN) if bulk and common is None else None
    if common is not None:
        numbers, currency, note = common
    elif decimal != "auto":
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
    numbers = _read_simple(text, simple, decimal, seps, reference=plain is None)
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


def _read_simple(text: pd.Series, simple: pd.Series, decimal: str, seps: str, *,
                 reference: bool) -> pd.Series:
    """Return the ``simple`` values (digits, separators, a hyphen-minus) as floats, else NaN.

    ``reference`` reads them with ``pd.to_numeric``; otherwise :func:`_to_float`.
    """
    cleaned = text.where(simple, "")
    if reference and seps:
        cleaned = cleaned.str.replace(f"[{re.escape(seps)}]", "", regex=True)
    elif seps and cleaned.str.contains(f"[{re.escape(seps)}]").any():
        # the same, one character at a time (a literal replace is much faster)
        for sep in (c for c in seps if cleaned.str.contains(c, regex=False).any()):
            cleaned = cleaned.str.replace(sep, "", regex=False)
    cleaned = cleaned.str.replace(decimal, ".", regex=False).where(simple)
    if reference:
        return pd.to_numeric(cleaned, errors="coerce").astype("float64")
    return _to_float(cleaned)


def _read_common(text: pd.Series, empty: pd.Series, decimal: str,
                 thousands: str) -> tuple[pd.Series, pd.Series, str | None] | None:
    """Read a column whose every value is a common number of one reading; else None.

    A common number is ASCII digits, optionally grouped in threes by spaces the reading
    accepts, with at most a leading hyphen-minus and the reading's decimal mark
    (``-1 234,5`` with a decimal comma, ``1234.5`` with a point). Such values are simple
    in that reading (:func:`_read`); with ``decimal="auto"`` the reading is the detected
    one when some value does not fit the other reading (and every value fits this one).
    """
    present = ~empty
    if not present.any():
        return None
    for mark in [decimal] if decimal != "auto" else [".", ","]:
        seps = _separators(mark, thousands)
        seps = seps.replace(mark, "") if decimal == "auto" else seps
        if mark in seps:
            continue
        ungrouped = _all_fit(text, present, _common_number(mark, ""))
        if not ungrouped and not _all_fit(text, present, _common_number(mark, seps)):
            continue
        if decimal != "auto":
            note = None
        elif _decides(text, present, mark, thousands):
            note = f"decimal {'point' if mark == '.' else 'comma'} (detected)"
        else:
            return None
        numbers = _read_ungrouped(text, present, mark) if ungrouped else None
        if numbers is None:
            numbers = _read_simple(text, present, mark, seps, reference=False)
        return numbers, pd.Series(np.nan, index=text.index, dtype="object"), note
    return None


def _read_ungrouped(text: pd.Series, present: pd.Series, mark: str) -> pd.Series | None:
    """Return what :func:`_read_simple` returns for values all shaped ``-?digits[mark digits]``.

    Such values hold no separator to remove, so one Arrow cast reads them (as
    :func:`_to_float` does, without its shape check); None when some value is longer than
    15 characters (pandas' parser reads those) or the text is not held by Arrow.
    """
    if not isinstance(text.array, pd.arrays.ArrowStringArray):
        return None
    strings = pa.array(text.array)
    everywhere = bool(present.all())
    if not everywhere:
        strings = pc.if_else(pa.array(present.to_numpy(dtype=bool)), strings,
                             pa.scalar(None, strings.type))
    if len(text) and (pc.max(pc.utf8_length(strings)).as_py() or 0) > 15:
        return None
    if mark != ".":
        strings = pc.replace_substring(strings, mark, ".")
    numbers = np.asarray(pc.cast(strings, pa.float64()), dtype="float64")
    zero = numbers == 0
    if everywhere and np.signbit(numbers[zero]).any() and not pc.any(
            pc.match_substring(strings, ".")).as_py():
        numbers = numbers + 0.0  # read as integers by pandas: no negative zero
    return pd.Series(numbers, index=text.index)


def _all_fit(text: pd.Series, present: pd.Series, pattern: str) -> bool:
    """Return True when every present value full-matches ``pattern`` (the first few first)."""
    head = text.iloc[:1000][present.iloc[:1000]]
    if not head.str.fullmatch(pattern).all():
        return False
    return bool((text.str.fullmatch(pattern) | ~present).all())


def _common_number(mark: str, seps: str) -> str:
    """Return the full-match pattern of a common number (see :func:`_read_common`)."""
    spaces = re.escape("".join(c for c in SPACES if c in seps))
    integer = rf"[0-9]{{1,3}}(?:[{spaces}][0-9]{{3}})+|[0-9]+" if spaces else "[0-9]+"
    return rf"-?(?:{integer})(?:{re.escape(mark)}[0-9]+)?"


def _decides(text: pd.Series, present: pd.Series, mark: str, thousands: str) -> bool:
    """Return True when some present value does not fit the other decimal mark's reading.

    Common numbers of one reading are plain; the other reading reads a plain value only
    when it is a hyphen-signed number of its own pattern (else :func:`_read_plain` finds
    no body either), so that pattern decides.
    """
    other = "," if mark == "." else "."
    pattern = number_pattern(other, _separators(other, thousands).replace(other, ""))
    return not _all_fit(text, present, rf"-?(?:{pattern.pattern})".replace(r"\d", "[0-9]"))


def _to_float(text: pd.Series) -> pd.Series:
    """Return ``pd.to_numeric(text, errors="coerce")`` as float64; pyarrow casts short numbers.

    Texts of at most 15 characters shaped ``-?digits[.digits]`` have at most 15 digits, which
    both pandas' parser and pyarrow's read exactly (correctly rounded); pandas reads a column
    of integers with nothing missing as int64, where ``-0`` is ``0``.
    """
    present = text.notna().to_numpy()
    fits = text.str.fullmatch(_SHORT_NUMBER) & (text.str.len() <= 15)
    if not np.array_equal(fits.to_numpy(dtype=bool, na_value=False), present):
        return pd.to_numeric(text, errors="coerce").astype("float64")
    numbers = np.asarray(pc.cast(pa.array(text), pa.float64()), dtype="float64")
    if present.all() and not text.str.contains(".", regex=False).any():
        numbers = numbers + 0.0  # read as integers by pandas: no negative zero
    return pd.Series(numbers, index=text.index)


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
