"""Benchmark: behavioural clusters on 1,000,000 synthetic customers.

The k choice (silhouette over k = 2..8) runs on a fixed-seed sample of at most
``params.clustering.sample_size`` (10,000) customers, so it takes seconds however many
customers there are; the final fit uses mini-batch k-means above 200,000 customers.

Run standalone: ``python benchmarks/bench_clustering.py [n_customers]``; ``main()`` returns
the timings (seconds) so ``benchmarks/run.py`` can collect them.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

from insights.clustering.clusters import build_clusters, choose_k, prepare_features
from insights.params import ClusteringParams

N_CUSTOMERS = 1_000_000
SEED = 42


def synthetic_features(n: int, *, seed: int = SEED) -> pd.DataFrame:
    """Return a customer features frame of ``n`` customers in three planted behaviour groups.

    40% frequent high-value buyers, 35% lapsed one-timers, 25% new customers, with noise.
    """
    rng = np.random.default_rng(seed)
    group = rng.choice(3, size=n, p=[0.40, 0.35, 0.25])
    frequent, lapsed = group == 0, group == 1
    recency = np.where(
        frequent,
        rng.uniform(5, 40, n),
        np.where(lapsed, rng.uniform(750, 1100, n), rng.uniform(3, 60, n)),
    )
    tenure = np.where(
        frequent,
        rng.uniform(700, 1000, n),
        np.where(lapsed, recency, recency + rng.uniform(0, 20, n)),
    )
    frequency = np.where(
        frequent, rng.integers(10, 20, n), np.where(lapsed, 1, rng.integers(1, 3, n))
    )
    mean = np.exp(
        np.where(
            frequent,
            rng.normal(8.5, 0.2, n),
            np.where(lapsed, rng.normal(5.5, 0.3, n), rng.normal(6.5, 0.3, n)),
        )
    )
    total = mean * frequency
    gap = np.where(frequency > 1, (tenure - recency) / np.maximum(frequency - 1, 1), np.nan)
    return pd.DataFrame(
        {
            "customer_id": np.char.add("C", np.char.zfill(np.arange(n).astype(str), 8)),
            "recency_days": recency,
            "frequency": frequency.astype("float64"),
            "monetary_total": total,
            "monetary_mean": mean,
            "tenure_days": tenure,
            "mean_gap_days": gap,
            "product_line_count": np.where(
                frequent, rng.integers(3, 5, n), rng.integers(1, 3, n)
            ).astype("float64"),
            "services_share": np.where(frequent, rng.uniform(0.2, 0.4, n), 0.0),
            "online_share": np.where(frequent, rng.uniform(0.0, 0.2, n), 0.0),
            "trend": np.where(frequent, rng.uniform(-0.1, 0.2, n), np.where(lapsed, 0.0, 1.0)),
            "revenue_12m": np.where(lapsed, 0.0, np.where(frequent, total * 365 / tenure, total)),
        }
    )


def _timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def main(n_customers: int = N_CUSTOMERS) -> dict[str, float]:
    """Time the clustering steps on ``n_customers`` synthetic customers; print and return them."""
    params = ClusteringParams()
    features, t_gen = _timed(lambda: synthetic_features(n_customers))
    prep, t_prep = _timed(lambda: prepare_features(features))
    matrix = prep.matrix.to_numpy()
    choice, t_choose = _timed(
        lambda: choose_k(
            matrix,
            k_min=params.k_min,
            k_max=params.k_max,
            sample_size=params.sample_size,
            n_init=params.n_init,
            random_state=SEED,
        )
    )
    result, t_all = _timed(lambda: build_clusters(features, params=params, random_state=SEED))
    timings = {
        "generate": t_gen,
        "prepare_features": t_prep,
        "choose_k (silhouette k=2..8 on the sample)": t_choose,
        "build_clusters (everything)": t_all,
    }
    sample = len(choice.sample_rows)
    print(f"clustering benchmark: {n_customers:,} customers, silhouette sample {sample:,}")
    for name, seconds in timings.items():
        print(f"  {name:<45} {seconds:7.2f} s")
    print(f"  chosen k = {result.k}; clusters: {', '.join(result.sizes['cluster_name'])}")
    runs = len(result.stability_ari)
    print(f"  stability: mean ARI {result.stability_mean:.3f} over {runs} reseeded fits")
    return timings


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else N_CUSTOMERS)
