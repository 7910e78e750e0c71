"""Behavioural clusters: k-means on scaled customer features, with stable readable names.

``build_clusters`` runs the whole step on the customer features frame: prepare the features
(impute, log-transform the skewed ones, scale, winsorise, drop constants) -> choose k by
silhouette on a fixed-seed sample -> fit k-means on every customer -> order and name the
clusters from their profiles in original units -> agreement across reseeded fits -> 2-D
projection for the plot. Degenerate data gives a ``ClusterResult`` whose ``status`` is not
``"ok"`` and whose ``message`` says why in one plain sentence.

The k-means machinery lives in ``cluster_fit`` and profiles and names in
``cluster_profiles``; their public functions are re-exported here.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from insights.clustering.fit import (
    MINIBATCH_ABOVE,
    TINY_CLUSTER_SHARE,
    KChoice,
    KMeansFit,
    choose_k,
    distinct_rows,
    fit_kmeans,
    measure_stability,
    sample_rows,
    silhouette_scores,
    tiny_limit,
)
from insights.clustering.profiles import (
    BEHAVIOUR_FEATURES,
    name_clusters,
    profile_clusters,
    summary_stats,
)
from insights.params import ClusteringParams
from insights.schema import ContractError, require_columns
from insights.wording import count_of

__all__ = [
    "CLIP_BOUND",
    "FEATURES",
    "LOG_FEATURES",
    "MINIBATCH_ABOVE",
    "TINY_CLUSTER_SHARE",
    "ClusterResult",
    "KChoice",
    "KMeansFit",
    "PreparedFeatures",
    "build_clusters",
    "choose_k",
    "fit_kmeans",
    "measure_stability",
    "name_clusters",
    "prepare_features",
    "profile_clusters",
    "sample_rows",
    "silhouette_scores",
]

#: Behavioural features clustered by default (domain.md, "Behavioural features").
FEATURES = BEHAVIOUR_FEATURES
#: Skewed features (day counts, counts, money: long right tails) get a sign-preserving
#: ``sign(x) * log1p(|x|)``, so net returns (negative totals) stay defined. Shares and trend
#: are bounded and stay linear. A fixed list, so the transform never changes between quarters.
LOG_FEATURES = frozenset(
    {
        "recency_days",
        "frequency",
        "monetary_total",
        "monetary_mean",
        "tenure_days",
        "mean_gap_days",
        "product_line_count",
        "purchases_window",
        "revenue_12m",
        "revenue_prev_12m",
        "margin_total",
        "discount_total",
    }
)
#: Scaled features are winsorised at this many standard deviations (see prepare_features).
CLIP_BOUND = 5.0


@dataclass(frozen=True)
class PreparedFeatures:
    """Scaled feature matrix (index ``customer_id``) and what was done to get it."""

    matrix: pd.DataFrame
    transforms: dict[str, str]
    dropped: tuple[str, ...]
    notes: tuple[str, ...]


@dataclass(frozen=True)
class ClusterResult:
    """Everything the report shows about the clusters.

    ``status`` is "ok", or for degenerate data "empty", "too_few_customers",
    "identical_customers" or "no_features", with ``message`` saying why in one sentence.
    ``labels``: customer_id -> cluster (1..k) and cluster_name; ``profiles``: per cluster
    size, revenue share and typical behaviour in original units; ``sizes``: its size and
    revenue columns; ``silhouette``: the curve over k (on the sample); ``stability_ari``: ARI
    of each reseeded fit; ``projection``: PCA coordinates of the sampled customers;
    ``centers``: mean scaled feature per cluster (the heatmap); ``notes``: method notes.
    """

    status: str
    message: str
    k: int | None = None
    k_source: str = ""
    labels: pd.DataFrame = field(default_factory=lambda: _empty(_LABEL_COLUMNS))
    profiles: pd.DataFrame = field(default_factory=lambda: _empty(_SIZE_COLUMNS))
    sizes: pd.DataFrame = field(default_factory=lambda: _empty(_SIZE_COLUMNS))
    silhouette: pd.DataFrame = field(default_factory=lambda: _empty(_CURVE_COLUMNS))
    stability_ari: tuple[float, ...] = ()
    stability_mean: float = float("nan")
    is_stable: bool = False
    stability_min_ari: float = float("nan")
    projection: pd.DataFrame = field(default_factory=lambda: _empty(_PROJECTION_COLUMNS))
    projection_variance: tuple[float, ...] = ()
    centers: pd.DataFrame = field(default_factory=pd.DataFrame)
    features: tuple[str, ...] = ()
    n_customers: int = 0
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """Return True when clusters were fitted."""
        return self.status == "ok"


_LABEL_COLUMNS: list[str] = ["customer_id", "cluster", "cluster_name"]
_SIZE_COLUMNS: list[str] = [
    "cluster",
    "cluster_name",
    "customers",
    "customer_share",
    "revenue_12m",
    "revenue_share",
]
_PROJECTION_COLUMNS: list[str] = [*_LABEL_COLUMNS, "pc1", "pc2"]
_CURVE_COLUMNS: list[str] = ["k", "silhouette", "smallest_cluster", "eligible"]


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="float64") for c in columns})


def prepare_features(
    features: pd.DataFrame, *, columns: tuple[str, ...] = FEATURES
) -> PreparedFeatures:
    """Turn the customer features into a scaled matrix k-means can use.

    Steps, in order: rows sorted by ``customer_id``; ``mean_gap_days`` of one-purchase
    customers (NaN) set to their ``recency_days`` (the gap is at least that long), other
    missing or infinite values set to the column median; ``LOG_FEATURES`` transformed by
    ``sign(x) * log1p(|x|)``; ``z = (x - median) / s`` with ``s`` the larger of IQR / 1.349
    and the standard deviation, so neither a spike of equal values (IQR 0, e.g. most
    customers bought once, or a 0/1 share) nor the tail sets an extreme scale; ``z``
    winsorised at +/-``CLIP_BOUND``, so one extreme customer cannot pull a cluster of its own;
    constant or all-missing features dropped with a note.

    Parameters
    ----------
    features : DataFrame
        One row per customer (``features.build_customer_features``).
    columns : tuple of str
        Feature columns to use.

    Returns
    -------
    PreparedFeatures
    """
    require_columns(features, ["customer_id", *columns], where="prepare_features")
    if features["customer_id"].duplicated().any():
        raise ContractError("prepare_features: customer_id must be unique (one row per customer).")
    frame = features.sort_values("customer_id", kind="stable")
    values = frame[list(columns)].to_numpy(dtype="float64", na_value=np.nan, copy=True)
    values[~np.isfinite(values)] = np.nan
    notes = _impute_gap(values, columns, frame)
    logged = [c in LOG_FEATURES for c in columns]
    values[:, logged] = np.sign(values[:, logged]) * np.log1p(np.abs(values[:, logged]))
    scaled, kept, scale_notes = _scale(values, columns)
    matrix = pd.DataFrame(scaled, columns=kept, index=pd.Index(frame["customer_id"]))
    transforms = {c: "sign-preserving log1p" if c in LOG_FEATURES else "none" for c in kept}
    dropped = tuple(c for c in columns if c not in kept)
    return PreparedFeatures(matrix, transforms, dropped, tuple(notes + scale_notes))


def _impute_gap(values: np.ndarray, columns: tuple[str, ...], frame: pd.DataFrame) -> list[str]:
    """Set (in place) a one-purchase customer's missing mean gap to days since that purchase."""
    source = next((c for c in ("recency_days", "tenure_days") if c in frame), None)
    if "mean_gap_days" not in columns or source is None:
        return []
    gap = values[:, list(columns).index("mean_gap_days")]
    fill = frame[source].to_numpy(dtype="float64", na_value=np.nan)
    filled = np.isnan(gap) & np.isfinite(fill)
    if not filled.any():
        return []
    gap[filled] = fill[filled]
    return [
        f"{int(filled.sum()):,} one-purchase customers have no gap between purchases; their "
        f"gap was set to the days since their only purchase ({source}), a lower bound."
    ]


