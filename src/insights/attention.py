"""Early warning against each customer's run-rate, and the one "needs attention" list.

A customer's *run-rate* is its average quarterly net revenue over the quarters before the
latest (``AttentionParams.run_rate_quarters``, four by default; quarters without a purchase
count as zero). A customer whose latest quarter, or the mean of its latest two, falls under
``decline_ratio`` times its run-rate is *declining*; the alert's size is the quarterly
shortfall, and its weight the customer's share of the unit's run-rate (domain.md, "Run-rate
and early warning").

``build_attention`` joins every warning sign into one row per customer: declining, valuable
and lapsing, loss-maker, single-manager exposure. Money at stake is on one basis for every
row: the part of the customer's own 12-month net revenue the reasons put at risk (a declining
customer: four times its quarterly shortfall; any other reason: the whole 12 months), never
above that revenue, so the list's total never exceeds the unit's. Customers silent for longer
than a horizon go to a separate win-back list instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from insights.key_customers import KeyCustomers
from insights.key_person import ManagerRisk
from insights.params import AttentionParams
from insights.schema import lookup_by_id, require_columns, row_positions, value_then_id_order

#: Reason codes (stable, for summary.json and exports), their words and the action they ask.
REASONS = {
    "declining": "buying far below its own run-rate",
    "lapsing": "valuable and lapsing",
    "loss_maker": "costs more than it brings after discounts and cost",
    "single_manager": "large customer handled by a manager who carries a large share of revenue",
}
ACTIONS = {
    "declining": "call this week: ask why orders fell and agree the next order",
    "lapsing": "contact before the customer is lost",
    "loss_maker": "review discounts and cost to serve before renewing terms",
    "single_manager": "introduce a second contact at the unit",
}
BASIS = (
    "money at stake is the part of the customer's own 12-month net revenue the reasons put at "
    "risk: four times the quarterly shortfall for a declining customer, the whole 12 months "
    "for any other reason; never above the customer's own revenue"
)
ATTENTION_COLUMNS = (
    "customer_id", "account_manager", "reasons", "reason_text", "at_stake", "shortfall_quarter",
    "run_rate", "latest_quarter", "compared_quarters", "compared_run_rate", "compared_revenue",
    "revenue_12m", "revenue_share", "action",
)  # fmt: skip


@dataclass(frozen=True)
class RunRateWarning:
    """Each customer's latest quarters against its own run-rate."""

    status: str  # "ok" or "too_short"
    reason: str
    quarter: pd.Period
    table: pd.DataFrame = field(repr=False)  # one row per customer, see run_rate_warning

    @property
    def declining(self) -> pd.DataFrame:
        """Declining customers, the largest quarterly shortfall first."""
        return self.table[self.table["declining"]]


