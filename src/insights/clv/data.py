"""The per-customer frames lifetime value is computed from, and summaries of them.

``ClvData`` holds what ``insights.features.purchases`` returns for one report date: the
purchase summary (x, t_x, T, m_x per customer), the same summary with the holdout quarters
held out, historical lifetime revenue and the margin share estimated from the data.
``insights.steps.clv_data`` builds it; the models in this package never see transactions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from insights.periods import DAYS_PER_MONTH, UNIT_DAYS, TimeUnit, unit_days
from insights.schema import require_columns

__all__ = [
    "DAYS_PER_MONTH",
    "PURCHASE_BUCKETS",
    "UNIT_DAYS",
    "ClvData",
    "TimeUnit",
    "summarize_base_value",
    "summarize_lifetime_by_purchases",
    "unit_days",
]


@dataclass(frozen=True)
class ClvData:
    """Per-customer purchase frames for one report date (``features.purchases``).

    ``summary``: ``summarize_purchases`` as of ``as_of``; ``holdout``: the same with
    calibration up to ``calibration_end`` and the ``frequency_holdout`` columns up to
    ``as_of``; ``lifetime``: ``summarize_lifetime_revenue``; ``margin_share`` and
    ``margin_source``: ``estimate_margin_share`` (None and a reason when the data has no
    margin or cost).
    """

    as_of: pd.Timestamp
    summary: pd.DataFrame
    lifetime: pd.DataFrame
    holdout: pd.DataFrame
    calibration_end: pd.Timestamp
    margin_share: float | None = None
    margin_source: str = "the data has no margin or cost"


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
