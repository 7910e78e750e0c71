"""Purchase summaries for lifetime value: (x, t_x, T, m_x) per customer, and lifetime revenue.

A *purchase* here is a distinct day with any row of the customer (the amounts of one day are
summed), the convention of the BG/NBD and Gamma-Gamma literature and of ``lifetimes``: the
first day is the customer's birth, the later days are repeat purchases. Rows dated after the
as-of date are ignored, so a customer whose first purchase is later is left out.

Every summary is one SQL query (``features.purchases_sql``) run on ``insights.engine``:
DuckDB for a DataFrame or Parquet data by path, Spark for Parquet with ``engine="spark"``,
PostgreSQL for a ``PostgresTable``. Money is summed in whole hundredths, so every engine
gives exactly the same frames. The NumPy twin the tests check this against lives in
``tests/oracles.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from insights.engine.duckdb import Source, check_source
from insights.features.purchases_sql import (
    fetch_margin_totals,
    fetch_purchase_days,
    fetch_purchase_windows,
)
from insights.periods import TimeUnit, unit_days


@dataclass(frozen=True)
class _Days:
    """Per customer (sorted by id): first and last purchase day, days, totals in hundredths."""

    ids: np.ndarray
    first: np.ndarray  # int days since epoch
    last: np.ndarray
    n_days: np.ndarray
    total_c: np.ndarray  # float64 whole hundredths (exact sums)
    first_c: np.ndarray


def _purchase_days(transactions: Source, *, start=None, end, engine: str = "duckdb") -> _Days:
    """Aggregate rows in ``(start, end]`` to one purchase per customer and day.

    The models count days, as BG/NBD and ``lifetimes`` do. A purchase day is a day on
    which the customer's rows do not net to a return: a day of net returns is not a
    purchase, so a return never counts as a repeat purchase (a zero-amount day, such as
    CDNOW's free items, still does). ``total_c`` is the customer's net amount over every
    row in the window, returns included; customers without a purchase day are left out,
    and so are rows without a customer id.
    """
    return _as_days(fetch_purchase_days(transactions, start=start, end=end, engine=engine))


def _as_days(agg: pd.DataFrame) -> _Days:
    """``_Days`` of a ``fetch_purchase_days`` frame."""
    return _Days(
        ids=agg["customer_id"].to_numpy(dtype=object),
        first=agg["first_day"].to_numpy(),
        last=agg["last_day"].to_numpy(),
        n_days=agg["n_days"].to_numpy(),
        total_c=agg["total_c"].to_numpy(),
        first_c=agg["first_c"].to_numpy(),
    )


def _day_number(timestamp) -> int:
    return int(np.datetime64(pd.Timestamp(timestamp).normalize(), "D").astype(np.int64))


def summarize_purchases(
    transactions: Source,
    *,
    as_of,
    time_unit: TimeUnit = "week",
    calibration_end=None,
    engine: str = "duckdb",
) -> pd.DataFrame:
    """Summarise each customer's purchases as BG/NBD and Gamma-Gamma inputs.

    ``frequency`` x = purchase days - 1 (repeat purchases); ``recency`` t_x = last - first
    purchase day; ``T`` = as-of date - first purchase day (both in ``time_unit``, a week
    being 7 days); ``monetary_value`` m_x = mean amount of the repeat purchase days (the
    first day excluded; 0 when x = 0), as in Fader, Hardie & Lee (2005) and ``lifetimes``.

    Parameters
    ----------
    transactions : DataFrame, path or PostgresTable
        Canonical transactions (``customer_id``, ``order_date``, ``amount``): a DataFrame,
        Parquet data by path, or a PostgreSQL table.
    as_of : date-like
        End of the observation window (inclusive); with ``calibration_end`` it is the end
        of the holdout window.
    time_unit : {"week", "day"}
        Unit of recency, T and the holdout duration.
    calibration_end : date-like, optional
        When given, x, t_x, T and m_x are computed as of this date (customers first seen
        up to it) and ``frequency_holdout`` (purchase days in ``(calibration_end, as_of]``),
        ``monetary_value_holdout`` and ``duration_holdout`` are added.
    engine : {"duckdb", "spark"}
        Where the SQL runs ("spark": Parquet only); a PostgresTable runs in its database.

    Returns
    -------
    DataFrame
        One row per customer sorted by ``customer_id``: ``customer_id``,
        ``first_purchase_date``, ``frequency``, ``recency``, ``T``, ``monetary_value``.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "a"], "amount": [10.0, 4.0, 6.0],
    ...     "order_date": pd.to_datetime(["2024-01-01", "2024-01-08", "2024-01-08"])})
    >>> summarize_purchases(tx, as_of="2024-01-15").loc[0, ["frequency", "recency", "T"]].tolist()
    [1.0, 1.0, 2.0]
    """
    check_source(transactions, where="summarize_purchases", engine=engine)
    per = unit_days(time_unit)
    end = pd.Timestamp(as_of).normalize()
    cal_end = end if calibration_end is None else pd.Timestamp(calibration_end).normalize()
    if cal_end > end:
        raise ValueError(f"calibration_end {cal_end.date()} is after as_of {end.date()}.")
    summary = _summary(_purchase_days(transactions, end=cal_end, engine=engine), cal_end, per)
    if calibration_end is None:
        return summary
    return _add_holdout(summary, transactions, cal_end=cal_end, end=end, per=per, engine=engine)


def summarize_purchases_and_lifetime(
    transactions: Source, *, as_of, time_unit: TimeUnit = "week", engine: str = "duckdb"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return ``summarize_purchases`` and ``summarize_lifetime_revenue`` as of ``as_of`` from one scan.

    Both read the same purchase days up to ``as_of``; on a large unit the scan is the cost,
    so the report asks for both at once. The frames equal those of the two functions.

    >>> tx = pd.DataFrame({"customer_id": ["a", "a"], "amount": [10.0, 4.0],
    ...     "order_date": pd.to_datetime(["2024-01-01", "2024-01-08"])})
    >>> summary, lifetime = summarize_purchases_and_lifetime(tx, as_of="2024-01-15")
    >>> summary.loc[0, "frequency"], lifetime.loc[0, "lifetime_revenue"]
    (np.int64(1), np.float64(14.0))
    """
    check_source(transactions, where="summarize_purchases_and_lifetime", engine=engine)
    end = pd.Timestamp(as_of).normalize()
    days = _purchase_days(transactions, end=end, engine=engine)
    return _summary(days, end, unit_days(time_unit)), _lifetime(days)


