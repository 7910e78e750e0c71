"""BG/NBD and MBG/NBD: maximum-likelihood fits and the closed-form predictions.

The models and formulas are the published ones:

- BG/NBD: Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005), "Counting Your Customers the
  Easy Way: An Alternative to the Pareto/NBD Model", *Marketing Science* 24(2), 275-284;
  the formulas as in Fader, Hardie & Lee, "Computing P(alive) Using the BG/NBD Model" and
  the model's technical note (brucehardie.com).
- MBG/NBD: Batislam, E. P., Denizel, M. & Filiztekin, A. (2007), "Empirical validation and
  comparison of models for customer base analysis", *International Journal of Research in
  Marketing* 24(3), 201-209 (a customer may also drop out right after the first purchase).

Fits maximise the log-likelihood with scipy (L-BFGS-B) over the logarithms of the
parameters with the analytic gradient, on the distinct ``(x, t_x, T)`` rows weighted by how
many customers share them (1M simulated customers give about 216,000 rows). The terms of
one input alone are summed once per distinct ``x`` or ``T`` with pre-summed weights, so each
step evaluates per row only the log-odds of the likelihood's two terms, one ``exp`` and one
``log`` (``_objective``). This is what makes the fit fast.

Notation: ``x`` repeat purchases (frequency), ``t_x`` time of the last purchase since the
first (recency), ``T`` age (time since the first purchase), all in one time unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Literal

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import digamma, gammaln, hyp2f1
from threadpoolctl import ThreadpoolController

Variant = Literal["bgnbd", "mbgnbd"]

#: Log-parameter bounds: parameters between about 1e-6 and 1e6.
LOG_BOUND = 14.0
#: Above this, 1 + exp(d) == exp(d) in float64, so ln(1 + e^d) = d exactly.
SOFTPLUS_CAP = 40.0


@dataclass(frozen=True)
class BgNbdFit:
    """A fitted BG/NBD (or MBG/NBD, ``variant="mbgnbd"``) model.

    ``r, alpha``: gamma heterogeneity of the purchase rate (alpha in the time unit);
    ``a, b``: beta heterogeneity of the dropout probability.
    """

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float
    converged: bool
    n_customers: int
    variant: Variant = "bgnbd"
    message: str = ""


@cache
def _blas_controller() -> ThreadpoolController:
    """Return the process's BLAS thread-pool controller (created on first use, not import)."""
    return ThreadpoolController()


def minimize_log_likelihood(objective, start: np.ndarray, bounds: list[tuple[float, float]]):
    """Minimise ``objective`` (value and gradient) with L-BFGS-B, BLAS on one thread.

    The optimiser's few-parameter BLAS calls gain nothing from threads and, on a busy
    machine, a multi-threaded OpenBLAS spins for milliseconds per call (measured: a
    CDNOW fit 7 ms single-threaded, 200 ms with two threads under load).
    """
    with _blas_controller().limit(limits=1, user_api="blas"):
        return minimize(
            objective,
            start,
            jac=True,
            method="L-BFGS-B",
            bounds=bounds,
            options={"maxiter": 1000, "ftol": 1e-14, "gtol": 1e-9},
        )


def _row_keys(columns) -> tuple[list[np.ndarray], np.ndarray, list[int]]:
    """Return each column's distinct values, one int64 key per row, and the key's radices."""
    codes, uniques = zip(*(pd.factorize(np.asarray(c)) for c in columns), strict=True)
    sizes = [max(len(u), 1) for u in uniques]
    key = np.zeros(len(codes[0]), dtype=np.int64)
    for code, size in zip(codes, sizes, strict=True):
        key = key * size + code
    return [np.asarray(u) for u in uniques], key, sizes


def _split_keys(keys: np.ndarray, sizes: list[int]) -> list[np.ndarray]:
    """Return the per-column codes packed in ``keys`` (the inverse of ``_row_keys``)."""
    codes, rest = [], np.asarray(keys)
    for size in reversed(sizes):
        codes.append(rest % size)
        rest = rest // size
    return codes[::-1]


