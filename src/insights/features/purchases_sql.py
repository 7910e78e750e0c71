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


#: Columns of the purchase-windows result, in order: each customer's purchase days up to
#: the end ("now"), up to the calibration end ("cal_") and after it ("holdout_").
PURCHASE_WINDOW_COLUMNS = (
    *PURCHASE_DAY_COLUMNS, "cal_first_day", "cal_last_day", "cal_n_days", "cal_total_c",
    "cal_first_c", "holdout_n_days", "holdout_total_c",
)


def purchase_windows_sql(
    *, calibration_end: pd.Timestamp, end: pd.Timestamp, dialect: Dialect = DUCKDB
) -> Query:
    """Return one scan's purchase days up to ``end``, up to ``calibration_end`` and between.

    The three ``purchase_days_sql`` queries of lifetime value (``end=end``;
    ``end=calibration_end``; ``start=calibration_end, end=end``) in one pass: the rows are
    summed per customer and day once, with the day's calibration rows (``order_date <=
    calibration_end``) and holdout rows (after it) summed apart as well, NULL when the day
    has none (a day can hold both only when dates carry a time). A day is a purchase in a
    window when its rows in that window do not net to a return, as there. One row per
    customer with a purchase day up to ``end`` or up to ``calibration_end``:
    ``PURCHASE_DAY_COLUMNS`` for ``end`` (``n_days`` 0 and NULL days when it has none),
    ``cal_first_day``, ``cal_last_day``, ``cal_n_days``, ``cal_total_c``, ``cal_first_c``
    likewise for the calibration window, ``holdout_n_days`` and ``holdout_total_c`` (NULL
    without holdout rows); sorted by ``customer_id`` in code-point order.
    """
    cal = timestamp_literal(calibration_end)
    now_n = "SUM(CASE WHEN amount_c >= 0 THEN 1 ELSE 0 END)"
    cal_n = "SUM(CASE WHEN cal_c >= 0 THEN 1 ELSE 0 END)"
    text = f"""WITH purchase_rows AS (
  SELECT CAST(customer_id AS {dialect.text}) AS customer_id,
         CAST(order_date AS DATE) AS purchase_day,
         CASE WHEN order_date <= {cal} THEN 1 ELSE 0 END AS in_calibration,
         COALESCE({cents("amount", dialect)}, 0) AS amount_c
  FROM source WHERE customer_id IS NOT NULL AND order_date <= {timestamp_literal(end)}
),
purchase_days AS (
  SELECT customer_id, purchase_day, SUM(amount_c) AS amount_c,
         SUM(CASE WHEN in_calibration = 1 THEN amount_c END) AS cal_c,
         SUM(CASE WHEN in_calibration = 0 THEN amount_c END) AS holdout_c
  FROM purchase_rows GROUP BY customer_id, purchase_day
),
customers AS (
  SELECT customer_id,
         MIN(CASE WHEN amount_c >= 0 THEN purchase_day END) AS first_day,
         MAX(CASE WHEN amount_c >= 0 THEN purchase_day END) AS last_day,
         {now_n} AS n_days, SUM(amount_c) AS total_c,
         MIN(CASE WHEN cal_c >= 0 THEN purchase_day END) AS cal_first_day,
         MAX(CASE WHEN cal_c >= 0 THEN purchase_day END) AS cal_last_day,
         {cal_n} AS cal_n_days, SUM(cal_c) AS cal_total_c,
         SUM(CASE WHEN holdout_c >= 0 THEN 1 ELSE 0 END) AS holdout_n_days,
         SUM(holdout_c) AS holdout_total_c
  FROM purchase_days GROUP BY customer_id
  HAVING {now_n} > 0 OR {cal_n} > 0
)
SELECT c.customer_id, c.first_day, c.last_day, CAST(c.n_days AS BIGINT) AS n_days,
       CAST(c.total_c AS BIGINT) AS total_c, CAST(d.amount_c AS BIGINT) AS first_c,
       c.cal_first_day, c.cal_last_day, CAST(c.cal_n_days AS BIGINT) AS cal_n_days,
       CAST(c.cal_total_c AS BIGINT) AS cal_total_c, CAST(k.cal_c AS BIGINT) AS cal_first_c,
       CAST(c.holdout_n_days AS BIGINT) AS holdout_n_days,
       CAST(c.holdout_total_c AS BIGINT) AS holdout_total_c
FROM customers AS c
LEFT JOIN purchase_days AS d ON d.customer_id = c.customer_id AND d.purchase_day = c.first_day
LEFT JOIN purchase_days AS k ON k.customer_id = c.customer_id AND k.purchase_day = c.cal_first_day
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


def fetch_purchase_windows(
    source: Source, *, calibration_end: pd.Timestamp, end: pd.Timestamp, engine: str
) -> dict[str, pd.DataFrame]:
    """Run ``purchase_windows_sql`` on ``engine``; return each window as ``fetch_purchase_days`` would.

    Returns
    -------
    dict of str to DataFrame
        ``"now"`` (up to ``end``), ``"calibration"`` (up to ``calibration_end``) and
        ``"holdout"`` (after it, up to ``end``; only customers with a purchase day up to
        either end): each frame has ``PURCHASE_DAY_COLUMNS`` in the types of
        ``fetch_purchase_days``, the customers with a purchase day in that window, sorted
        by ``customer_id`` in code-point order. The holdout frame's ``first_day``,
        ``last_day`` and ``first_c`` are not computed (zero).
    """
    agg = run_sql(
        lambda dialect: purchase_windows_sql(calibration_end=calibration_end, end=end, dialect=dialect),
        engine=engine, source=source,
    )
    ids = agg["customer_id"].astype("str").to_numpy(dtype=object)
    if len(ids) > 1 and not bool((ids[1:] > ids[:-1]).all()):  # e.g. another collation
        order = np.argsort(ids, kind="stable")
        agg, ids = agg.iloc[order].reset_index(drop=True), ids[order]
    zeros = pd.Series(np.zeros(len(agg)), index=agg.index)
    columns = {
        "now": ("first_day", "last_day", "n_days", "total_c", "first_c"),
        "calibration": ("cal_first_day", "cal_last_day", "cal_n_days", "cal_total_c", "cal_first_c"),
    }
    frames = {name: _window(ids, *(agg[c] for c in cols)) for name, cols in columns.items()}
    held = agg["holdout_n_days"].fillna(0)
    frames["holdout"] = _window(ids, zeros, zeros, held, agg["holdout_total_c"].where(held > 0, 0),
                                zeros)
    return frames


def _window(ids: np.ndarray, first, last, n_days, total_c, first_c) -> pd.DataFrame:
    """One window's rows of the purchase-windows result: customers with a purchase day there."""
    n = pd.to_numeric(n_days).fillna(0).to_numpy(dtype=np.int64)
    bought = n > 0
    return pd.DataFrame(
        {
            "customer_id": ids[bought],
            "first_day": _day_numbers(first[bought]) if bought.any() else np.zeros(0, np.int64),
            "last_day": _day_numbers(last[bought]) if bought.any() else np.zeros(0, np.int64),
            "n_days": n[bought],
            "total_c": pd.to_numeric(total_c[bought]).to_numpy(dtype=np.float64),
            "first_c": pd.to_numeric(first_c[bought]).to_numpy(dtype=np.float64),
        }
    )


def fetch_margin_totals(
    source: Source, columns: set[str], *, as_of: pd.Timestamp, engine: str
) -> dict[str, float]:
    """Run ``margin_totals_sql`` on ``engine``; return its one row (missing sums as 0)."""
    row = run_sql(
        lambda dialect: margin_totals_sql(columns, as_of=as_of, dialect=dialect),
        engine=engine, source=source,
    ).iloc[0]
    return {name: 0.0 if pd.isna(value) else float(value) for name, value in row.items()}
