"""Transactions -> per-customer features and the other transaction-level aggregates.

All transaction-level work of the analysis happens here (and in loading/cleaning), so a
faster engine replaces it in one place. Each public function takes canonical transactions
(a DataFrame, or for the DuckDB engine also Parquet data by path), works *as of* a date
(rows dated after it are ignored) and returns a new DataFrame.

Definitions (domain.md):

- A *purchase* is an order of a customer -- a distinct ``order_id``, or a distinct date for
  rows without one -- whose net amount (sum of its rows up to ``as_of``) is positive. A
  return booked under its own order id, or a fully returned order, is not a purchase; its
  negative amount still counts in revenue. The purchase date is the order's first date.
- Revenue is the net sum of ``amount`` (returns negative). Money is summed exactly in
  hundredths, so every engine and every run gives the same figures.

Engines (``insights.engine.duckdb``): ``"duckdb"`` (default) runs the one SQL definition in
``features.sql`` in process, over a DataFrame or Parquet files; ``"spark"`` runs the same
text with Spark SQL over Parquet; a ``PostgresTable`` source runs it inside PostgreSQL
(pushed down). The pandas twin of each query is a test oracle (``tests/reference.py``);
tests assert that every engine and the oracle give exactly the same frames.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from insights.engine.duckdb import Source, check_source, order_ids_complete, run_sql
from insights.engine.postgres import PostgresTable
from insights.features import sql as sql
from insights.params import FeatureParams, LifecycleParams
from insights.schema import OPTIONAL_TEXT, ContractError

#: Columns of the customer features frame, in order (descriptive ones only when present).
FEATURE_COLUMNS = (
    "customer_id",
    "first_purchase_date",
    "last_purchase_date",
    "recency_days",
    "tenure_days",
    "frequency",
    "purchases_window",
    "monetary_total",
    "monetary_mean",
    "revenue_12m",
    "revenue_prev_12m",
    "trend",
    "mean_gap_days",
    "product_line_count",
    "services_share",
    "online_share",
    "margin_total",
    "discount_total",
)
DESCRIPTIVE_COLUMNS = (*sql.PICKS, "is_reference")
YEAR = pd.Timedelta(days=365)


def line_bits(transactions: Source, columns: set[str], *, engine: str) -> pd.DataFrame | None:
    """Number the product lines as bits (``product_line``, ``bit`` = 2**i), or None.

    None when there is no product_line column or more than ``MAX_LINE_BITS`` lines: the
    query then counts lines with a DISTINCT pass instead.
    """
    if "product_line" not in columns:
        return None
    found = run_sql(lambda d: sql.distinct_values_sql("product_line", dialect=d), engine=engine,
                     source=transactions)
    lines = sorted(found["value"].astype("str"))
    if len(lines) > sql.MAX_LINE_BITS:
        return None
    bits = pd.Series([1 << i for i in range(len(lines))], dtype="int64")
    return pd.DataFrame({"product_line": pd.Series(lines, dtype="str"), "bit": bits})


def order_key(transactions: Source, columns: set[str], engine: str) -> str:
    """Return how the queries key orders (fewest keys giving the same orders)."""
    complete = (
        engine == "duckdb" and not isinstance(transactions, PostgresTable)
        and "order_id" in columns and order_ids_complete(transactions)
    )
    return sql.order_key_mode(columns, order_ids_complete=complete)


def _as_timestamp(as_of: object) -> pd.Timestamp:
    stamp = pd.Timestamp(as_of)
    if pd.isna(stamp):
        raise ContractError("as_of must be a date, got a missing value.")
    return stamp.normalize()


def _line_count(agg: pd.DataFrame) -> pd.Series:
    """Return product_line_count, counting the bits of product_line_mask when given."""
    if "product_line_count" in agg:
        return agg["product_line_count"].astype("int64")
    mask = agg["product_line_mask"].fillna(0).astype("int64").to_numpy().view("uint64")
    return pd.Series(np.bitwise_count(mask).astype("int64"), index=agg.index)


def _sorted_by_customer_quarter(agg: pd.DataFrame) -> bool:
    """Return True when rows are in (customer_id, quarter_id) order, code points first."""
    if len(agg) < 2:
        return True
    ids = pa.array(agg["customer_id"].astype("str"), type=pa.large_string())
    quarters = agg["quarter_id"].to_numpy()
    after, before = ids[1:], ids[:-1]  # UTF-8 byte order is code point order
    later = pc.greater(after, before).to_numpy(zero_copy_only=False)
    same = pc.equal(after, before).to_numpy(zero_copy_only=False)
    return bool((later | (same & (quarters[1:] > quarters[:-1]))).all())


def _money(cents: pd.Series) -> pd.Series:
    return cents.astype("float64") / 100.0


def _share(part: pd.Series, whole: pd.Series) -> pd.Series:
    part, whole = part.astype("float64"), whole.astype("float64")
    return (part / whole.where(whole > 0)).fillna(0.0)


def _lookup(column: str, values: list[str]) -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series(sorted(set(values)), dtype="str")})


def _finish_customer_features(
    agg: pd.DataFrame, *, as_of: pd.Timestamp, columns: set[str]
) -> pd.DataFrame:
    """Turn the engine's integer aggregates into the customer features frame."""
    first = pd.to_datetime(agg["first_purchase_date"]).astype("datetime64[ns]")
    last = pd.to_datetime(agg["last_purchase_date"]).astype("datetime64[ns]")
    frequency = agg["frequency"].astype("int64")
    r12, p12 = agg["revenue_12m_c"].astype("float64"), agg["revenue_prev_12m_c"].astype("float64")
    moved = r12.abs() + p12.abs()
    out = pd.DataFrame(
        {
            "customer_id": agg["customer_id"].astype("str"),
            "first_purchase_date": first,
            "last_purchase_date": last,
            "recency_days": ((as_of - last).dt.days).astype("float64"),
            "tenure_days": ((as_of - first).dt.days).astype("float64"),
            "frequency": frequency,
            "purchases_window": agg["purchases_window"].astype("int64"),
            "monetary_total": _money(agg["monetary_total_c"]),
            "monetary_mean": _money(agg["monetary_total_c"]) / frequency.where(frequency > 0),
            "revenue_12m": _money(r12),
            "revenue_prev_12m": _money(p12),
            "trend": ((r12 - p12) / moved.where(moved > 0)).fillna(0.0),
            "mean_gap_days": (last - first).dt.days.astype("float64")
            / (frequency - 1).where(frequency > 1),
            "product_line_count": _line_count(agg),
            "services_share": _share(agg["services_c"], agg["gross_c"]),
            "online_share": _share(agg["online_c"], agg["gross_c"]),
            "margin_total": _money(agg["margin_total_c"])
            if columns & {"margin", "cost"}
            else np.nan,
            "discount_total": _money(agg["discount_total_c"]) if "discount" in columns else np.nan,
        }
    )
    out[["margin_total", "discount_total"]] = out[["margin_total", "discount_total"]].astype(
        "float64"
    )
    for col in sql.PICKS:
        if col in columns:
            out[col] = agg[col].astype("str")
    if "is_reference" in columns:
        out["is_reference"] = agg["is_reference"].astype("int64") > 0
    return out.sort_values("customer_id", kind="stable").reset_index(drop=True)


