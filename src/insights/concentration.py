"""Dependency on a few customers: top-N shares, HHI, Gini/Lorenz, stress tests, key-person risk.

Every metric works on a Series of net revenue per entity (customer, account manager,
product line, ...) indexed by the entity's id, so it can be tested on a hand-built Series.
Only entities with positive revenue take part (domain.md, "Concentration"); ties are
ordered by revenue descending, then id ascending, so every ranking is deterministic.
The trend at the end takes trailing revenue per customer at several quarter ends, as
``insights.features.revenue.revenue_by_quarter`` returns it; nothing here reads transactions.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from insights.periods import quarter_end
from insights.schema import require_columns, value_then_id_order
from insights.wording import count_of

#: HHI bands of the 2023 U.S. DOJ/FTC Merger Guidelines (upper bound inclusive, label).
HHI_BANDS = ((1000.0, "unconcentrated"), (1800.0, "moderately concentrated"))
HHI_HIGH = "highly concentrated"
HHI_SOURCE = (
    "U.S. Department of Justice and Federal Trade Commission, Merger Guidelines "
    "(18 December 2023): HHI below 1,000 unconcentrated, 1,000-1,800 moderately "
    "concentrated, above 1,800 highly concentrated"
)
#: Stress-test verdicts: (lower bound of the revenue share left, verdict), checked in order.
STRESS_VERDICTS = ((0.9, "low"), (0.75, "moderate"), (0.5, "high"), (-math.inf, "severe"))


def rank_entities(revenue: pd.Series) -> pd.DataFrame:
    """Rank entities with positive revenue: revenue descending, then id ascending.

    Parameters
    ----------
    revenue : Series
        Net revenue per entity, indexed by the entity's id.

    Returns
    -------
    DataFrame
        Columns ``entity`` (id as text), ``revenue``, ``share`` (of the positive total),
        ``cumulative_share`` and ``rank`` (1 = largest); entities with zero, negative or
        missing revenue are left out.

    Examples
    --------
    >>> rank_entities(pd.Series({"b": 1.0, "a": 1.0, "c": -2.0}))["entity"].tolist()
    ['a', 'b']
    """
    values = pd.to_numeric(pd.Series(revenue), errors="coerce").astype("float64")
    positive = (values > 0).to_numpy()
    entity = pd.Index(values.index).astype("string")[positive]
    amounts = values.to_numpy()[positive]
    order = value_then_id_order(amounts, entity, missing_id_first=True)  # revenue desc, id asc
    frame = pd.DataFrame({"entity": entity.array[order], "revenue": amounts[order]})
    total = frame["revenue"].sum()
    frame["share"] = frame["revenue"] / total if total > 0 else np.nan
    frame["cumulative_share"] = frame["share"].cumsum()
    frame["rank"] = np.arange(1, len(frame) + 1)
    return frame.reset_index(drop=True)


def top_shares(revenue: pd.Series, *, top_n: Sequence[int] = (1, 5, 10)) -> pd.Series:
    """Return the share of positive revenue brought by the top N entities, for each N.

    share_N = Σ_{i ≤ N} r_(i) / Σ_i r_i, with r_(1) ≥ r_(2) ≥ ... the positive revenues.
    When there are fewer than N entities the share is 1.0 (all of them); NaN when no
    entity has positive revenue. Reference: the concentration ratio CR_N (Hall & Tideman,
    "Measures of Concentration", JASA 62, 1967).

    Examples
    --------
    >>> top_shares(pd.Series({"a": 5.0, "b": 3.0, "c": 2.0}), top_n=(1, 2)).tolist()
    [0.5, 0.8]
    """
    return _top_shares(rank_entities(revenue), top_n)


def _top_shares(ranked: pd.DataFrame, top_n: Sequence[int]) -> pd.Series:
    shares = {n: (float(ranked["share"].head(n).sum()) if len(ranked) else np.nan) for n in top_n}
    return pd.Series(shares, name="share", dtype="float64").rename_axis("top_n")


def top_fraction_share(revenue: pd.Series, *, fraction: float = 0.2) -> float:
    """Return the revenue share of the top ``fraction`` of entities (default: top 20%).

    The top group holds k = ⌈fraction · n⌉ of the n entities with positive revenue (at
    least one); NaN when there are none. The 80/20 (Pareto) reading: how much of revenue
    the top fifth of customers brings.

    Examples
    --------
    >>> top_fraction_share(pd.Series([6.0, 1.0, 1.0, 1.0, 1.0]))
    0.6
    """
    return _top_fraction_share(rank_entities(revenue), fraction)


def _top_fraction_share(ranked: pd.DataFrame, fraction: float) -> float:
    if ranked.empty:
        return np.nan
    return float(ranked["share"].head(top_fraction_count(len(ranked), fraction)).sum())


def top_fraction_count(entities: int, fraction: float = 0.2) -> int:
    """Return k = ⌈fraction · n⌉ (at least 1), the size of the top group; 0 when n is 0.

    >>> top_fraction_count(15), top_fraction_count(4), top_fraction_count(0)
    (3, 1, 0)
    """
    if entities <= 0:
        return 0
    return max(1, math.ceil(round(fraction * entities, 9)))


def hhi(revenue: pd.Series) -> float:
    """Return the Herfindahl-Hirschman Index over entities with positive revenue.

    HHI = Σ_i (100 · s_i)², s_i = r_i / Σ_j r_j; from 10000/n (n equal entities) to 10000
    (one entity). NaN when no entity has positive revenue. Reference: U.S. DOJ/FTC Merger
    Guidelines (2023), section 2.1; Hirschman, "The Paternity of an Index" (AER 54, 1964).

    Examples
    --------
    >>> round(hhi(pd.Series([0.5, 0.3, 0.2])), 6)
    3800.0
    """
    return _hhi(rank_entities(revenue))


def _hhi(ranked: pd.DataFrame) -> float:
    if ranked.empty:
        return np.nan
    return float(((100.0 * ranked["share"]) ** 2).sum())


def hhi_band(value: float) -> str:
    """Return the 2023 U.S. Merger Guidelines band of an HHI value.

    Below 1000 "unconcentrated", 1000 to 1800 "moderately concentrated", above 1800
    "highly concentrated"; "unknown" for a missing value. Source: ``HHI_SOURCE``.

    Examples
    --------
    >>> hhi_band(999.9), hhi_band(1800), hhi_band(1800.1)
    ('unconcentrated', 'moderately concentrated', 'highly concentrated')
    """
    if value is None or pd.isna(value):
        return "unknown"
    if value < HHI_BANDS[0][0]:
        return HHI_BANDS[0][1]
    return HHI_BANDS[1][1] if value <= HHI_BANDS[1][0] else HHI_HIGH


#: Bands of a dimension with few categories: HHI over the HHI of an even split (10000 / n).
EVEN_SPLIT_BANDS = ((1.25, "even"), (2.0, "uneven"))
EVEN_SPLIT_HIGH = "dominated by a few"


def even_split_band(value: float, *, categories: int) -> str:
    """Judge an HHI over ``categories`` categories against an even split over that many.

    Merger-guideline bands need many entities: over 2 to 6 account managers, customer types
    or units they always read "highly concentrated". Here the ratio ``HHI / (10000 / n)``
    (n / effective number) decides: at most 1.25 "even", at most 2 "uneven", above
    "dominated by a few"; one category is "a single category".

    Examples
    --------
    >>> even_split_band(2500.0, categories=4), even_split_band(7000.0, categories=4)
    ('even', 'dominated by a few')
    """
    if value is None or pd.isna(value) or categories < 1:
        return "unknown"
    if categories == 1:
        return "a single category"
    ratio = value * categories / 10000.0
    for limit, label in EVEN_SPLIT_BANDS:
        if ratio <= limit + 1e-9:
            return label
    return EVEN_SPLIT_HIGH


def effective_number(hhi_value: float) -> float:
    """Return the effective number of entities, 10000 / HHI (Adelman 1969; "numbers equivalent").

    n equal entities give n; NaN for a missing or non-positive HHI.

    Examples
    --------
    >>> effective_number(2500.0)
    4.0
    """
    if hhi_value is None or pd.isna(hhi_value) or hhi_value <= 0:
        return np.nan
    return float(10000.0 / hhi_value)


def lorenz_curve(revenue: pd.Series) -> pd.DataFrame:
    """Return the Lorenz curve of positive revenue: from (0, 0) to (1, 1).

    Entities sorted by revenue ascending; point k is (k / n, Σ_{i ≤ k} r_(i) / Σ r).
    Reference: Lorenz, "Methods of measuring the concentration of wealth" (JASA 9, 1905).

    Returns
    -------
    DataFrame
        ``customer_share`` and ``revenue_share``, n + 1 rows (only (0, 0) when empty).

    Examples
    --------
    >>> lorenz_curve(pd.Series([1.0, 3.0]))["revenue_share"].tolist()
    [0.0, 0.25, 1.0]
    """
    return _lorenz_curve(rank_entities(revenue))


def _lorenz_curve(ranked: pd.DataFrame) -> pd.DataFrame:
    ranked = ranked.iloc[::-1]
    n = len(ranked)
    cumulative = ranked["revenue"].cumsum().to_numpy() / ranked["revenue"].sum() if n else []
    return pd.DataFrame(
        {
            "customer_share": np.arange(n + 1, dtype="float64") / max(n, 1),
            "revenue_share": np.concatenate([[0.0], cumulative]).astype("float64"),
        }
    )


def gini(revenue: pd.Series) -> float:
    """Return the Gini coefficient of positive revenue (0 = equal, toward 1 = one takes all).

    G = 2 Σ_i i · r_(i) / (n Σ r) − (n + 1) / n, with r_(1) ≤ ... ≤ r_(n) ascending; equal to
    1 − 2 × the area under the trapezoidal Lorenz curve (as scikit-bio's ``gini_index``).
    One entity gives 0 by this convention (no inequality among one; its dominance shows in
    the HHI of 10000); the maximum for n entities is (n − 1) / n. NaN when none.
    Reference: Gini (1912); Damgaard & Weiner, Ecology 81 (2000).

    Examples
    --------
    >>> gini(pd.Series([1.0, 3.0]))
    0.25
    """
    return _gini(rank_entities(revenue))


def _gini(ranked: pd.DataFrame) -> float:
    values = np.sort(ranked["revenue"].to_numpy())
    n = len(values)
    if n == 0:
        return np.nan
    ranks = np.arange(1, n + 1)
    value = 2.0 * np.sum(ranks * values) / (n * values.sum()) - (n + 1) / n
    return float(max(value, 0.0))  # equal shares give 0 up to rounding (-2e-16): Gini is >= 0


def disclosure_customers(revenue: pd.Series, *, threshold: float = 0.10) -> pd.DataFrame:
    """Return the entities at or above ``threshold`` of positive revenue (default 10%).

    Public companies disclose any single customer bringing 10% or more of revenue
    (FASB ASC 280-10-50-42; IFRS 8.34). Columns as ``rank_entities``, largest first.

    Examples
    --------
    >>> disclosure_customers(pd.Series({"a": 9.0, "b": 1.0, "c": 0.5}))["entity"].tolist()
    ['a']
    """
    return _disclosure(rank_entities(revenue), threshold)


def _disclosure(ranked: pd.DataFrame, threshold: float) -> pd.DataFrame:
    return ranked[ranked["share"] >= threshold - 1e-12].reset_index(drop=True)


@dataclass(frozen=True)
class ConcentrationSummary:
    """Concentration of revenue over entities, with a status and plain-language notes."""

    status: str  # "ok" or "no_revenue"
    reason: str
    entities: int  # with positive revenue
    excluded: int  # with zero, negative or missing revenue
    total_revenue: float
    top_shares: dict[int, float]
    top_fraction: float
    top_fraction_share: float
    hhi: float
    hhi_band: str
    effective_number: float
    gini: float
    ranking: pd.DataFrame = field(repr=False)
    lorenz: pd.DataFrame = field(repr=False)
    disclosure: pd.DataFrame = field(repr=False)
    notes: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        """Return the headline numbers as plain values (shares as fractions) for metadata."""
        return {
            "status": self.status,
            "entities": self.entities,
            "total_revenue": self.total_revenue,
            **{f"top_{n}_share": share for n, share in self.top_shares.items()},
            "top_fraction_share": self.top_fraction_share,
            "hhi": self.hhi,
            "hhi_band": self.hhi_band,
            "effective_number": self.effective_number,
            "gini": self.gini,
            "disclosure_entities": self.disclosure["entity"].tolist(),
        }


def summarize_concentration(
    revenue: pd.Series,
    *,
    top_n: Sequence[int] = (1, 5, 10),
    top_fraction: float = 0.2,
    disclosure_share: float = 0.10,
    entity: str = "customer",
) -> ConcentrationSummary:
    """Summarise how concentrated revenue is over entities: every metric of this module.

    Parameters
    ----------
    revenue : Series
        Net revenue per entity (e.g. trailing 12 months per customer), indexed by id.
    top_n, top_fraction, disclosure_share
        As in ``top_shares``, ``top_fraction_share``, ``disclosure_customers``
        (params.concentration.top_n / disclosure_share).
    entity : str
        What one entity is, for the notes ("customer", "account manager", ...). Customers
        get the merger-guideline ``hhi_band``; any other entity, a dimension with few
        categories, gets ``even_split_band`` over its own number of categories.

    Returns
    -------
    ConcentrationSummary
        status "no_revenue" (with a reason, metrics NaN) when no entity has positive revenue.
    """
    ranked = rank_entities(revenue)
    excluded = int(len(revenue) - len(ranked))
    notes = []
    if excluded:
        notes.append(f"{count_of(excluded, entity)} without positive net revenue left out.")
    if len(ranked) == 1:
        notes.append(
            f"Only one {entity} has positive revenue: HHI is 10000 by definition and the "
            "Gini coefficient is 0 by convention (no inequality among one)."
        )
    value = _hhi(ranked)
    status, reason = "ok", ""
    if ranked.empty:
        status = "no_revenue"
        reason = f"No {entity} has positive net revenue, so concentration cannot be measured."
    return ConcentrationSummary(
        status=status,
        reason=reason,
        entities=len(ranked),
        excluded=excluded,
        total_revenue=float(ranked["revenue"].sum()),
        top_shares={int(k): float(v) for k, v in _top_shares(ranked, top_n).items()},
        top_fraction=float(top_fraction),
        top_fraction_share=_top_fraction_share(ranked, top_fraction),
        hhi=value,
        hhi_band=hhi_band(value) if entity == "customer" else even_split_band(value, categories=len(ranked)),
        effective_number=effective_number(value),
        gini=_gini(ranked),
        ranking=ranked,
        lorenz=_lorenz_curve(ranked),
        disclosure=_disclosure(ranked, disclosure_share),
        notes=tuple(notes),
    )


def stress_verdict(share_left: float) -> str:
    """Return the verdict for the revenue share left after losing customers.

    "severe" below 50% left (the sources' dealer lost half its revenue with one client),
    "high" below 75%, "moderate" below 90%, "low" otherwise; "unknown" when missing.

    >>> stress_verdict(0.42), stress_verdict(0.95)
    ('severe', 'low')
    """
    if share_left is None or pd.isna(share_left):
        return "unknown"
    return next(label for bound, label in STRESS_VERDICTS if share_left >= bound)


def stress_test(revenue: pd.Series, *, top: Sequence[int] = (1, 3, 5)) -> pd.DataFrame:
    """Return revenue left if the top N entities leave, for each N, with a verdict.

    revenue_left = Σ r − Σ_{i ≤ N} r_(i) over positive revenue; share_left = revenue_left / Σ r.

    Returns
    -------
    DataFrame
        One row per N: ``top_n``, ``removed`` (entities actually removed, at most all),
        ``revenue_lost``, ``revenue_left``, ``share_left``, ``verdict`` (``stress_verdict``).
        Shares NaN and verdict "unknown" when no entity has positive revenue.
    """
    ranked = rank_entities(revenue)
    total = float(ranked["revenue"].sum())
    rows = []
    for n in top:
        lost = float(ranked["revenue"].head(n).sum())
        share_left = (total - lost) / total if total > 0 else np.nan
        rows.append(
            {
                "top_n": int(n),
                "removed": int(min(n, len(ranked))),
                "revenue_lost": lost,
                "revenue_left": total - lost,
                "share_left": share_left,
                "verdict": stress_verdict(share_left),
            }
        )
    return pd.DataFrame(rows)


# --- per-customer frames from insights.features -----------------------------------------


def customer_revenue(features: pd.DataFrame, *, column: str = "revenue_12m") -> pd.Series:
    """Return ``column`` of the customer features frame as a Series indexed by customer_id.

    >>> customer_revenue(pd.DataFrame({"customer_id": ["a"], "revenue_12m": [2.0]})).to_dict()
    {'a': 2.0}
    """
    require_columns(features, ["customer_id", column], where="customer_revenue")
    return features.set_index("customer_id")[column].astype("float64").rename("revenue")


def quarter_customer_revenue(activity: pd.DataFrame, *, quarter) -> pd.Series:
    """Return net revenue per customer in one quarter, from quarterly activity.

    ``activity`` is ``features.customer_quarter_activity`` output; the result is indexed by
    customer_id, ready for ``summarize_concentration`` (dependency on the latest quarter).
    """
    require_columns(activity, ["customer_id", "quarter", "revenue"], where="quarter_customer_revenue")
    rows = activity[activity["quarter"] == quarter]
    return rows.groupby("customer_id", observed=True)["revenue"].sum()


def concentration_trend(
    revenue_by_quarter: Mapping[pd.Period, pd.Series],
    *,
    top_n: Sequence[int] = (1, 5, 10),
    top_fraction: float = 0.2,
) -> pd.DataFrame:
    """Return customer concentration at each quarter end, oldest first.

    Parameters
    ----------
    revenue_by_quarter : mapping of Period to Series
        Trailing revenue per customer (indexed by id) as of each quarter's end, in the
        order to show (``insights.features.revenue.revenue_by_quarter``: quarters whose
        window the data does not cover are already left out).
    top_n, top_fraction
        As in ``summarize_concentration``.

    Returns
    -------
    DataFrame
        ``quarter`` (text), ``as_of``, ``customers``, ``revenue``, ``top_<n>_share`` per n,
        ``top_fraction_share``, ``hhi``, ``hhi_band``, ``effective_number``, ``gini``.
    """
    rows = []
    for quarter, revenue in revenue_by_quarter.items():
        summary = summarize_concentration(revenue, top_n=top_n, top_fraction=top_fraction)
        rows.append({"quarter": str(quarter), "as_of": quarter_end(quarter), **_trend_record(summary)})
    columns = ["quarter", "as_of", "customers", "revenue", *[f"top_{n}_share" for n in top_n]]
    columns += ["top_fraction_share", "hhi", "hhi_band", "effective_number", "gini"]
    return pd.DataFrame(rows, columns=columns)


def _trend_record(summary: ConcentrationSummary) -> dict[str, object]:
    return {
        "customers": summary.entities,
        "revenue": summary.total_revenue,
        **{f"top_{n}_share": share for n, share in summary.top_shares.items()},
        "top_fraction_share": summary.top_fraction_share,
        "hhi": summary.hhi,
        "hhi_band": summary.hhi_band,
        "effective_number": summary.effective_number,
        "gini": summary.gini,
    }
