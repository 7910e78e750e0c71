"""Cell text and parse results shared by the value parsers (numbers, dates, flags)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


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