def run_rate_warning(
    activity: pd.DataFrame, *, quarter: pd.Period, params: AttentionParams
) -> RunRateWarning:
    """Compare each customer's latest quarter (and latest two) with its own run-rate.

    ``run_rate`` = mean revenue over the ``run_rate_quarters`` quarters before ``quarter``;
    ``run_rate_two`` = the same over the quarters before the latest two. Declining when
    ``latest < decline_ratio * run_rate`` or ``mean(latest two) < decline_ratio *
    run_rate_two``, the run-rate is at least ``min_run_rate_share`` of the unit's and the
    customer bought in ``run_rate_min_quarters`` of the run-rate quarters.
    ``shortfall_quarter`` = the larger gap of the comparisons that fired (per quarter).

    Parameters
    ----------
    activity : DataFrame
        ``customer_id``, ``quarter`` (Period), ``revenue``: ``features.customer_quarter_activity``.
    quarter : Period
        The report quarter (the latest).
    params : AttentionParams

    Returns
    -------
    RunRateWarning
        ``table``: customer_id, run_rate, run_rate_two, latest_quarter, latest_two,
        shortfall_quarter, run_rate_share, compared_quarters (1 or 2: the comparison giving
        the shortfall), compared_run_rate and compared_revenue (its run-rate and its mean
        quarterly revenue), below_run_rate (a steady buyer under the ratio),
        declining (that, and large enough); sorted by shortfall, then id.
    """
    require_columns(activity, ["customer_id", "quarter", "revenue"], where="run_rate_warning")
    n = params.run_rate_quarters
    wanted = [quarter - k for k in range(n + 2)]
    rows = activity[activity["quarter"].isin(wanted)]
    wide = rows.pivot_table(
        index="customer_id", columns="quarter", values="revenue", aggfunc="sum", fill_value=0.0
    ).reindex(columns=wanted, fill_value=0.0)
    earliest = activity["quarter"].min() if len(activity) else quarter
    if len(activity) == 0 or earliest > quarter - n:
        reason = f"Fewer than {n + 1} quarters of data: no run-rate to compare with."
        return RunRateWarning("too_short", reason, quarter, _empty_warning())
    latest, previous = wide[quarter], wide[quarter - 1]
    run_rate = wide[[quarter - k for k in range(1, n + 1)]].mean(axis=1)
    run_rate_two = (
        wide[[quarter - k for k in range(2, n + 2)]].mean(axis=1)
        if earliest <= quarter - n - 1
        else run_rate
    )
    latest_two = (latest + previous) / 2.0
    total = float(run_rate.clip(lower=0).sum())
    share = run_rate.clip(lower=0) / total if total > 0 else run_rate * 0.0
    gap_one = (run_rate - latest).where(latest < params.decline_ratio * run_rate, 0.0)
    gap_two = (run_rate_two - latest_two).where(
        latest_two < params.decline_ratio * run_rate_two, 0.0
    )
    shortfall = np.maximum(gap_one.clip(lower=0), gap_two.clip(lower=0))
    by_two = gap_two.clip(lower=0) > gap_one.clip(lower=0)
    buying = (wide[[quarter - k for k in range(1, n + 1)]] != 0).sum(axis=1)
    steady = buying >= min(params.run_rate_min_quarters, n)
    below = (shortfall > 0) & steady
    table = pd.DataFrame({
        "run_rate": run_rate, "run_rate_two": run_rate_two, "latest_quarter": latest,
        "latest_two": latest_two, "shortfall_quarter": shortfall.where(below, 0.0),
        "run_rate_share": share, "below_run_rate": below,
        "compared_quarters": np.where(by_two, 2, 1),
        "compared_run_rate": run_rate_two.where(by_two, run_rate),
        "compared_revenue": latest_two.where(by_two, latest),
        "declining": below & (share >= params.min_run_rate_share),
    }).rename_axis("customer_id").reset_index()  # fmt: skip
    table = table.iloc[value_then_id_order(table["shortfall_quarter"], table["customer_id"])]
    return RunRateWarning("ok", "", quarter, table.reset_index(drop=True))


def _empty_warning() -> pd.DataFrame:
    columns = ["run_rate", "run_rate_two", "latest_quarter", "latest_two", "shortfall_quarter",
               "run_rate_share", "compared_run_rate", "compared_revenue"]  # fmt: skip
    frame = pd.DataFrame({c: pd.Series(dtype="float64") for c in columns})
    frame["compared_quarters"] = pd.Series(dtype="int64")
    return frame.assign(customer_id=pd.Series(dtype="str"), below_run_rate=pd.Series(dtype="bool"),
                        declining=pd.Series(dtype="bool"))  # fmt: skip


@dataclass(frozen=True)
class Attention:
    """The one "needs attention" list, the win-back list, and the basis of the money shown."""

    status: str  # "ok" or "no_customers"
    reason: str
    table: pd.DataFrame = field(repr=False)  # ATTENTION_COLUMNS, largest stake first
    win_back: pd.DataFrame = field(
        repr=False
    )  # customer_id, account_manager, recency_days, monetary_total
    basis: str = BASIS
    unit_revenue: float = 0.0  # the unit's 12-month net revenue
    horizon_days: int = 365
    winback_max_days: int = 1095
    gone_for_good: int = 0  # customers silent longer than winback_max_days (on no list)

    @property
    def total_at_stake(self) -> float:
        """Sum of money at stake over the list."""
        return float(self.table["at_stake"].sum()) if len(self.table) else 0.0


