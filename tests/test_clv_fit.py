"""The maximum-likelihood fits behind lifetime value: the fast objective against the paper's
formula, its analytic gradient against finite differences, and the fit on distinct
(x, t_x, T) rows against a fit that sums the likelihood customer by customer.

The fast BG/NBD objective sums the likelihood by distinct x and T where it can and evaluates
one softplus per row; every number it returns must still be the published likelihood
(Fader, Hardie & Lee 2005, eq. 6; Batislam et al. 2007 for MBG/NBD), written out here with
``math.lgamma`` for each customer.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import approx_fprime, minimize

from insights.clv import bgnbd as models
from insights.clv import gamma_gamma
from insights.clv.bgnbd import bgnbd_log_likelihood, fit_bgnbd
from insights.clv.gamma_gamma import GammaGammaFit, gamma_gamma_log_likelihood
from insights.features.purchases import summarize_purchases

CDNOW = Path(__file__).parent / "data" / "cdnow" / "CDNOW_sample.txt"

#: Edge rows: x = 0 (t_x = 0), t_x = T with x > 0, a heavy buyer long gone whose log-odds of
#: having dropped out run far past the softplus cap, and a customer seen once and at once.
EDGE = pd.DataFrame(
    {
        "frequency": [0, 0, 0, 3, 1, 5, 5, 400, 0, 2, 2],
        "recency": [0.0, 0.0, 0.0, 20.0, 7.0, 2.0, 30.0, 1.0, 0.0, 10.0, 10.0],
        "T": [10.0, 35.0, 35.0, 20.0, 7.0, 40.0, 40.0, 300.0, 0.5, 10.0, 38.0],
    }
)
#: (r, alpha, a, b) points the gradient is checked at, around CDNOW's and far from it.
POINTS = [(0.243, 4.414, 0.793, 2.426), (1.0, 2.0, 1.5, 3.0), (3.0, 0.3, 0.2, 8.0),
          (0.05, 40.0, 5.0, 0.4)]  # fmt: skip


@pytest.fixture(scope="module")
def cdnow_summary() -> pd.DataFrame:
    raw = pd.read_csv(CDNOW, sep=r"\s+", header=None, names=["m", "c", "d", "n", "amount"],
                      dtype={"c": str, "d": str})  # fmt: skip
    tx = pd.DataFrame({"customer_id": raw["c"], "amount": raw["amount"],
                       "order_date": pd.to_datetime(raw["d"], format="%Y%m%d")})  # fmt: skip
    return summarize_purchases(tx, as_of="1997-09-30", time_unit="week")


def _direct_ll(r, alpha, a, b, x, t_x, T, variant) -> float:
    """One customer's log-likelihood, eq. 6 of the paper (MBG/NBD: Batislam et al. 2007)."""
    s = 1 if variant == "mbgnbd" else 0
    beta = math.lgamma(a) + math.lgamma(b + x + s) - math.lgamma(a + b + x + s)
    beta0 = math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
    head = math.lgamma(r + x) - math.lgamma(r) + r * math.log(alpha) + beta - beta0
    first = -(r + x) * math.log(alpha + T)
    if x == 0 and variant == "bgnbd":
        return head + first
    second = math.log(a / (b + x - 1 + s)) - (r + x) * math.log(alpha + t_x)
    return head + max(first, second) + math.log1p(math.exp(-abs(first - second)))


def _likelihood(summary: pd.DataFrame, variant: str) -> models._Likelihood:
    rows = models._Rows.from_arrays(summary["frequency"], summary["recency"], summary["T"])
    return models._Likelihood.from_rows(rows, variant)


@pytest.mark.parametrize("variant", ["bgnbd", "mbgnbd"])
@pytest.mark.parametrize("point", POINTS)
def test_objective_equals_sum_of_each_customers_likelihood(variant, point):
    lik = _likelihood(EDGE, variant)
    got, _ = models._objective(np.log(point), lik)
    direct = sum(_direct_ll(*point, *row, variant) for row in EDGE.itertuples(index=False))
    assert got == pytest.approx(direct, rel=1e-12)
    # Two customers share (0, 0, 35): the distinct rows carry them with weight 2.
    assert lik.total == len(EDGE)


@pytest.mark.parametrize("variant", ["bgnbd", "mbgnbd"])
@pytest.mark.parametrize("point", POINTS)
def test_analytic_gradient_equals_finite_differences(variant, point):
    _assert_gradient(_likelihood(EDGE, variant), point, atol=1e-5)


@pytest.mark.parametrize("variant", ["bgnbd", "mbgnbd"])
def test_analytic_gradient_on_cdnow(cdnow_summary, variant):
    lik = _likelihood(cdnow_summary, variant)
    for point in POINTS[:2]:
        _assert_gradient(lik, point, atol=1e-3)


def _assert_gradient(lik, point, *, atol: float) -> None:
    """The objective's analytic gradient at log(``point``) equals a finite-difference one."""
    theta = np.log(point)
    _, grad = models._objective(theta, lik)
    numeric = approx_fprime(theta, lambda t: models._objective(t, lik)[0], 1e-7)
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=atol)


@pytest.mark.parametrize("variant", ["bgnbd", "mbgnbd"])
def test_distinct_row_fit_equals_per_customer_fit(cdnow_summary, variant):
    fit = fit_bgnbd(cdnow_summary, variant=variant)
    x, t_x, T = (cdnow_summary[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    assert len(models._Rows.from_arrays(x, t_x, T).weight) < len(x) / 2  # rows do repeat

    def negative(theta):  # one term per customer, no gradient given: scipy differences it
        r, alpha, a, b = np.exp(theta)
        guess = models.BgNbdFit(r, alpha, a, b, 0.0, True, len(x), variant=variant)
        return -bgnbd_log_likelihood(guess, x, t_x, T).sum() / len(x)

    start = np.log([1.0, float(np.mean(T)), 1.0, 1.0])
    reference = minimize(negative, start, method="Nelder-Mead",
                         options={"xatol": 1e-9, "fatol": 1e-13, "maxiter": 20000,
                                  "maxfev": 20000})  # fmt: skip
    assert reference.success
    np.testing.assert_allclose([fit.r, fit.alpha, fit.a, fit.b], np.exp(reference.x), rtol=1e-5)
    assert fit.log_likelihood == pytest.approx(-reference.fun * len(x), abs=1e-6)


def test_gamma_gamma_gradient_equals_finite_differences():
    x = np.array([1.0, 2.0, 2.0, 7.0, 30.0])
    m = np.array([12.5, 3.0, 40.0, 18.25, 9.5])
    data = gamma_gamma._Spend.from_arrays(x, m)
    for p, q, v in [(6.25, 3.74, 15.44), (0.5, 1.2, 200.0), (20.0, 9.0, 1.5)]:
        theta = np.log([p, q, v])
        ll, grad = gamma_gamma._gg_objective(theta, data)
        direct = gamma_gamma_log_likelihood(GammaGammaFit(p, q, v, 0.0, True, 5), x, m).sum()
        assert ll == pytest.approx(direct, rel=1e-12)
        numeric = approx_fprime(theta, lambda t: gamma_gamma._gg_objective(t, data)[0], 1e-7)
        np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-5)
