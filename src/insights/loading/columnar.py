"""Parquet inputs: the schema's types are checked against each canonical column, not trusted.

Text columns accept strings and whole numbers (ids stored as integers lose leading zeros:
noted); amounts accept numbers and strings (strings are parsed by cleaning like CSV text);
``order_date`` accepts dates, timestamps (wall-clock day kept) and strings, and numbers
only when declared Excel serials in ``source.excel_date_columns``; ``is_reference`` accepts
booleans, numbers and strings. Anything else is an error naming the column and its type.
"""

from __future__ import annotations

import io
from functools import partial

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pyarrow.types as pat

from insights.loading.table import LoadError, Table, unique_header

NUMERIC_TARGETS = ("amount", "cost", "margin", "discount")


def read_parquet(entry: str, data: bytes, source) -> tuple[Table, dict]:
    """Read Parquet bytes into a Table whose columns are converted on demand per target."""
    try:
        table = pq.read_table(io.BytesIO(data))
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise LoadError(f"{entry}: not a readable Parquet file ({exc}); check source.paths "
                        "and source.format.") from None
    header, duplicates = unique_header(table.column_names)
    result = Table(header=header, lines=range(1, table.num_rows + 1), duplicates=duplicates)
    result.converter = partial(_convert, entry, table, header, source, result.notes)
    return result, {}


def _convert(entry: str, table: pa.Table, header: list[str], source, notes: list[str],
             index: int, target: str) -> pd.Series:
    """Return column ``index`` as a pandas Series fit for ``target``, or raise LoadError."""
    column = table.column(index)
    kind = column.type
    if pat.is_dictionary(kind):
        column, kind = column.cast(kind.value_type), kind.value_type
    if pat.is_null(kind):
        return pd.Series([None] * len(column), dtype="object")
    if pat.is_string(kind) or pat.is_large_string(kind) or getattr(pat, "is_string_view", bool)(kind):
        return pd.Series(column.to_pylist(), dtype="str")
    converted = _typed(column, kind, target, source, notes, header[index])
    if converted is None:
        raise LoadError(f"{entry}: column {header[index]!r} (mapped to {target}) has Parquet "
                        f"type {kind}; {target} must be {_EXPECTED[_kind(target)]}. Fix the "
                        "export or map another column in column_map.")
    return converted


_EXPECTED = {
    "text": "text or whole numbers",
    "number": "numbers or text",
    "date": "dates, timestamps or text (numbers only when listed in source.excel_date_columns)",
    "flag": "booleans, numbers or text",
}


def _kind(target: str) -> str:
    """Return the kind of values a canonical column holds."""
    if target == "order_date":
        return "date"
    if target in NUMERIC_TARGETS:
        return "number"
    return "flag" if target == "is_reference" else "text"


def _typed(column, kind, target: str, source, notes: list[str], name: str) -> pd.Series | None:
    """Convert a non-string Parquet column for ``target``; None when the type is not allowed."""
    expected = _kind(target)
    numeric = pat.is_integer(kind) or pat.is_floating(kind) or pat.is_decimal(kind)
    if expected == "text" and (pat.is_integer(kind) or _whole_floats(column, kind)):
        notes.append(f"{name}: stored as numbers in Parquet; {target} is read as text "
                     "(leading zeros, if the ids had any, were already lost in the export)")
        return pd.Series(column.cast(pa.int64()).cast(pa.string()).to_pylist(), dtype="str")
    serial = target in source.excel_date_columns
    if numeric and (expected in ("number", "flag") or (expected == "date" and serial)):
        return pd.Series(column.cast(pa.float64()).to_numpy(zero_copy_only=False), dtype="float64")
    if pat.is_boolean(kind) and expected == "flag":
        return pd.Series(column.to_pylist(), dtype="object")
    if expected == "date" and (pat.is_timestamp(kind) or pat.is_date(kind)):
        if pat.is_timestamp(kind) and kind.tz is not None:
            column = pc.local_timestamp(column)
        values = column.cast(pa.timestamp("us")).to_numpy(zero_copy_only=False)
        return pd.Series(values, dtype="datetime64[us]")
    return None


def _whole_floats(column, kind) -> bool:
    """Return True for a float column whose non-null values are all whole numbers."""
    if not pat.is_floating(kind):
        return False
    values = column.drop_null().to_numpy(zero_copy_only=False)
    return bool(len(values)) and bool(((values % 1) == 0).all()) and bool(abs(values).max() < 2**53)
