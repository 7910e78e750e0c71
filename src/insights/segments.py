"""Lifecycle segments, movement between quarters, and RFM segments.

Every function takes the customer features frame (one row per customer, as of a date; see
``features.build_customer_features``) or the segment frames built from it, and returns new
objects. Thresholds come from params sections (``params.lifecycle``, ``params.express_test``,
``params.rfm``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

# The express test lives in insights.express; its names stay importable from here.
from insights.express import (  # noqa: F401
    BaseOutflow,
    ExpressTestResult,
    base_outflow,
    express_rule,
    express_test,
)
from insights.params import LifecycleParams, RfmRule
from insights.schema import (  # noqa: F401  (row_positions: re-exported)
    require_columns,
    row_positions,
    same_unique_ids,
)

#: Lifecycle segments in display order: from the newest relationship to the lost one.
SEGMENT_ORDER = ("new", "regular", "occasional", "one-time", "lost")
SEGMENT_DTYPE = pd.CategoricalDtype(list(SEGMENT_ORDER), ordered=True)

#: Row label of customers who had not bought yet in the previous quarter.
NOT_YET = "(not yet a customer)"

#: Health rank used to call a move a loss or a gain (a new customer who buys again is a gain,
#: one who does not is a loss).
_HEALTH = {"lost": 0.0, "one-time": 1.0, "new": 1.5, "occasional": 2.0, "regular": 3.0}

_LIFECYCLE_COLUMNS = ("customer_id", "recency_days", "tenure_days", "purchases_window", "frequency")


def assign_lifecycle(features: pd.DataFrame, *, params: LifecycleParams) -> pd.DataFrame:
    """Assign each customer one lifecycle segment; the first matching rule wins.

    Rules (domain.md), in order, with ``d`` = ``params``:

    1. *lost*: no purchase in the last ``d.lost_days`` days, i.e. ``recency_days >= lost_days``.
       "The last 365 days" is the same window as ``revenue_12m`` (as_of - 365d < date <= as_of),
       so a purchase exactly 365 days before as_of is outside it and a lost customer has no
       purchase in the trailing-12-month window. A customer with no purchase at all
       (``recency_days`` missing: only returns or zero rows) is lost too.
    2. *new*: first purchase in the last ``d.new_days`` days, ``tenure_days < new_days``
       (``tenure_days`` = days from the first purchase to as_of).
    3. *regular*: ``purchases_window >= d.regular_min_purchases`` (purchases in the last
       ``d.regular_window_days``, counted by the features step).
    4. *one-time*: one purchase ever, ``frequency <= 1``.
    5. *occasional*: everyone else.

    Parameters
    ----------
    features : DataFrame
        Customer features with customer_id, recency_days, tenure_days, purchases_window and
        frequency.
    params : LifecycleParams
        The unit's lifecycle windows (``params.lifecycle``).

    Returns
    -------
    DataFrame
        ``customer_id`` and ``segment`` (ordered categorical, ``SEGMENT_ORDER``), in input order.

    Examples
    --------
    >>> f = pd.DataFrame({"customer_id": ["a", "b"], "recency_days": [400, 10],
    ...                   "tenure_days": [900, 30], "purchases_window": [0, 1],
    ...                   "frequency": [5, 1]})
    >>> assign_lifecycle(f, params=LifecycleParams())["segment"].tolist()
    ['lost', 'new']
    """
    require_columns(features, _LIFECYCLE_COLUMNS, where="assign_lifecycle")
    conditions = [
        (features["recency_days"].isna() | (features["recency_days"] >= params.lost_days))
        .to_numpy(dtype=bool, na_value=True),
        (features["tenure_days"] < params.new_days).to_numpy(dtype=bool, na_value=False),
        (features["purchases_window"] >= params.regular_min_purchases).to_numpy(
            dtype=bool, na_value=False
        ),
        (features["frequency"] <= 1).to_numpy(dtype=bool, na_value=False),
    ]
    labels = np.select(conditions, ["lost", "new", "regular", "one-time"], default="occasional")
    return pd.DataFrame(
        {
            "customer_id": features["customer_id"].array,
            "segment": pd.Categorical(labels, dtype=SEGMENT_DTYPE),
        },
        index=features.index,
    )


def lifecycle_rules(params: LifecycleParams) -> pd.DataFrame:
    """Return the lifecycle rules as plain text, one row per segment, in match order.

    >>> lifecycle_rules(LifecycleParams())["segment"].tolist()
    ['lost', 'new', 'regular', 'one-time', 'occasional']
    """
    return pd.DataFrame(
        {
            "segment": ["lost", "new", "regular", "one-time", "occasional"],
            "rule": [
                f"no purchase in the last {params.lost_days} days",
                f"first purchase in the last {params.new_days} days",
                f"{params.regular_min_purchases}+ purchases in the last "
                f"{params.regular_window_days} days",
                "one purchase ever",
                "everyone else (bought more than once, but not often lately)",
            ],
        }
    )


def segment_summary(
    features: pd.DataFrame, segments: pd.DataFrame, *, column: str = "segment"
) -> pd.DataFrame:
    """Count customers and trailing-12-month revenue per segment, with shares of the total.

    ``customer_share = customers / all customers``; ``revenue_share = revenue_12m / total
    revenue_12m`` (NaN when the total is not positive). Every category of a categorical
    ``column`` gets a row, empty ones with zeros.

    Parameters
    ----------
    features : DataFrame
        Customer features with customer_id and revenue_12m.
    segments : DataFrame
        customer_id and the segment ``column`` (from ``assign_lifecycle`` or ``rfm_segments``).
    column : str
        The segment column of ``segments``.

    Returns
    -------
    DataFrame
        One row per segment: ``segment``, ``customers``, ``customer_share``, ``revenue_12m``,
        ``revenue_share``.
    """
    require_columns(features, ["customer_id", "revenue_12m"], where="segment_summary")
    require_columns(segments, ["customer_id", column], where="segment_summary")
    if same_unique_ids(segments["customer_id"], features["customer_id"]):  # the report's case
        joined = segments[["customer_id", column]].assign(
            revenue_12m=features["revenue_12m"].to_numpy())
    else:
        joined = segments[["customer_id", column]].merge(
            features[["customer_id", "revenue_12m"]], on="customer_id", how="left", validate="1:1"
        )
    summary = (
        joined.groupby(column, observed=False, sort=True)
        .agg(customers=("customer_id", "size"), revenue_12m=("revenue_12m", "sum"))
        .reset_index()
        .rename(columns={column: "segment"})
    )
    total_customers = summary["customers"].sum()
    total_revenue = summary["revenue_12m"].sum()
    summary["customer_share"] = (
        summary["customers"] / total_customers if total_customers else np.nan
    )
    summary["revenue_share"] = (
        summary["revenue_12m"] / total_revenue if total_revenue > 0 else np.nan
    )
    return summary[["segment", "customers", "customer_share", "revenue_12m", "revenue_share"]]


@dataclass(frozen=True)
class SegmentTransitions:
    """Movement between lifecycle segments from one quarter to the next.

    ``customers``: rows = previous segment (plus ``NOT_YET``), columns = current segment.
    ``revenue``: the previous quarter's ``revenue_12m`` of those customers (None when not
    given); ``revenue_share``: that over the previous quarter's total ``revenue_12m``.
    ``missing_customers``: customers of the previous quarter absent from the current one.
    """

    customers: pd.DataFrame
    revenue: pd.DataFrame | None
    revenue_share: pd.DataFrame | None
    previous_total_revenue: float | None
    missing_customers: int


def segment_transitions(
    prev_segments: pd.DataFrame,
    curr_segments: pd.DataFrame,
    *,
    prev_revenue: pd.DataFrame | None = None,
) -> SegmentTransitions:
    """Cross-tabulate customers (and their previous revenue) by previous and current segment.

    A customer who first appears in ``curr_segments`` comes from ``NOT_YET``. The revenue
    matrix sums each customer's *previous* trailing-12-month revenue, so a row tells how much
    of last year's revenue moved along that flow.

    Parameters
    ----------
    prev_segments, curr_segments : DataFrame
        customer_id and segment (``assign_lifecycle`` as of the previous and the current
        quarter's end).
    prev_revenue : DataFrame, optional
        customer_id and revenue_12m as of the previous quarter (the previous features frame).

    Returns
    -------
    SegmentTransitions
    """
    for frame in (prev_segments, curr_segments):
        require_columns(frame, ["customer_id", "segment"], where="segment_transitions")
    rows, cols = [NOT_YET, *SEGMENT_ORDER], list(SEGMENT_ORDER)
    at = row_positions(curr_segments["customer_id"], prev_segments["customer_id"])
    before = _label_codes(prev_segments["segment"], rows)
    previous = np.where(at >= 0, before[np.maximum(at, 0)], -1)
    previous[previous < 0] = 0  # absent, or no segment before: not yet a customer
    current = _label_codes(curr_segments["segment"], cols)
    cell = pd.Series(np.where(current >= 0, previous * len(cols) + current, -1))
    missing = int((row_positions(prev_segments["customer_id"], curr_segments["customer_id"]) < 0).sum())
    customers = _cross(cell, None, rows, cols)
    if prev_revenue is None:
        return SegmentTransitions(customers, None, None, None, missing)
    require_columns(prev_revenue, ["customer_id", "revenue_12m"], where="segment_transitions")
    where = row_positions(curr_segments["customer_id"], prev_revenue["customer_id"])
    amounts = prev_revenue["revenue_12m"].to_numpy(dtype="float64", na_value=np.nan)
    moved = np.where(where >= 0, amounts[np.maximum(where, 0)], 0.0)
    revenue = _cross(cell, np.nan_to_num(moved, nan=0.0), rows, cols)
    total = float(prev_revenue["revenue_12m"].sum())
    share = revenue / total if total > 0 else revenue * np.nan
    return SegmentTransitions(customers, revenue, share, total, missing)


def _label_codes(labels: pd.Series, names: list) -> np.ndarray:
    """Return each label's position in ``names`` (-1 when missing or not among them)."""
    return pd.Categorical(labels.astype("object"), categories=names).codes.astype("int64")


def _cross(cell: pd.Series, value: np.ndarray | None, rows: list, cols: list) -> pd.DataFrame:
    """Sum ``value`` (or count rows) by cell code ``row * len(cols) + col``; -1 is left out."""
    keep = cell.to_numpy() >= 0
    codes = cell[keep]
    if value is None:
        table = codes.groupby(codes.to_numpy()).size()
    else:
        table = pd.Series(value[keep], index=codes.index).groupby(codes.to_numpy()).sum()
    full = table.reindex(range(len(rows) * len(cols)), fill_value=0)
    out = pd.DataFrame(full.to_numpy().reshape(len(rows), len(cols)), index=rows, columns=cols)
    out.index.name, out.columns.name = "previous_segment", "segment"
    return out


def key_flows(transitions: SegmentTransitions, *, min_customers: int = 1) -> pd.DataFrame:
    """List the moves between segments that matter: losses first, largest revenue first.

    Every off-diagonal cell with at least ``min_customers`` customers. ``direction`` is
    ``"loss"`` when the customer moved to a less healthy segment (regular > occasional > new >
    one-time > lost), ``"gain"`` when to a healthier one, ``"arrival"`` from ``NOT_YET``.

    Returns
    -------
    DataFrame
        ``from_segment``, ``to_segment``, ``customers``, ``revenue``, ``revenue_share``
        (NaN without revenue), ``direction``; sorted loss, gain, arrival, then by revenue
        and customers, descending.
    """
    long = transitions.customers.stack().rename("customers").reset_index()
    long.columns = ["from_segment", "to_segment", "customers"]
    for name, table in (
        ("revenue", transitions.revenue),
        ("revenue_share", transitions.revenue_share),
    ):
        long[name] = table.stack().to_numpy(dtype=float) if table is not None else np.nan
    long = long[
        (long["from_segment"] != long["to_segment"]) & (long["customers"] >= min_customers)
    ].copy()
    step = long["to_segment"].map(_HEALTH).astype(float) - long["from_segment"].map(_HEALTH).astype(
        float
    )
    long["direction"] = np.where(
        long["from_segment"] == NOT_YET, "arrival", np.where(step < 0, "loss", "gain")
    )
    long["_order"] = long["direction"].map({"loss": 0, "gain": 1, "arrival": 2})
    long = long.sort_values(
        ["_order", "revenue", "customers", "from_segment", "to_segment"],
        ascending=[True, False, False, True, True],
    )
    return long.drop(columns="_order").reset_index(drop=True)


def rfm_scores(features: pd.DataFrame, *, bins: int = 5) -> pd.DataFrame:
    """Score recency, frequency and monetary value from 1 to ``bins`` by quantile.

    Score = ``1 + floor(bins * p)``, where ``p`` is the share of customers with a strictly
    worse value (more ``recency_days``; fewer purchases; less ``monetary_total``). Tied
    customers therefore always share a score, the lowest their block reaches, and the result
    does not depend on row order; with distinct values it gives equal-sized quantile bins
    (10 customers, 5 bins: 1,1,2,2,3,3,4,4,5,5). Hughes (1994), *Strategic Database Marketing*.

    Returns
    -------
    DataFrame
        ``customer_id``, ``r_score``, ``f_score``, ``m_score`` (int) and ``rfm_cell`` ("545").
    """
    require_columns(
        features, ["customer_id", "recency_days", "frequency", "monetary_total"], where="rfm_scores"
    )
    if bins < 2:
        raise ValueError(f"rfm_scores: bins must be at least 2, got {bins}.")
    out = pd.DataFrame({"customer_id": features["customer_id"]}, index=features.index)
    out["r_score"] = _quantile_score(-features["recency_days"].astype(float), bins)
    out["f_score"] = _quantile_score(features["frequency"].astype(float), bins)
    out["m_score"] = _quantile_score(features["monetary_total"].astype(float), bins)
    out["rfm_cell"] = (
        out["r_score"].astype(str) + out["f_score"].astype(str) + out["m_score"].astype(str)
    )
    return out


def _quantile_score(values: pd.Series, bins: int) -> pd.Series:
    n = len(values)
    if n == 0:
        return pd.Series([], index=values.index, dtype="int64")
    below = values.rank(method="min", na_option="top").to_numpy(dtype="int64") - 1
    return pd.Series(1 + (bins * below) // n, index=values.index, dtype="int64")


def rfm_segments(
    scores: pd.DataFrame, *, rules: Sequence[RfmRule | Mapping], other: str = "Other"
) -> pd.DataFrame:
    """Name each customer's RFM segment from a rule table; the first matching rule wins.

    A rule matches when ``r_score``, ``f_score`` and ``m_score`` each lie in its inclusive
    ``[low, high]`` range (``params.rfm.rules``; default: the common R x F segment map).
    Customers matching no rule get ``other``.

    Returns
    -------
    DataFrame
        ``scores`` plus ``rfm_segment``: ordered categorical in rule order, ``other`` last.
    """
    require_columns(scores, ["customer_id", "r_score", "f_score", "m_score"], where="rfm_segments")
    parsed = [r if isinstance(r, RfmRule) else RfmRule.model_validate(r) for r in rules]
    conditions = [
        scores["r_score"].between(*rule.r).to_numpy(dtype=bool)
        & scores["f_score"].between(*rule.f).to_numpy(dtype=bool)
        & scores["m_score"].between(*rule.m).to_numpy(dtype=bool)
        for rule in parsed
    ]
    names = list(dict.fromkeys([rule.segment for rule in parsed] + [other]))
    labels = np.select(conditions, [r.segment for r in parsed], default=other) if parsed else other
    out = scores.copy()
    out["rfm_segment"] = pd.Categorical(
        np.broadcast_to(labels, len(scores)), categories=names, ordered=True
    )
    return out