def build_customer_features(
    transactions: Source,
    *,
    as_of: object,
    params: FeatureParams,
    lifecycle: LifecycleParams | None = None,
) -> pd.DataFrame:
    """Build one row of behavioural features per customer as of a date.

    Parameters
    ----------
    transactions : DataFrame, path or PostgresTable
        Canonical transactions (``customer_id``, ``order_date``, ``amount`` and optional
        columns); or a Parquet file/directory with them (DuckDB or Spark scans it, never
        loading it into pandas); or a ``engine_postgres.PostgresTable`` (the query runs in
        the database).
    as_of : date-like
        Analysis date; rows dated after it are ignored.
    params : FeatureParams
        ``service_product_lines``, ``online_channels`` and ``engine``.
    lifecycle : LifecycleParams, optional
        ``regular_window_days`` for ``purchases_window`` (default 180).

    Returns
    -------
    DataFrame
        One row per customer with any row on or before ``as_of``, sorted by ``customer_id``.
        ``recency_days = as_of - last purchase``; ``tenure_days = as_of - first purchase``
        (NaN for a customer with no purchase); ``frequency`` = purchases ever;
        ``purchases_window`` = purchases dated in (as_of - window, as_of];
        ``monetary_total`` = net revenue ever, ``monetary_mean`` = monetary_total /
        frequency; ``revenue_12m`` over (as_of - 365d, as_of], ``revenue_prev_12m`` over the
        365 days before; ``trend = (r12 - p12) / (|r12| + |p12|)`` (0 when both are 0);
        ``mean_gap_days = (last - first) / (frequency - 1)`` (NaN for one purchase);
        ``product_line_count`` = distinct product lines in positive rows;
        ``services_share`` / ``online_share`` = share of gross sales (positive rows) in the
        service product lines / online channels (0 without such rows or columns);
        ``margin_total`` = sum of margin, else of amount - cost (NaN without either);
        ``discount_total`` (NaN without a discount column). When present: ``customer_name``,
        ``customer_type``, ``region`` (latest row's), ``account_manager`` and ``unit`` (most
        revenue), ``acquisition_source`` (earliest row's), ``is_reference`` (any).
        Ties go to the smallest value. Recency/frequency/monetary after Fader, Hardie & Lee
        (2005), "RFM and CLV: Using Iso-Value Curves for Customer Base Analysis".
    """
    where = "build_customer_features"
    columns = check_source(transactions, where=where, engine=params.engine)
    stamp = _as_timestamp(as_of)
    window = (lifecycle or LifecycleParams()).regular_window_days
    cuts = {
        "window_start": stamp - pd.Timedelta(days=window),
        "year_start": stamp - YEAR,
        "prev_year_start": stamp - 2 * YEAR,
    }
    lookups = {
        "service_lines": _lookup("product_line", params.service_product_lines),
        "online_channels": _lookup("channel", params.online_channels),
        "line_bits": line_bits(transactions, columns, engine=params.engine),
    }
    agg = run_sql(
        lambda dialect: sql.customer_aggregates_sql(
            columns, as_of=stamp, services=bool(params.service_product_lines),
            online=bool(params.online_channels), dialect=dialect,
            line_bits=lookups["line_bits"] is not None,
            order_key=order_key(transactions, columns, params.engine), **cuts,
        ),
        engine=params.engine, source=transactions, lookups=lookups, arrow=True,
    )
    return _finish_customer_features(agg, as_of=stamp, columns=columns)