def distinct_rows(*columns) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Return the distinct rows of equal-length columns, each row's index into them, counts.

    Hash-based (``pandas.factorize`` per column, then on the combined codes), so linear in
    the number of rows; the distinct rows come in order of first appearance.
    """
    uniques, key, sizes = _row_keys(columns)
    inverse, first_keys = pd.factorize(key)
    counts = np.bincount(inverse, minlength=len(first_keys))
    codes = _split_keys(first_keys, sizes)
    return [u[c] for u, c in zip(uniques, codes, strict=True)], inverse, counts


@dataclass(frozen=True)
class _Rows:
    """(x, t_x, T) rows with weights, each as indexes into the distinct values of each input."""

    weight: np.ndarray
    ux: np.ndarray
    ix: np.ndarray
    ut: np.ndarray
    it: np.ndarray
    uT: np.ndarray
    iT: np.ndarray

    @property
    def x(self) -> np.ndarray:
        return self.ux[self.ix]

    @classmethod
    def from_arrays(cls, x, t_x, T, *, distinct: bool = True) -> _Rows:
        """Return the distinct rows weighted by their counts, or every row with weight 1."""
        columns = [np.asarray(v, dtype=float) for v in (x, t_x, T)]
        if not distinct:
            (ux, ix), (ut, it), (uT, iT) = (_unique(c) for c in columns)
            return cls(np.ones(len(ix)), ux, ix, ut, it, uT, iT)
        # No row needs its index into the distinct rows here, so a sort of the int64 keys
        # (np.unique) finds them faster than a hash table of 10^5..10^6 entries would.
        (ux, ut, uT), key, sizes = _row_keys(columns)
        keys, counts = np.unique(key, return_counts=True)
        ix, it, iT = _split_keys(keys, sizes)
        return cls(counts.astype(float), ux, ix, ut, it, uT, iT)


def _unique(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the distinct values and each value's index into them."""
    codes, uniques = pd.factorize(values)
    return np.asarray(uniques), codes


