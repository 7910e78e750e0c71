"""Column-level reading decisions that must never be guessed silently.

A date such as ``03/04/2025`` or an amount such as ``1.234`` reads two ways. These checks
look at the whole column (the whole batch when streaming): a column whose values show one
reading is read that way, with the values whose reading depended on it counted; a column
that shows the other reading than the params, or both, is refused with ``InputError``
naming the file, the line, the value and the param that settles it. Plausibility: amounts
that are placeholders (``999 999 999 999,00``) or outside a range (params, or derived from
the column's own distribution) are flagged for rejection with a reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from insights.cleaning.rules import InputError

_DMY = re.compile(r"([0-9]{1,2})([./-])([0-9]{1,2})\2([0-9]{2}|[0-9]{4})")
_TIME = r"(?:[T ]|\s+)\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2})?$"
#: Smallest all-nines amount taken for a placeholder (999 999 999): below it, a price such
#: as 999 999 can be real.
PLACEHOLDER_MIN = 999_999_999
#: The derived plausible range: this many times the 99th percentile of absolute amounts.
RANGE_FACTOR = 1000
#: Amounts needed before a range is derived from them.
RANGE_MIN_VALUES = 20


def _examples(mask: pd.Series, text: pd.Series, files: pd.Series, lines: pd.Series) -> list[str]:
    """Return up to two "'value' (file line N)" examples of the rows in ``mask``."""
    rows = mask[mask].index[:2]
    return [f"'{text[i]}' ({files[i]} line {lines[i]})" for i in rows]


@dataclass
class Evidence:
    """What a column's values show about a two-way reading; batches add up (``merge``).

    ``counts[kind]`` is how many values show ``kind``; ``examples[kind]`` up to two of them.
    Dates: ``dmy`` (only day-first reads), ``mdy`` (only month-first), ``either`` (both
    read, differently). Numbers: ``lone.`` / ``lone,`` (``1.234`` / ``1,234``) and
    ``grouped.`` / ``grouped,`` (the mark surely groups thousands: ``1.234,5``).
    """

    counts: dict[str, int] = field(default_factory=dict)
    examples: dict[str, list[str]] = field(default_factory=dict)

    def add(self, kind: str, mask: pd.Series, text: pd.Series, files: pd.Series,
            lines: pd.Series) -> None:
        """Count the values in ``mask`` as showing ``kind``; keep the first examples."""
        n = int(mask.sum())
        if n:
            self.counts[kind] = self.counts.get(kind, 0) + n
            shown = self.examples.setdefault(kind, [])
            shown += _examples(mask, text, files, lines)[: 2 - len(shown)]

    def merge(self, other: Evidence) -> Evidence:
        """Add another batch's evidence (in file order); return self."""
        for kind, n in other.counts.items():
            self.counts[kind] = self.counts.get(kind, 0) + n
            shown = self.examples.setdefault(kind, [])
            shown += other.examples.get(kind, [])[: 2 - len(shown)]
        return self

    def shows(self, kind: str) -> bool:
        """Return True when some value shows ``kind``."""
        return self.counts.get(kind, 0) > 0

    def cite(self, kind: str) -> str:
        """Return the examples of ``kind`` for a message."""
        return ", ".join(self.examples.get(kind, []))


def written(values: pd.Series, text: pd.Series) -> pd.Series:
    """Return ``text`` where the cell was written as text ('' for typed numbers and dates)."""
    if pd.api.types.is_string_dtype(values.dtype) and values.dtype != object:
        return text
    if values.dtype == object:
        return text.where(values.map(lambda v: isinstance(v, str)).astype(bool), "")
    return pd.Series("", index=text.index, dtype="str")


def date_order_evidence(text: pd.Series, files: pd.Series, lines: pd.Series) -> Evidence:
    """Return which dates of a column only read day first, only month first, or both ways."""
    evidence = Evidence()
    parts = text.str.replace(_TIME, "", regex=True).str.extract(_DMY.pattern + "$")
    if parts.empty or parts[0].isna().all():
        return evidence
    first, second = pd.to_numeric(parts[0]), pd.to_numeric(parts[2])
    evidence.add("mdy", (first <= 12) & (second > 12) & (second <= 31), text, files, lines)
    evidence.add("dmy", (second <= 12) & (first > 12) & (first <= 31), text, files, lines)
    evidence.add("either", (first <= 12) & (second <= 12) & (first != second), text, files, lines)
    return evidence


