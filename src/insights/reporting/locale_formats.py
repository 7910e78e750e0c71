"""Numbers, money, percentages, days and quarters as a locale writes them, with Babel.

``core.fmt_*`` call these for every language but English (whose output stays the project's
historical one). Babel brings the CLDR rules: Russian groups thousands with a no-break space,
writes a decimal comma, "57,3 %" and "14,4 млрд ₽".
"""

from __future__ import annotations

from datetime import date

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_compact_currency, format_decimal, format_percent

#: Significant digits of a compact money amount: 14,4 млрд, 146 млн, 1,23 тыс.
MONEY_DIGITS = 3
_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
#: How a quarter is written, per language ("{q}" Roman numeral or digit, "{year}").
QUARTER_PATTERNS = {"ru": "{roman} кв. {year}"}


#: The minus sign of a negative number in text: Russian typography writes "−" (U+2212), not
#: the hyphen CLDR gives. Only in report text; exports keep numbers Excel can read.
MINUS = "\u2212"


def _pattern(digits: int) -> str:
    return "#,##0" + ("." + "0" * digits if digits > 0 else "")


def _minus(text: str) -> str:
    return MINUS + text[1:] if text.startswith("-") else text


def format_number(value: float, *, digits: int, locale: Locale) -> str:
    """Return ``value`` with ``digits`` decimals, grouped as ``locale`` groups (no "-0").

    >>> format_number(1234567.891, digits=2, locale=Locale.parse("ru"))
    '1\\xa0234\\xa0567,89'
    >>> format_number(-288, digits=0, locale=Locale.parse("ru"))
    '\u2212288'
    """
    rounded = round(float(value), digits) + 0.0  # + 0.0 turns -0.0 into 0.0
    return _minus(format_decimal(rounded, format=_pattern(digits), locale=locale))


def format_share(value: float, *, digits: int, locale: Locale) -> str:
    """Return the fraction ``value`` as ``locale`` writes a percentage, with ``digits`` decimals.

    >>> format_share(0.573, digits=1, locale=Locale.parse("ru"))
    '57,3\\xa0%'
    """
    pattern = locale.percent_formats[None].pattern.split(";")[0]
    pattern = pattern.replace("#,##0", _pattern(digits), 1)
    return _minus(format_percent(round(float(value), digits + 2) + 0.0, format=pattern, locale=locale))


def format_money(value: float, *, currency: str, locale: Locale) -> str:
    """Return an amount compactly with three significant digits: '14,4 млрд ₽', '950 ₽'.

    >>> format_money(14_390_000_000, currency="RUB", locale=Locale.parse("ru"))
    '14,4\\xa0млрд\\xa0₽'
    """
    size = abs(float(value))
    scaled = size
    for limit in (1e12, 1e9, 1e6, 1e3):
        if size >= limit:
            scaled = size / limit
            break
    digits = 0 if scaled >= 100 or size < 1000 else (1 if scaled >= 10 else 2)
    amount = float(round(value)) if size < 1000 else float(value)
    return _minus(format_compact_currency(amount, currency, locale=locale, fraction_digits=digits))


def format_day(value: date, *, locale: Locale) -> str:
    """Return a day in the locale's long form (CLDR puts a narrow no-break space before "г.").

    >>> format_day(date(2026, 9, 30), locale=Locale.parse("ru"))
    '30 сентября 2026\u202fг.'
    """
    return format_date(value, format="long", locale=locale)


def format_quarter(year: int, quarter: int, *, language: str) -> str:
    """Return a quarter as ``language`` writes it.

    >>> format_quarter(2026, 3, language="ru")
    'III кв. 2026'
    """
    pattern = QUARTER_PATTERNS.get(language, "Q{quarter} {year}")
    return pattern.format(roman=_ROMAN[quarter], quarter=quarter, year=year)