def revenue_by(
    transactions: Source,
    *,
    by: list[str],
    as_of: object,
    window_days: int = 365,
    offset_days: int = 0,
    engine: str = "duckdb",
) -> pd.DataFrame:
    """Sum net revenue per group of canonical columns over a trailing window.

    The window is ``(as_of - offset - window, as_of - offset]``: the trailing 12 months by
    default, the same window a year earlier with ``offset_days=365``.

    Parameters
    ----------
    transactions : DataFrame or path
        Canonical transactions, or Parquet data with them.
    by : list of str
        Canonical text columns to group by (e.g. ``["customer_id"]``,
        ``["account_manager"]``); rows with a missing key form their own group.
    as_of : date-like
        Analysis date.
    window_days, offset_days : int
        Window length and how far before ``as_of`` it ends.
    engine : {"duckdb", "spark"}
        Execution engine ("spark" needs Parquet data by path).

    Returns
    -------
    DataFrame
        The ``by`` columns (string) and ``revenue`` (float64), largest revenue first, ties
        by the keys.
    """
    _check_revenue_by(transactions, by=by, window_days=window_days, offset_days=offset_days,
                      engine=engine, where="revenue_by")
    end = _as_timestamp(as_of) - pd.Timedelta(days=offset_days)
    start = end - pd.Timedelta(days=window_days)
    agg = run_sql(
        lambda dialect: sql.revenue_by_sql(by=list(by), start=start, end=end, dialect=dialect),
        engine=engine, source=transactions,
    )
    return _finish_revenue_by(agg, by=list(by))