def _scale(values: np.ndarray, columns: tuple[str, ...]) -> tuple[np.ndarray, list[str], list[str]]:
    """Median-centre, divide by max(IQR/1.349, std), winsorise; drop constant columns."""
    out, kept, notes, filled = [], [], [], []
    for j, col in enumerate(columns):
        column = values[:, j]
        missing = np.isnan(column)
        if missing.all():
            notes.append(f"{col} is missing for every customer; left out of the clustering.")
            continue
        if missing.any():
            filled.append(f"{col} ({int(missing.sum()):,})")
            column = np.where(missing, np.median(column[~missing]), column)
        q1, median, q3 = np.quantile(column, [0.25, 0.5, 0.75])
        scale = max((q3 - q1) / 1.349, float(column.std()))
        if not scale > 1e-12:
            notes.append(f"{col} is the same for every customer; left out of the clustering.")
            continue
        out.append(np.clip((column - median) / scale, -CLIP_BOUND, CLIP_BOUND))
        kept.append(col)
    if not kept and len(columns) > 1:
        notes = ["Every feature has the same value for every customer."]
    if filled:
        notes.append(f"Missing values were set to the feature's median: {', '.join(filled)}.")
    scaled = np.column_stack(out) if out else np.empty((len(values), 0))
    clipped = int((np.abs(scaled) >= CLIP_BOUND).any(axis=1).sum())
    if clipped:
        notes.append(
            f"{count_of(clipped, 'customer')} with extreme values capped at {CLIP_BOUND:g} "
            "standard deviations so they cannot pull a cluster of their own."
        )
    return scaled, kept, notes


