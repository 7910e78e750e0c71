"""Mix diversification and the group portfolio: how revenue spreads over lines, channels, units.

The sources' remedy for dependency is diversification into services, online channels and
new segments. For each dimension the data has (product line, channel, region, customer
type, business unit) this module gives the revenue shares, their HHI (see
``insights.concentration``) and the change against the same quarter a year earlier
(trailing 12 months now vs trailing 12 months a year before), and says whether the mix is
moving toward services and online. The group functions look across business units: the
group's top customers and the customers buying from several units (cross-selling).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from insights.concentration import effective_number, even_split_band, hhi, rank_entities
from insights.periods import year_earlier as year_earlier  # re-exported: the comparison date
from insights.schema import MIX_DIMENSIONS, require_columns

#: Revenue per value of each dimension, now and a year earlier
#: (``insights.features.revenue.mix_revenue``).
MixRevenue = Mapping[str, tuple[pd.Series, pd.Series]]
#: A share change of at least this many fractions counts as movement (1 percentage point).
MIN_CHANGE = 0.01


def mix_shares(now: pd.Series, year_ago: pd.Series) -> pd.DataFrame:
    """Compare revenue shares per value of one dimension now and a year earlier.

    share = r_v / Σ r over values with positive revenue in that period (as in
    ``concentration.rank_entities``); share_change = share − share_year_ago, with a value
    absent in a period counted as share 0 there.

    Returns
    -------
    DataFrame
        ``value``, ``revenue``, ``share``, ``revenue_year_ago``, ``share_year_ago``,
        ``share_change``; sorted by revenue now (descending), then value.

    Examples
    --------
    >>> t = mix_shares(pd.Series({"sales": 3.0, "repair": 1.0}), pd.Series({"sales": 1.0}))
    >>> t[["value", "share_change"]].values.tolist()
    [['sales', -0.25], ['repair', 0.25]]
    """
    current = rank_entities(now).set_index("entity")
    before = rank_entities(year_ago).set_index("entity")
    values = current.index.union(before.index, sort=False)
    table = pd.DataFrame(index=pd.Index(values, name="value"))
    table["revenue"] = current["revenue"].reindex(values).fillna(0.0).to_numpy()
    table["share"] = current["share"].reindex(values).fillna(0.0).to_numpy()
    table["revenue_year_ago"] = before["revenue"].reindex(values).fillna(0.0).to_numpy()
    table["share_year_ago"] = before["share"].reindex(values).fillna(0.0).to_numpy()
    if before.empty:
        table["share_year_ago"] = np.nan
    if current.empty:
        table["share"] = np.nan
    table["share_change"] = table["share"] - table["share_year_ago"]
    table = table.reset_index()
    table["value"] = table["value"].astype("string")
    return table.sort_values(
        ["revenue", "value"], ascending=[False, True], kind="mergesort"
    ).reset_index(drop=True)


def summarize_mix(now: pd.Series, year_ago: pd.Series, *, dimension: str) -> dict[str, object]:
    """Return one dimension's mix concentration now and a year earlier, as a flat record.

    Keys: ``dimension``, ``values`` (with positive revenue now), ``top_value``,
    ``top_share``, ``hhi``, ``hhi_band`` (against an even split over the dimension's own
    values, ``concentration.even_split_band``), ``effective_number``, ``hhi_year_ago``,
    ``hhi_change`` (positive = more concentrated than a year ago).
    """
    ranked = rank_entities(now)
    value_now, value_before = hhi(now), hhi(year_ago)
    return {
        "dimension": dimension,
        "values": len(ranked),
        "top_value": ranked["entity"].iloc[0] if len(ranked) else None,
        "top_share": float(ranked["share"].iloc[0]) if len(ranked) else np.nan,
        "hhi": value_now,
        "hhi_band": even_split_band(value_now, categories=len(ranked)),
        "effective_number": effective_number(value_now),
        "hhi_year_ago": value_before,
        "hhi_change": value_now - value_before,
    }


def mix_direction(
    shares: pd.DataFrame,
    *,
    dimension: str,
    targets: Sequence[str],
    label: str,
    min_change: float = MIN_CHANGE,
) -> dict[str, object]:
    """Say whether the share of ``targets`` (e.g. service lines) in ``dimension`` is rising.

    share = Σ share over the target values; direction "toward" when the share rose by at
    least ``min_change`` against a year earlier, "away" when it fell by as much, "flat"
    otherwise; "not configured" without targets, "no history" without a year-ago share.
    """
    share: float = np.nan
    share_year_ago: float = np.nan
    if targets:
        chosen = shares[shares["value"].isin(list(targets))]
        share = float(chosen["share"].sum()) if shares["share"].notna().any() else np.nan
        if shares["share_year_ago"].notna().any():
            share_year_ago = float(chosen["share_year_ago"].sum())
    change = share - share_year_ago
    if not targets:
        direction = "not configured"
    elif pd.isna(change):
        direction = "no history"
    elif change >= min_change:
        direction = "toward"
    else:
        direction = "away" if change <= -min_change else "flat"
    return {
        "target": label,
        "dimension": dimension,
        "values": ", ".join(targets),
        "share": share,
        "share_year_ago": share_year_ago,
        "change": change,
        "direction": direction,
    }


@dataclass(frozen=True)
class MixResult:
    """Mix diversification over every dimension the data has."""

    status: str  # "ok" or "no_dimensions"
    reason: str
    shares: pd.DataFrame = field(repr=False)  # dimension + mix_shares columns
    summary: pd.DataFrame = field(repr=False)  # one summarize_mix row per dimension
    direction: pd.DataFrame = field(repr=False)  # services and online: mix_direction rows
    missing: tuple[str, ...] = ()  # dimensions the data does not have
    single_valued: tuple[str, ...] = ()  # one value only, now and a year ago: nothing to mix


def mix_diversification(
    revenue: MixRevenue,
    *,
    dimensions: Sequence[str] = MIX_DIMENSIONS,
    service_product_lines: Sequence[str] = (),
    online_channels: Sequence[str] = (),
) -> MixResult:
    """Measure the revenue mix per dimension now vs a year earlier, and its direction.

    Parameters
    ----------
    revenue : mapping of dimension to (Series, Series)
        Trailing revenue per value now and a year earlier (``year_earlier(as_of)``), for
        each dimension the data has (``insights.features.revenue.mix_revenue``).
    dimensions : sequence of str
        Candidate dimensions; those not in ``revenue`` are listed in ``missing``, those
        with a single value (now and a year ago) in ``single_valued``.
    service_product_lines, online_channels : sequence of str
        params.features.service_product_lines / online_channels.
    """
    present = [d for d in dimensions if d in revenue]
    missing = tuple(d for d in dimensions if d not in present)
    shares, summary, single = [], [], []
    for dimension in present:
        now, before = revenue[dimension]
        table = mix_shares(now, before)
        if len(table) < 2:
            single.append(dimension)
            continue
        shares.append(table.assign(dimension=dimension))
        summary.append(summarize_mix(now, before, dimension=dimension))
    if not shares:
        reason = f"The data has no mix dimension with two or more values ({', '.join(dimensions)})."
        empty = pd.DataFrame()
        return MixResult("no_dimensions", reason, empty, empty, empty, missing, tuple(single))
    long = pd.concat(shares, ignore_index=True)
    long = long[["dimension", *[c for c in long.columns if c != "dimension"]]]
    kept = set(long["dimension"])
    direction = [
        mix_direction(
            long[long["dimension"] == dim], dimension=dim, targets=list(targets), label=label
        )
        for label, dim, targets in (
            ("services", "product_line", service_product_lines),
            ("online", "channel", online_channels),
        )
        if dim in kept
    ]
    frames = (long, pd.DataFrame(summary), pd.DataFrame(direction))
    return MixResult("ok", "", *frames, missing, tuple(single))


# --- group portfolio ------------------------------------------------------------------------


def group_top_customers(revenue: pd.DataFrame, *, top: int = 10) -> pd.DataFrame:
    """Rank the group's customers by revenue across units, with the units they buy from.

    Parameters
    ----------
    revenue : DataFrame
        ``customer_id``, ``unit``, ``revenue`` (``features.revenue.unit_revenue``).
    top : int
        Rows to return.

    Returns
    -------
    DataFrame
        ``rank``, ``customer_id``, ``revenue``, ``share`` (of the group's positive
        revenue), ``units`` (count with positive revenue), ``main_unit``, ``unit_list``
        (by revenue, descending).
    """
    require_columns(revenue, ["customer_id", "unit", "revenue"], where="group_top_customers")
    per_unit = _positive_pairs(revenue)
    ranked = rank_entities(revenue.groupby("customer_id")["revenue"].sum()).head(top)
    lists = per_unit.groupby("customer_id")["unit"].agg(lambda u: ", ".join(u))
    table = ranked.rename(columns={"entity": "customer_id"})
    table["units"] = table["customer_id"].map(per_unit.groupby("customer_id").size()).fillna(0)
    table["main_unit"] = table["customer_id"].map(per_unit.groupby("customer_id")["unit"].first())
    table["unit_list"] = table["customer_id"].map(lists)
    columns = ["rank", "customer_id", "revenue", "share", "units", "main_unit", "unit_list"]
    return table.astype({"units": "int64"})[columns].reset_index(drop=True)


def _positive_pairs(revenue: pd.DataFrame) -> pd.DataFrame:
    """Customer-unit pairs with positive revenue, by customer then revenue desc, unit asc."""
    pairs = revenue.groupby(["customer_id", "unit"], as_index=False)["revenue"].sum()
    pairs = pairs[pairs["revenue"] > 0].astype({"customer_id": "string", "unit": "string"})
    return pairs.sort_values(
        ["customer_id", "revenue", "unit"], ascending=[True, False, True], kind="mergesort"
    )


@dataclass(frozen=True)
class CrossSelling:
    """Customers buying from several business units."""

    status: str  # "ok", "one_unit" or "no_revenue"
    reason: str
    multi_unit_share: float  # customers with 2+ units / customers with any
    multi_unit_revenue_share: float
    by_units: pd.DataFrame = field(repr=False)  # units_bought, customers, shares, revenue
    pairs: pd.DataFrame = field(repr=False)  # unit_a, unit_b, shared_customers


def cross_unit_customers(revenue: pd.DataFrame) -> CrossSelling:
    """Count customers by how many units they buy from, and the customers units share.

    A customer buys from a unit when its net revenue there is positive. Customer ids must
    mean the same customer in every unit (one CRM); otherwise nobody looks cross-sold.

    Parameters
    ----------
    revenue : DataFrame
        ``customer_id``, ``unit``, ``revenue``.
    """
    require_columns(revenue, ["customer_id", "unit", "revenue"], where="cross_unit_customers")
    pairs = _positive_pairs(revenue)
    units = pairs.groupby("customer_id").agg(
        units_bought=("unit", "size"), revenue=("revenue", "sum")
    )
    empty = pd.DataFrame(columns=["unit_a", "unit_b", "shared_customers"])
    if units.empty:
        return CrossSelling(
            "no_revenue",
            "No customer has positive revenue in any unit.",
            np.nan,
            np.nan,
            pd.DataFrame(),
            empty,
        )
    by_units = (
        units.groupby("units_bought")
        .agg(customers=("revenue", "size"), revenue=("revenue", "sum"))
        .reset_index()
    )
    by_units["customer_share"] = by_units["customers"] / by_units["customers"].sum()
    by_units["revenue_share"] = by_units["revenue"] / by_units["revenue"].sum()
    multi = units["units_bought"] >= 2
    joined = pairs.merge(pairs, on="customer_id", suffixes=("_a", "_b"))
    joined = joined[joined["unit_a"] < joined["unit_b"]]
    shared = joined.groupby(["unit_a", "unit_b"]).size().rename("shared_customers").reset_index()
    shared = shared.sort_values(
        ["shared_customers", "unit_a", "unit_b"], ascending=[False, True, True], kind="mergesort"
    )
    status, reason = "ok", ""
    if pairs["unit"].nunique() < 2:
        status, reason = "one_unit", "Only one unit has revenue, so nobody can buy from several."
    return CrossSelling(
        status,
        reason,
        float(multi.mean()),
        float(units.loc[multi, "revenue"].sum() / units["revenue"].sum()),
        by_units,
        shared.reset_index(drop=True) if len(shared) else empty,
    )


@dataclass(frozen=True)
class GroupPortfolio:
    """The group view: unit mix and its concentration, top customers, cross-selling."""

    status: str  # "ok" or "no_units"
    reason: str
    unit_mix: MixResult | None = field(default=None, repr=False)
    top_customers: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    cross_selling: CrossSelling | None = field(default=None, repr=False)


def group_portfolio(
    revenue: pd.DataFrame | None,
    *,
    unit_mix: MixRevenue,
    top: int = 10,
) -> GroupPortfolio:
    """Build the group portfolio view from revenue per customer and unit.

    ``revenue`` (``insights.features.revenue.unit_revenue``: trailing revenue per
    customer and unit) feeds ``group_top_customers`` and ``cross_unit_customers``;
    ``mix_diversification`` over ``unit_mix`` (``mix_revenue`` over ``unit``) gives the
    unit mix and its change against a year earlier. When ``revenue`` is None (the data
    has no ``unit`` column) the status is "no_units" with a sentence saying so.
    """
    if revenue is None:
        return GroupPortfolio(
            "no_units",
            "The data has no business-unit column; load the "
            "group params, which read every unit's export.",
        )
    return GroupPortfolio(
        "ok",
        "",
        mix_diversification(unit_mix, dimensions=("unit",)),
        group_top_customers(revenue, top=top),
        cross_unit_customers(revenue),
    )
