"""The report's analysis steps over a transactions source: features first, then the analysis.

Each step reads transactions only through ``insights.features`` (one SQL definition per
aggregate, run on DuckDB, Spark or PostgreSQL) and hands the per-customer or per-period
frames to an analysis module, which never sees a source or an engine. ``pipeline``
strings these steps together for the report; analysts call them one by one.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from insights import clv, concentration, key_person, mix
from insights.engine.duckdb import Source, check_source
from insights.features import purchases, revenue
from insights.params import ClvParams
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
    return clv.ClvData(
        as_of=as_of,
        summary=purchases.summarize_purchases(
            transactions, as_of=as_of, time_unit=params.time_unit, engine=engine
        ),
        lifetime=purchases.summarize_lifetime_revenue(transactions, as_of=as_of, engine=engine),
        holdout=purchases.summarize_purchases(
            transactions, as_of=as_of, calibration_end=cal_end, time_unit=params.time_unit,
            engine=engine,
        ),
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
