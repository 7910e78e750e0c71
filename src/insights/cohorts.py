"""Acquisition cohorts and where new customers come from.

Cohorts are built from the long per-customer-per-quarter activity frame
(``features.customer_quarter_activity``: ``customer_id``, ``quarter`` (Period[Q-DEC]),
``purchases``, ``revenue``); acquisition sources from the customer features frame
(``first_purchase_date``, ``acquisition_source`` of the first purchase). Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from insights.periods import parse_quarter, previous_quarters
from insights.schema import ContractError, require_columns

#: Label of customers whose acquisition source is missing.
UNKNOWN_SOURCE = "(unknown)"

_ACTIVITY_COLUMNS = ("customer_id", "quarter", "purchases", "revenue")


@dataclass(frozen=True)
class CohortTable:
    """Quarterly acquisition cohorts; rows = cohort (first-purchase quarter), columns = quarters
    since acquisition (0 = the acquisition quarter). Cells not observable yet are NaN."""

    sizes: pd.Series  # customers acquired per cohort
    retention: pd.DataFrame  # share of the cohort with a purchase in the quarter
    revenue: pd.DataFrame  # the cohort's net revenue in the quarter
    revenue_retention: pd.DataFrame  # revenue / revenue in quarter 0
    first_data_quarter: pd.Period | None
    reason: str  # "" when there are cohorts; otherwise why there are none


def acquisition_cohorts(
    activity: pd.DataFrame,
    *,
    quarter: str | pd.Period,
    max_quarters: int = 12,
    skip_first_data_quarter: bool = True,
) -> CohortTable:
    """Build quarterly acquisition cohorts: share still buying and revenue retained.

    A customer's cohort is the first quarter with ``purchases > 0``. For cohort ``c`` and
    ``k`` quarters later: ``retention = customers of c with purchases > 0 in c+k / size of c``
    and ``revenue_retention = revenue of c in c+k / revenue of c in c`` (NaN when the latter
    is not positive). Cells with ``c + k`` after ``quarter`` cannot be observed yet and are
    NaN, never 0. Activity after ``quarter`` is ignored. Fader & Hardie (2009), "Probability
    models for customer-base analysis", on cohort retention tables.

    Parameters
    ----------
    activity : DataFrame
        customer_id, quarter (Period[Q-DEC]), purchases, revenue; one row per customer and
        quarter with activity.
    quarter : str or Period
        The report quarter, e.g. "2026Q3".
    max_quarters : int
        Number of most recent cohorts shown, and of quarters followed (0 .. max_quarters-1);
        ``params.cohorts.max_quarters``.
    skip_first_data_quarter : bool
        Leave out the data's first quarter: it holds everyone who bought then, not only the
        customers acquired then.

    Returns
    -------
    CohortTable
    """
    require_columns(activity, _ACTIVITY_COLUMNS, where="acquisition_cohorts")
    if not isinstance(activity["quarter"].dtype, pd.PeriodDtype):
        raise ContractError(
            "acquisition_cohorts: column quarter must hold quarterly Periods (Period[Q-DEC]), "
            f"got {activity['quarter'].dtype}; build it with features.customer_quarter_activity."
        )
    report_q = quarter if isinstance(quarter, pd.Period) else parse_quarter(quarter)
    # integer arrays only: customers as factor codes, quarters as Period ordinals
    quarter_no = activity["quarter"].array.asi8
    seen = activity["quarter"].notna().to_numpy() & (quarter_no <= report_q.ordinal)
    first_data = pd.Period(ordinal=int(quarter_no[seen].min()), freq=report_q.freq) if seen.any() else None
    offsets = range(max_quarters)
    cohorts = pd.period_range(end=report_q, periods=max_quarters, freq="Q")
    if skip_first_data_quarter and first_data is not None:
        cohorts = cohorts[cohorts > first_data]
    customer, _ = pd.factorize(activity["customer_id"])
    bought = seen & (activity["purchases"].to_numpy() > 0)
    first = pd.Series(quarter_no[bought]).groupby(customer[bought]).min()
    cohort_no = np.full(int(customer.max()) + 1 if len(customer) else 0, np.iinfo("int64").max)
    cohort_no[first.index.to_numpy()] = first.to_numpy()
    row_cohort = cohort_no[customer]
    slot = np.searchsorted(cohorts.asi8, row_cohort)  # the row's cohort among those shown
    shown = seen & (slot < len(cohorts))
    shown[shown] = cohorts.asi8[slot[shown]] == row_cohort[shown]
    offset = quarter_no - row_cohort
    shown &= (offset >= 0) & (offset < max_quarters)
    cell = slot * max_quarters + offset
    pairs = pd.DataFrame({"customer": customer[shown & bought], "cell": cell[shown & bought]})
    active = _by_cell(pairs.drop_duplicates()["cell"], None, cohorts, offsets)
    revenue = _by_cell(pd.Series(cell[shown]), activity["revenue"].to_numpy("float64")[shown],
                       cohorts, offsets)
    sizes = (
        active[0].astype("int64").rename("customers")
        if len(cohorts)
        else pd.Series([], dtype="int64", name="customers")
    )
    hidden = _unobservable(cohorts, offsets, report_q)
    with np.errstate(divide="ignore", invalid="ignore"):
        retention = active.div(sizes.where(sizes > 0), axis=0)
        base = revenue[0].where(revenue[0] > 0) if len(cohorts) else revenue.sum(axis=1)
        revenue_retention = revenue.div(base, axis=0)
    reason = "" if sizes.sum() > 0 else "No customers were acquired in the quarters shown."
    return CohortTable(
        sizes=sizes,
        retention=retention.mask(hidden),
        revenue=revenue.mask(hidden),
        revenue_retention=revenue_retention.mask(hidden),
        first_data_quarter=first_data,
        reason=reason,
    )


def _by_cell(cell: pd.Series, value: np.ndarray | None, cohorts: pd.PeriodIndex,
             offsets: range) -> pd.DataFrame:
    """Count rows (or sum ``value``) per cell ``cohort slot * len(offsets) + offset``."""
    if value is None:
        table = cell.groupby(cell.to_numpy()).size()
    else:
        table = pd.Series(value, index=cell.index).groupby(cell.to_numpy()).sum()
    full = table.reindex(range(len(cohorts) * len(offsets)), fill_value=0).to_numpy("float64")
    return pd.DataFrame(full.reshape(len(cohorts), len(offsets)),
                        index=cohorts.rename("cohort"), columns=pd.Index(offsets, name="offset"))


def _ordinal(quarters: pd.Series) -> pd.Series:
    """Quarter number since year 0, so that differences count quarters."""
    return quarters.dt.qyear * 4 + quarters.dt.quarter - 1


def _unobservable(cohorts: pd.PeriodIndex, offsets: range, report_q: pd.Period) -> np.ndarray:
    cohort_ord = np.array([c.qyear * 4 + c.quarter - 1 for c in cohorts], dtype="int64")
    last = report_q.qyear * 4 + report_q.quarter - 1
    return cohort_ord[:, None] + np.array(list(offsets))[None, :] > last


@dataclass(frozen=True)
class AcquisitionSummary:
    """New customers per quarter by acquisition source, and the referral share."""

    new_customers: pd.DataFrame  # rows = quarter, columns = source, counts
    referral_customers: pd.Series  # per quarter: new customers from a referral source
    referral_share: pd.Series  # per quarter: referral new / all new (NaN when none new)
    referral_trend: float  # least-squares slope of referral_share, fraction per quarter
    referral_sources: tuple[str, ...]
    reason: str  # "" when the data has sources; otherwise why not


def new_customers_by_source(
    features: pd.DataFrame,
    *,
    quarter: str | pd.Period,
    quarters: int = 8,
    referral_sources: Iterable[str] = ("referral",),
    skip_first_data_quarter: bool = True,
) -> AcquisitionSummary:
    """Count new customers per quarter by acquisition source; compute the referral share.

    A customer is new in the quarter of ``first_purchase_date``. The data's first quarter
    (that of the earliest ``first_purchase_date``) is left out unless
    ``skip_first_data_quarter`` is false: it holds everyone who bought then, not only the
    customers acquired then (as in ``acquisition_cohorts``). ``referral_share = new
    customers from a referral source / all new customers`` per quarter (sources compared
    case-insensitively, ``params.cohorts.referral_sources``). ``referral_trend`` is the
    ordinary least-squares slope of that share over the quarters (fraction per quarter;
    NaN with fewer than two quarters that have new customers).

    Returns
    -------
    AcquisitionSummary
    """
    require_columns(
        features, ["customer_id", "first_purchase_date"], where="new_customers_by_source"
    )
    report_q = quarter if isinstance(quarter, pd.Period) else parse_quarter(quarter)
    window = pd.PeriodIndex(previous_quarters(report_q, quarters), name="quarter")
    referral = tuple(referral_sources)
    source, reason = _sources(features)
    first_q = features["first_purchase_date"].dt.to_period("Q")
    if skip_first_data_quarter and first_q.notna().any():
        window = window[window > first_q.min()]
    frame = pd.DataFrame({"quarter": first_q, "source": source})
    frame = frame[frame["quarter"].isin(window)]
    counts = pd.crosstab(frame["quarter"], frame["source"]).reindex(window, fill_value=0)
    counts.columns.name = "source"
    is_ref = _is_referral(pd.Series(counts.columns, dtype="string"), referral).to_numpy()
    total = counts.sum(axis=1)
    referred = counts.loc[:, is_ref].sum(axis=1).rename("referral_customers")
    share = (referred / total.where(total > 0)).rename("referral_share")
    if reason == "" and not is_ref.any():
        reason = "No new customer came from a referral source " + ", ".join(referral) + "."
    return AcquisitionSummary(counts, referred, share, _slope(share), referral, reason)


def _sources(features: pd.DataFrame) -> tuple[pd.Series, str]:
    if "acquisition_source" not in features.columns:
        return (
            pd.Series(UNKNOWN_SOURCE, index=features.index, dtype="string"),
            "The data has no acquisition source, so the referral share cannot be measured.",
        )
    source = features["acquisition_source"].astype("string").str.strip()
    return source.mask(source.isna() | (source == ""), UNKNOWN_SOURCE), ""


def _is_referral(sources: pd.Series, referral: tuple[str, ...]) -> pd.Series:
    wanted = {s.strip().casefold() for s in referral}
    return sources.str.strip().str.casefold().isin(wanted).fillna(False).astype(bool)


def _slope(share: pd.Series) -> float:
    y = share.to_numpy(dtype=float)
    x = np.arange(len(y), dtype=float)
    keep = ~np.isnan(y)
    if keep.sum() < 2:
        return float("nan")
    return float(np.polyfit(x[keep], y[keep], 1)[0])


def retention_by_source(
    features: pd.DataFrame,
    *,
    referral_sources: Iterable[str] = ("referral",),
    min_tenure_days: int = 180,
) -> pd.DataFrame:
    """Compare acquisition sources by repeat buying and value.

    Per source: ``customers``; ``mature_customers`` = those acquired at least
    ``min_tenure_days`` ago (younger ones have not had time to come back); ``repeat_share`` =
    share of them with 2+ purchases (NaN when there are none); ``mean_revenue_12m``;
    ``mean_monetary_total`` (net revenue ever); ``revenue_12m_share`` of the total.

    Returns
    -------
    DataFrame
        One row per source, most customers first, with ``is_referral``.
    """
    require_columns(
        features,
        ["customer_id", "frequency", "tenure_days", "revenue_12m", "monetary_total"],
        where="retention_by_source",
    )
    source, _ = _sources(features)
    mature = features["tenure_days"] >= min_tenure_days
    frame = pd.DataFrame(
        {
            "acquisition_source": source,
            "mature": mature,
            "mature_repeat": mature & (features["frequency"] >= 2),
            "revenue_12m": features["revenue_12m"],
            "monetary_total": features["monetary_total"],
        }
    )
    out = frame.groupby("acquisition_source").agg(
        customers=("mature", "size"),
        mature=("mature", "sum"),
        mature_repeat=("mature_repeat", "sum"),
        mean_revenue_12m=("revenue_12m", "mean"),
        mean_monetary_total=("monetary_total", "mean"),
        revenue_12m=("revenue_12m", "sum"),
    )
    out["repeat_share"] = out["mature_repeat"] / out["mature"].where(out["mature"] > 0)
    total = out["revenue_12m"].sum()
    out["revenue_12m_share"] = out["revenue_12m"] / total if total > 0 else np.nan
    out = out.reset_index().rename(columns={"mature": "mature_customers"})
    out["is_referral"] = _is_referral(out["acquisition_source"], tuple(referral_sources))
    out = out.sort_values(["customers", "acquisition_source"], ascending=[False, True])
    columns = [
        "acquisition_source",
        "is_referral",
        "customers",
        "mature_customers",
        "repeat_share",
        "mean_revenue_12m",
        "mean_monetary_total",
        "revenue_12m_share",
    ]
    return out[columns].reset_index(drop=True)