def build_attention(
    features: pd.DataFrame,
    *,
    warning: RunRateWarning,
    params: AttentionParams,
    lost_days: int,
    key: KeyCustomers | None = None,
    managers: ManagerRisk | None = None,
    p_alive: pd.Series | None = None,
) -> Attention:
    """Join every warning sign into one row per customer, with money at stake and an action.

    Reasons (codes in ``REASONS``): *declining*: ``warning`` flags it, or it is below its
    run-rate and valuable (a key customer: ``key_rank <= top_n``); *lapsing*: valuable,
    not yet past the horizon, and overdue (``recency_days > overdue_factor * mean_gap_days``)
    or, for repeat buyers only, ``p_alive < min_p_alive``; *loss_maker* (``key``'s
    ``loss_maker``); *single_manager*: revenue share ≥ ``exposure_min_share`` and the
    customer's manager handles ≥ ``manager_share`` of revenue (``managers``'
    ``at_risk_share``). Money at stake: ``BASIS``.
    Customers silent longer than the horizon (``horizon_days``, default ``lost_days``) and
    at most ``winback_max_days`` go to ``win_back``, whatever their reasons.

    Parameters
    ----------
    features : DataFrame
        Customer features (customer_id, revenue_12m, recency_days, mean_gap_days, frequency;
        account_manager when present).
    warning : RunRateWarning
    params : AttentionParams
    lost_days : int
        ``lifecycle.lost_days``, the horizon when ``params.horizon_days`` is empty.
    key : KeyCustomers, optional
        ``key_customers.score_key_customers`` result (key customers and loss-makers).
    managers : ManagerRisk, optional
        ``key_person.manager_departure_stress`` result.
    p_alive : Series indexed by customer_id, optional

    Returns
    -------
    Attention
    """
    need = ["customer_id", "revenue_12m", "recency_days", "mean_gap_days", "frequency"]
    require_columns(features, need, where="build_attention")
    horizon = params.horizon_days or lost_days
    loss_makers = valuable = manager_shares = None
    if key is not None and len(key.table):
        loss_makers = key.table.set_index("customer_id")["loss_maker"]
        valuable = key.table.set_index("customer_id")["key_rank"].le(key.top_n)
    if managers is not None and managers.status == "ok":
        manager_shares = managers.table.set_index("account_manager")["at_risk_share"]
    frame = _signals(features, warning, params, loss_makers, valuable, p_alive, manager_shares)
    gone = frame["recency_days"] > horizon
    win_back = _win_back(frame[gone & (frame["recency_days"] <= params.winback_max_days)])
    listed = frame[~gone & frame["reasons"].map(len).gt(0)]
    table = _attention_table(listed)
    unit_revenue = float(features["revenue_12m"].sum())
    status, reason = ("ok", "") if len(features) else ("no_customers", "No customers.")
    return Attention(
        status, reason, table, win_back, unit_revenue=unit_revenue, horizon_days=int(horizon),
        winback_max_days=params.winback_max_days,
        gone_for_good=int((frame["recency_days"] > params.winback_max_days).sum()),
    )  # fmt: skip


def _flag(ids: pd.Series, values: pd.Series | None) -> pd.Series:
    """``values`` (bool, by customer id) for each of ``ids``; False where missing or absent."""
    if values is None:
        return pd.Series(False, index=ids.index)
    found = lookup_by_id(ids, values)
    return found.where(found.notna(), False).astype(bool)


