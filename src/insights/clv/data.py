"""Purchase summaries for lifetime value: (x, t_x, T, m_x) per customer, and lifetime revenue.

A *purchase* here is a distinct day with any row of the customer (the amounts of one day are
summed), the convention of the BG/NBD and Gamma-Gamma literature and of ``lifetimes``: the
first day is the customer's birth, the later days are repeat purchases. Rows dated after the
as-of date are ignored, so a customer whose first purchase is later is left out.

Transactions are a DataFrame, summarised with NumPy whatever the engine, or -- for units
too large for memory -- Parquet data by path or a ``PostgresTable``, summarised by SQL
(``clv_sql``) on DuckDB, Spark or PostgreSQL. Money is summed in whole hundredths on both
paths, so they give exactly the same frames.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from insights.engine.duckdb import Source, check_source
from insights.features.purchases_sql import fetch_margin_totals, fetch_purchase_days
from insights.schema import require_columns

TimeUnit = Literal["day", "week"]

#: Days per time unit.
UNIT_DAYS = {"day": 1.0, "week": 7.0}

#: Days per month (a Julian year of 365.25 days over 12), for horizons given in months.
DAYS_PER_MONTH = 365.25 / 12


def unit_days(time_unit: str) -> float:
    """Return the number of days in ``time_unit`` ("day" or "week")."""
    if time_unit not in UNIT_DAYS:
        raise ValueError(f"time_unit must be 'day' or 'week', got {time_unit!r}.")
    return UNIT_DAYS[time_unit]


@dataclass(frozen=True)
class _Days:
    """Per customer (sorted by id): first and last purchase day, days, totals in hundredths."""

    ids: np.ndarray
    first: np.ndarray  # int days since epoch
    last: np.ndarray
    n_days: np.ndarray
    total_c: np.ndarray  # float64 whole hundredths (exact sums)
    first_c: np.ndarray


def _cents(values: pd.Series) -> np.ndarray:
    """Return money as float64 whole hundredths, missing as 0 (``feature_sql.cents``).

    Sums of whole numbers in floating point are exact below 2**53, hence independent of
    the summation order: the NumPy and SQL paths give the same totals.
    """
    cents = np.floor(values.to_numpy(dtype=float, na_value=np.nan) * 100 + 0.5)
    return np.nan_to_num(cents, nan=0.0)


def _purchase_days(transactions: Source, *, start=None, end, engine: str = "duckdb") -> _Days:
    """Aggregate rows in ``(start, end]`` to one purchase per customer and day.

    The models count days, as BG/NBD and ``lifetimes`` do. A purchase day is a day on
    which the customer's rows do not net to a return: a day of net returns is not a
    purchase, so a return never counts as a repeat purchase (a zero-amount day, such as
    CDNOW's free items, still does). ``total_c`` is the customer's net amount over every
    row in the window, returns included; customers without a purchase day are left out.
    A DataFrame is aggregated with NumPy; Parquet data or a PostgresTable by SQL on
    ``engine``. Rows without a customer id are left out on both paths.
    """
    if not isinstance(transactions, pd.DataFrame):
        agg = fetch_purchase_days(transactions, start=start, end=end, engine=engine)
        return _Days(
            ids=agg["customer_id"].to_numpy(dtype=object),
            first=agg["first_day"].to_numpy(),
            last=agg["last_day"].to_numpy(),
            n_days=agg["n_days"].to_numpy(),
            total_c=agg["total_c"].to_numpy(),
            first_c=agg["first_c"].to_numpy(),
        )
    return _frame_purchase_days(transactions, start=start, end=end)


def _frame_purchase_days(transactions: pd.DataFrame, *, start=None, end) -> _Days:
    """NumPy path of ``_purchase_days``: sort by (customer, day), then reduce runs."""
    dates = pd.to_datetime(transactions["order_date"])
    keep = dates.notna() & (dates <= end) & transactions["customer_id"].notna()
    if start is not None:
        keep &= dates > start
    day = dates[keep].to_numpy(dtype="datetime64[ns]").astype("datetime64[D]").astype(np.int64)
    amount = _cents(transactions.loc[keep, "amount"])
    codes, ids = pd.factorize(transactions.loc[keep, "customer_id"].astype(str), sort=True)
    span = int(day.max() - day.min()) + 1 if day.size else 1
    order = np.argsort(codes.astype(np.int64) * span + (day - (day.min() if day.size else 0)))
    codes, day, amount = codes[order], day[order], amount[order]
    new_day = np.ones(codes.size, dtype=bool)
    new_day[1:] = (codes[1:] != codes[:-1]) | (day[1:] != day[:-1])
    day_start = np.flatnonzero(new_day)
    day_amount = np.add.reduceat(amount, day_start) if codes.size else amount
    runs = np.flatnonzero(np.diff(codes, prepend=-1))  # each customer's first row
    net_c = np.add.reduceat(amount, runs) if codes.size else amount  # exact, in hundredths
    bought = day_amount >= 0  # a day of net returns is not a purchase
    day_code, day_value, day_amount = codes[day_start][bought], day[day_start][bought], day_amount[bought]
    new_cust = np.ones(day_code.size, dtype=bool)
    new_cust[1:] = day_code[1:] != day_code[:-1]
    cust_start = np.flatnonzero(new_cust)
    cust_end = np.append(cust_start[1:], day_code.size)[: cust_start.size] - 1
    customer = day_code[cust_start]  # customers with at least one purchase day
    return _Days(
        ids=np.asarray(ids, dtype=object)[customer],
        first=day_value[cust_start],
        last=day_value[cust_end],
        n_days=np.diff(np.append(cust_start, day_code.size)),
        total_c=net_c[customer],  # factor codes are 0..n-1 and every code has rows
        first_c=day_amount[cust_start],
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
    engine : {"duckdb", "spark", "pandas"}
        Where the SQL runs for a path ("spark": Parquet only); a DataFrame is summarised
        with NumPy ("duckdb" or "pandas"), a PostgresTable inside its database.

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
    days = _purchase_days(transactions, end=cal_end, engine=engine)
    frequency = days.n_days - 1
    repeat_total = (days.total_c - days.first_c) / 100.0
    summary = pd.DataFrame(
        {
            "customer_id": pd.array(days.ids, dtype="string"),
            "first_purchase_date": days.first.astype("datetime64[D]").astype("datetime64[ns]"),
            "frequency": frequency,
            "recency": (days.last - days.first) / per,
            "T": (_day_number(cal_end) - days.first) / per,
            "monetary_value": np.where(frequency > 0, repeat_total / np.maximum(frequency, 1), 0.0),
        }
    )
    if calibration_end is None:
        return summary
    return _add_holdout(summary, transactions, cal_end=cal_end, end=end, per=per, engine=engine)


def _add_holdout(summary, transactions, *, cal_end, end, per, engine) -> pd.DataFrame:
    """Add holdout purchase days, their mean amount and the holdout duration."""
    holdout = _purchase_days(transactions, start=cal_end, end=end, engine=engine)
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
    engine : {"duckdb", "spark", "pandas"}
        As in ``summarize_purchases``.

    Returns
    -------
    DataFrame
        ``customer_id``, ``first_purchase_date``, ``last_purchase_date``, ``purchase_days``,
        ``first_purchase_revenue``, ``repeat_revenue``, ``lifetime_revenue``,
        ``lifetime_to_first``; sorted by ``customer_id``.
    """
    check_source(transactions, where="summarize_lifetime_revenue", engine=engine)
    days = _purchase_days(transactions, end=pd.Timestamp(as_of).normalize(), engine=engine)
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
    (whole hundredths), so a DataFrame and the same rows in Parquet or PostgreSQL
    (``engine`` as in ``summarize_purchases``) give the same share.
    """
    columns = check_source(transactions, where="estimate_margin_share", engine=engine)
    stamp = pd.Timestamp(as_of).normalize()
    if isinstance(transactions, pd.DataFrame):
        totals = _frame_margin_totals(transactions, as_of=stamp)
    else:
        totals = fetch_margin_totals(transactions, columns, as_of=stamp, engine=engine)
    revenue = totals["revenue_c"]
    if revenue <= 0:
        return None, "revenue is not positive, so no margin share can be computed"
    if totals.get("margin_rows", 0) > 0:
        return totals["margin_c"] / revenue, "the data's margin column"
    if totals.get("cost_rows", 0) > 0:
        return (revenue - totals["cost_c"]) / revenue, "the data's cost column"
    return None, "the data has no margin or cost"


def _frame_margin_totals(transactions: pd.DataFrame, *, as_of: pd.Timestamp) -> dict[str, float]:
    """Return ``clv_sql.fetch_margin_totals``'s figures for a DataFrame, with NumPy."""
    rows = transactions.loc[pd.to_datetime(transactions["order_date"]) <= as_of]
    totals = {"revenue_c": float(_cents(rows["amount"]).sum())}
    for col in ("margin", "cost"):
        if col in rows:
            totals[f"{col}_c"] = float(_cents(rows[col]).sum())
            totals[f"{col}_rows"] = float(rows[col].notna().sum())
    return totals


#: Purchase-day buckets for the lifetime-vs-first-purchase comparison.
PURCHASE_BUCKETS = ((1, 1, "1"), (2, 2, "2"), (3, 5, "3-5"), (6, 10, "6-10"), (11, None, "11+"))


def summarize_lifetime_by_purchases(lifetime: pd.DataFrame) -> pd.DataFrame:
    """Return mean first-purchase and lifetime revenue per number of purchase days.

    ``lifetime`` is ``summarize_lifetime_revenue``. Buckets 1, 2, 3-5, 6-10, 11+ purchase
    days; columns ``purchases``, ``customers``, ``first_purchase_revenue`` (mean),
    ``lifetime_revenue`` (mean), ``lifetime_to_first`` (ratio of the two means),
    ``revenue_share`` (of all lifetime revenue). Empty buckets are left out.
    """
    require_columns(
        lifetime,
        ["purchase_days", "first_purchase_revenue", "lifetime_revenue"],
        where="summarize_lifetime_by_purchases",
    )
    total = float(lifetime["lifetime_revenue"].sum())
    rows = []
    for low, high, label in PURCHASE_BUCKETS:
        days = lifetime["purchase_days"]
        part = lifetime.loc[(days >= low) & (days <= (high if high is not None else days.max()))]
        if part.empty:
            continue
        first, life = part["first_purchase_revenue"].mean(), part["lifetime_revenue"].mean()
        rows.append(
            {
                "purchases": label,
                "customers": len(part),
                "first_purchase_revenue": first,
                "lifetime_revenue": life,
                "lifetime_to_first": life / first if first > 0 else np.nan,
                "revenue_share": part["lifetime_revenue"].sum() / total if total else np.nan,
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "purchases",
            "customers",
            "first_purchase_revenue",
            "lifetime_revenue",
            "lifetime_to_first",
            "revenue_share",
        ],
    )


def summarize_base_value(customers: pd.DataFrame, lifetime: pd.DataFrame) -> dict[str, float]:
    """Return the headline figures of the lifetime-value section as a dict.

    From ``lifetime`` (``summarize_lifetime_revenue``): ``customers``, ``repeat_buyer_share``,
    ``repeat_revenue_share`` (revenue after the first purchase day / all revenue),
    ``median_lifetime_to_first`` among repeat buyers. From ``customers`` when scored
    (``p_alive`` and ``clv`` present; NaN otherwise): ``total_clv``,
    ``total_expected_revenue``, ``total_expected_purchases``, ``likely_lost_share``
    (P(alive) < 0.5) and ``top20_clv_share`` (the top 20% of customers by CLV).
    """
    repeaters = lifetime["purchase_days"] > 1
    revenue = float(lifetime["lifetime_revenue"].sum())
    figures = {
        "customers": float(len(lifetime)),
        "repeat_buyer_share": float(repeaters.mean()) if len(lifetime) else np.nan,
        "repeat_revenue_share": float(lifetime["repeat_revenue"].sum()) / revenue
        if revenue > 0
        else np.nan,
        "median_lifetime_to_first": float(lifetime.loc[repeaters, "lifetime_to_first"].median())
        if repeaters.any()
        else np.nan,
    }
    scored = {"p_alive", "clv", "expected_revenue", "expected_purchases"} <= set(customers)
    clv = np.sort(customers["clv"].to_numpy(dtype=float))[::-1] if scored else np.array([])
    top = max(int(np.ceil(0.2 * clv.size)), 1)
    figures.update(
        total_clv=float(clv.sum()) if scored else np.nan,
        total_expected_revenue=float(customers["expected_revenue"].sum()) if scored else np.nan,
        total_expected_purchases=float(customers["expected_purchases"].sum()) if scored else np.nan,
        likely_lost_share=float((customers["p_alive"] < 0.5).mean()) if scored else np.nan,
        top20_clv_share=float(clv[:top].sum() / clv.sum()) if scored and clv.sum() > 0 else np.nan,
    )
    return figures
