"""The express test: the sources' quick health check of a customer base, on the whole base.

One-time buyers and regulars among active customers (by count and revenue), the share of last
year's active customers lost since, and the share of last year's new customers who never
bought again (domain.md, "Express test"). Takes the customer features and the lifecycle
segments (``segments.assign_lifecycle``); thresholds come from ``params.express_test``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from typing import TypedDict

import pandas as pd

from insights.params import ExpressTestParams
from insights.schema import require_columns, same_unique_ids


@dataclass(frozen=True)
class ExpressTestResult:
    """The express test's verdict, the rule shown beside it, and the numbers behind it."""

    verdict: str  # "red", "yellow" or "green"
    stressed: bool  # yellow with more one-time buyers than regulars
    label: str  # "red", "yellow", "yellow (stressed)" or "green"
    rule: str
    reason: str
    active_customers: int
    one_time_customers: int
    regular_customers: int
    one_time_share: float
    regular_share: float
    one_time_revenue_share: float
    regular_revenue_share: float
    history_days: int
    unknown_customer_share: float
    base_one_time_share: float = float("nan")  # one-purchase customers among all customers
    lost_share: float = float("nan")  # last year's active customers lost since
    never_returned_share: float = float("nan")  # last year's new customers who never bought again
    year_ago_active: int = 0  # customers behind lost_share
    year_ago_new: int = 0  # customers behind never_returned_share
    can_answer: bool = True  # False: red because the data cannot answer

    def to_dict(self) -> dict:
        """Return the result as JSON-ready data (shares as fractions, NaN as None)."""
        return {
            k: (None if isinstance(v, float) and math.isnan(v) else v)
            for k, v in asdict(self).items()
        }


def express_rule(params: ExpressTestParams) -> str:
    """Return the express test's rule as one plain sentence per colour."""
    return (
        f"Red: the data cannot answer (under {params.min_history_days} days of history, more "
        f"than {params.max_unknown_customer_share:.0%} of rows without a customer, or fewer "
        f"than {params.min_active_customers} active customers), or most customers bought once "
        f"and most have lapsed (both at or above {params.lapsed_base_share:.0%}: one-time buyers "
        f"among all customers, last year's active customers lost since). Green: one-time buyers "
        f"at or below {params.natural_churn_share:.0%} of active customers (natural churn), at "
        f"most {params.max_lost_share:.0%} of last year's active customers lost and at most "
        f"{params.max_never_returned_share:.0%} of last year's new customers never back. Yellow: "
        "otherwise; stressed when one-time buyers outnumber regulars."
    )


class BaseOutflow(TypedDict):
    """The whole-base figures of ``base_outflow`` (fields of ``ExpressTestResult``)."""

    base_one_time_share: float
    lost_share: float
    never_returned_share: float
    year_ago_active: int
    year_ago_new: int


def base_outflow(features: pd.DataFrame, *, lost_days: int) -> BaseOutflow:
    """Measure the whole base: one-time buyers, last year's active lost, new never back.

    With ``t0`` = as_of - 365 days (``recency_days`` and ``tenure_days`` count back from
    as_of): last year's active = first purchase on or before t0 and last purchase after
    ``t0 - lost_days``; lost since = those with ``recency_days >= lost_days`` now.
    Last year's new = first purchase in the year before t0 (``365 <= tenure_days < 730``),
    never back = ``frequency == 1``. Shares are NaN when their base is empty.

    Parameters
    ----------
    features : DataFrame
        customer_id, recency_days, tenure_days, frequency.
    lost_days : int
        ``lifecycle.lost_days``.

    Returns
    -------
    dict
        base_one_time_share, lost_share, never_returned_share, year_ago_active, year_ago_new.
    """
    require_columns(features, ["recency_days", "tenure_days", "frequency"], where="base_outflow")
    tenure, recency = features["tenure_days"], features["recency_days"]
    year_ago = (tenure >= 365) & (recency < 365 + lost_days)
    new = (tenure >= 365) & (tenure < 730)

    def _share(mask: pd.Series, base: pd.Series) -> float:
        return float(mask[base].mean()) if base.any() else float("nan")

    return BaseOutflow(
        base_one_time_share=_share(features["frequency"] == 1, pd.Series(True, index=features.index)),
        lost_share=_share(recency >= lost_days, year_ago),
        never_returned_share=_share(features["frequency"] == 1, new),
        year_ago_active=int(year_ago.sum()),
        year_ago_new=int(new.sum()),
    )


