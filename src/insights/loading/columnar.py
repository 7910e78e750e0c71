"""Parquet inputs: the schema's types are checked against each canonical column, not trusted.

Text columns accept strings and whole numbers (ids stored as integers lose leading zeros:
noted); amounts accept numbers and strings (strings are parsed by cleaning like CSV text);
``order_date`` accepts dates, timestamps (wall-clock day kept) and strings, and numbers
only when declared Excel serials in ``source.excel_date_columns``; ``is_reference`` accepts
booleans, numbers and strings. Anything else is an error naming the column and its type.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterator
from functools import partial
from pathlib import Path

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
    result.converter = partial(_convert, entry, table, header, source, result.notes, None)
    return result, {}


def stream_parquet(entry: str, path: Path, source,
                   batch_rows: int) -> tuple[Table, Iterator[Table], dict]:
    """Open a Parquet file for reading in batches of at most ``batch_rows`` rows.

    Returns the header (an empty Table), an iterator of Tables (at least one) and the
    ``sources`` extras. Columns are typed as ``read_parquet`` types them: whether a float
    column holds whole numbers (read as text ids) is decided once over the whole file.
    """
    try:
        parquet = pq.ParquetFile(path)
        names = parquet.schema_arrow.names
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise LoadError(f"{entry}: not a readable Parquet file ({exc}); check source.paths "
                        "and source.format.") from None
    header, duplicates = unique_header(names)
    notes: list[str] = []
    whole = _FileWide(parquet)
    return (Table(header=header, lines=[], duplicates=duplicates, notes=notes),
            _parquet_tables(entry, parquet, header, duplicates, source, notes, whole,
                            max(int(batch_rows), 1)), {})


def _parquet_tables(entry: str, parquet, header: list[str], duplicates: dict, source,
                    notes: list[str], whole, batch_rows: int) -> Iterator[Table]:
    """Yield one Table per record batch (an empty one for a file without rows)."""
    offset = 0
    batches = (b.slice(start, batch_rows) for b in parquet.iter_batches(batch_size=batch_rows)
               for start in range(0, b.num_rows, batch_rows))  # pyarrow may exceed batch_size
    for batch in itertools.chain(batches, [None] if parquet.metadata.num_rows == 0 else []):
        table = (pa.Table.from_batches([batch]) if batch is not None
                 else parquet.schema_arrow.empty_table())
        result = Table(header=header, lines=range(offset + 1, offset + table.num_rows + 1),
                       duplicates=duplicates, notes=notes)
        result.converter = partial(_convert, entry, table, header, source, notes, whole)
        offset += table.num_rows
        yield result


class _FileWide:
    """Per-column facts over a whole Parquet file, computed once on first use."""

    def __init__(self, parquet) -> None:
        self.parquet = parquet
        self.cache: dict[int, bool] = {}

    def __call__(self, index: int) -> bool:
        """Return True when column ``index`` is floats, all whole, over the whole file."""
        if index not in self.cache:
            count, whole = 0, True
            names = self.parquet.schema_arrow.names
            single = names.count(names[index]) == 1  # read only this column when unambiguous
            for batch in self.parquet.iter_batches(batch_size=1 << 16,
                                                   columns=[names[index]] if single else None):
                column = batch.column(0 if single else index)
                kind = column.type.value_type if pat.is_dictionary(column.type) else column.type
                values = column.cast(kind).drop_null().to_numpy(zero_copy_only=False)
                count += len(values)
                whole = whole and pat.is_floating(kind) and bool(((values % 1) == 0).all()) \
                    and (not len(values) or bool(abs(values).max() < 2**53))
            self.cache[index] = whole and count > 0
        return self.cache[index]


def _convert(entry: str, table: pa.Table, header: list[str], source, notes: list[str],
             whole, index: int, target: str) -> pd.Series:
    """Return column ``index`` as a pandas Series fit for ``target``, or raise LoadError.

    ``whole(index)`` says whether a float column holds only whole numbers over the whole
    file (streaming); None: look at this table's column.
    """
    column = table.column(index)
    kind = column.type
    if pat.is_dictionary(kind):
        column, kind = column.cast(kind.value_type), kind.value_type
    if pat.is_null(kind):
        return pd.Series([None] * len(column), dtype="object")
    if pat.is_string(kind) or pat.is_large_string(kind) or getattr(pat, "is_string_view", bool)(kind):
        return pd.Series(column.to_pylist(), dtype="str")
    if whole is None:
        is_whole = partial(_whole_floats, column, kind)
    else:
        is_whole = partial(lambda i: pat.is_floating(kind) and whole(i), index)
    converted = _typed(column, kind, target, source, notes, header[index], is_whole)
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


def _typed(column, kind, target: str, source, notes: list[str], name: str,
           whole) -> pd.Series | None:
    """Convert a non-string Parquet column for ``target``; None when the type is not allowed.

    ``whole()`` says whether the column is floats holding only whole numbers.
    """
    expected = _kind(target)
    numeric = pat.is_integer(kind) or pat.is_floating(kind) or pat.is_decimal(kind)
    if expected == "text" and (pat.is_integer(kind) or whole()):
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
