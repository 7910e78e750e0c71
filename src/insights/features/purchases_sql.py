"""Lifetime value's transaction-level work as SQL, for transactions that are not in memory.

``clv_data`` summarises a DataFrame with NumPy. For Parquet data (by path) or a
``PostgresTable`` the same aggregates run as portable SQL through ``insights.engine.duckdb.run_sql``
-- on DuckDB, on Spark SQL or inside PostgreSQL -- and only one row per customer comes back.
Money is summed in whole hundredths (``feature_sql.cents``), as the NumPy path does, so
both paths give exactly the same numbers whatever the engine or the summation order.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from insights.engine.duckdb import Source, run_sql
from insights.features.sql import DUCKDB, Dialect, Query, cents, timestamp_literal

#: Columns of the purchase-days result, in order.
PURCHASE_DAY_COLUMNS = ("customer_id", "first_day", "last_day", "n_days", "total_c", "first_c")


def purchase_days_sql(
    *, start: pd.Timestamp | None = None, end: pd.Timestamp, dialect: Dialect = DUCKDB
) -> Query:
    """Return the query of each customer's purchase days in ``start < order_date <= end``.

    A purchase is a distinct day on which the customer's rows do not net to a return (a day
    of net returns is not a purchase; ``total_c`` still nets every row); the first day's
    amount is found by joining the days back on each customer's first day (portable, and
    faster on DuckDB than a ROW_NUMBER window). One row per customer with
    a non-missing id: ``first_day`` and ``last_day`` (DATE), ``n_days``, ``total_c`` (net
    amount in hundredths) and ``first_c`` (the first day's net amount in hundredths);
    missing amounts count as zero.
    """
    window = f"order_date <= {timestamp_literal(end)}"
    if start is not None:
        window = f"order_date > {timestamp_literal(start)} AND {window}"
    text = f"""WITH purchase_rows AS (
  SELECT CAST(customer_id AS {dialect.text}) AS customer_id,
         CAST(order_date AS DATE) AS purchase_day,
         COALESCE({cents("amount", dialect)}, 0) AS amount_c
  FROM source WHERE customer_id IS NOT NULL AND {window}
),
purchase_days AS (
  SELECT customer_id, purchase_day, SUM(amount_c) AS amount_c
  FROM purchase_rows GROUP BY customer_id, purchase_day
),
customers AS (
  SELECT customer_id,
         MIN(CASE WHEN amount_c >= 0 THEN purchase_day END) AS first_day,
         MAX(CASE WHEN amount_c >= 0 THEN purchase_day END) AS last_day,
         SUM(CASE WHEN amount_c >= 0 THEN 1 ELSE 0 END) AS n_days,
         SUM(amount_c) AS total_c
  FROM purchase_days GROUP BY customer_id
  HAVING SUM(CASE WHEN amount_c >= 0 THEN 1 ELSE 0 END) > 0
)
SELECT c.customer_id, c.first_day, c.last_day, CAST(c.n_days AS BIGINT) AS n_days,
       CAST(c.total_c AS BIGINT) AS total_c, CAST(d.amount_c AS BIGINT) AS first_c
FROM customers AS c JOIN purchase_days AS d
  ON d.customer_id = c.customer_id AND d.purchase_day = c.first_day
ORDER BY c.customer_id{dialect.collate}"""
    return Query(setup=(), select=text)


def margin_totals_sql(
    columns: set[str], *, as_of: pd.Timestamp, dialect: Dialect = DUCKDB
) -> Query:
    """Return the query of net revenue, margin and cost totals (hundredths) up to ``as_of``.

    One row: ``revenue_c``; for each of ``margin`` and ``cost`` present in ``columns``,
    ``<col>_c`` (its total) and ``<col>_rows`` (rows where it is not missing).
    """
    parts = [f"CAST(SUM({cents('amount', dialect)}) AS BIGINT) AS revenue_c"]
    for col in ("margin", "cost"):
        if col in columns:
            parts.append(f"CAST(SUM({cents(col, dialect)}) AS BIGINT) AS {col}_c")
            parts.append(f"CAST(COUNT({col}) AS BIGINT) AS {col}_rows")
    text = f"SELECT {', '.join(parts)} FROM source WHERE order_date <= {timestamp_literal(as_of)}"
    return Query(setup=(), select=text)


def _day_numbers(values: pd.Series) -> np.ndarray:
    """Return days since 1970-01-01 of DATE values (datetime64 or ``datetime.date``)."""
    stamps = pd.to_datetime(values).to_numpy(dtype="datetime64[ns]")
    return stamps.astype("datetime64[D]").astype(np.int64)


def fetch_purchase_days(
    source: Source, *, start: pd.Timestamp | None = None, end: pd.Timestamp, engine: str
) -> pd.DataFrame:
    """Run ``purchase_days_sql`` on ``engine`` and return its rows in NumPy-ready types.

    Returns
    -------
    DataFrame
        ``PURCHASE_DAY_COLUMNS``: ``customer_id`` (str), ``first_day`` and ``last_day``
        (int64 days since 1970-01-01), ``n_days`` (int64), ``total_c`` and ``first_c``
        (float64 whole hundredths); sorted by ``customer_id`` in code-point order.
    """
    agg = run_sql(
        lambda dialect: purchase_days_sql(start=start, end=end, dialect=dialect),
        engine=engine, source=source,
    )
    ids = agg["customer_id"].astype("str").to_numpy(dtype=object)
    out = pd.DataFrame(
        {
            "customer_id": ids,
            "first_day": _day_numbers(agg["first_day"]),
            "last_day": _day_numbers(agg["last_day"]),
            "n_days": agg["n_days"].to_numpy(dtype=np.int64),
            "total_c": agg["total_c"].to_numpy(dtype=np.float64),
            "first_c": agg["first_c"].to_numpy(dtype=np.float64),
        }
    )
    if len(ids) > 1 and not bool((ids[1:] > ids[:-1]).all()):  # e.g. another collation
        out = out.sort_values("customer_id", kind="stable", ignore_index=True)
    return out


def fetch_margin_totals(
    source: Source, columns: set[str], *, as_of: pd.Timestamp, engine: str
) -> dict[str, float]:
    """Run ``margin_totals_sql`` on ``engine``; return its one row (missing sums as 0)."""
    row = run_sql(
        lambda dialect: margin_totals_sql(columns, as_of=as_of, dialect=dialect),
        engine=engine, source=source,
    ).iloc[0]
    return {name: 0.0 if pd.isna(value) else float(value) for name, value in row.items()}