def summarize_purchases_lifetime_and_holdout(
    transactions: Source, *, as_of, calibration_end, time_unit: TimeUnit = "week",
    engine: str = "duckdb",
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Return lifetime value's three purchase frames from one scan of the transactions.

    ``summarize_purchases_and_lifetime(as_of=as_of)`` (the summary and the lifetime
    revenue) and ``summarize_purchases(as_of=as_of, calibration_end=calibration_end)``
    (the holdout summary): the frames equal those of the separate calls, which read the
    purchase days three times (``features.purchases_sql.purchase_windows_sql``).

    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "a"], "amount": [10.0, 4.0, 6.0],
    ...     "order_date": pd.to_datetime(["2024-01-01", "2024-01-08", "2024-01-20"])})
    >>> summary, lifetime, held = summarize_purchases_lifetime_and_holdout(
    ...     tx, as_of="2024-01-22", calibration_end="2024-01-10")
    >>> summary.loc[0, "frequency"], lifetime.loc[0, "lifetime_revenue"], held.loc[0, "frequency_holdout"]
    (np.int64(2), np.float64(20.0), np.int64(1))
    """
    check_source(transactions, where="summarize_purchases_lifetime_and_holdout", engine=engine)
    per = unit_days(time_unit)
    end, cal_end = pd.Timestamp(as_of).normalize(), pd.Timestamp(calibration_end).normalize()
    if cal_end > end:
        raise ValueError(f"calibration_end {cal_end.date()} is after as_of {end.date()}.")
    windows = fetch_purchase_windows(transactions, calibration_end=cal_end, end=end, engine=engine)
    now = _as_days(windows["now"])
    held = _with_holdout(_summary(_as_days(windows["calibration"]), cal_end, per),
                         _as_days(windows["holdout"]), cal_end=cal_end, end=end, per=per)
    return _summary(now, end, per), _lifetime(now), held


def _summary(days: _Days, cal_end: pd.Timestamp, per: float) -> pd.DataFrame:
    """The BG/NBD summary (x, t_x, T, m_x) of ``days`` as of ``cal_end``, in units of ``per`` days."""
    frequency = days.n_days - 1
    repeat_total = (days.total_c - days.first_c) / 100.0
    return pd.DataFrame(
        {
            "customer_id": pd.array(days.ids, dtype="string"),
            "first_purchase_date": days.first.astype("datetime64[D]").astype("datetime64[ns]"),
            "frequency": frequency,
            "recency": (days.last - days.first) / per,
            "T": (_day_number(cal_end) - days.first) / per,
            "monetary_value": np.where(frequency > 0, repeat_total / np.maximum(frequency, 1), 0.0),
        }
    )


def _add_holdout(summary, transactions, *, cal_end, end, per, engine) -> pd.DataFrame:
    """Add holdout purchase days, their mean amount and the holdout duration."""
    holdout = _purchase_days(transactions, start=cal_end, end=end, engine=engine)
    return _with_holdout(summary, holdout, cal_end=cal_end, end=end, per=per)


def _with_holdout(summary, holdout: _Days, *, cal_end, end, per) -> pd.DataFrame:
    """Add the purchase days of ``holdout``, their mean amount and the holdout duration."""
    counts = pd.Series(holdout.n_days, index=pd.Index(holdout.ids, dtype="string"))
    totals = pd.Series(holdout.total_c / 100.0, index=counts.index)
    ids = summary["customer_id"]
    n = counts.reindex(ids).fillna(0).to_numpy(dtype=np.int64)
    total = totals.reindex(ids).fillna(0.0).to_numpy(dtype=float)
    return summary.assign(
        frequency_holdout=n,
        monetary_value_holdout=np.where(n > 0, total / np.maximum(n, 1), 0.0),
        duration_holdout=(end - cal_end).days / per,
    )


def calibration_end(as_of, *, holdout_quarters: int) -> pd.Timestamp:
    """Return the end of the calibration window: ``3 * holdout_quarters`` months before ``as_of``.

    A quarter end stays a quarter end.

    >>> calibration_end("2026-09-30", holdout_quarters=2)
    Timestamp('2026-03-31 00:00:00')
    """
    day = pd.Timedelta(days=1)
    return pd.Timestamp(as_of).normalize() + day - pd.DateOffset(months=3 * holdout_quarters) - day


def summarize_lifetime_revenue(
    transactions: Source, *, as_of, engine: str = "duckdb"
) -> pd.DataFrame:
    """Return each customer's historical lifetime revenue against the first purchase.

    ``lifetime_to_first`` = lifetime revenue / first-purchase revenue (NaN when the first
    purchase is not positive); the sources' argument for repeat customers is that this
    ratio is far above 1 for anyone who comes back. The first purchase is the first
    purchase day (all its rows).

    Parameters
    ----------
    transactions : DataFrame, path or PostgresTable
        Canonical transactions (as in ``summarize_purchases``).
    as_of : date-like
        Rows after it are ignored.
    engine : {"duckdb", "spark"}
        As in ``summarize_purchases``.

    Returns
    -------
    DataFrame
        ``customer_id``, ``first_purchase_date``, ``last_purchase_date``, ``purchase_days``,
        ``first_purchase_revenue``, ``repeat_revenue``, ``lifetime_revenue``,
        ``lifetime_to_first``; sorted by ``customer_id``.
    """
    check_source(transactions, where="summarize_lifetime_revenue", engine=engine)
    return _lifetime(_purchase_days(transactions, end=pd.Timestamp(as_of).normalize(), engine=engine))


def _lifetime(days: _Days) -> pd.DataFrame:
    """Lifetime revenue against the first purchase day, per customer of ``days``."""
    first, total = days.first_c / 100.0, days.total_c / 100.0
    return pd.DataFrame(
        {
            "customer_id": pd.array(days.ids, dtype="string"),
            "first_purchase_date": days.first.astype("datetime64[D]").astype("datetime64[ns]"),
            "last_purchase_date": days.last.astype("datetime64[D]").astype("datetime64[ns]"),
            "purchase_days": days.n_days,
            "first_purchase_revenue": first,
            "repeat_revenue": (days.total_c - days.first_c) / 100.0,
            "lifetime_revenue": total,
            "lifetime_to_first": np.where(first > 0, total / np.where(first > 0, first, 1), np.nan),
        }
    )


def estimate_margin_share(
    transactions: Source, *, as_of, engine: str = "duckdb"
) -> tuple[float | None, str]:
    """Return the base's margin share of revenue from the data, and where it came from.

    ``sum(margin) / sum(amount)`` when a ``margin`` column is present, else
    ``(sum(amount) - sum(cost)) / sum(amount)`` when ``cost`` is; ``None`` when neither is
    present or revenue is not positive. Rows after ``as_of`` are ignored; sums are exact
    (whole hundredths), so a DataFrame and the same rows in Parquet or PostgreSQL give the
    same share.
    """
    columns = check_source(transactions, where="estimate_margin_share", engine=engine)
    stamp = pd.Timestamp(as_of).normalize()
    totals = fetch_margin_totals(transactions, columns, as_of=stamp, engine=engine)
    revenue = totals["revenue_c"]
    if revenue <= 0:
        return None, "revenue is not positive, so no margin share can be computed"
    if totals.get("margin_rows", 0) > 0:
        return totals["margin_c"] / revenue, "the data's margin column"
    if totals.get("cost_rows", 0) > 0:
        return (revenue - totals["cost_c"]) / revenue, "the data's cost column"
    return None, "the data has no margin or cost"