def _finish_revenue_by(agg: pd.DataFrame, *, by: list[str]) -> pd.DataFrame:
    """Keys as text and revenue in money, largest first, ties by the keys."""
    out = agg[by].astype("str").assign(revenue=_money(agg["revenue_c"]))
    return out.sort_values(
        ["revenue", *by], ascending=[False] + [True] * len(by), kind="stable"
    ).reset_index(drop=True)


def _check_revenue_by(transactions, *, by, window_days, offset_days, engine, where) -> None:
    columns = check_source(transactions, where=where, engine=engine)
    allowed = {"customer_id", *OPTIONAL_TEXT}
    bad = [c for c in by if c not in allowed]
    if not by or bad:
        raise ContractError(
            f"{where}: by must list canonical text columns ({sorted(allowed)}); got {by}."
        )
    missing = [c for c in by if c not in columns]
    if missing:
        raise ContractError(f"{where}: missing column(s) {', '.join(missing)} to group by.")
    if window_days < 1 or offset_days < 0:
        raise ContractError(f"{where}: window_days must be >= 1 and offset_days >= 0.")


def revenue_by_windows(
    transactions: Source,
    *,
    by: list[str],
    ends: list,
    window_days: int = 365,
    engine: str = "duckdb",
) -> list[pd.DataFrame]:
    """Return ``revenue_by`` for several window ends from one scan of the transactions.

    Frame ``i`` equals ``revenue_by(transactions, by=by, as_of=ends[i], window_days=...)``:
    the ``by`` columns and ``revenue``, largest first, ties by the keys. The SQL engines
    sum every window in one pass (a quarterly trend on a large unit reads the data once).
    """
    if not ends:
        return []
    _check_revenue_by(transactions, by=by, window_days=window_days, offset_days=0, engine=engine,
                      where="revenue_by_windows")
    windows = [(_as_timestamp(e) - pd.Timedelta(days=window_days), _as_timestamp(e)) for e in ends]
    agg = run_sql(
        lambda dialect: sql.revenue_windows_sql(by=list(by), windows=windows, dialect=dialect),
        engine=engine, source=transactions,
    )
    keys = agg[list(by)].astype("str")
    frames = []
    for i in range(len(ends)):
        cents = agg[f"revenue_c_{i}"]
        inside = cents.notna().to_numpy()
        frame = keys[inside].assign(revenue=_money(cents[inside]))
        frames.append(frame.sort_values("revenue", ascending=False, kind="stable")
                      .reset_index(drop=True))  # rows came in key order: ties stay by key
    return frames


def customer_quarter_activity(
    transactions: Source, *, as_of: object, engine: str = "duckdb"
) -> pd.DataFrame:
    """Count purchases and sum net revenue per customer and calendar quarter.

    Parameters
    ----------
    transactions : DataFrame or path
        Canonical transactions, or Parquet data with them.
    as_of : date-like
        Analysis date; quarters run up to the one containing it.
    engine : {"duckdb", "spark"}
        Execution engine ("spark" needs Parquet data by path).

    Returns
    -------
    DataFrame
        ``customer_id``, ``quarter`` (Period[Q-DEC]), ``purchases`` (int64, purchases dated
        in the quarter), ``revenue`` (float64, net revenue of the quarter's rows); one row
        per customer and quarter with any row, sorted by customer then quarter.
    """
    where = "customer_quarter_activity"
    columns = check_source(transactions, where=where, engine=engine)
    stamp = _as_timestamp(as_of)
    agg = _aggregate(transactions, columns, engine=engine, as_of=stamp,
                     sql_fn=sql.quarter_activity_sql, arrow=True)  # millions of text ids
    return _finish_quarter_activity(agg)