def _signals(
    features, warning, params, loss_makers, valuable, p_alive, manager_shares
) -> pd.DataFrame:
    cols = [c for c in ("customer_id", "revenue_12m", "recency_days", "mean_gap_days", "frequency",
                        "monetary_total", "account_manager") if c in features.columns]  # fmt: skip
    frame = features[cols].copy()
    if "account_manager" not in frame:
        frame["account_manager"] = pd.NA
    ids = frame["customer_id"]
    # one lookup of every customer in the run-rate table, not one per column
    at = row_positions(ids, warning.table["customer_id"])
    run = warning.table.drop(columns="customer_id").reset_index(drop=True).reindex(at).set_axis(frame.index)
    frame["shortfall_quarter"] = run["shortfall_quarter"].fillna(0.0)
    frame["run_rate"] = run["run_rate"]
    frame["latest_quarter"] = run["latest_quarter"].fillna(0.0)
    for column in ("compared_quarters", "compared_run_rate", "compared_revenue"):
        frame[column] = run[column]
    total = float(frame["revenue_12m"].clip(lower=0).sum())
    frame["revenue_share"] = frame["revenue_12m"].clip(lower=0) / total if total > 0 else 0.0
    alive = lookup_by_id(ids, p_alive) if p_alive is not None else pd.Series(np.nan, index=frame.index)
    overdue = frame["recency_days"] > params.overdue_factor * frame["mean_gap_days"]
    unlikely = (frame["frequency"] > 1) & (alive < params.min_p_alive)
    shares = frame["account_manager"].map(manager_shares) if manager_shares is not None else 0.0
    key = _flag(ids, valuable)
    flags = {
        "declining": run["declining"].fillna(False).astype(bool)
        | (key & run["below_run_rate"].fillna(False).astype(bool)),
        "lapsing": key & (overdue | unlikely) & (frame["revenue_12m"] > 0),
        "loss_maker": _flag(ids, loss_makers),
        "single_manager": (frame["revenue_share"] >= params.exposure_min_share)
        & (pd.Series(shares, index=frame.index).fillna(0.0) >= params.manager_share),
    }
    frame["reasons"] = _reason_tuples(flags)
    return frame


def _reason_tuples(flags: dict[str, pd.Series]) -> list[tuple[str, ...]]:
    """Each row's reason codes in ``REASONS`` order, from one bit mask per row (no row loop)."""
    codes = list(REASONS)
    bits = np.zeros(len(next(iter(flags.values()))), dtype=np.int64)
    for position, code in enumerate(codes):
        bits |= flags[code].to_numpy(dtype=bool).astype(np.int64) << position
    combos = [tuple(c for p, c in enumerate(codes) if mask >> p & 1) for mask in range(1 << len(codes))]
    return [combos[mask] for mask in bits.tolist()]


def _attention_table(listed: pd.DataFrame) -> pd.DataFrame:
    if listed.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in ATTENTION_COLUMNS})
    own = listed["revenue_12m"].clip(lower=0)
    only_decline = listed["reasons"].map(lambda r: r == ("declining",))
    stake = np.where(only_decline, np.minimum(4.0 * listed["shortfall_quarter"], own), own)
    declining = listed["reasons"].map(lambda r: "declining" in r)
    table = listed.assign(
        at_stake=stake,
        # a shortfall is shown only where it is a reason: a loss-maker a little below its
        # run-rate is not "declining", and a figure without its reason reads as one
        shortfall_quarter=listed["shortfall_quarter"].where(declining, 0.0),
        reason_text=listed["reasons"].map(lambda r: "; ".join(REASONS[c] for c in r)),
        action=listed["reasons"].map(lambda r: "; ".join(ACTIONS[c] for c in r)),
    )
    table = table.sort_values(
        ["at_stake", "customer_id"], ascending=[False, True], kind="mergesort"
    )
    return table[list(ATTENTION_COLUMNS)].reset_index(drop=True)


def _win_back(gone: pd.DataFrame) -> pd.DataFrame:
    value = gone["monetary_total"] if "monetary_total" in gone else gone["revenue_12m"]
    frame = gone.assign(monetary_total=value)[
        ["customer_id", "account_manager", "recency_days", "monetary_total"]
    ]
    return frame.iloc[value_then_id_order(frame["monetary_total"], frame["customer_id"])].reset_index(
        drop=True)