def _sum_by(index: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    return np.bincount(index, weights=values, minlength=size)


@dataclass(frozen=True)
class _Likelihood:
    """The weighted sums the BG/NBD log-likelihood needs, computed once per fit.

    ``ln L_i = G(x_i) + r ln α - (r+x_i) ln(α+T_i) + softplus(d_i)`` with ``G`` the Γ and
    B terms of ``x`` alone and ``d_i = ln a - ln(b+x_i-1) + (r+x_i) [ln(α+T_i) - ln(α+t_x,i)]``
    (the log-odds of the second term against the first; no second term for x = 0 in
    BG/NBD). Summed with weights, the first three terms need only the weight per distinct
    ``x`` and the weight and weighted ``x`` per distinct ``T``; only ``softplus(d)`` and its
    derivatives are evaluated per row, on the rows with a second term.
    """

    shift: float
    total: float
    ux: np.ndarray
    w_x: np.ndarray
    uT: np.ndarray
    w_T: np.ndarray
    wx_T: np.ndarray
    ut: np.ndarray
    # the rows with a second term: x, weight, index into ux2 (their distinct x), t_x, T
    x2: np.ndarray
    w2: np.ndarray
    ux2: np.ndarray
    ix2: np.ndarray
    it2: np.ndarray
    iT2: np.ndarray

    @classmethod
    def from_rows(cls, rows: _Rows, variant: Variant) -> _Likelihood:
        w, x = rows.weight, rows.x
        two = np.ones(len(w), dtype=bool) if variant == "mbgnbd" else x > 0
        ux2, ix2 = _unique(x[two])
        return cls(
            1.0 if variant == "mbgnbd" else 0.0,
            float(w.sum()),
            rows.ux,
            _sum_by(rows.ix, w, len(rows.ux)),
            rows.uT,
            _sum_by(rows.iT, w, len(rows.uT)),
            _sum_by(rows.iT, w * x, len(rows.uT)),
            rows.ut,
            x[two],
            w[two],
            ux2,
            ix2,
            rows.it[two],
            rows.iT[two],
        )


def _objective(theta: np.ndarray, lik: _Likelihood) -> tuple[float, np.ndarray]:
    """Return the total log-likelihood and its gradient with respect to the log-parameters."""
    r, alpha, a, b = np.exp(theta)
    s, ux, W = lik.shift, lik.ux, lik.total
    g_x = (gammaln(r + ux) - gammaln(r) + gammaln(a + b) + gammaln(b + ux + s) - gammaln(b)
           - gammaln(a + b + ux + s))  # fmt: skip
    dg_a = digamma(a + b) - digamma(a + b + ux + s)
    log_aT, inv_aT = np.log(alpha + lik.uT), 1.0 / (alpha + lik.uT)
    log_at, inv_at = np.log(alpha + lik.ut), 1.0 / (alpha + lik.ut)
    head_T = r * lik.w_T + lik.wx_T
    # Per row with a second term: log-odds d, softplus(d) and the logistic sigma(d).
    denom = b + lik.ux2 - 1.0 + s
    gap = log_aT.take(lik.iT2) - log_at.take(lik.it2)  # ln(α+T) - ln(α+t_x) >= 0
    rx = r + lik.x2
    d = (np.log(a) - np.log(denom)).take(lik.ix2) + rx * gap
    # softplus(d) = ln(1 + e^d) and sigma(d) = e^d / (1 + e^d), with d capped where
    # 1 + e^d == e^d in float64 (above it softplus(d) = d). One exp and one log per row:
    # numpy's logaddexp and log1p cost several times more.
    capped = np.minimum(d, SOFTPLUS_CAP)
    e_d = np.exp(capped)
    one_e = 1.0 + e_d
    ws = lik.w2 * (e_d / one_e)  # weight * sigma(d)
    ws_x = _sum_by(lik.ix2, ws, len(lik.ux2))
    softplus = lik.w2 @ np.log(one_e) + lik.w2 @ (d - capped)
    ll = lik.w_x @ g_x + W * r * np.log(alpha) - head_T @ log_aT + softplus
    g_r = (lik.w_x @ (digamma(r + ux) - digamma(r)) + W * np.log(alpha) - lik.w_T @ log_aT
           + ws @ gap)  # fmt: skip
    d_gap = inv_aT.take(lik.iT2) - inv_at.take(lik.it2)
    g_alpha = W * r / alpha - head_T @ inv_aT + (ws * rx) @ d_gap
    g_a = lik.w_x @ dg_a + ws_x.sum() / a
    g_b = lik.w_x @ (dg_a + digamma(b + ux + s) - digamma(b)) - ws_x @ (1.0 / denom)
    return float(ll), np.array([g_r * r, g_alpha * alpha, g_a * a, g_b * b])


def _loglik_terms(theta: np.ndarray, rows: _Rows, variant: Variant) -> np.ndarray:
    """Return each row's log-likelihood (``logaddexp`` of the two terms, as in the paper)."""
    r, alpha, a, b = np.exp(theta)
    x = rows.x
    s = 1.0 if variant == "mbgnbd" else 0.0
    ux = rows.ux
    lg_x = (gammaln(r + ux) - gammaln(r) + gammaln(a + b) + gammaln(b + ux + s) - gammaln(b)
            - gammaln(a + b + ux + s))  # fmt: skip
    rx = r + x
    A3 = -rx * np.log(alpha + rows.uT)[rows.iT]
    has4 = np.ones_like(x, dtype=bool) if variant == "mbgnbd" else x > 0
    denom = np.where(has4, b + x - 1.0 + s, 1.0)
    A4 = np.where(has4, np.log(a) - np.log(denom) - rx * np.log(alpha + rows.ut)[rows.it], -np.inf)
    return lg_x[rows.ix] + r * np.log(alpha) + np.logaddexp(A3, A4)


def _check_summary(x, t_x, T) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    if x.size == 0:
        raise ValueError("no customers to fit: the summary is empty.")
    if np.any(x < 0) or np.any(t_x < 0) or np.any(t_x > T + 1e-9):
        raise ValueError("invalid summary: need x >= 0 and 0 <= t_x <= T for every customer.")
    return x, t_x, T


def fit_bgnbd(summary: pd.DataFrame, *, variant: Variant = "bgnbd") -> BgNbdFit:
    """Fit the BG/NBD model (or MBG/NBD) by maximum likelihood.

    The individual log-likelihood (Fader, Hardie & Lee 2005, eq. 6) is
    ``ln L = lnΓ(r+x) - lnΓ(r) + r ln α + ln B(a, b+x) - ln B(a, b)
    + ln[(α+T)^-(r+x) + 1{x>0} a/(b+x-1) (α+t_x)^-(r+x)]``; MBG/NBD (Batislam et al. 2007)
    uses ``B(a, b+x+1)`` and ``a/(b+x)`` with the second term for every ``x``.

    Parameters
    ----------
    summary : DataFrame
        Columns ``frequency`` (x), ``recency`` (t_x) and ``T``, one row per customer, e.g.
        from ``insights.features.purchases.summarize_purchases``.
    variant : {"bgnbd", "mbgnbd"}
        The model.

    Returns
    -------
    BgNbdFit
        Parameters, the total log-likelihood, whether the optimiser converged, and the number
        of customers.
    """
    x, t_x, T = _check_summary(summary["frequency"], summary["recency"], summary["T"])
    lik = _Likelihood.from_rows(_Rows.from_arrays(x, t_x, T), variant)
    total = lik.total

    def objective(theta):
        ll, grad = _objective(theta, lik)
        return -ll / total, -grad / total

    start = np.log([1.0, max(float(np.mean(T)), 1e-3), 1.0, 1.0])
    result = minimize_log_likelihood(objective, start, [(-LOG_BOUND, LOG_BOUND)] * 4)
    r, alpha, a, b = np.exp(result.x)
    at_bound = bool(np.any(np.abs(result.x) >= LOG_BOUND - 1e-6))
    return BgNbdFit(
        float(r),
        float(alpha),
        float(a),
        float(b),
        log_likelihood=float(-result.fun * total),
        converged=bool(result.success and np.isfinite(result.fun) and not at_bound),
        n_customers=int(x.size),
        variant=variant,
        message="a parameter ran to its bound" if at_bound else str(result.message),
    )


def fit_mbgnbd(summary: pd.DataFrame) -> BgNbdFit:
    """Fit the MBG/NBD model (Batislam et al. 2007); see ``fit_bgnbd``."""
    return fit_bgnbd(summary, variant="mbgnbd")


def bgnbd_log_likelihood(fit: BgNbdFit, x, t_x, T) -> np.ndarray:
    """Return each customer's log-likelihood under ``fit`` (the formula of ``fit_bgnbd``)."""
    x, t_x, T = _check_summary(np.atleast_1d(x), np.atleast_1d(t_x), np.atleast_1d(T))
    theta = np.log([fit.r, fit.alpha, fit.a, fit.b])
    return _loglik_terms(theta, _Rows.from_arrays(x, t_x, T, distinct=False), fit.variant)


def _odds_dropped(fit: BgNbdFit, x, t_x, T) -> np.ndarray:
    """Return the odds term ``a/(b+x-1) ((α+T)/(α+t_x))^(r+x)`` (0 for x = 0 in BG/NBD)."""
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    if fit.variant == "mbgnbd":
        denom, present = fit.b + x, np.ones_like(x, dtype=bool)
    else:
        denom, present = fit.b + x - 1.0, x > 0
    log_odds = (
        np.log(fit.a)
        - np.log(np.where(present, denom, 1.0))
        + (fit.r + x) * (np.log(fit.alpha + T) - np.log(fit.alpha + t_x))
    )
    return np.where(present, np.exp(log_odds), 0.0)


def probability_alive(fit: BgNbdFit, x, t_x, T) -> np.ndarray:
    """Return P(alive | x, t_x, T): the probability each customer has not dropped out.

    BG/NBD: ``1 / (1 + 1{x>0} a/(b+x-1) ((α+T)/(α+t_x))^(r+x))``, so exactly 1 for a
    customer with no repeat purchase (Fader, Hardie & Lee 2005, eq. 11). MBG/NBD:
    ``1 / (1 + a/(b+x) ((α+T)/(α+t_x))^(r+x))`` for every x (Batislam et al. 2007).
    """
    return 1.0 / (1.0 + _odds_dropped(fit, x, t_x, T))


def _hyp2f1(A, B, C, z) -> np.ndarray:
    """Return scipy's ``hyp2f1``, retried with ``C`` nudged by 1e-12 where it is not finite.

    scipy 1.17 returns inf for large ``C`` with ``C - A - B`` an exact integer and ``z``
    near 1; the function is continuous in ``C``, so the nudge changes the value by ~1e-12.
    """
    value = np.asarray(hyp2f1(A, B, C, z), dtype=float)
    bad = ~np.isfinite(value)
    if bad.any():
        A, B, C, z = (np.broadcast_to(v, value.shape)[bad] for v in (A, B, C, z))
        value = value.copy()
        value[bad] = hyp2f1(A, B, C * (1.0 + 1e-12), z)
    return value


def _away_from_one(a: float) -> float:
    """Return ``a`` moved just off 1, where the closed forms are a removable 0/0."""
    return a if abs(a - 1.0) > 1e-7 else 1.0 + 1e-7


def expected_purchases(fit: BgNbdFit, t, x, t_x, T) -> np.ndarray:
    """Return each customer's expected purchases in the next ``t`` time units.

    BG/NBD (Fader, Hardie & Lee 2005, eq. 10)::

        E[Y(t) | x, t_x, T] = (a+b+x-1)/(a-1)
            * [1 - ((α+T)/(α+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; t/(α+T+t))]
            / (1 + 1{x>0} a/(b+x-1) ((α+T)/(α+t_x))^(r+x))

    that is ``expected_purchases_if_alive(t, x, T) * probability_alive(x, t_x, T)``.
    MBG/NBD replaces ``a+b+x-1`` by ``a+b+x`` and ``b+x`` by ``b+x+1`` in the first two
    factors. Valid for any ``a > 0`` (at ``a = 1`` it is the limit, taken numerically).
    """
    alive = expected_purchases_if_alive(fit, t, x, T)
    return alive * probability_alive(fit, x, t_x, T)


def expected_purchases_if_alive(fit: BgNbdFit, t, x, T) -> np.ndarray:
    """Return expected purchases in the next ``t`` for a customer known to be alive.

    The first two factors of ``expected_purchases``; they depend on ``x`` and ``T`` only,
    not on ``t_x``, so scoring a base evaluates them once per distinct ``(x, T)``.
    """
    x, T = np.asarray(x, dtype=float), np.asarray(T, dtype=float)
    r, alpha, a, b = fit.r, fit.alpha, _away_from_one(fit.a), fit.b
    s = 1.0 if fit.variant == "mbgnbd" else 0.0
    z = t / (alpha + T + t)
    head = (a + b + x - 1.0 + s) / (a - 1.0)
    # Euler's transformation 2F1(A, B; C; z) = (1-z)^(C-A-B) 2F1(C-A, C-B; C; z) turns
    # ((α+T)/(α+T+t))^(r+x) 2F1(...) = (1-z)^(r+x) 2F1(...) into a form that neither
    # overflows nor cancels for large x: (1-z)^(a-1) 2F1(a+b-1+s-r, a-1; a+b+x-1+s; z).
    # A degenerate fit (the hypergeometric series diverges: 0 * inf) gives NaN, which the
    # holdout check reports as a non-finite model; numpy's warning about it would only reach
    # whichever process happened to compute the report.
    with np.errstate(invalid="ignore"):
        tail = 1.0 - (1.0 - z) ** (a - 1.0) * _hyp2f1(
            a + b - 1.0 + s - r, a - 1.0, a + b + x - 1.0 + s, z
        )
    return head * tail


def expected_purchases_new(fit: BgNbdFit, t) -> np.ndarray:
    """Return a new customer's expected repeat purchases in ``(0, t]`` after the first.

    BG/NBD (Fader, Hardie & Lee 2005, eq. 9):
    ``E[X(t)] = (a+b-1)/(a-1) [1 - (α/(α+t))^r 2F1(r, b; a+b-1; t/(α+t))]``;
    MBG/NBD: ``b/(a-1) [1 - (α/(α+t))^r 2F1(r, b+1; a+b; t/(α+t))]``.
    """
    t = np.asarray(t, dtype=float)
    r, alpha, a, b = fit.r, fit.alpha, _away_from_one(fit.a), fit.b
    z = t / (alpha + t)
    power = (alpha / (alpha + t)) ** r
    if fit.variant == "mbgnbd":
        return b / (a - 1.0) * (1.0 - power * _hyp2f1(r, b + 1.0, a + b, z))
    return (a + b - 1.0) / (a - 1.0) * (1.0 - power * _hyp2f1(r, b, a + b - 1.0, z))