def _finish_quarter_activity(agg: pd.DataFrame) -> pd.DataFrame:
    """Quarter ids as Periods, sorted by customer then quarter, revenue in money."""
    agg = agg.assign(customer_id=agg["customer_id"].astype("str"), quarter_id=agg["quarter_id"].astype("int64"))
    if not _sorted_by_customer_quarter(agg):  # e.g. a database ordering by another collation
        agg = agg.sort_values(["customer_id", "quarter_id"], kind="stable")
    quarter_id = agg["quarter_id"].to_numpy()
    ordinals = (quarter_id // 10 - 1970) * 4 + quarter_id % 10 - 1  # Q-DEC ordinal: 1970Q1 = 0
    quarters = pd.PeriodIndex.from_ordinals(ordinals, freq="Q-DEC")
    return pd.DataFrame(
        {
            "customer_id": agg["customer_id"].array,
            "quarter": pd.Series(quarters),
            "purchases": agg["purchases"].astype("int64").to_numpy(),
            "revenue": _money(agg["revenue_c"]).to_numpy(),
        }
    )


def first_purchases(transactions: Source, *, as_of: object, engine: str = "duckdb") -> pd.DataFrame:
    """Return each buyer's first purchase, where it came from and its lifetime revenue.

    Parameters
    ----------
    transactions : DataFrame or path
        Canonical transactions, or Parquet data with them.
    as_of : date-like
        Analysis date.
    engine : {"duckdb", "spark"}
        Execution engine ("spark" needs Parquet data by path).

    Returns
    -------
    DataFrame
        One row per customer with at least one purchase, sorted by ``customer_id``:
        ``first_purchase_date``; ``first_purchase_amount`` (net of the purchases on that
        date); ``acquisition_source`` (earliest row's, missing when unknown);
        ``lifetime_revenue`` (net revenue up to ``as_of``, returns included).
    """
    where = "first_purchases"
    columns = check_source(transactions, where=where, engine=engine)
    stamp = _as_timestamp(as_of)
    agg = _aggregate(transactions, columns, engine=engine, as_of=stamp,
                     sql_fn=sql.first_purchases_sql)
    return _finish_first_purchases(agg)


def _finish_first_purchases(agg: pd.DataFrame) -> pd.DataFrame:
    """Dates as datetime64, money from hundredths, sorted by customer."""
    out = pd.DataFrame(
        {
            "customer_id": agg["customer_id"].astype("str"),
            "first_purchase_date": pd.to_datetime(agg["first_purchase_date"]).astype(
                "datetime64[ns]"
            ),
            "first_purchase_amount": _money(agg["first_purchase_c"]),
            "acquisition_source": agg["acquisition_source"].astype("str"),
            "lifetime_revenue": _money(agg["lifetime_c"]),
        }
    )
    return out.sort_values("customer_id", kind="stable").reset_index(drop=True)


def _aggregate(transactions, columns, *, engine: str, as_of: pd.Timestamp, sql_fn, arrow: bool = False):
    """Run one per-customer aggregation's SQL on ``engine`` (``arrow``: see ``run_duckdb``)."""
    return run_sql(
        lambda dialect: sql_fn(
            columns, as_of=as_of, dialect=dialect, order_key=order_key(transactions, columns, engine)
        ),
        engine=engine, source=transactions, arrow=arrow,
    )
