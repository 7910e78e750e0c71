"""k-means machinery for the behavioural clusters: choose k, fit, measure stability.

``choose_k`` picks k by the mean silhouette on a fixed-seed sample (so it takes seconds on a
million customers), ``fit_kmeans`` fits every customer (exact k-means, or mini-batch above
``MINIBATCH_ABOVE``) and keeps an outlier from owning a cluster, ``measure_stability``
compares the labels with reseeded fits. ``clustering.build_clusters`` strings them together.

References: MacQueen (1967) k-means; Arthur & Vassilvitskii (2007) k-means++; Rousseeuw
(1987) silhouettes; Hubert & Arabie (1985) adjusted Rand index; Sculley (2010) mini-batch
k-means.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # scikit-learn (about 0.7 s to import) is imported where a fit runs
    from sklearn.cluster import KMeans, MiniBatchKMeans

#: A cluster holding fewer than max(2, this share of customers) is "tiny": its members are
#: fitted out and assigned to the nearest of k clusters fitted on everyone else.
TINY_CLUSTER_SHARE = 0.01
#: Above this many customers the final fit uses MiniBatchKMeans; exact KMeans below.
MINIBATCH_ABOVE = 200_000
_CHUNK = 512  # rows per block of the silhouette distance computation


@dataclass(frozen=True)
class KChoice:
    """The chosen k, the silhouette curve (k, silhouette, smallest_cluster, eligible), sample."""

    k: int
    curve: pd.DataFrame
    sample_rows: np.ndarray


@dataclass(frozen=True)
class KMeansFit:
    """Raw k-means labels (0..k-1), centres, how many customers were fitted out, rows fitted."""

    labels: np.ndarray
    centers: np.ndarray
    n_refitted: int
    algorithm: str
    fitted_rows: int


def sample_rows(n: int, *, size: int, random_state: int) -> np.ndarray:
    """Return sorted row positions of a fixed-seed sample of at most ``size`` of ``n`` rows."""
    if n <= size:
        return np.arange(n)
    return np.sort(np.random.default_rng(random_state).choice(n, size=size, replace=False))


def silhouette_scores(matrix: np.ndarray, label_sets: list[np.ndarray]) -> list[float]:
    """Compute the mean silhouette of several labellings of the same points in one pass.

    ``s(i) = (b(i) - a(i)) / max(a(i), b(i))`` with ``a(i)`` the mean Euclidean distance to
    the other members of i's cluster and ``b(i)`` the smallest mean distance to another
    cluster; ``s(i) = 0`` in a singleton (Rousseeuw 1987; as ``sklearn.metrics.
    silhouette_score``). The distance matrix is built once, in blocks, for all labellings.
    """
    from sklearn.metrics.pairwise import euclidean_distances

    x = np.asarray(matrix, dtype="float64")
    onehots = [np.eye(int(labels.max()) + 1)[labels] for labels in label_sets]
    stacked = np.hstack(onehots)
    sums = np.empty((len(x), stacked.shape[1]))
    for start in range(0, len(x), _CHUNK):
        block = euclidean_distances(x[start : start + _CHUNK], x)
        block[np.arange(len(block)), start + np.arange(len(block))] = 0.0
        sums[start : start + _CHUNK] = block @ stacked
    scores, offset = [], 0
    for labels, onehot in zip(label_sets, onehots, strict=True):
        counts = onehot.sum(axis=0)
        part = sums[:, offset : offset + len(counts)]
        offset += len(counts)
        own = part[np.arange(len(x)), labels]
        a = own / np.maximum(counts[labels] - 1, 1)
        empty_or_own = onehot.astype(bool) | (counts == 0)
        b = np.where(empty_or_own, np.inf, part / np.maximum(counts, 1)).min(axis=1)
        if not np.isfinite(b).all():  # a single non-empty cluster: undefined
            scores.append(float("nan"))
            continue
        s = np.where(counts[labels] > 1, (b - a) / np.maximum(np.maximum(a, b), 1e-300), 0.0)
        scores.append(float(s.mean()))
    return scores


def choose_k(
    matrix: np.ndarray, *, k_min: int, k_max: int, sample_size: int, n_init: int, random_state: int
) -> KChoice:
    """Choose k by the highest mean silhouette over ``k_min..k_max`` on a fixed-seed sample.

    k-means is fitted on the sample (at most ``sample_size`` rows) for each k; a k whose
    sample fit has a tiny cluster (see ``TINY_CLUSTER_SHARE``) is not eligible unless no k
    is; ties go to the smaller k. k values the sample cannot support get NaN.
    """
    x = np.asarray(matrix, dtype="float64")
    rows = sample_rows(len(x), size=sample_size, random_state=random_state)
    sample = x[rows]
    distinct = len(np.unique(sample, axis=0))
    ks = [k for k in range(k_min, k_max + 1) if k <= min(distinct, len(sample) - 1)]
    label_sets = [_kmeans(k, sample, n_init, random_state).labels_ for k in ks]
    scores = dict(zip(ks, silhouette_scores(sample, label_sets) if ks else [], strict=True))
    smallest = {k: int(np.bincount(lab).min()) for k, lab in zip(ks, label_sets, strict=True)}
    curve = pd.DataFrame({"k": range(k_min, k_max + 1)})
    curve["silhouette"] = curve["k"].map(scores).astype("float64")
    curve["smallest_cluster"] = curve["k"].map(smallest).astype("float64")
    curve["eligible"] = curve["smallest_cluster"] >= tiny_limit(len(sample))
    pool = (
        curve[curve["eligible"]] if curve["eligible"].any() else curve.dropna(subset="silhouette")
    )
    ranked = pool.sort_values(["silhouette", "k"], ascending=[False, True])
    best = int(ranked["k"].iloc[0]) if len(ranked) else k_min
    return KChoice(best, curve, rows)


def tiny_limit(n: int) -> int:
    """Return the smallest size that is not tiny: max(2, ceil(TINY_CLUSTER_SHARE * n))."""
    return max(2, int(np.ceil(TINY_CLUSTER_SHARE * n)))


def _kmeans(k: int, x: np.ndarray, n_init: int, seed: int) -> KMeans | MiniBatchKMeans:
    """Fit k-means on ``x``: exact up to MINIBATCH_ABOVE rows, mini-batch above.

    Runs single-threaded: on these sizes OpenMP start-up dominates, and on a busy machine
    threaded k-means is many times slower. The result does not depend on the thread count.
    """
    from sklearn.cluster import KMeans, MiniBatchKMeans
    from threadpoolctl import threadpool_limits

    if len(x) > MINIBATCH_ABOVE:
        model = MiniBatchKMeans(n_clusters=k, n_init=n_init, random_state=seed, batch_size=4096)
    else:
        model = KMeans(n_clusters=k, n_init=n_init, random_state=seed)
    with threadpool_limits(limits=1, user_api="openmp"):
        return model.fit(x)


def fit_kmeans(
    matrix: np.ndarray, *, k: int, n_init: int, random_state: int, fit_size: int | None = None
) -> KMeansFit:
    """Fit k-means (k-means++ init, ``n_init`` restarts, seeded) on every row, or on a sample.

    Exact Lloyd ``KMeans`` up to ``MINIBATCH_ABOVE`` rows, ``MiniBatchKMeans`` above. When a
    cluster is tiny (fewer than max(2, ``TINY_CLUSTER_SHARE`` of rows)), typically one
    extreme customer, k-means is refitted once without its members, who are then assigned to
    the nearest centre: an outlier never silently owns a cluster. With ``fit_size`` and more
    rows than that, k-means (as above) is fitted on a fixed-seed sample of ``fit_size`` rows
    (``sample_rows``) and every row gets its nearest centre (``nearest_centre``): the cost of
    the fit stops growing with customers; ``fitted_rows`` says how many rows were fitted.
    """
    x = np.asarray(matrix, dtype="float64")
    if fit_size is not None and len(x) > fit_size:
        rows = sample_rows(len(x), size=fit_size, random_state=random_state)
        part = fit_kmeans(x[rows], k=k, n_init=n_init, random_state=random_state)
        labels = nearest_centre(x, part.centers)
        return KMeansFit(labels, part.centers, part.n_refitted, part.algorithm, len(rows))
    model = _kmeans(k, x, n_init, random_state)
    labels = model.labels_.astype("int64")
    tiny = np.bincount(labels, minlength=k) < tiny_limit(len(x))
    keep = ~tiny[labels]
    if not tiny.any() or distinct_rows(x[keep], enough=k) < k:
        return KMeansFit(labels, model.cluster_centers_, 0, type(model).__name__, len(x))
    model = _kmeans(k, x[keep], n_init, random_state)
    labels = model.predict(x).astype("int64")
    labels[keep] = model.labels_
    return KMeansFit(labels, model.cluster_centers_, int((~keep).sum()), type(model).__name__, len(x))


def nearest_centre(matrix: np.ndarray, centers: np.ndarray, *, chunk: int = 65_536) -> np.ndarray:
    """Return the index of the nearest centre (Euclidean; ties to the lower index) of each row.

    >>> nearest_centre(np.array([[0.0], [0.9], [2.0]]), np.array([[0.0], [2.0]]))
    array([0, 0, 1])
    """
    x = np.asarray(matrix, dtype="float64")
    c = np.asarray(centers, dtype="float64")
    out = np.empty(len(x), dtype="int64")
    for start in range(0, len(x), chunk):
        block = x[start : start + chunk]
        d2 = ((block[:, None, :] - c[None, :, :]) ** 2).sum(axis=2)
        out[start : start + chunk] = d2.argmin(axis=1)
    return out


def measure_stability(
    matrix: np.ndarray,
    labels: np.ndarray,
    *,
    k: int,
    n_init: int,
    runs: int,
    random_state: int,
    sample_size: int,
) -> tuple[float, ...]:
    """Return the adjusted Rand index between ``labels`` and ``runs`` reseeded k-means fits.

    ARI = (RI - E[RI]) / (max RI - E[RI]) (Hubert & Arabie 1985): 1 for the same partition,
    about 0 for chance agreement. The reseeded fits use ``fit_kmeans`` on the same fixed-seed
    sample as ``choose_k`` (every row when there are at most ``sample_size``); their seeds
    come from ``numpy.random.SeedSequence(random_state).spawn(runs)``.
    """
    from sklearn.metrics import adjusted_rand_score

    x = np.asarray(matrix, dtype="float64")
    rows = sample_rows(len(x), size=sample_size, random_state=random_state)
    seeds = [int(s.generate_state(1)[0]) for s in np.random.SeedSequence(random_state).spawn(runs)]
    fits = [fit_kmeans(x[rows], k=k, n_init=n_init, random_state=seed).labels for seed in seeds]
    return tuple(float(adjusted_rand_score(labels[rows], fit)) for fit in fits)


def distinct_rows(x: np.ndarray, *, enough: int) -> int:
    """Count distinct rows; stop early (a lower bound) once a prefix already has ``enough``."""
    head = len(np.unique(x[:10_000], axis=0)) if x.shape[1] else min(len(x), 1)
    if head >= enough or len(x) <= 10_000 or not x.shape[1]:
        return head
    return len(np.unique(x, axis=0))
