"""Gamma-Gamma spend model: maximum-likelihood fit and expected spend per purchase.

Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005), "RFM and CLV: Using Iso-Value Curves for
Customer Base Analysis", *Journal of Marketing Research* 42(4), 415-430, and Fader & Hardie,
"The Gamma-Gamma Model of Monetary Value" (2013 note). Like the purchase models, fitted with
scipy over the logarithms of the parameters with the analytic gradient.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import digamma, gammaln

from insights.clv.bgnbd import LOG_BOUND, minimize_log_likelihood


@dataclass(frozen=True)
class GammaGammaFit:
    """A fitted Gamma-Gamma spend model (``v`` is the paper's gamma)."""

    p: float
    q: float
    v: float
    log_likelihood: float
    converged: bool
    n_customers: int
    message: str = ""


def gamma_gamma_log_likelihood(fit: GammaGammaFit, x, m_x) -> np.ndarray:
    """Return each repeat buyer's Gamma-Gamma log-likelihood (the formula of
    ``fit_gamma_gamma``); needs ``x > 0`` and ``m_x > 0``."""
    x, m = np.asarray(x, dtype=float), np.asarray(m_x, dtype=float)
    p, q, v = fit.p, fit.q, fit.v
    return (
        gammaln(p * x + q)
        - gammaln(p * x)
        - gammaln(q)
        + q * np.log(v)
        + (p * x - 1.0) * np.log(m)
        + p * x * np.log(x)
        - (p * x + q) * np.log(v + x * m)
    )


@dataclass(frozen=True)
class _Spend:
    """Repeat buyers' (x, x m_x) with the sums the Gamma-Gamma likelihood needs only once."""

    x: np.ndarray
    xm: np.ndarray
    ux: np.ndarray
    count: np.ndarray
    const: tuple[float, float, float]  # sum x ln m + sum x ln x, sum ln m, n

    @classmethod
    def from_arrays(cls, x: np.ndarray, m: np.ndarray) -> _Spend:
        ux, count = np.unique(x, return_counts=True)
        log_m = np.log(m)
        return cls(
            x,
            x * m,
            ux,
            count.astype(float),
            (float(x @ log_m + x @ np.log(x)), float(log_m.sum()), float(x.size)),
        )


def _gg_objective(theta: np.ndarray, data: _Spend) -> tuple[float, np.ndarray]:
    """Return the total Gamma-Gamma log-likelihood and its gradient (d/d log-parameter).

    ``sum_i [lnΓ(px_i+q) - lnΓ(px_i) - lnΓ(q) + q ln v + (px_i-1) ln m_i + px_i ln x_i
    - (px_i+q) ln(v + x_i m_i)]``: the Γ terms are summed over distinct x, the ln m and ln x
    sums are constants, and only ``ln(v + x m)`` and ``1/(v + x m)`` are evaluated per
    customer.
    """
    p, q, v = np.exp(theta)
    x_logs, log_m_sum, n = data.const
    pxu = p * data.ux
    vxm = v + data.xm
    log_vxm, inv_vxm = np.log(vxm), 1.0 / vxm
    sum_log, sum_x_log = log_vxm.sum(), data.x @ log_vxm
    ll = (
        data.count @ (gammaln(pxu + q) - gammaln(pxu))
        - n * gammaln(q)
        + n * q * np.log(v)
        + p * x_logs
        - log_m_sum
        - p * sum_x_log
        - q * sum_log
    )
    dg = digamma(pxu + q)
    g_p = data.count @ (data.ux * (dg - digamma(pxu))) + x_logs - sum_x_log
    g_q = data.count @ dg - n * digamma(q) + n * np.log(v) - sum_log
    g_v = n * q / v - p * (data.x @ inv_vxm) - q * inv_vxm.sum()
    return float(ll), np.array([g_p * p, g_q * q, g_v * v])


def fit_gamma_gamma(summary: pd.DataFrame) -> GammaGammaFit:
    """Fit the Gamma-Gamma spend model by maximum likelihood on the repeat buyers.

    Each customer's mean repeat-transaction value ``m_x`` over ``x`` repeat purchases has
    (Fader, Hardie & Lee 2005, "RFM and CLV", appendix) the likelihood
    ``Γ(px+q)/(Γ(px)Γ(q)) v^q m_x^(px-1) x^(px) / (v + x m_x)^(px+q)``.

    Parameters
    ----------
    summary : DataFrame
        Columns ``frequency`` and ``monetary_value``; only rows with ``frequency > 0`` and
        ``monetary_value > 0`` are used (the model is for positive spend).

    Returns
    -------
    GammaGammaFit
        ``p, q, v`` (the paper's gamma), log-likelihood, convergence and customers used.
    """
    used = (summary["frequency"] > 0) & (summary["monetary_value"] > 0)
    x = summary.loc[used, "frequency"].to_numpy(dtype=float)
    m = summary.loc[used, "monetary_value"].to_numpy(dtype=float)
    if x.size == 0:
        raise ValueError("no repeat buyers with positive spend to fit the Gamma-Gamma model on.")
    data = _Spend.from_arrays(x, m)

    def objective(theta):
        ll, grad = _gg_objective(theta, data)
        return -ll / x.size, -grad / x.size

    start = np.log([1.0, 1.0, max(float(np.mean(m)), 1e-3)])
    bounds = [(-LOG_BOUND, LOG_BOUND)] * 2 + [(-LOG_BOUND, 2 * LOG_BOUND)]
    result = minimize_log_likelihood(objective, start, bounds)
    p, q, v = np.exp(result.x)
    at_bound = bool(np.any(np.abs(result.x[:2]) >= LOG_BOUND - 1e-6))
    return GammaGammaFit(
        float(p),
        float(q),
        float(v),
        log_likelihood=float(-result.fun * x.size),
        converged=bool(result.success and np.isfinite(result.fun) and not at_bound),
        n_customers=int(x.size),
        message="a parameter ran to its bound" if at_bound else str(result.message),
    )


def expected_average_spend(fit: GammaGammaFit, x, m_x) -> np.ndarray:
    """Return each customer's expected mean spend per future purchase.

    ``E(M | x, m_x) = (q-1)/(px+q-1) · vp/(q-1) + px/(px+q-1) · m_x``: a weighted mean of
    the population mean ``vp/(q-1)`` and the customer's own repeat mean (Fader, Hardie & Lee
    2005, "RFM and CLV", eq. 5). A customer with ``x = 0`` gets the population mean; a
    negative ``m_x`` (returns above purchases) counts as 0, the model's spend being positive.
    Needs ``q > 1``; NaN otherwise.
    """
    x = np.asarray(x, dtype=float)
    m_x = np.where(x > 0, np.maximum(np.asarray(m_x, dtype=float), 0.0), 0.0)
    p, q, v = fit.p, fit.q, fit.v
    if q <= 1.0:
        return np.full(x.shape, np.nan)
    return (v + m_x * x) * p / (p * x + q - 1.0)
