"""Scoring customers: P(alive), expected purchases and spend, and discounted lifetime value."""

from __future__ import annotations

import numpy as np
import pandas as pd

from insights.clv.bgnbd import (
    BgNbdFit,
    distinct_rows,
    expected_purchases_if_alive,
    probability_alive,
)
from insights.clv.data import DAYS_PER_MONTH, TimeUnit, unit_days
from insights.clv.gamma_gamma import GammaGammaFit, expected_average_spend


def _discounted_if_alive(fit, x, T, *, horizon_months, annual_discount_rate, time_unit):
    """Return sum_k [E_alive(k m) - E_alive((k-1) m)] / (1+d)^k (see discounted_lifetime_value)."""
    month = DAYS_PER_MONTH / unit_days(time_unit)
    monthly = (1.0 + annual_discount_rate) ** (1.0 / 12.0) - 1.0
    total, previous = np.zeros_like(x), np.zeros_like(x)
    for k in range(1, horizon_months + 1):
        current = expected_purchases_if_alive(fit, k * month, x, T)
        total += (current - previous) / (1.0 + monthly) ** k
        previous = current
    return total


def discounted_lifetime_value(
    fit: BgNbdFit,
    summary: pd.DataFrame,
    spend,
    *,
    horizon_months: int = 12,
    annual_discount_rate: float = 0.10,
    margin_share: float = 1.0,
    time_unit: TimeUnit = "week",
) -> np.ndarray:
    """Return each customer's discounted expected margin over the next ``horizon_months``.

    The standard discrete approximation (Gupta et al. 2006, "Modeling Customer Lifetime
    Value", *Journal of Service Research* 9(2), eq. 1; as in ``lifetimes``'
    ``customer_lifetime_value``), with monthly steps::

        CLV = margin_share * E(M) * sum_{k=1..H} [E[Y(k m)] - E[Y((k-1) m)]] / (1 + d)^k

    where ``E[Y(t)]`` is the conditional expected number of purchases in the next ``t``
    (``expected_purchases``), ``m`` a month in the model's time unit (365.25/12 days),
    ``E(M)`` the expected spend per purchase (``spend``) and ``d = (1 + annual rate)^(1/12)
    - 1`` the monthly discount rate. Purchases of month k are discounted to its end.
    """
    x, t_x, T = summary["frequency"], summary["recency"], summary["T"]
    (ux, uT), inverse, _ = distinct_rows(np.asarray(x, dtype=float), np.asarray(T, dtype=float))
    discounted = _discounted_if_alive(
        fit,
        ux,
        uT,
        horizon_months=horizon_months,
        annual_discount_rate=annual_discount_rate,
        time_unit=time_unit,
    )
    purchases = discounted[inverse] * probability_alive(fit, x, t_x, T)
    return margin_share * np.asarray(spend, dtype=float) * purchases


def score_customers(
    fit: BgNbdFit,
    spend_fit: GammaGammaFit,
    summary: pd.DataFrame,
    *,
    horizon_months: int = 12,
    annual_discount_rate: float = 0.10,
    margin_share: float = 1.0,
    time_unit: TimeUnit = "week",
) -> pd.DataFrame:
    """Score every customer: P(alive), expected purchases and spend, and discounted CLV.

    Returns ``summary`` with ``p_alive`` (``probability_alive``), ``expected_purchases``
    over the horizon (``expected_purchases``), ``expected_spend`` per purchase
    (``expected_average_spend``), ``expected_revenue`` (undiscounted purchases x spend) and
    ``clv`` (``discounted_lifetime_value``, in margin when ``margin_share`` < 1). The
    functions of ``(x, T)`` are evaluated once per distinct pair.
    """
    x, t_x, T = summary["frequency"], summary["recency"], summary["T"]
    (ux, uT), inverse, _ = distinct_rows(np.asarray(x, dtype=float), np.asarray(T, dtype=float))
    horizon = horizon_months * DAYS_PER_MONTH / unit_days(time_unit)
    p_alive = probability_alive(fit, x, t_x, T)
    purchases = expected_purchases_if_alive(fit, horizon, ux, uT)[inverse] * p_alive
    discounted = (
        _discounted_if_alive(
            fit,
            ux,
            uT,
            horizon_months=horizon_months,
            annual_discount_rate=annual_discount_rate,
            time_unit=time_unit,
        )[inverse]
        * p_alive
    )
    spend = expected_average_spend(spend_fit, x, summary["monetary_value"])
    return summary.assign(
        p_alive=p_alive,
        expected_purchases=purchases,
        expected_spend=spend,
        expected_revenue=purchases * spend,
        clv=margin_share * spend * discounted,
    )
