"""Test/control groups for a campaign, and the readout a later quarter.

Try a strategy on an experimental group first (domain.md claim 15): split a chosen segment
into reproducible, value-stratified test and control groups, run the campaign on the test
group only, then compare repeat rate and revenue per customer between the groups with
confidence intervals. Pure: no I/O; randomness only through ``random_state``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from insights.periods import parse_quarter
from insights.schema import isin_ids, require_columns


def split_test_control(
    customers: pd.DataFrame,
    *,
    random_state: int,
    segment: str | None = None,
    segments: pd.DataFrame | None = None,
    share: float = 0.5,
    strata: str | None = "value",
    value_column: str = "revenue_12m",
    n_strata: int = 4,
) -> pd.DataFrame:
    """Split customers (of one segment) into reproducible test and control groups.

    Customers are put in ``n_strata`` value quantiles of ``value_column`` (ties share a
    stratum), ordered by stratum and a seeded random key, and every ``1/share``-th one goes
    to the test group (systematic allocation), so each stratum is split in the same
    proportion and the test group has ``floor(n * share)`` customers. The same customers and
    seed always give the same groups, whatever the row order.

    Parameters
    ----------
    customers : DataFrame
        customer_id and ``value_column`` (the features frame), plus ``segment`` when
        ``segment`` is given and ``segments`` is not.
    random_state : int
        Seed (``params.random_state``).
    segment : str, optional
        Only customers of this segment are split; None = all.
    segments : DataFrame, optional
        customer_id and segment (``assign_lifecycle``), when ``customers`` has no segment.
    share : float
        Share of customers in the test group, in (0, 1).
    strata : "value" or None
        Stratify by value quantile, or not at all.

    Returns
    -------
    DataFrame
        ``customer_id``, ``group`` ("test" or "control"), ``stratum`` (1 = lowest value),
        ``value``; sorted by customer_id.
    """
    if not 0.0 < share < 1.0:
        raise ValueError(f"split_test_control: share must be between 0 and 1, got {share!r}.")
    require_columns(customers, ["customer_id", value_column], where="split_test_control")
    pool = customers[["customer_id", value_column]]
    if segment is not None:
        source = segments if segments is not None else customers
        require_columns(source, ["customer_id", "segment"], where="split_test_control")
        chosen = source.loc[source["segment"].astype("string") == segment, "customer_id"]
        pool = pool[isin_ids(pool["customer_id"], chosen)]
    pool = pool.sort_values("customer_id", kind="stable").reset_index(drop=True)
    n = len(pool)
    value = pool[value_column].astype(float)
    stratum = (
        1 + (n_strata * (value.rank(method="min", na_option="top") - 1) // max(n, 1))
        if strata == "value"
        else pd.Series(1.0, index=pool.index)
    ).astype("int64")
    key = np.random.default_rng(random_state).random(n)
    order = np.lexsort((key, stratum.to_numpy()))
    position = np.empty(n, dtype="int64")
    position[order] = np.arange(n)
    is_test = np.floor((position + 1) * share) > np.floor(position * share)
    return pd.DataFrame(
        {
            "customer_id": pool["customer_id"],
            "group": np.where(is_test, "test", "control"),
            "stratum": stratum,
            "value": value,
        }
    )


def split_balance(assignments: pd.DataFrame) -> pd.DataFrame:
    """Summarise each group: customers, mean and total value, to check the split is balanced."""
    require_columns(assignments, ["customer_id", "group", "value"], where="split_balance")
    return (
        assignments.groupby("group", sort=True)
        .agg(
            customers=("customer_id", "size"),
            mean_value=("value", "mean"),
            total_value=("value", "sum"),
        )
        .reset_index()
    )


def outcomes_from_activity(
    activity: pd.DataFrame, *, start_quarter: str | pd.Period, end_quarter: str | pd.Period
) -> pd.DataFrame:
    """Sum each customer's purchases and revenue over quarters ``start``..``end`` inclusive.

    ``activity`` is ``features.customer_quarter_activity`` (customer_id, quarter, purchases,
    revenue). Returns customer_id, purchases, revenue for customers with any row.
    """
    require_columns(
        activity, ["customer_id", "quarter", "purchases", "revenue"], where="outcomes_from_activity"
    )
    start, end = (
        q if isinstance(q, pd.Period) else parse_quarter(q) for q in (start_quarter, end_quarter)
    )
    window = activity[(activity["quarter"] >= start) & (activity["quarter"] <= end)]
    return window.groupby("customer_id", as_index=False)[["purchases", "revenue"]].sum()


@dataclass(frozen=True)
class ExperimentReadout:
    """Difference between test and control, with confidence intervals and a verdict.

    ``table``: one row per metric (``repeat_rate``, ``revenue_per_customer``) with ``test``,
    ``control``, ``difference`` (test - control), ``ci_low``, ``ci_high`` and ``real`` (the
    interval excludes 0). ``reason`` is non-empty when the groups are too small to compare.
    """

    table: pd.DataFrame
    test_customers: int
    control_customers: int
    confidence: float
    verdict: str
    reason: str


def read_out_experiment(
    assignments: pd.DataFrame,
    outcomes: pd.DataFrame,
    *,
    confidence: float = 0.95,
    min_customers: int = 2,
) -> ExperimentReadout:
    """Compare repeat rate and revenue per customer between test and control groups.

    Repeat rate = share of the group with ``purchases > 0`` in the readout period; its
    difference gets Newcombe's hybrid score interval (Newcombe 1998, *Statistics in
    Medicine* 17:873-890, method 10, from Wilson intervals). Revenue per customer gets
    Welch's t interval for a difference of means (Welch 1947). Customers without an outcome
    row bought nothing (0 purchases, 0 revenue). A difference is called real when its
    interval excludes 0.

    Parameters
    ----------
    assignments : DataFrame
        customer_id and group, from ``split_test_control``.
    outcomes : DataFrame
        customer_id, purchases, revenue over the readout period (``outcomes_from_activity``).
    confidence : float
        Confidence level of the intervals.
    min_customers : int
        Fewer customers in either group: no comparison, the reason says "too few customers
        to judge" (params ``report.min_customers``; at least 2 for an interval).

    Returns
    -------
    ExperimentReadout
    """
    require_columns(assignments, ["customer_id", "group"], where="read_out_experiment")
    require_columns(outcomes, ["customer_id", "purchases", "revenue"], where="read_out_experiment")
    data = assignments[["customer_id", "group"]].merge(
        outcomes[["customer_id", "purchases", "revenue"]],
        on="customer_id",
        how="left",
        validate="1:1",
    )
    data[["purchases", "revenue"]] = data[["purchases", "revenue"]].fillna(0)
    test, control = (data[data["group"] == g] for g in ("test", "control"))
    n_t, n_c = len(test), len(control)
    needed = max(2, int(min_customers))
    if min(n_t, n_c) < needed:
        reason = (
            f"Too few customers to judge: {n_t} in test and {n_c} in control "
            f"(at least {needed} each are needed)."
        )
        return ExperimentReadout(_empty_table(), n_t, n_c, confidence, reason, reason)
    x_t, x_c = int((test["purchases"] > 0).sum()), int((control["purchases"] > 0).sum())
    rows = [
        (
            "repeat_rate",
            x_t / n_t,
            x_c / n_c,
            *newcombe_interval(x_t, n_t, x_c, n_c, confidence=confidence),
        ),
        (
            "revenue_per_customer",
            test["revenue"].mean(),
            control["revenue"].mean(),
            *welch_interval(
                test["revenue"].to_numpy(float),
                control["revenue"].to_numpy(float),
                confidence=confidence,
            ),
        ),
    ]
    table = pd.DataFrame(rows, columns=["metric", "test", "control", "ci_low", "ci_high"])
    table.insert(3, "difference", table["test"] - table["control"])
    table["real"] = (table["ci_low"] > 0) | (table["ci_high"] < 0)
    return ExperimentReadout(table, n_t, n_c, confidence, _verdict(table, confidence), "")


def _empty_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "metric": ["repeat_rate", "revenue_per_customer"],
            "test": np.nan,
            "control": np.nan,
            "difference": np.nan,
            "ci_low": np.nan,
            "ci_high": np.nan,
            "real": False,
        }
    )


def _verdict(table: pd.DataFrame, confidence: float) -> str:
    real = table.set_index("metric")["real"]
    if real.any():
        which = " and ".join(m.replace("_", " ") for m in real.index[real])
        return (
            f"The difference in {which} is real: its {confidence:.0%} confidence interval "
            "excludes zero."
        )
    return (
        f"No difference is proven: every {confidence:.0%} confidence interval includes zero, "
        "so the gap could be chance."
    )


def wilson_interval(x: int, n: int, *, confidence: float = 0.95) -> tuple[float, float]:
    """Return Wilson's score interval for a proportion ``x / n`` (Wilson 1927).

    ``centre = (x + z²/2) / (n + z²)``, ``half = z / (n + z²) * sqrt(x (n - x) / n + z²/4)``.

    >>> [round(v, 4) for v in wilson_interval(0, 10)]
    [0.0, 0.2775]
    """
    from scipy import stats  # here, not at import: the report's publishing process never needs it

    z = stats.norm.ppf(1 - (1 - confidence) / 2)
    centre = (x + z * z / 2) / (n + z * z)
    half = z / (n + z * z) * math.sqrt(x * (n - x) / n + z * z / 4)
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))


def newcombe_interval(
    x1: int, n1: int, x2: int, n2: int, *, confidence: float = 0.95
) -> tuple[float, float]:
    """Return Newcombe's hybrid score interval for ``x1/n1 - x2/n2`` (Newcombe 1998, method 10).

    ``L = d - sqrt((p1 - l1)² + (u2 - p2)²)``, ``U = d + sqrt((u1 - p1)² + (p2 - l2)²)`` with
    ``(l, u)`` the Wilson intervals. Published example: 56/70 - 48/80 -> (0.0524, 0.3339).
    """
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson_interval(x1, n1, confidence=confidence)
    l2, u2 = wilson_interval(x2, n2, confidence=confidence)
    d = p1 - p2
    return d - math.hypot(p1 - l1, u2 - p2), d + math.hypot(u1 - p1, p2 - l2)


def welch_interval(
    a: np.ndarray, b: np.ndarray, *, confidence: float = 0.95
) -> tuple[float, float]:
    """Return Welch's t interval for ``mean(a) - mean(b)`` (unequal variances; Welch 1947).

    ``se = sqrt(s_a²/n_a + s_b²/n_b)``, degrees of freedom by Welch-Satterthwaite; when both
    groups are constant the interval is the difference itself.
    """
    va, vb = np.var(a, ddof=1) / len(a), np.var(b, ddof=1) / len(b)
    d = float(np.mean(a) - np.mean(b))
    se = math.sqrt(va + vb)
    if se == 0:
        return d, d
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    from scipy import stats

    t = stats.t.ppf(1 - (1 - confidence) / 2, df)
    return float(d - t * se), float(d + t * se)


def split_win_back(
    features: pd.DataFrame, segments: pd.DataFrame, *, random_state: int
) -> pd.DataFrame:
    """Split the lost customers for a win-back campaign: the report's one split rule.

    Lost customers only, stratified by revenue ever (``monetary_total``: a lost customer's
    12-month revenue is about zero). The same rule and seed on last quarter's features
    rebuild last quarter's groups, which is what makes this quarter's readout valid.
    """
    return split_test_control(
        features,
        segment="lost",
        segments=segments,
        random_state=random_state,
        value_column="monetary_total",
    )
