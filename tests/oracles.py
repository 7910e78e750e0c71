"""Test oracles: the pandas/NumPy twins of the SQL aggregates in ``insights.features``.

The library computes every transaction-level aggregate once, in SQL (DuckDB, Spark,
PostgreSQL). These twins compute the same figures a second, independent way; the tests
assert that the SQL gives exactly the same frames. They are not part of the package.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

from insights.features import customers
from insights.params import LifecycleParams

from reference import (  # noqa: F401 -- the pandas twins of features.sql
    customer_aggregates,
    first_purchases,
    quarter_activity,
    revenue_by,
)


def _cents(values: pd.Series) -> np.ndarray:
    """Return money as float64 whole hundredths, missing as 0 (``engine.dialect.cents``).

    Sums of whole numbers in floating point are exact below 2**53, hence independent of
    the summation order: the NumPy and SQL paths give the same totals.
    """
    cents = np.floor(values.to_numpy(dtype=float, na_value=np.nan) * 100 + 0.5)
    return np.nan_to_num(cents, nan=0.0)


def purchase_days(transactions: pd.DataFrame, *, start=None, end) -> pd.DataFrame:
    """NumPy twin of ``features.purchases_sql.fetch_purchase_days``: sort, then reduce runs."""
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
    return pd.DataFrame(
        {
            "customer_id": np.asarray(ids, dtype=object)[customer],
            "first_day": day_value[cust_start],
            "last_day": day_value[cust_end],
            "n_days": np.diff(np.append(cust_start, day_code.size)).astype(np.int64),
            "total_c": net_c[customer],  # factor codes are 0..n-1 and every code has rows
            "first_c": day_amount[cust_start],
        }
    )


def margin_totals(transactions: pd.DataFrame, *, as_of: pd.Timestamp) -> dict[str, float]:
    """NumPy twin of ``features.purchases_sql.fetch_margin_totals`` (only present columns)."""
    rows = transactions.loc[pd.to_datetime(transactions["order_date"]) <= as_of]
    totals = {"revenue_c": float(_cents(rows["amount"]).sum())}
    for col in ("margin", "cost"):
        if col in rows:
            totals[f"{col}_c"] = float(_cents(rows[col]).sum())
            totals[f"{col}_rows"] = float(rows[col].notna().sum())
    return totals




# --- the feature functions on the pandas twins, finished by the library's own code ----------


def _stamp(as_of) -> pd.Timestamp:
    return pd.Timestamp(as_of).normalize()


def build_customer_features(transactions, *, as_of, params, lifecycle=None, engine=None):
    """``features.build_customer_features`` with the aggregation done by the pandas twin."""
    stamp = _stamp(as_of)
    window = (lifecycle or LifecycleParams()).regular_window_days
    agg = customer_aggregates(
        transactions,
        as_of=stamp,
        service_lines=params.service_product_lines,
        online_channels=params.online_channels,
        window_start=stamp - pd.Timedelta(days=window),
        year_start=stamp - customers.YEAR,
        prev_year_start=stamp - 2 * customers.YEAR,
    )
    columns = {str(c) for c in transactions.columns}
    return customers._finish_customer_features(agg, as_of=stamp, columns=columns)


def revenue_by_oracle(transactions, *, by, as_of, window_days=365, offset_days=0, engine=None):
    """``features.revenue_by`` with the sums done by the pandas twin."""
    end = _stamp(as_of) - pd.Timedelta(days=offset_days)
    agg = revenue_by(transactions, by=list(by), start=end - pd.Timedelta(days=window_days), end=end)
    return customers._finish_revenue_by(agg, by=list(by))


def customer_quarter_activity(transactions, *, as_of, engine=None):
    """``features.customer_quarter_activity`` with the sums done by the pandas twin."""
    return customers._finish_quarter_activity(quarter_activity(transactions, as_of=_stamp(as_of)))


def first_purchases_oracle(transactions, *, as_of, engine=None):
    """``features.first_purchases`` with the aggregation done by the pandas twin."""
    return customers._finish_first_purchases(first_purchases(transactions, as_of=_stamp(as_of)))


def features_on(engine: str) -> SimpleNamespace:
    """The feature functions on ``engine``: "pandas" gives these oracles, else the library's."""
    if engine == "pandas":
        return SimpleNamespace(
            build_customer_features=build_customer_features,
            revenue_by=revenue_by_oracle,
            customer_quarter_activity=customer_quarter_activity,
            first_purchases=first_purchases_oracle,
        )
    return SimpleNamespace(
        build_customer_features=lambda tx, *, params, **kw: customers.build_customer_features(
            tx, params=params.model_copy(update={"engine": engine}), **kw
        ),
        revenue_by=lambda tx, **kw: customers.revenue_by(tx, **{**kw, "engine": engine}),
        customer_quarter_activity=lambda tx, **kw: customers.customer_quarter_activity(
            tx, **{**kw, "engine": engine}
        ),
        first_purchases=lambda tx, **kw: customers.first_purchases(tx, **{**kw, "engine": engine}),
    )
