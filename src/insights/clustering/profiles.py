"""Cluster profiles in original units, and readable stable names from a rule table.

``profile_clusters`` summarises each cluster (size, revenue share, typical behaviour);
``name_clusters`` names it. A cluster's typical value of a feature (its median; the mean for
shares) is compared with the same statistic over all customers: "high" at ``HIGH_RATIO``
(1.5) times the overall value or more, "low" at 1/1.5 of it or less, "mid" in between (and
"mid" when the overall value is not positive or the feature is absent). ``one_time`` means
the cluster's median frequency is at most 1. The first rule of ``NAME_RULES`` whose
conditions all hold names the cluster; the channel and service qualifiers are appended;
clusters that still share a name get a value qualifier in cluster order. The rules only look
at behaviour relative to the customer base, so the same behaviour gets the same name every
quarter.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from insights.schema import require_columns

#: Behavioural features (domain.md, "Behavioural features"), in report order.
BEHAVIOUR_FEATURES = (
    "recency_days",
    "frequency",
    "monetary_total",
    "monetary_mean",
    "tenure_days",
    "mean_gap_days",
    "product_line_count",
    "services_share",
    "online_share",
    "trend",
)
HIGH_RATIO = 1.5
LOW_RATIO = 1 / HIGH_RATIO
#: Profiled by the mean (the median of a share is often 0 or 1); the rest by the median.
SHARE_FEATURES = ("services_share", "online_share")
#: "online-first" / "service-heavy": cluster mean share at least this ...
QUALIFIER_MIN_SHARE = 0.5
#: ... and at least this much above the overall mean share.
QUALIFIER_MIN_LIFT = 0.2

_HIGH, _LOW, _YES = frozenset({"high"}), frozenset({"low"}), frozenset({"yes"})
_NOT_HIGH = frozenset({"low", "mid"})
#: (name, {feature: allowed levels}); first match wins; the last rule always matches.
NAME_RULES: tuple[tuple[str, dict[str, frozenset[str]]], ...] = (
    ("new customers", {"tenure_days": _LOW, "recency_days": _NOT_HIGH}),
    ("lapsed one-timers", {"recency_days": _HIGH, "one_time": _YES}),
    ("lapsed high-value", {"recency_days": _HIGH, "monetary_total": _HIGH}),
    ("lapsed customers", {"recency_days": _HIGH}),
    ("frequent high-value", {"frequency": _HIGH, "monetary_total": _HIGH}),
    ("frequent low-value", {"frequency": _HIGH, "monetary_total": _LOW}),
    ("frequent buyers", {"frequency": _HIGH}),
    ("big-ticket one-timers", {"one_time": _YES, "monetary_mean": _HIGH}),
    ("one-timers", {"one_time": _YES}),
    ("occasional high-value", {"monetary_total": _HIGH}),
    ("occasional low-value", {"monetary_total": _LOW}),
    ("steady repeat buyers", {"one_time": frozenset({"no"})}),
    ("steady mid-value", {}),
)
#: Appended (", online-first") when the cluster's share qualifies.
QUALIFIERS = (("online_share", "online-first"), ("services_share", "service-heavy"))


def level(value: float, overall: float) -> str:
    """Return "high", "low" or "mid" for a cluster value against the overall value.

    >>> level(30.0, 10.0), level(5.0, 10.0), level(12.0, 10.0)
    ('high', 'low', 'mid')
    """
    if not (np.isfinite(value) and np.isfinite(overall)) or overall <= 0:
        return "mid"
    if value >= HIGH_RATIO * overall:
        return "high"
    return "low" if value <= LOW_RATIO * overall else "mid"


def _levels(row: pd.Series, overall: pd.Series) -> dict[str, str]:
    levels = {c: level(float(row[c]), float(overall[c])) for c in row.index if c in overall.index}
    frequency = float(row.get("frequency", np.nan))
    levels["one_time"] = "yes" if np.isfinite(frequency) and frequency <= 1 else "no"
    return levels


def _base_name(levels: dict[str, str]) -> str:
    for name, conditions in NAME_RULES:
        if all(levels.get(feature, "mid") in allowed for feature, allowed in conditions.items()):
            return name
    return NAME_RULES[-1][0]


def _qualifiers(row: pd.Series, overall: pd.Series) -> list[str]:
    out = []
    for feature, word in QUALIFIERS:
        value, base = float(row.get(feature, np.nan)), float(overall.get(feature, np.nan))
        floor = max(QUALIFIER_MIN_SHARE, np.nan_to_num(base) + QUALIFIER_MIN_LIFT)
        if np.isfinite(value) and value >= floor:
            out.append(word)
    return out


def name_clusters(profiles: pd.DataFrame, *, overall: pd.Series) -> pd.Series:
    """Name each cluster from its profile with ``NAME_RULES``; names are unique.

    Parameters
    ----------
    profiles : DataFrame
        One row per cluster in report order (``clustering.profile_clusters``): medians of
        the behavioural features, means of the shares.
    overall : Series
        The same statistics over all customers.

    Returns
    -------
    Series of str
        Indexed like ``profiles``. Duplicates get " (higher-value)" / " (lower-value)", or
        " (value tier i)" for three or more, in row order (highest mean value first).

    Examples
    --------
    >>> p = pd.DataFrame({"recency_days": [20.0, 400.0], "frequency": [9.0, 1.0],
    ...                   "monetary_total": [900.0, 50.0], "tenure_days": [900.0, 700.0]})
    >>> name_clusters(p, overall=pd.Series({"recency_days": 100.0, "frequency": 2.0,
    ...     "monetary_total": 200.0, "tenure_days": 800.0})).tolist()
    ['frequent high-value', 'lapsed one-timers']
    """
    names = []
    for _, row in profiles.iterrows():
        parts = [_base_name(_levels(row, overall)), *_qualifiers(row, overall)]
        names.append(", ".join(parts))
    names = pd.Series(names, index=profiles.index, dtype="str")
    for name, group in names.groupby(names, sort=False):
        if len(group) > 1:
            suffixes = (
                ["higher-value", "lower-value"]
                if len(group) == 2
                else [f"value tier {i + 1}" for i in range(len(group))]
            )
            names.loc[group.index] = [f"{name} ({s})" for s in suffixes]
    return names


def summary_stats(frame: pd.DataFrame) -> dict[str, str]:
    """Return the statistic profiling each behavioural feature present: median or mean."""
    present = [c for c in BEHAVIOUR_FEATURES if c in frame]
    return {c: "mean" if c in SHARE_FEATURES else "median" for c in present}


def profile_clusters(features: pd.DataFrame, *, labels: pd.Series) -> pd.DataFrame:
    """Summarise each cluster in original units: size, revenue share and typical behaviour.

    Parameters
    ----------
    features : DataFrame
        The customer features frame.
    labels : Series
        Cluster label per customer, indexed by ``customer_id``.

    Returns
    -------
    DataFrame
        One row per label (index), columns ``customers``, ``customer_share``,
        ``revenue_12m`` (sum), ``revenue_share`` (of the total trailing-12-month revenue; NaN
        when that total is not positive), ``monetary_total_mean``, then each behavioural
        feature present: the median (shares: the mean; ``mean_gap_days`` over repeat buyers
        only, as one-purchase customers have none).
    """
    require_columns(
        features, ["customer_id", "monetary_total", "revenue_12m"], where="profile_clusters"
    )
    frame = features.assign(cluster=features["customer_id"].map(labels)).dropna(subset="cluster")
    groups = frame.groupby("cluster", sort=True)
    total = float(frame["revenue_12m"].sum())
    out = pd.DataFrame({"customers": groups.size()})
    out["customer_share"] = out["customers"] / out["customers"].sum()
    out["revenue_12m"] = groups["revenue_12m"].sum()
    out["revenue_share"] = out["revenue_12m"] / total if total > 0 else np.nan
    out["monetary_total_mean"] = groups["monetary_total"].mean()
    stats = summary_stats(frame)
    return out.join(groups[list(stats)].agg(stats)) if stats else out
