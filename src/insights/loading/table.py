"""A file read into a header and rows, before columns are mapped; shared by the readers."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pandas as pd


class LoadError(ValueError):
    """Raised when an input file cannot be read at all; the message names the file and the fix."""


_DATA_LIKE = re.compile(r"^\s*[-+(]?\d[\d\s.,/:\u00a0\u202f-]*\)?\s*$")


def looks_like_data(name: str) -> bool:
    """Return True when a header cell looks like a value (a number or a date), not a name."""
    return bool(_DATA_LIKE.match(str(name)))


def header_text(value: object) -> str:
    """Return a header cell as trimmed text (None -> '', 12.0 -> '12')."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).replace("\ufeff", "").split())


def unique_header(raw: Sequence[object]) -> tuple[list[str], dict[str, list[str]]]:
    """Name every column uniquely: blanks -> ``column_<k>``, repeats -> ``name#1``, ``name#2``.

    Returns the names and, for each repeated name, the names given to its copies (so that
    a column_map entry naming the repeated header can be refused as ambiguous).
    """
    names = [header_text(v) or f"column_{i + 1}" for i, v in enumerate(raw)]
    folded = [n.casefold() for n in names]
    counts = {f: folded.count(f) for f in set(folded)}
    seen: dict[str, int] = {}
    result: list[str] = []
    duplicates: dict[str, list[str]] = {}
    for name, key in zip(names, folded, strict=True):
        if counts[key] == 1:
            result.append(name)
            continue
        seen[key] = seen.get(key, 0) + 1
        result.append(f"{name}#{seen[key]}")
        duplicates.setdefault(name, []).append(result[-1])
    return result, duplicates


@dataclass(frozen=True)
class RowReject:
    """A record that could not be aligned with the header."""

    line: int
    raw: str
    rule: str
    reason: str
    fields: tuple = ()

    def as_reject(self, entry: str, positions: dict[str, int]) -> dict:
        """Return the quarantine record: lineage, rule, reason and the fields by position."""
        row = {"source_file": entry, "source_line": self.line, "column": "(row)",
               "raw_value": self.raw, "reason": self.reason, "rule": self.rule,
               "amount_value": float("nan")}
        for target, i in positions.items():
            row[target] = self.fields[i] if i < len(self.fields) else None
        return row


@dataclass(frozen=True)
class CellIssue:
    """A cell that makes its row unusable (an Excel formula without a cached value)."""

    row: int  # position in Table.rows
    column: int  # position in Table.header
    raw: str
    rule: str
    reason: str

    def as_reject(self, entry: str, header: str, values: pd.Series) -> dict:
        """Return the quarantine record with the row's mapped values."""
        row = {"source_file": entry, "source_line": int(values["source_line"]),
               "column": header, "raw_value": self.raw, "reason": self.reason,
               "rule": self.rule, "amount_value": float("nan")}
        return row | {k: v for k, v in values.items() if k not in ("source_file", "source_line")}


@dataclass
class Table:
    """A file's header, rows (or a column converter), physical lines and structural rejects.

    Every reader sets either ``rows`` (text and workbook readers) or ``converter`` (columnar
    and database readers) before the table's columns are read.
    """

    header: list[str]
    lines: Sequence[int]
    rows: list[list] | None = None
    converter: Callable[[int, str], pd.Series] | None = None
    dtype: str | None = None
    rejects: list[RowReject] = field(default_factory=list)
    cell_issues: list[CellIssue] = field(default_factory=list)
    duplicates: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    targets: list[str | None] = field(default_factory=list)
    _columns: list = field(default_factory=list, repr=False)

    def column(self, index: int, target: str) -> Sequence | pd.Series:
        """Return the values of column ``index``, converted for ``target`` where typed."""
        if self.converter is not None:
            return self.converter(index, target)
        if len(self._columns) != len(self.header):
            assert self.rows is not None, "a Table without a converter holds rows"
            self._columns = list(zip(*self.rows, strict=True)) or [()] * len(self.header)
        return list(self._columns[index])
