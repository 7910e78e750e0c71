"""Run the feature queries on an embedded DuckDB engine, over a DataFrame or Parquet files.

The transactions are exposed to the query as a relation named ``source``: a pandas frame
is scanned in place (DuckDB reads its columns without copying them into a table), and a
Parquet file, directory or glob is scanned by DuckDB directly, so the transactions are
never materialised in pandas. Each call uses its own in-process connection: no global
state, and results are sorted by the query's ORDER BY.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pandas as pd

from insights.feature_sql import Query

#: What the feature functions accept as transactions.
Source = pd.DataFrame | str | os.PathLike


def is_parquet_source(source: object) -> bool:
    """Return True when ``source`` names Parquet data (a path) rather than a DataFrame."""
    return isinstance(source, str | os.PathLike)


def parquet_glob(source: str | os.PathLike) -> str:
    """Return the file or glob DuckDB scans for a Parquet file, directory or glob."""
    path = Path(source)
    if path.is_dir():
        return str(path / "**" / "*.parquet")
    if not any(ch in str(source) for ch in "*?[") and not path.exists():
        raise FileNotFoundError(f"Parquet transactions not found: {path}")
    return str(source)


def _attach_source(con: duckdb.DuckDBPyConnection, source: Source) -> None:
    if is_parquet_source(source):
        con.read_parquet(parquet_glob(source), hive_partitioning=True).create_view("source")
    else:
        con.register("source", source)


def source_columns(source: Source) -> list[str]:
    """Return the column names of a DataFrame or of Parquet data (its schema only)."""
    if not is_parquet_source(source):
        return [str(c) for c in source.columns]
    with duckdb.connect() as con:
        _attach_source(con, source)
        return [row[0] for row in con.execute("DESCRIBE source").fetchall()]


def run_duckdb(
    query: Query, *, source: Source, lookups: dict[str, pd.DataFrame] | None = None
) -> pd.DataFrame:
    """Run ``query`` on a fresh DuckDB connection with ``source`` and lookup tables attached.

    Parameters
    ----------
    query : Query
        Set-up statements, then a SELECT reading the relation ``source`` (and the lookup
        tables by name).
    source : DataFrame or path
        Transactions with canonical columns, or Parquet data with them.
    lookups : dict of str to DataFrame, optional
        Small tables registered under their key (e.g. ``service_lines``).

    Returns
    -------
    DataFrame
        The query's result.
    """
    with duckdb.connect() as con:
        _attach_source(con, source)
        for name, table in (lookups or {}).items():
            con.register(name, table)
        for statement in query.setup:
            con.execute(statement)
        return con.execute(query.select).df()
