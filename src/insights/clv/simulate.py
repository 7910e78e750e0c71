"""Simulate transactions from known BG/NBD and Gamma-Gamma parameters (tests, benchmarks)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def simulate_transactions(
    n_customers: int,
    *,
    r: float,
    alpha: float,
    a: float,
    b: float,
    p: float = 6.25,
    q: float = 3.74,
    v: float = 15.44,
    start="2024-01-01",
    birth_days: int = 84,
    observation_days: int = 546,
    random_state: int = 0,
) -> pd.DataFrame:
    """Simulate canonical transactions from the BG/NBD and Gamma-Gamma generative stories.

    Each customer has a purchase rate ``λ ~ Gamma(r, α)`` (per week), a dropout probability
    ``p ~ Beta(a, b)`` tested after each repeat purchase, and a mean spend ``ν ~ Gamma(q, v)``
    with each purchase's amount ``~ Gamma(p, ν)`` (Fader, Hardie & Lee 2005, both papers).
    First purchases fall uniformly on the first ``birth_days`` days after ``start``; the
    process runs until ``observation_days`` after ``start``. Purchase times are rounded down
    to days, so two purchases on one day are one purchase day.

    Parameters
    ----------
    n_customers : int
        Number of customers.
    r, alpha, a, b : float
        BG/NBD parameters, alpha per week.
    p, q, v : float
        Gamma-Gamma parameters (CDNOW's published values by default).
    start : date-like
        Day 0.
    birth_days, observation_days : int
        Window of first purchases, and the end of the observation (days after ``start``).
    random_state : int
        Seed.

    Returns
    -------
    DataFrame
        ``customer_id`` (string, ``C`` + 7 digits), ``order_date``, ``amount``, sorted by
        customer and date.
    """
    rng = np.random.default_rng(random_state)
    rate = rng.gamma(r, 1.0 / alpha, n_customers)
    dropout = rng.beta(a, b, n_customers)
    mean_spend = 1.0 / rng.gamma(q, 1.0 / v, n_customers)  # scale of Gamma(p, nu)
    birth = rng.integers(0, birth_days, n_customers)
    horizon = (observation_days - birth) / 7.0
    customers, times = [np.arange(n_customers)], [np.zeros(n_customers)]
    active = np.arange(n_customers)
    clock = np.zeros(n_customers)
    while active.size:
        clock[active] += rng.exponential(1.0, active.size) / np.maximum(rate[active], 1e-300)
        active = active[clock[active] < horizon[active]]
        customers.append(active)
        times.append(clock[active].copy())
        active = active[rng.random(active.size) >= dropout[active]]
    who = np.concatenate(customers)
    day = birth[who] + np.floor(np.concatenate(times) * 7.0).astype(np.int64)
    amount = rng.gamma(p, 1.0, who.size) * mean_spend[who]
    order = np.lexsort((day, who))
    ids = np.char.add("C", np.char.zfill(who[order].astype(str), 7))
    return pd.DataFrame(
        {
            "customer_id": pd.array(ids, dtype="string"),
            "order_date": pd.Timestamp(start) + pd.to_timedelta(day[order], unit="D"),
            "amount": np.round(amount[order], 2),
        }
    )
