"""One worksheet from a frame: header, values, formats, widths, frozen header and filter.

Values are written as values (numbers, dates, strings): nothing is ever a formula, because
openpyxl writes a string starting with "=" as a formula, and every such text cell reaches here
neutralised (a leading quote) by ``safety.neutralize_frame``; ``write_sheet`` checks it again.
"""

from __future__ import annotations

import math
import numbers
from datetime import date, datetime

import numpy as np
import pandas as pd
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from insights.safety import neutralize_formula

#: Widest column, in characters (a long reasons column wraps in the cell instead).
MAX_WIDTH = 60
#: Number formats by kind (Excel codes: shown with the reader's own separators).
FORMATS = {"int": "#,##0", "number": "#,##0.00", "share": "0.0%"}
_SHARE_HINTS = ("_share", "_rate", "share", "p_alive", "probability")


def column_kind(name: str, values: pd.Series) -> str:
    """Return how a column is formatted: 'share', 'int', 'number', 'date' or 'text'.

    >>> column_kind("revenue_share", pd.Series([0.5])), column_kind("revenue_12m", pd.Series([1.5]))
    ('share', 'number')
    """
    if pd.api.types.is_bool_dtype(values):
        return "text"
    if pd.api.types.is_datetime64_any_dtype(values):
        return "date"
    if pd.api.types.is_integer_dtype(values):
        return "int"
    if pd.api.types.is_numeric_dtype(values):
        return "share" if any(hint in str(name).lower() for hint in _SHARE_HINTS) else "number"
    return "text"


def write_sheet(sheet, frame: pd.DataFrame, *, date_format: str, headers: list[str] | None = None) -> None:
    """Fill the openpyxl ``sheet`` with ``frame`` (header row first), formatted for reading."""

    names = headers or [str(c) for c in frame.columns]
    sheet.append([neutralize_formula(name) for name in names])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    kinds = [column_kind(str(c), frame[c]) for c in frame.columns]
    for record in frame.itertuples(index=False, name=None):
        sheet.append([_value(v) for v in record])
    for index, (kind, name) in enumerate(zip(kinds, names, strict=True), start=1):
        letter = get_column_letter(index)
        code = date_format if kind == "date" else FORMATS.get(kind)
        if code:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = code
        sheet.column_dimensions[letter].width = _width(name, frame.iloc[:, index - 1], kind)
    sheet.freeze_panes = "A2"
    if len(names):
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(names))}{max(len(frame) + 1, 1)}"


def _value(value: object) -> object:
    """Return a cell value openpyxl writes as data (never a formula)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return None if math.isnan(value) or math.isinf(value) else float(value)
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, datetime | date):
        return value
    return neutralize_formula(str(value))


def _width(name: str, values: pd.Series, kind: str) -> float:
    """Return a column width (characters) that fits the header and most values."""
    if kind in {"int", "number", "share", "date"}:
        longest = 14
    else:
        sample = [len(str(v)) for v in values.dropna().head(500).tolist()]
        longest = int(np.quantile(sample, 0.9)) if sample else 8
    return float(min(MAX_WIDTH, max(len(str(name)), longest, 6) + 2))