def build_clusters(
    features: pd.DataFrame, *, params: ClusteringParams, random_state: int
) -> ClusterResult:
    """Cluster customers by behaviour with k-means: choose k, fit, order, name, check stability.

    Parameters
    ----------
    features : DataFrame
        The customer features frame (one row per customer).
    params : ClusteringParams
        ``params.clustering``: fixed ``k`` or the ``k_min..k_max`` silhouette range,
        ``sample_size``, ``fit_size``, ``n_init``, ``stability_runs``, ``stability_min_ari``, ``features``.
    random_state : int
        Seed of the sample, every fit and the reseeded stability fits.

    Returns
    -------
    ClusterResult
        Clusters numbered 1..k by mean ``monetary_total``, highest first (ties: more
        customers first), named by ``cluster_profiles.name_clusters``. Degenerate data
        (empty, too few customers, identical customers) gives ``status`` != "ok" and a
        plain-sentence ``message``.
    """
    required = ["customer_id", "monetary_total", "revenue_12m", *(params.features or [])]
    require_columns(features, required, where="build_clusters")
    chosen = params.features if params.features is not None else FEATURES
    columns = tuple(c for c in chosen if c in features.columns)
    absent = [c for c in chosen if c not in features.columns]
    if features.empty or len(features) == 1 or not columns:
        return _too_little(len(features), columns)
    prep = prepare_features(features, columns=columns)
    if absent:
        note = f"Not in the data, so not used: {', '.join(absent)}."
        prep = dataclasses.replace(prep, notes=(note, *prep.notes))
    x = prep.matrix.to_numpy()
    problem = _size_problem(x, params)
    if problem:
        return ClusterResult(
            *problem, n_customers=len(x), features=tuple(prep.matrix), notes=prep.notes
        )
    k_lo, k_hi = (params.k, params.k) if params.k else (params.k_min, params.k_max)
    choice = choose_k(
        x,
        k_min=k_lo,
        k_max=k_hi,
        sample_size=params.sample_size,
        n_init=params.n_init,
        random_state=random_state,
    )
    fit = fit_kmeans(x, k=choice.k, n_init=params.n_init, random_state=random_state,
                     fit_size=params.fit_size)
    return _assemble(features, prep, choice, fit, params=params, random_state=random_state)


def _too_little(n: int, columns: tuple[str, ...]) -> ClusterResult:
    if n == 0:
        return ClusterResult("empty", "There are no customers to cluster.")
    if n == 1:
        message = "There is only one customer: there are no groups to find."
        return ClusterResult("too_few_customers", message, n_customers=1)
    message = "None of the behavioural features is available, so customers cannot be grouped."
    return ClusterResult("no_features", message, n_customers=n)


def _size_problem(x: np.ndarray, params: ClusteringParams) -> tuple[str, str] | None:
    n, need = len(x), params.k or params.k_min
    distinct = distinct_rows(x, enough=max(need, 2))
    if n >= 2 and distinct == 1:
        return "identical_customers", (
            f"All {n:,} customers have the same behaviour on every "
            "feature, so there are no groups to find."
        )
    if distinct < need or (params.k is None and n <= need):
        return "too_few_customers", (
            f"Only {count_of(n, 'customer')} with {count_of(distinct, 'distinct behaviour profile')}: "
            f"too few to form {need} clusters."
        )
    return None


