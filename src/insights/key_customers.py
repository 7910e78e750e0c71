"""Key customers: a score from more than revenue, the reasons in words, and the classification.

The sources' point: the "main customer" is often not the biggest. The score combines
seven components, each rank-normalised to [0, 1] over the customers with positive
trailing-12-month revenue (the tied get their average rank; a constant component gives
everyone 0.5):

- revenue: trailing 12-month net revenue (``revenue_12m``);
- margin: contribution after discounts and cost (``margin_total``: the data's margin, or
  net amount minus cost; amounts are already net of discounts), over the customer's history;
- growth: ``trend`` = (r12 − p12) / (|r12| + |p12|);
- loyalty: mean of the ranks of tenure and regularity (share of the last 8 quarters with
  a purchase, from ``features.customer_quarter_activity``; tenure only without it);
- repeat: P(alive) from the clv module when given; otherwise a proxy, the mean of the ranks
  of frequency and of recency (more recent = higher). The proxy is not a probability;
- breadth: number of product lines bought (left out when every customer has the same count,
  e.g. data without product lines);
- reference: 1 for a reference customer (``is_reference``) or an image customer set in
  params, else 0 (not rank-normalised).

score = Σ_c w_c · x_c / Σ_c w_c over the components the data has (weights from
params.key_customers.weights). Components the data lacks are left out and named.
A customer buying far below its own run-rate (the attention list's *declining*, passed in as
``decline``) is never described as loyal: its reasons start with the decline and the
loyalty words keep only its tenure. Classification (``CLASSIFICATION_RULE``): image,
profitable, other; loss-makers flagged separately. Overrides from params are applied visibly in the ``override`` column.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

# The components in words live in insights.key_reasons; their names stay importable from here.
from insights.key_reasons import (  # noqa: F401
    COMPONENTS,
    DECLINE_WORDS,
    OVERRIDE_IMAGE,
    REGULARITY_QUARTERS,
    decline_reason,
    top_reasons,
)
from insights.params import KeyCustomerParams
from insights.schema import lookup_by_id, require_columns

#: The classification rule, shown in the report next to the table.
CLASSIFICATION_RULE = (
    "Image: marked as a reference customer in the data or listed as an image customer in "
    "the unit's params. Profitable: contribution (revenue after discounts minus cost) above "
    "{threshold} of revenue. Other: the rest. Loss-maker (any class): contribution below zero."
)
OVERRIDE_EXCLUDED = "excluded (params)"
#: Columns of the ``decline`` frame (``attention.RunRateWarning.declining``).
DECLINE_COLUMNS = ("customer_id", "compared_quarters", "compared_run_rate", "compared_revenue")
#: Rows of the ranking whose reasons are written out (reports and exports show at most 100).
REASON_ROWS = 1000
NEEDED = ("customer_id", "revenue_12m", "trend", "tenure_days", "frequency", "recency_days")


def rank_normalise(values: pd.Series) -> pd.Series:
    """Map values to [0, 1] by rank: (rank − 1) / (n − 1), ties at their average rank.

    Missing values stay missing; a single value or a constant series gives 0.5.

    >>> rank_normalise(pd.Series([10.0, 30.0, 20.0])).tolist()
    [0.0, 1.0, 0.5]
    """
    ranks = values.rank(method="average")
    n = int(values.notna().sum())
    if n <= 1:
        return ranks.where(ranks.isna(), 0.5)
    return (ranks - 1.0) / (n - 1.0)


def purchase_regularity(
    activity: pd.DataFrame, *, as_of, quarters: int = REGULARITY_QUARTERS
) -> pd.Series:
    """Return the share of the last ``quarters`` quarters (to as_of's) with a purchase.

    regularity = #{q in the window: purchases_q > 0} / quarters, per customer; a steady
    buyer scores 1, a customer seen in one quarter 1/quarters.

    Parameters
    ----------
    activity : DataFrame
        ``customer_id``, ``quarter`` (Period), ``purchases`` (from
        ``features.customer_quarter_activity``).
    """
    require_columns(activity, ["customer_id", "quarter", "purchases"], where="purchase_regularity")
    last = pd.Period(pd.Timestamp(as_of), freq="Q")
    quarter = pd.PeriodIndex(activity["quarter"], freq="Q")
    inside = (
        (quarter > last - quarters) & (quarter <= last) & (activity["purchases"] > 0).to_numpy()
    )
    active = activity.loc[inside].groupby("customer_id")["quarter"].nunique()
    return (active / quarters).rename("regularity")


def score_components(
    customers: pd.DataFrame,
    *,
    regularity: pd.Series | None = None,
    p_alive: pd.Series | None = None,
    image_ids: Sequence[str] = (),
) -> pd.DataFrame:
    """Return the seven components per customer, each in [0, 1]; a missing one is all-NaN.

    ``customers`` is the scored part of the features frame (see module docstring for the
    definitions); ``regularity`` and ``p_alive`` are Series indexed by customer_id.
    """
    ids = customers["customer_id"]
    margin = customers.get("margin_total", pd.Series(np.nan, index=customers.index))
    tenure = rank_normalise(customers["tenure_days"])
    loyalty = tenure
    if regularity is not None:
        regular = rank_normalise(lookup_by_id(ids, regularity).fillna(0.0).astype("float64"))
        loyalty = (tenure + regular) / 2.0
    if p_alive is not None:
        repeat = rank_normalise(lookup_by_id(ids, p_alive).astype("float64"))
    else:
        repeat = (
            rank_normalise(customers["frequency"].astype("float64"))
            + rank_normalise(-customers["recency_days"])
        ) / 2.0
    reference = _reference_flag(customers, image_ids)
    breadth = customers.get("product_line_count", pd.Series(np.nan, index=customers.index))
    if breadth.nunique(dropna=True) <= 1:  # no product lines (or one): breadth says nothing
        breadth = pd.Series(np.nan, index=customers.index)
    return pd.DataFrame(
        {
            "revenue": rank_normalise(customers["revenue_12m"]),
            "margin": rank_normalise(margin.astype("float64")),
            "growth": rank_normalise(customers["trend"]),
            "loyalty": loyalty,
            "repeat": repeat,
            "breadth": rank_normalise(breadth.astype("float64")),
            "reference": reference,
        },
        index=customers.index,
    )


def _reference_flag(customers: pd.DataFrame, image_ids: Sequence[str]) -> pd.Series:
    in_params = customers["customer_id"].isin(list(image_ids))
    if "is_reference" not in customers.columns and not in_params.any():
        return pd.Series(np.nan, index=customers.index)
    in_data = customers.get("is_reference", pd.Series(False, index=customers.index))
    return (in_data.fillna(False).astype(bool) | in_params).astype("float64")


def combine_score(components: pd.DataFrame, weights: Mapping[str, float]) -> pd.Series:
    """Return Σ w_c · x_c / Σ w_c over the components that are not entirely missing.

    A value missing for one customer in an available component counts as 0 for it.

    >>> combine_score(pd.DataFrame({"revenue": [1.0, 0.0], "margin": [np.nan, np.nan]}),
    ...               {"revenue": 0.5, "margin": 0.5}).tolist()
    [1.0, 0.0]
    """
    used = [c for c in components.columns if components[c].notna().any() and weights.get(c, 0) > 0]
    total = sum(weights[c] for c in used)
    if not used or total <= 0:
        return pd.Series(np.nan, index=components.index, name="score")
    score = sum(components[c].fillna(0.0) * weights[c] for c in used) / total
    return score.rename("score")


def classify_customers(
    details: pd.DataFrame, *, min_margin_share: float = 0.0
) -> tuple[pd.Series, pd.Series]:
    """Return (category, loss_maker) per customer following ``CLASSIFICATION_RULE``.

    ``details`` needs ``is_image`` (bool), ``contribution`` and ``margin_rate``; without
    a contribution a customer is "other" (profitability cannot be judged) and not a
    loss-maker.
    """
    profitable = details["margin_rate"].gt(min_margin_share) & details["contribution"].notna()
    category = np.where(details["is_image"], "image", np.where(profitable, "profitable", "other"))
    loss_maker = details["contribution"].lt(0).fillna(False)
    return (
        pd.Series(category, index=details.index, name="category", dtype="string"),
        loss_maker.astype(bool).rename("loss_maker"),
    )


@dataclass(frozen=True)
class KeyCustomers:
    """The key-customer table and how it was built."""

    status: str  # "ok" or "no_customers"
    reason: str
    table: pd.DataFrame = field(repr=False)
    weights: dict[str, float] = field(default_factory=dict)  # normalised over used components
    missing_components: tuple[str, ...] = ()  # components the data cannot give
    rule: str = ""
    repeat_source: str = "proxy"  # "p_alive" or "proxy"
    top_n: int = 15
    unmatched_overrides: tuple[str, ...] = ()  # override ids not among the scored customers

    @property
    def key(self) -> pd.DataFrame:
        """The top ``top_n`` key customers (excluded ones never appear)."""
        return self.table[self.table["key_rank"].le(self.top_n).fillna(False)]

    @property
    def loss_makers(self) -> pd.DataFrame:
        """Customers whose contribution after discounts and cost is negative, worst first."""
        rows = self.table[self.table["loss_maker"]]
        return rows.sort_values(["contribution", "customer_id"], kind="mergesort")


def _decline_by_customer(decline: pd.DataFrame | None) -> pd.DataFrame:
    """Return revenue / run-rate (``ratio``) and ``quarters`` compared, by customer_id."""
    if decline is None:
        decline = pd.DataFrame(columns=list(DECLINE_COLUMNS))
    require_columns(decline, DECLINE_COLUMNS, where="score_key_customers(decline=...)")
    rows = decline.drop_duplicates("customer_id").set_index("customer_id")
    rate = rows["compared_run_rate"].astype("float64")
    return pd.DataFrame({"ratio": rows["compared_revenue"].astype("float64") / rate.where(rate > 0),
                         "quarters": rows["compared_quarters"].astype("float64")},
                        index=rows.index.astype(str))  # fmt: skip


def _details(
    scored: pd.DataFrame,
    regularity: pd.Series | None,
    p_alive: pd.Series | None,
    image: set,
    decline: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The per-customer numbers behind the components and the reasons."""
    ids = scored["customer_id"]
    declining = _decline_by_customer(decline)
    contribution = scored.get("margin_total", pd.Series(np.nan, index=scored.index))
    total = scored.get("monetary_total", scored["revenue_12m"]).astype("float64")
    prev = scored.get("revenue_prev_12m", pd.Series(0.0, index=scored.index)).astype("float64")
    reference = scored.get("is_reference", pd.Series(False, index=scored.index))
    return pd.DataFrame(
        {
            "revenue_rank": scored["revenue_12m"].rank(method="first", ascending=False),
            "contribution": contribution.astype("float64"),
            "margin_rate": contribution / total.where(total > 0),
            "growth": scored["revenue_12m"] / prev.where(prev > 0) - 1.0,
            "regularity": lookup_by_id(ids, regularity) if regularity is not None else np.nan,
            "tenure_years": scored["tenure_days"] / 365.25,
            "p_alive": lookup_by_id(ids, p_alive) if p_alive is not None else np.nan,
            "frequency": scored["frequency"],
            "recency_days": scored["recency_days"],
            "product_line_count": scored.get("product_line_count", np.nan),
            "is_image": reference.fillna(False).astype(bool) | ids.isin(image),
            "override": np.where(ids.isin(image), OVERRIDE_IMAGE, ""),
            "decline_ratio": lookup_by_id(ids, declining["ratio"]).astype("float64"),
            "decline_quarters": lookup_by_id(ids, declining["quarters"]).astype("float64"),
        },
        index=scored.index,
    )


def score_key_customers(
    features: pd.DataFrame,
    *,
    params: KeyCustomerParams | None = None,
    activity: pd.DataFrame | None = None,
    as_of=None,
    p_alive: pd.Series | None = None,
    decline: pd.DataFrame | None = None,
) -> KeyCustomers:
    """Score key customers from the customer features frame (see the module docstring).

    Parameters
    ----------
    features : DataFrame
        ``features.build_customer_features`` output; customers with positive
        ``revenue_12m`` are scored (the sort puts revenue first among equal scores).
    params : KeyCustomerParams, optional
        Weights, ``top_n``, ``profitable_min_margin_share`` and the overrides.
    activity : DataFrame, optional
        ``features.customer_quarter_activity`` output, for regularity (needs ``as_of``).
    as_of : date-like, optional
        The analysis date (for regularity).
    p_alive : Series, optional
        P(alive) per customer_id from the clv module; otherwise the proxy is used.
    decline : DataFrame, optional
        The customers buying far below their own run-rate (``attention.run_rate_warning``'s
        ``declining``: ``customer_id``, ``compared_quarters``, ``compared_run_rate``,
        ``compared_revenue``). Their reasons start with the decline and never call them
        loyal; the score is unchanged.

    Returns
    -------
    KeyCustomers
        ``table`` sorted by score (excluded customers last), with ``key_rank``,
        ``score``, ``category``, ``loss_maker``, ``override``, ``reasons``, the details and
        the ``x_<component>`` values; status "no_customers" when nobody has revenue.
    """
    require_columns(features, NEEDED, where="score_key_customers")
    params = params or KeyCustomerParams()
    if activity is not None and as_of is None:
        raise ValueError("score_key_customers: pass as_of together with activity.")
    scored = features[features["revenue_12m"] > 0]
    scored = scored.sort_values("customer_id", kind="mergesort").reset_index(drop=True)
    image, excluded = set(params.image_customers), set(params.exclude_customers)
    overrides = scored["customer_id"]
    found = set(overrides[overrides.isin(sorted(image | excluded))])  # not a set of every id
    unmatched = tuple(sorted((image | excluded) - found))
    rule = CLASSIFICATION_RULE.format(threshold=f"{params.profitable_min_margin_share:.0%}")
    if scored.empty:
        reason = "No customer has positive revenue in the last 12 months; nobody is scored."
        return KeyCustomers(
            "no_customers", reason, pd.DataFrame(), rule=rule, unmatched_overrides=unmatched
        )
    regularity = purchase_regularity(activity, as_of=as_of) if activity is not None else None
    components = score_components(scored, regularity=regularity, p_alive=p_alive, image_ids=sorted(image))
    raw = params.weights.model_dump()
    used = [c for c in COMPONENTS if components[c].notna().any() and raw[c] > 0]
    weights = {c: raw[c] / sum(raw[u] for u in used) for c in used}
    details = _details(scored, regularity, p_alive, image, decline)
    details.loc[scored["customer_id"].isin(excluded).to_numpy(), "override"] = OVERRIDE_EXCLUDED
    table = _assemble(scored, details, components, weights, params=params, p_alive=p_alive)
    missing = tuple(c for c in COMPONENTS if components[c].isna().all())
    return KeyCustomers(
        "ok",
        "",
        table,
        weights,
        missing,
        rule,
        "p_alive" if p_alive is not None else "proxy",
        params.top_n,
        unmatched,
    )


def _assemble(
    scored: pd.DataFrame,
    details: pd.DataFrame,
    components: pd.DataFrame,
    weights: dict[str, float],
    *,
    params: KeyCustomerParams,
    p_alive: pd.Series | None,
) -> pd.DataFrame:
    """Join features, details, class, score, reasons and components; rank the result.

    Reasons are written for the first ``REASON_ROWS`` rows of the ranking (every key
    customer a report or an export shows); below them the column is empty.
    """
    category, loss_maker = classify_customers(
        details, min_margin_share=params.profitable_min_margin_share
    )
    table = pd.concat(
        [
            scored.drop(columns=[c for c in details.columns if c in scored.columns]),
            details.drop(columns=["is_image"]),
            category,
            loss_maker,
            combine_score(components, weights),
            pd.Series(pd.NA, index=scored.index, name="reasons", dtype="string"),
            components.add_prefix("x_"),
        ],
        axis=1,
    )
    ranked = _rank(table)
    head = ranked.index[:REASON_ROWS]
    ranked.loc[head, "reasons"] = top_reasons(
        components.loc[head], details.loc[head], weights, p_alive=p_alive is not None,
        scored=len(details),
    )
    return ranked.reset_index(drop=True)


def _rank(table: pd.DataFrame) -> pd.DataFrame:
    """Sort by score (excluded last; ties: revenue desc, id asc) and number the key ranks.

    The result keeps ``table``'s index (the caller resets it).
    """
    excluded = table["override"].eq(OVERRIDE_EXCLUDED)
    ordered = table.assign(_excluded=excluded).sort_values(
        ["_excluded", "score", "revenue_12m", "customer_id"],
        ascending=[True, False, False, True],
        kind="mergesort",
    )
    rank = (~ordered["_excluded"]).cumsum().where(~ordered["_excluded"])
    ordered.insert(0, "key_rank", rank.astype("Int64"))
    return ordered.drop(columns="_excluded")


@dataclass(frozen=True)
class KeyVsRevenue:
    """Where the top key customers differ from the top customers by revenue."""

    top_n: int
    overlap: int  # customers in both top lists
    table: pd.DataFrame = field(repr=False)


def compare_key_vs_revenue(result: KeyCustomers, *, top_n: int | None = None) -> KeyVsRevenue:
    """Compare the top ``top_n`` by key score with the top ``top_n`` by 12-month revenue.

    Returns
    -------
    KeyVsRevenue
        ``table``: the union of both lists with ``customer_id``, ``key_rank``,
        ``revenue_rank``, ``score``, ``revenue_12m``, ``list`` ("both", "key only",
        "revenue only") and ``why``: the reasons for a key-only customer; for a
        revenue-only one its decline against its run-rate, the exclusion, "loss-maker"
        and its two weakest components (the reference flag aside).
    """
    top_n = int(top_n or result.top_n)
    table = result.table
    if table.empty:
        empty = pd.DataFrame(columns=["customer_id", "key_rank", "revenue_rank", "list", "why"])
        return KeyVsRevenue(top_n, 0, empty)
    in_key = table["key_rank"].le(top_n).fillna(False).astype(bool)
    in_revenue = table["revenue_rank"].le(top_n)
    rows = table[in_key | in_revenue].copy()
    rows["list"] = np.where(
        in_key[rows.index] & in_revenue[rows.index],
        "both",
        np.where(in_key[rows.index], "key only", "revenue only"),
    )
    rows["why"] = [_why(row, result) for _, row in rows.iterrows()]
    order = rows["list"].map({"both": 0, "key only": 1, "revenue only": 2})
    rows = rows.assign(_order=order, _rank=rows["key_rank"].astype("Float64").fillna(np.inf))
    rows = rows.sort_values(["_order", "_rank", "revenue_rank"], kind="mergesort")
    columns = ["customer_id", "key_rank", "revenue_rank", "score", "revenue_12m", "list", "why"]
    return KeyVsRevenue(
        top_n, int((rows["list"] == "both").sum()), rows[columns].reset_index(drop=True)
    )


def _why(row: pd.Series, result: KeyCustomers) -> str:
    if row["list"] != "revenue only":
        return str(row["reasons"])
    notes = []
    if pd.notna(row.get("decline_ratio", np.nan)):
        notes.append(decline_reason(row["decline_ratio"], int(row["decline_quarters"])))
    if row["override"] == OVERRIDE_EXCLUDED:
        notes.append("excluded in params")
    if row["loss_maker"]:
        notes.append("loss-maker")
    values = {
        c: row[f"x_{c}"] for c in result.weights if c != "reference" and pd.notna(row[f"x_{c}"])
    }
    weakest = sorted(values, key=lambda c: (values[c], COMPONENTS.index(c)))[:2]
    if weakest:
        notes.append("weaker on " + " and ".join(weakest))
    return "; ".join(notes)