def judge_date_order(evidence: Evidence, *, date_format: str | None, dayfirst: bool) -> int:
    """Return how many dates read differently day-first and month-first; refuse conflicts.

    Raises
    ------
    InputError
        Some dates only read month-first while ``source.dayfirst`` is true (or only
        day-first while it is false), or the column holds both kinds.
    """
    if date_format:
        return 0
    if evidence.shows("mdy") and evidence.shows("dmy"):
        raise InputError(
            f"order_date reads both ways: {evidence.cite('dmy')} only read day first, "
            f"{evidence.cite('mdy')} only month first. Fix the export, or set "
            "source.date_format to the one order that is right (e.g. '%d.%m.%Y' or "
            "'%m/%d/%Y'); dates of the other order are then rejected.")
    wrong, setting, order = ("mdy", "false", "month") if dayfirst else ("dmy", "true", "day")
    if evidence.shows(wrong):
        raise InputError(
            f"order_date is written {order} first: {evidence.cite(wrong)} cannot be read "
            f"otherwise, but source.dayfirst is {str(dayfirst).lower()}. Set "
            f"source.dayfirst: {setting} (or source.date_format) and run again.")
    return evidence.counts.get("either", 0)


def thousands_evidence(text: pd.Series, files: pd.Series, lines: pd.Series) -> Evidence:
    """Return which values hold a lone thousands-like group and which surely group thousands."""
    evidence = Evidence()
    # each shape below holds a mark, three digits, then a mark or the end: one search finds
    # the few values that may match, and only those are matched four times
    maybe = text.str.contains(r"[.,][0-9]{3}(?:[.,]|$)")
    if not maybe.any():
        return evidence
    text, files, lines = text[maybe], files[maybe], lines[maybe]
    sign = "[-\u2212]?"  # the minus sign itself, not an escape: pandas then matches with Arrow
    for mark in (".", ","):
        m, other = re.escape(mark), re.escape("," if mark == "." else ".")
        evidence.add(f"lone{mark}", text.str.fullmatch(rf"{sign}[0-9]{{1,3}}{m}[0-9]{{3}}"),
                     text, files, lines)
        evidence.add(f"grouped{mark}", text.str.fullmatch(
            rf"{sign}[0-9]{{1,3}}(?:{m}[0-9]{{3}}){{2,}}(?:{other}[0-9]+)?"
            rf"|{sign}[0-9]{{1,3}}(?:{m}[0-9]{{3}})+{other}[0-9]+"), text, files, lines)
    return evidence


def decimal_used(decimal: str, note: str | None) -> str | None:
    """Return the decimal mark a column was read with (None: no value decided)."""
    if decimal != "auto":
        return decimal
    return "," if note and "comma" in note else "." if note and "point" in note else None


def judge_thousands(evidence: Evidence, *, column: str, used: str | None, thousands: str) -> int:
    """Return how many values were read with a lone thousands group (``1.234`` = 1234).

    Only with ``source.thousands: auto``: a value like ``1.234`` in a decimal-comma column
    (or ``1,234`` in a decimal-point one, or either when no value shows the decimal mark)
    is a thousands group only when other values of the column group thousands with that
    mark (``1.234,5``, ``1.234.567``); otherwise the column is refused.
    """
    if thousands != "auto":
        return 0
    counted = 0
    for mark in (m for m in (".", ",") if m != used):
        if not evidence.shows(f"lone{mark}"):
            continue
        if used is None or not evidence.shows(f"grouped{mark}"):
            name = "dot" if mark == "." else "comma"
            raise InputError(
                f"{column} {evidence.cite('lone' + mark)} reads two ways: a {name} grouping "
                f"thousands or a decimal {name}, and no other value decides. Set "
                f"source.thousands: '{mark}' if it groups thousands, or source.decimal: "
                f"'{mark}' if it is the decimal mark.")
        counted += evidence.counts[f"lone{mark}"]
    return counted


def placeholder_amounts(amounts: pd.Series) -> pd.Series:
    """Return where an amount is a placeholder: whole and all nines (999 999 999 and up)."""
    size = amounts.abs()
    whole = np.isfinite(size) & (size >= PLACEHOLDER_MIN) & (size == np.floor(size))
    found = pd.Series(False, index=amounts.index)
    if whole.any():
        found[whole] = [set(f"{v:.0f}") == {"9"} for v in size[whole]]
    return found


def plausible_range(amounts: pd.Series, *, low: float | None,
                    high: float | None) -> tuple[float | None, float | None, bool]:
    """Return (low, high, derived): the params' bounds, or derived from the amounts.

    A missing bound is ``RANGE_FACTOR`` times the 99th percentile of the absolute amounts
    (placeholders left out), negative for the low one, when at least ``RANGE_MIN_VALUES``
    amounts are given; else there is none.
    """
    if low is not None and high is not None:
        return low, high, False
    values = amounts[np.isfinite(amounts) & ~placeholder_amounts(amounts)].abs()
    if len(values) < RANGE_MIN_VALUES or values.quantile(0.99) <= 0:
        return low, high, False
    bound = float(RANGE_FACTOR * values.quantile(0.99))
    return (-bound if low is None else low), (bound if high is None else high), True
