"""Executive HTML building blocks: escaped sentences, tables, KPI cards, verdict badges.

Every data-derived string reaches HTML through ``escape_text``: HTML-escaped by MarkupSafe,
with bidi and zero-width characters removed and very long names shortened. ``Html`` (a
``markupsafe.Markup``) marks text that is already safe; only the functions in this package
build it, so a notebook cell that shows an ``Html`` value shows escaped content, and Jinja2
templates take it as safe without escaping it twice.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from markupsafe import Markup, escape

from insights.reporting import locale_formats
from insights.reporting.i18n import _, current_language, current_locale, ngettext
from insights.safety import clean_display_text, pseudonym_key, pseudonyms

#: Default display length of a name in tables and sentences.
NAME_LENGTH = 40


class Html(Markup):
    """A string of safe HTML (a ``markupsafe.Markup``); Jupyter renders it via ``_repr_html_``.

    Adding a plain string escapes it first (``escape_text``: MarkupSafe, plus the display
    clean-up); ``repr`` shows the HTML source as a string literal, the way a notebook
    prints any text, while the cell's rich output renders it.
    """

    __slots__ = ()

    def _repr_html_(self) -> str:
        return str(self)

    def __repr__(self) -> str:
        return str.__repr__(self)

    def __add__(self, other: object) -> Html:
        right = other if isinstance(other, Html) else escape_text(other)
        return Html(str(self) + str(right))

    def __radd__(self, other: object) -> Html:
        left = other if isinstance(other, Html) else escape_text(other)
        return Html(str(left) + str(self))


def escape_text(value: object, *, max_length: int = 200) -> Html:
    """Return ``value`` as escaped HTML text; ``Html`` values pass through unchanged.

    >>> escape_text('<img src=x onerror="alert(1)">')
    '&lt;img src=x onerror=&#34;alert(1)&#34;&gt;'
    """
    if isinstance(value, Html):
        return value
    return Html(escape(clean_display_text(value, max_length=max_length)))


def sentence(template: str, **values: object) -> Html:
    """Fill ``template`` (a literal written by us) with escaped ``values``; return Html.

    Numbers should be formatted by the caller (``fmt_share`` ...); customer labels come
    shortened (``customer_labels``); any value is cut at 1,000 characters.

    >>> sentence("{name} brings {share} of revenue.", name="<b>A&B</b>", share="57.0%")
    '&lt;b&gt;A&amp;B&lt;/b&gt; brings 57.0% of revenue.'
    """
    safe = {key: str(escape_text(val, max_length=1000)) for key, val in values.items()}
    return Html(str(escape(template)).format(**safe))


def paragraph(*sentences: str, css_class: str = "lead") -> Html:
    """Join sentences into one ``<p>``; plain strings are escaped, Html kept as is."""
    body = " ".join(str(escape_text(s)) for s in sentences if s)
    return Html(f'<p class="{css_class}">{body}</p>')


def bullet_list(items: Iterable[str]) -> Html:
    """Return an escaped ``<ul>`` of the items."""
    inner = "".join(f"<li>{escape_text(item)}</li>" for item in items)
    return Html(f"<ul>{inner}</ul>")


def note(text: str, *, tone: str = "info") -> Html:
    """Return a highlighted note (tone: info, warn, bad, good)."""
    return Html(f'<div class="note note-{_tone(tone)}">{escape_text(text, max_length=2000)}</div>')


def fmt_share(value: float | None, *, digits: int = 1) -> str:
    """Format a fraction as a percentage: 0.573 -> '57.3%' (ru: '57,3 %'); missing -> '–'.

    A share too small to show at ``digits`` is written "<0.1%" (">-0.1%" below zero), never
    "0.0%" or "-0.0%", so a real but small share is not read as none.

    >>> fmt_share(0.573), fmt_share(0.00004), fmt_share(0.0)
    ('57.3%', '<0.1%', '0.0%')
    """
    if value is None or pd.isna(value):
        return "–"
    smallest = 10.0 ** -digits
    if value != 0 and abs(value * 100) < smallest / 2:
        edge = smallest / 100 if value > 0 else -smallest / 100
        return ("<" if value > 0 else ">") + fmt_share(edge, digits=digits)
    if current_language() == "en":
        return f"{value * 100:.{digits}f}%"
    return locale_formats.format_share(value, digits=digits, locale=current_locale())


def fmt_money(value: float | None, *, currency: str = "RUB") -> str:
    """Format money compactly: 1234567 -> '1.23 M RUB' (ru: '1,23 млн ₽'); missing -> '–'.

    >>> fmt_money(1_234_567)
    '1.23 M RUB'
    >>> fmt_money(-950)
    '-950 RUB'
    """
    if value is None or pd.isna(value):
        return "–"
    if current_language() != "en":
        return locale_formats.format_money(value, currency=currency, locale=current_locale())
    size = abs(value)
    for limit, suffix in ((1e9, " bn"), (1e6, " M"), (1e3, " k")):
        if size >= limit:
            return f"{value / limit:.2f}{suffix} {currency}"
    return f"{value:.0f} {currency}"


def fmt_int(value: float | None) -> str:
    """Format a count with thousands separators: 12345 -> '12,345' (ru: '12 345').

    >>> fmt_int(12345)
    '12,345'
    """
    if value is None or pd.isna(value):
        return "–"
    if current_language() != "en":
        return locale_formats.format_number(int(round(value)), digits=0, locale=current_locale())
    return f"{int(round(value)):,}"


def fmt_number(value: float | None, *, digits: int = 1) -> str:
    """Format a plain number with ``digits`` decimals and thousands separators (no "-0").

    >>> fmt_number(1234.56), fmt_number(-0.01, digits=0)
    ('1,234.6', '0')
    """
    if value is None or pd.isna(value) or (isinstance(value, float) and math.isinf(value)):
        return "–"
    if current_language() != "en":
        return locale_formats.format_number(value, digits=digits, locale=current_locale())
    text = f"{value:,.{digits}f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.,") else text


def fmt_date(value: date | pd.Timestamp | None) -> str:
    """Format a day as the report's readers write it: '30 September 2026' (ru: '30 сентября 2026 г.').

    >>> fmt_date(date(2026, 9, 30))
    '30 September 2026'
    """
    if value is None or pd.isna(value):
        return "–"
    if current_language() == "en":
        return f"{value:%d %B %Y}"
    return locale_formats.format_day(value, locale=current_locale())


def fmt_quarter(value: str | pd.Period) -> str:
    """Format a quarter ('2026Q3' or a quarterly Period): 'Q3 2026' (ru: 'III кв. 2026').

    >>> fmt_quarter("2026Q3")
    'Q3 2026'
    """
    period = pd.Period(str(value), freq="Q")
    if pd.isna(period):  # an empty or missing quarter is no quarter
        raise ValueError(f"not a quarter: {value!r}")
    if current_language() == "en":
        return f"Q{period.quarter} {period.year}"
    return locale_formats.format_quarter(period.year, period.quarter, language=current_language())


def fmt_purchases(count: int) -> str:
    """Return a count of purchases with the noun in its plural form: '1 purchase', '5 purchases'.

    Russian takes three forms through the catalogue's plural rule: 1 покупка, 2 покупки,
    5 покупок (and 21 покупка, 22 покупки, 25 покупок, 11 покупок).

    >>> fmt_purchases(1), fmt_purchases(1234)
    ('1 purchase', '1,234 purchases')
    """
    return ngettext("{n} purchase", "{n} purchases", int(count)).format(n=fmt_int(count))


def fmt_customers(count: int) -> str:
    """Return a count of customers with the noun in its plural form: '1 customer', '3 customers'.

    >>> fmt_customers(3)
    '3 customers'
    """
    return ngettext("{n} customer", "{n} customers", int(count)).format(n=fmt_int(count))


_FORMATS: dict[str, Callable[[Any], str]] = {
    "share": fmt_share,
    "int": fmt_int,
    "number": fmt_number,
    "text": lambda v: clean_display_text(v, max_length=NAME_LENGTH),
}


def html_table(
    frame: pd.DataFrame,
    *,
    formats: Mapping[str, str | Callable[[Any], str]] | None = None,
    caption: str | None = None,
    index: bool = False,
    max_rows: int = 50,
    currency: str = "RUB",
) -> Html:
    """Render ``frame`` as an escaped HTML table with the report's classes.

    Column names, index values, cells and the caption are escaped. ``formats`` maps a column
    to 'share', 'money' (amounts in ``currency``, the unit's ``source.currency``), 'int',
    'number', 'text' or a callable; other columns use ``str`` (numbers get 'number').
    """
    formats = {
        column: (lambda v: fmt_money(v, currency=currency)) if spec == "money" else spec
        for column, spec in (formats or {}).items()
    }
    data = frame.reset_index() if index else frame
    data = data.head(max_rows)
    head = "".join(f"<th>{escape_text(c)}</th>" for c in data.columns)
    rows = []
    for record in data.itertuples(index=False, name=None):
        cells = []
        for column, value in zip(data.columns, record, strict=True):
            text = _format_cell(value, formats.get(column))
            numeric = isinstance(value, numbers.Number) and not isinstance(value, bool | np.bool_)
            cells.append(f'<td class="{"num" if numeric else "txt"}">{escape_text(text)}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{escape_text(caption, max_length=500)}</caption>" if caption else ""
    more = ""
    if len(frame) > max_rows:
        shown = _("Showing {shown} of {total} rows.").format(shown=max_rows, total=fmt_int(len(frame)))
        more = f'<p class="small">{escape_text(shown)}</p>'
    return Html(
        f'<table class="data">{cap}<thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>{more}"
    )


def _format_cell(value: object, spec: str | Callable[[Any], str] | None) -> str:
    if callable(spec):
        return spec(value)
    if spec is not None:
        return _FORMATS[spec](value)
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "–"
    if isinstance(value, float):
        return fmt_number(value)
    if isinstance(value, pd.Timestamp):
        return f"{value:%Y-%m-%d}" if current_language() == "en" else f"{value:%d.%m.%Y}"
    return str(value)


@dataclass(frozen=True)
class Card:
    """One KPI card: a label, a headline value, one plain sentence, and a tone."""

    label: str
    value: str
    sentence: str
    tone: str = "neutral"


def kpi_cards(cards: Sequence[Card]) -> Html:
    """Render KPI cards as a responsive grid; every text escaped."""
    items = "".join(
        f'<div class="card card-{_tone(c.tone)}"><div class="card-label">{escape_text(c.label)}</div>'
        f'<div class="card-value">{escape_text(c.value)}</div>'
        f'<div class="card-text">{escape_text(c.sentence, max_length=400)}</div></div>'
        for c in cards
    )
    return Html(f'<div class="cards">{items}</div>')


def verdict_badge(colour: str, text: str) -> Html:
    """Return a coloured verdict badge (colour: green, yellow, red, grey) with its text."""
    colour = colour if colour in {"green", "yellow", "red", "grey"} else "grey"
    return Html(
        f'<div class="verdict verdict-{colour}"><span class="dot"></span>'
        f"<strong>{escape_text(_(colour).upper())}</strong> {escape_text(text, max_length=600)}</div>"
    )


def _tone(tone: str) -> str:
    return tone if tone in {"good", "warn", "bad", "neutral", "info"} else "neutral"


def customer_labels(
    frame: pd.DataFrame, *, show_names: bool, salt: str, max_length: int = NAME_LENGTH
) -> pd.Series:
    """Return a display label per row: the customer's name when allowed, else a pseudonym.

    ``frame`` needs ``customer_id`` (and ``customer_name`` when names may be shown). The
    pseudonym is ``safety.pseudonym``: a keyed HMAC of ``salt`` (the unit) and the id under
    the project's secret key, the same on every run with that key. Labels are plain text;
    escaping happens when they reach HTML.
    """
    ids = frame["customer_id"]
    # the key is found once, not once per customer (finding it searches for the project root)
    key = pseudonym_key() if len(ids) else None
    if show_names and "customer_name" in frame.columns:
        names = frame["customer_name"].map(
            lambda n: clean_display_text(n, max_length=max_length), na_action="ignore"
        )
        fallback = pd.Series(pseudonyms(ids.tolist(), salt=salt, key=key), index=ids.index)
        labels = names.where(names.notna() & (names.astype("string") != ""), fallback)
        return labels.astype("string").rename("customer")
    # one list of Python ids (Arrow's own conversion), not a Series.map over Arrow scalars
    labels = pd.Series(pseudonyms(ids.tolist(), salt=salt, key=key), index=ids.index, dtype="string")
    return labels.rename("customer")
