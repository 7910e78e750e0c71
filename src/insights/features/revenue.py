"""Trailing net revenue per group: per customer, manager, mix dimension, unit and quarter end.

Each function sums the canonical transactions over trailing windows with
``insights.features.customers.revenue_by`` / ``revenue_by_windows`` (one SQL definition,
run on DuckDB, Spark or PostgreSQL) and returns the small per-group frames the analyses
take: ``concentration``, ``key_person`` and ``mix`` never see transactions.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from insights.engine.duckdb import Source, count_values, order_date_bounds, require_source_columns
from insights.features.customers import revenue_by, revenue_by_windows
from insights.periods import previous_quarters, quarter_end, year_earlier
from insights.schema import MIX_DIMENSIONS, UNASSIGNED, UNKNOWN


def trailing_revenue(
    transactions: Source,
    *,
    by: Sequence[str],
    as_of,
    window_days: int = 365,
    engine: str = "duckdb",
    missing_label: str | None = None,
) -> pd.DataFrame:
    """Return net revenue per group over (as_of − window_days, as_of] as a flat frame.

    Delegates to ``revenue_by`` (the one place transactions are aggregated);
    ``transactions`` is a DataFrame, Parquet data by path or a database table. Returns the
    ``by`` columns plus ``revenue``, largest first. With ``missing_label``, rows whose key
    is missing are counted under that label (merged with a group of the same name, if any).
    """
    require_source_columns(
        transactions, ["customer_id", "order_date", "amount", *by], where="trailing_revenue"
    )
    result = revenue_by(
        transactions, by=list(by), as_of=as_of, window_days=window_days, engine=engine
    )[[*by, "revenue"]]
    if missing_label is None or not result[list(by)].isna().any().any():
        return result.reset_index(drop=True)
    filled = result.astype({c: "string" for c in by}).fillna(dict.fromkeys(by, missing_label))
    merged = filled.groupby(list(by), sort=False, as_index=False)["revenue"].sum()
    return merged.astype({c: "str" for c in by}).sort_values(
        ["revenue", *by], ascending=[False] + [True] * len(by), kind="stable"
    ).reset_index(drop=True)


def dimension_revenue(
    transactions: Source,
    *,
    dimension: str,
    as_of,
    window_days: int = 365,
    engine: str = "duckdb",
) -> pd.Series:
    """Return trailing net revenue per value of ``dimension``; missing values -> ``UNKNOWN``."""
    require_source_columns(transactions, [dimension], where="dimension_revenue")
    flat = trailing_revenue(
        transactions, by=[dimension], as_of=as_of, window_days=window_days, engine=engine,
        missing_label=UNKNOWN,
    )
    return flat.set_index(dimension)["revenue"]


def mix_revenue(
    transactions: Source,
    *,
    as_of,
    dimensions: Sequence[str] = MIX_DIMENSIONS,
    window_days: int = 365,
    engine: str = "duckdb",
) -> dict[str, tuple[pd.Series, pd.Series]]:
    """Return trailing revenue per value, now and a year earlier, for each dimension present.

    A dimension is present when the data has at least one non-missing value of it; the
    year-earlier window ends on the same day a year before ``as_of`` (a quarter end maps
    to the same quarter end). Returns ``{dimension: (now, year_ago)}`` in ``dimensions``
    order, each a ``dimension_revenue`` Series.
    """
    require_source_columns(
        transactions, ["customer_id", "order_date", "amount"], where="mix_revenue"
    )
    counts = count_values(transactions, list(dimensions), engine=engine)
    year_ago = year_earlier(as_of)
    return {
        dimension: (
            dimension_revenue(transactions, dimension=dimension, as_of=as_of,
                              window_days=window_days, engine=engine),
            dimension_revenue(transactions, dimension=dimension, as_of=year_ago,
                              window_days=window_days, engine=engine),
        )
        for dimension in dimensions
        if counts[dimension] > 0
    }


def manager_revenue(
    transactions: Source, *, as_of, window_days: int = 365, engine: str = "duckdb"
) -> pd.DataFrame | None:
    """Return trailing revenue per customer and account manager, or None without managers.

    Columns ``customer_id``, ``account_manager``, ``revenue``; rows without a manager are
    counted under ``UNASSIGNED``. None when the data has no ``account_manager`` column.
    """
    columns = require_source_columns(transactions, [], where="manager_revenue")
    if "account_manager" not in columns:
        return None
    return trailing_revenue(
        transactions, by=["customer_id", "account_manager"], as_of=as_of,
        window_days=window_days, engine=engine, missing_label=UNASSIGNED,
    )


def unit_revenue(
    transactions: Source, *, as_of, window_days: int = 365, engine: str = "duckdb"
) -> pd.DataFrame | None:
    """Return trailing revenue per customer and business unit, or None without units.

    Columns ``customer_id``, ``unit``, ``revenue``; rows without a unit are counted under
    ``UNKNOWN``. None when the data has no non-missing ``unit`` value.
    """
    require_source_columns(
        transactions, ["customer_id", "order_date", "amount"], where="unit_revenue"
    )
    if not count_values(transactions, ["unit"], engine=engine)["unit"]:
        return None
    return trailing_revenue(
        transactions, by=["customer_id", "unit"], as_of=as_of, window_days=window_days,
        engine=engine, missing_label=UNKNOWN,
    )


def trend_quarters(
    transactions: Source, *, as_of, quarters: int = 8, window_days: int = 365,
    engine: str = "duckdb",
) -> list[pd.Period]:
    """Return the last ``quarters`` quarter ends up to ``as_of`` whose window the data covers.

    Quarters whose trailing window starts before the data does (first order more than 31
    days after the window start) are dropped, so a trend reaches back as far as the data
    allows; oldest first.
    """
    as_of = pd.Timestamp(as_of).normalize()
    last = pd.Period(as_of, freq="Q")
    if quarter_end(last) > as_of:
        last -= 1
    first, _, _ = order_date_bounds(transactions, until=as_of, engine=engine)
    return [q for q in previous_quarters(last, quarters)
            if first is not None and first <= quarter_end(q) - pd.Timedelta(days=window_days - 31)]


def revenue_by_quarter(
    transactions: Source, *, as_of, quarters: int = 8, window_days: int = 365,
    engine: str = "duckdb",
) -> dict[pd.Period, pd.Series]:
    """Return trailing revenue per customer at each quarter end of ``trend_quarters``.

    ``{quarter: revenue}`` oldest first, each Series indexed by ``customer_id``
    (``revenue_by_windows``: the data is read once for every quarter).
    """
    require_source_columns(
        transactions, ["customer_id", "order_date", "amount"], where="revenue_by_quarter"
    )
    shown = trend_quarters(
        transactions, as_of=as_of, quarters=quarters, window_days=window_days, engine=engine
    )
    frames = revenue_by_windows(
        transactions, by=["customer_id"], ends=[quarter_end(q) for q in shown],
        window_days=window_days, engine=engine,
    )
    return {q: f.set_index("customer_id")["revenue"] for q, f in zip(shown, frames, strict=True)}