def _assemble(
    features: pd.DataFrame,
    prep: PreparedFeatures,
    choice: KChoice,
    fit: KMeansFit,
    *,
    params: ClusteringParams,
    random_state: int,
) -> ClusterResult:
    ids, x = prep.matrix.index, prep.matrix.to_numpy()
    profiles = profile_clusters(features, labels=pd.Series(fit.labels, index=ids))
    order = profiles.sort_values(
        ["monetary_total_mean", "customers"], ascending=False, kind="stable"
    ).index
    renumber = np.empty(choice.k, dtype="int64")
    renumber[order.astype("int64")] = np.arange(1, choice.k + 1)
    profiles = profiles.loc[order].set_axis(
        pd.Index(renumber[order.astype("int64")], name="cluster")
    )
    names = name_clusters(profiles, overall=features.agg(summary_stats(features)))
    profiles.insert(0, "cluster_name", names)
    cluster = renumber[fit.labels]
    labels = pd.DataFrame(
        {
            "customer_id": ids.array,
            "cluster": cluster,
            "cluster_name": names.loc[cluster].to_numpy(),
        }
    )
    ari = measure_stability(
        x,
        fit.labels,
        k=choice.k,
        n_init=params.n_init,
        runs=params.stability_runs,
        random_state=random_state,
        sample_size=params.sample_size,
    )
    mean_ari = float(np.mean(ari))
    projection, variance = _project(x, labels, choice.sample_rows, random_state)
    table = profiles.reset_index()
    return ClusterResult(
        status="ok",
        message=f"{len(ids):,} customers form {choice.k} behavioural clusters.",
        k=choice.k,
        k_source="params" if params.k else "silhouette",
        labels=labels,
        profiles=table,
        sizes=table[_SIZE_COLUMNS],
        silhouette=choice.curve,
        stability_ari=ari,
        stability_mean=mean_ari,
        is_stable=mean_ari >= params.stability_min_ari,
        stability_min_ari=params.stability_min_ari,
        projection=projection,
        projection_variance=variance,
        centers=prep.matrix.groupby(cluster).mean().rename_axis("cluster"),
        features=tuple(prep.matrix),
        n_customers=len(ids),
        notes=tuple(prep.notes) + _fit_notes(choice, fit, profiles, params, mean_ari, len(ids)),
    )


def _project(
    x: np.ndarray, labels: pd.DataFrame, rows: np.ndarray, seed: int
) -> tuple[pd.DataFrame, tuple[float, ...]]:
    """PCA of the scaled features to 2-D on the fixed-seed sample (all rows up to its size)."""
    from sklearn.decomposition import PCA  # here: scikit-learn loads only when clusters are built

    n_comp = min(2, x.shape[1])
    pca = PCA(n_components=n_comp, svd_solver="full", random_state=seed).fit(x[rows])
    points = pca.transform(x[rows])
    out = labels.iloc[rows].reset_index(drop=True)
    out["pc1"] = points[:, 0]
    out["pc2"] = points[:, 1] if n_comp == 2 else 0.0
    return out, tuple(float(v) for v in pca.explained_variance_ratio_)


def _fit_notes(
    choice: KChoice,
    fit: KMeansFit,
    profiles: pd.DataFrame,
    params: ClusteringParams,
    mean_ari: float,
    n: int,
) -> tuple[str, ...]:
    tried = choice.curve.dropna(subset="silhouette").set_index("k")["silhouette"]
    notes = [
        f"k = {choice.k} is fixed in the params."
        if params.k
        else f"k = {choice.k} has the highest silhouette ({tried.get(choice.k, np.nan):.2f}) "
        f"among k = {tried.index.min()}..{tried.index.max()}, on a sample of "
        f"{len(choice.sample_rows):,} customers."
    ]
    if fit.algorithm == "MiniBatchKMeans":
        notes.append(f"With {n:,} customers the final fit used mini-batch k-means.")
    if fit.fitted_rows < n:
        notes.append(f"With {n:,} customers k-means was fitted on a fixed-seed sample of "
                     f"{fit.fitted_rows:,}; every customer is in the cluster of the nearest centre.")
    if fit.n_refitted:
        notes.append(
            f"{count_of(fit.n_refitted, 'extreme customer')} formed a cluster of their own, left "
            "out of the fit and assigned to the nearest cluster."
        )
    for cluster, row in profiles[profiles["customers"] < tiny_limit(n)].iterrows():
        notes.append(
            f"Cluster {cluster} ({row['cluster_name']}) holds only "
            f"{count_of(int(row['customers']), 'customer')}: read it as individuals, not a segment."
        )
    if mean_ari < params.stability_min_ari:
        notes.append(
            f"The clusters are not stable: reseeded fits agree with an adjusted Rand "
            f"index of {mean_ari:.2f} on average, below {params.stability_min_ari:.2f}."
        )
    return tuple(notes)
