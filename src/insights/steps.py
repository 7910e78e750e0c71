"""The report's analysis steps over a transactions source: features first, then the analysis.

Each step reads transactions only through ``insights.features`` (one SQL definition per
aggregate, run on DuckDB, Spark or PostgreSQL) and hands the per-customer or per-period
frames to an analysis module, which never sees a source or an engine. ``pipeline``
strings these steps together for the report; analysts call them one by one.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from insights import clv, concentration, key_person, mix, segments
from insights.engine.dialect import Query
from insights.engine.duckdb import Source, check_source, run_sql
from insights.features import build_customer_features, purchases, revenue
from insights.params import UNIT_NAME, ClvParams, FeatureParams, LifecycleParams
from insights.schema import MIX_DIMENSIONS


def concentration_trend(
    transactions: Source,
    *,
    as_of,
    quarters: int = 8,
    top_n: Sequence[int] = (1, 5, 10),
    top_fraction: float = 0.2,
    window_days: int = 365,
    engine: str = "duckdb",
) -> pd.DataFrame:
    """Return customer concentration at each of the last ``quarters`` quarter ends.

    ``features.revenue.revenue_by_quarter`` (quarters the data covers, oldest first) into
    ``concentration.concentration_trend``.
    """
    by_quarter = revenue.revenue_by_quarter(
        transactions, as_of=as_of, quarters=quarters, window_days=window_days, engine=engine
    )
    return concentration.concentration_trend(by_quarter, top_n=top_n, top_fraction=top_fraction)


def manager_risk(
    transactions: Source, *, as_of, window_days: int = 365, engine: str = "duckdb"
) -> key_person.ManagerRisk:
    """Measure key-person risk: ``features.revenue.manager_revenue`` into ``key_person``.

    Status "no_manager" (with a sentence) when the data has no account manager column.
    """
    by_manager = revenue.manager_revenue(
        transactions, as_of=as_of, window_days=window_days, engine=engine
    )
    return key_person.manager_departure_stress(by_manager)


def mix_diversification(
    transactions: Source,
    *,
    as_of,
    dimensions: Sequence[str] = MIX_DIMENSIONS,
    service_product_lines: Sequence[str] = (),
    online_channels: Sequence[str] = (),
    window_days: int = 365,
    engine: str = "duckdb",
) -> mix.MixResult:
    """Measure the revenue mix now vs a year earlier: ``features.revenue.mix_revenue`` into ``mix``."""
    by_value = revenue.mix_revenue(
        transactions, as_of=as_of, dimensions=dimensions, window_days=window_days, engine=engine
    )
    return mix.mix_diversification(
        by_value,
        dimensions=dimensions,
        service_product_lines=service_product_lines,
        online_channels=online_channels,
    )


def group_portfolio(
    transactions: Source,
    *,
    as_of,
    top: int = 10,
    window_days: int = 365,
    engine: str = "duckdb",
) -> mix.GroupPortfolio:
    """Build the group portfolio: revenue per customer and unit, and the unit mix, into ``mix``.

    Status "no_units" when the data has no business-unit column.
    """
    options = {"as_of": as_of, "window_days": window_days, "engine": engine}
    by_unit = revenue.unit_revenue(transactions, **options)
    unit_mix = revenue.mix_revenue(transactions, dimensions=("unit",), **options) if by_unit is not None else {}
    return mix.group_portfolio(by_unit, unit_mix=unit_mix, top=top)


def clv_data(
    transactions: Source, *, as_of, params: ClvParams, engine: str = "duckdb"
) -> clv.ClvData:
    """Return the per-customer purchase frames lifetime value needs (``features.purchases``).

    The purchase summary and lifetime revenue as of ``as_of``; the summary with the last
    ``params.holdout_quarters`` quarters held out; the margin share from the data (only
    read when ``params.margin_share`` is not set).
    """
    check_source(transactions, where="clv_data", engine=engine)
    as_of = pd.Timestamp(as_of).normalize()
    cal_end = purchases.calibration_end(as_of, holdout_quarters=params.holdout_quarters)
    margin: tuple[float | None, str] = (None, "params.clv.margin_share")
    if params.margin_share is None:
        margin = purchases.estimate_margin_share(transactions, as_of=as_of, engine=engine)
    summary, lifetime, holdout = purchases.summarize_purchases_lifetime_and_holdout(
        transactions, as_of=as_of, calibration_end=cal_end, time_unit=params.time_unit,
        engine=engine,
    )  # one scan of the purchase days for the three
    return clv.ClvData(
        as_of=as_of,
        summary=summary,
        lifetime=lifetime,
        holdout=holdout,
        calibration_end=cal_end,
        margin_share=margin[0],
        margin_source=margin[1],
    )


def build_clv(
    transactions: Source, *, as_of, params: ClvParams, engine: str = "duckdb"
) -> clv.ClvResult:
    """Fit and score lifetime value as of ``as_of``: ``clv_data`` into ``clv.build_clv``."""
    return clv.build_clv(clv_data(transactions, as_of=as_of, params=params, engine=engine),
                         params=params)


def lifecycle_segments(
    transactions: Source,
    features: pd.DataFrame,
    *,
    as_of,
    params: FeatureParams,
    lifecycle: LifecycleParams,
) -> pd.DataFrame:
    """Assign lifecycle segments; in a multi-unit report, each customer as its own unit does.

    Without ``lifecycle.by_unit`` (or a ``unit`` column) this is
    ``segments.assign_lifecycle(features, params=lifecycle)``. With it, a customer whose main
    unit (``features["unit"]``: the unit bringing most of its revenue) is listed there is
    segmented on that unit's rows only, with that unit's windows: the segment it has in that
    unit's own report. Other customers keep ``lifecycle``'s windows on all their rows.

    Returns
    -------
    DataFrame
        ``customer_id`` and ``segment``, in ``features``' order (as ``assign_lifecycle``).
    """
    out = segments.assign_lifecycle(features, params=lifecycle)
    if not lifecycle.by_unit or "unit" not in features.columns:
        return out
    main_unit = features["unit"].astype("string")
    for unit in lifecycle.by_unit:
        mine = main_unit.eq(unit).fillna(False).to_numpy(dtype=bool)
        if not mine.any():
            continue
        windows = lifecycle.windows_of(unit)
        own = build_customer_features(unit_rows(transactions, unit=unit, engine=params.engine),
                                      as_of=as_of, params=params, lifecycle=windows)  # fmt: skip
        by_id = segments.assign_lifecycle(own, params=windows).set_index("customer_id")["segment"]
        found = features.loc[mine, "customer_id"].astype(str).map(by_id)
        out.loc[mine, "segment"] = found.where(found.notna(), out.loc[mine, "segment"])
    return out


def unit_rows(transactions: Source, *, unit: str, engine: str = "duckdb") -> pd.DataFrame:
    """Return the rows of one business unit (``unit`` column) as a frame.

    A DataFrame is filtered in memory; a Parquet dataset or a table is filtered by the
    engine and the unit's rows come back as a frame. ``unit`` must be a unit name
    (``params.UNIT_NAME``): it is written into the SQL as a literal.
    """
    if not UNIT_NAME.fullmatch(unit):
        raise ValueError(f"unit_rows: {unit!r} is not a unit name (lowercase letters, digits, _ or -).")
    if isinstance(transactions, pd.DataFrame):
        return transactions[transactions["unit"].astype("string").eq(unit).fillna(False)]
    def build(dialect) -> Query:
        return Query(setup=(), select=f"SELECT * FROM source WHERE CAST(unit AS {dialect.text}) = '{unit}'")

    return run_sql(build, engine=engine, source=transactions)