def express_test(
    features: pd.DataFrame,
    segments: pd.DataFrame,
    *,
    params: ExpressTestParams,
    unknown_customer_share: float,
    history_days: int | None = None,
    lost_days: int = 365,
) -> ExpressTestResult:
    """Run the express test: one-time buyers vs regulars among active customers.

    Active customers are those not *lost*. ``one_time_share = one-time / active`` and
    ``regular_share = regular / active`` by count; the revenue shares use ``revenue_12m`` of
    active customers (NaN when their total is not positive). Verdict: red when the data cannot
    answer (``history_days < min_history_days``, ``unknown_customer_share >
    max_unknown_customer_share``, or ``active < min_active_customers``); green when
    ``one_time_share <= natural_churn_share``; yellow otherwise, *stressed* when one-time
    buyers outnumber regulars (by count).

    The whole base is judged too (``base_outflow``): red when the one-time share of all
    customers and the lost share of last year's active customers both reach
    ``lapsed_base_share``; never green when more than ``max_lost_share`` of last year's active
    customers were lost or more than ``max_never_returned_share`` of last year's new customers
    never came back.

    Parameters
    ----------
    features : DataFrame
        Customer features with customer_id and revenue_12m.
    segments : DataFrame
        customer_id and segment, from ``assign_lifecycle``.
    params : ExpressTestParams
        ``params.express_test``.
    unknown_customer_share : float
        Rows rejected for a missing customer id / rows read (cleaning's quality summary,
        ``unknown_customer_share``).
    history_days : int, optional
        Days of history the data covers up to as_of. None: the largest ``tenure_days`` in
        ``features`` (as_of minus the earliest first purchase; 0 without customers).
    lost_days : int
        ``lifecycle.lost_days``, for the share of last year's active customers lost since.

    Returns
    -------
    ExpressTestResult
    """
    if not 0.0 <= unknown_customer_share <= 1.0:
        raise ValueError(
            f"express_test: unknown_customer_share must be in [0, 1], got "
            f"{unknown_customer_share!r}."
        )
    require_columns(features, ["customer_id", "revenue_12m"], where="express_test")
    require_columns(segments, ["customer_id", "segment"], where="express_test")
    if history_days is None:
        require_columns(features, ["tenure_days"], where="express_test")
        longest = features["tenure_days"].max()
        history_days = 0 if pd.isna(longest) else int(longest)
    if same_unique_ids(segments["customer_id"], features["customer_id"]):  # the report's case
        joined = segments[["customer_id", "segment"]].assign(
            revenue_12m=features["revenue_12m"].to_numpy())
    else:
        joined = segments[["customer_id", "segment"]].merge(
            features[["customer_id", "revenue_12m"]], on="customer_id", how="left", validate="1:1"
        )
    active = joined[joined["segment"] != "lost"]
    n_active = len(active)
    counts = active["segment"].value_counts()
    revenue = active.groupby("segment", observed=False)["revenue_12m"].sum()
    total = float(revenue.sum())
    n_one, n_reg = int(counts.get("one-time", 0)), int(counts.get("regular", 0))

    def _share(part: float, whole: float) -> float:
        return float(part) / whole if whole > 0 else float("nan")

    base = (base_outflow(features, lost_days=lost_days)
            if {"recency_days", "tenure_days", "frequency"} <= set(features.columns) else None)
    verdict, reason = _express_verdict(
        params, history_days, unknown_customer_share, n_active, _share(n_one, n_active)
    )
    can_answer = not reason.startswith("The data cannot answer")
    verdict, reason = _judge_base(params, verdict, reason, base)
    stressed = verdict == "yellow" and n_one > n_reg
    result = ExpressTestResult(
        verdict=verdict,
        stressed=stressed,
        label="yellow (stressed)" if stressed else verdict,
        rule=express_rule(params),
        reason=reason + (" One-time buyers outnumber regulars." if stressed else ""),
        active_customers=n_active,
        one_time_customers=n_one,
        regular_customers=n_reg,
        one_time_share=_share(n_one, n_active),
        regular_share=_share(n_reg, n_active),
        one_time_revenue_share=_share(revenue.get("one-time", 0.0), total),
        regular_revenue_share=_share(revenue.get("regular", 0.0), total),
        history_days=int(history_days),
        unknown_customer_share=float(unknown_customer_share),
        can_answer=can_answer,
    )
    return result if base is None else replace(result, **base)


def _judge_base(params: ExpressTestParams, verdict: str, reason: str,
                base: BaseOutflow | None) -> tuple[str, str]:
    """Return the verdict after the whole-base checks (never green with a large outflow)."""
    if base is None or verdict == "red":
        return verdict, reason
    one, lost, never = (base["base_one_time_share"], base["lost_share"], base["never_returned_share"])
    words = (
        f" Of all customers, {one:.0%} bought once; of last year's "
        f"{base['year_ago_active']} active customers, {lost:.0%} are lost since"
        if not math.isnan(lost) else f" Of all customers, {one:.0%} bought once"
    )
    words += (
        f"; of last year's {base['year_ago_new']} new customers, {never:.0%} never bought again."
        if not math.isnan(never) else "."
    )
    if one >= params.lapsed_base_share and lost >= params.lapsed_base_share:
        return "red", f"Most customers bought once and most have lapsed.{words}"
    outflow = (lost > params.max_lost_share) or (never > params.max_never_returned_share)
    if verdict == "green" and outflow:
        return "yellow", reason.replace("natural churn.", "natural churn, but the base is shrinking.") + words
    return verdict, reason + words


def _express_verdict(
    params: ExpressTestParams, history_days: int, unknown: float, n_active: int, one_share: float
) -> tuple[str, str]:
    problems = []
    if history_days < params.min_history_days:
        problems.append(
            f"the data covers only {history_days} days, under the {params.min_history_days} needed"
        )
    if unknown > params.max_unknown_customer_share:
        problems.append(
            f"{unknown:.1%} of rows have no customer, above the "
            f"{params.max_unknown_customer_share:.0%} allowed"
        )
    if n_active < params.min_active_customers:
        problems.append(
            f"only {n_active} active customers, under the {params.min_active_customers} needed"
        )
    if problems:
        return "red", "The data cannot answer: " + "; ".join(problems) + "."
    if one_share <= params.natural_churn_share:
        return "green", (
            f"One-time buyers are {one_share:.1%} of active customers, within the "
            f"{params.natural_churn_share:.0%} natural churn."
        )
    return "yellow", (
        f"One-time buyers are {one_share:.1%} of active customers, above the "
        f"{params.natural_churn_share:.0%} natural churn."
    )
