"""SQL dialects and the query object every engine runs.

The feature queries (``insights.features.sql``) are plain, portable SQL; only type names
differ between DuckDB, Spark SQL and PostgreSQL, and they are passed in as a ``Dialect``.
Money is summed exactly in integer hundredths held in floats (``cents``); cut-off dates are
written as ``TIMESTAMP`` literals built from ``pandas.Timestamp`` objects only.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Dialect:
    """Names that differ between SQL engines (type names only)."""

    text: str = "VARCHAR"
    float: str = "DOUBLE"
    collate: str = ""  # appended to string sort keys: code-point order everywhere


DUCKDB = Dialect(text="VARCHAR")
SPARK = Dialect(text="STRING")
POSTGRES = Dialect(text="VARCHAR", float="DOUBLE PRECISION", collate=' COLLATE "C"')


def timestamp_literal(value: pd.Timestamp) -> str:
    """Return a portable SQL timestamp literal for a pandas Timestamp."""
    return f"TIMESTAMP '{pd.Timestamp(value):%Y-%m-%d %H:%M:%S}'"


def cents(expr: str, dialect: Dialect) -> str:
    """Return SQL turning money into whole hundredths, held in a float (exact below 2**53).

    Sums of whole numbers in floating point are exact, hence independent of order, while
    partial sums stay below 2**53 hundredths (9e13 currency units); a float sum state is
    half the width of the 128-bit integer sums engines use for BIGINT.
    """
    return f"CAST(FLOOR({expr} * 100 + 0.5) AS {dialect.float})"


@dataclass(frozen=True)
class Query:
    """Statements to run in order, then the SELECT whose rows are the result."""

    setup: tuple[str, ...]
    select: str
