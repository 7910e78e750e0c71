"""Key-person risk: what each account manager handles, and what leaves with them.

The sources warn that when a salesperson leaves, key customers may follow. Each customer
is assumed to follow its *main* account manager (the one handling most of its revenue);
the concentration metrics of ``insights.concentration`` are applied over managers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from insights.concentration import ConcentrationSummary, stress_verdict, summarize_concentration
from insights.schema import UNASSIGNED, require_columns


@dataclass(frozen=True)
class ManagerRisk:
    """Key-person risk: what each account manager handles and what leaves with them."""

    status: str  # "ok", "no_manager" or "no_revenue"
    reason: str
    table: pd.DataFrame = field(repr=False)
    concentration: ConcentrationSummary | None = field(default=None, repr=False)
    largest: dict[str, object] = field(default_factory=dict)  # the top table row (assigned)
    customers: int = 0  # distinct customers in the window
    single_manager_customers: int = 0  # customers dealing with one manager only


def manager_exposure(revenue: pd.DataFrame) -> ManagerRisk:
    """Measure key-person risk from net revenue per customer and account manager.

    A customer follows its *main* manager, the one handling most of its revenue (ties:
    manager name ascending). If a manager leaves taking those customers, the revenue at
    risk is their whole net revenue: at_risk_share = Σ_{c: main(c) = m} r_c / Σ_c r_c,
    counting customers with positive revenue. The concentration metrics are computed over
    the managers' own revenue; ``UNASSIGNED`` rows are shown but never the largest exposure.

    Parameters
    ----------
    revenue : DataFrame
        ``customer_id``, ``account_manager``, ``revenue`` (e.g. trailing 12 months).

    Returns
    -------
    ManagerRisk
        ``table`` per manager: ``account_manager``, ``revenue``, ``revenue_share``,
        ``customers``, ``sole_customers`` (served by this manager only),
        ``customers_at_risk``, ``revenue_at_risk``, ``at_risk_share``, ``share_left``,
        ``verdict``; sorted by revenue at risk, then name.
    """
    require_columns(
        revenue, ["customer_id", "account_manager", "revenue"], where="manager_exposure"
    )
    data = revenue[["customer_id", "account_manager", "revenue"]].assign(
        account_manager=revenue["account_manager"].astype("string").fillna(UNASSIGNED),
        revenue=pd.to_numeric(revenue["revenue"], errors="coerce").fillna(0.0),
    )
    data = data.groupby(["customer_id", "account_manager"], as_index=False)["revenue"].sum()
    main = _main_managers(data)
    positive_total = float(main["customer_revenue"].sum())
    managers = data.groupby("account_manager").agg(
        revenue=("revenue", "sum"), customers=("customer_id", "nunique")
    )
    manager_count = data.groupby("customer_id")["account_manager"].transform("nunique")
    managers["sole_customers"] = data[manager_count == 1].groupby("account_manager").size()
    follows = main.groupby("account_manager").agg(
        customers_at_risk=("customer_id", "size"), revenue_at_risk=("customer_revenue", "sum")
    )
    table = managers.join(follows).fillna(
        {"sole_customers": 0, "customers_at_risk": 0, "revenue_at_risk": 0.0}
    )
    table = table.reset_index().astype({"sole_customers": "int64", "customers_at_risk": "int64"})
    counts = (int(data["customer_id"].nunique()), int(table["sole_customers"].sum()))
    return _manager_result(_shares(table, positive_total), positive_total, counts)


def _main_managers(data: pd.DataFrame) -> pd.DataFrame:
    """Each customer with positive revenue, its main manager and its whole revenue."""
    per_customer = data.groupby("customer_id")["revenue"].sum()
    main = data.sort_values(
        ["customer_id", "revenue", "account_manager"],
        ascending=[True, False, True],
        kind="mergesort",
    ).drop_duplicates("customer_id")[["customer_id", "account_manager"]]
    main = main.assign(customer_revenue=main["customer_id"].map(per_customer))
    return main[main["customer_revenue"] > 0]


_TABLE_COLUMNS = [
    "account_manager", "revenue", "revenue_share", "customers", "sole_customers",
    "customers_at_risk", "revenue_at_risk", "at_risk_share", "share_left", "verdict",
]  # fmt: skip


def _shares(table: pd.DataFrame, positive_total: float) -> pd.DataFrame:
    """Add revenue and at-risk shares and verdicts; sort by revenue at risk, then name."""
    net_total = float(table["revenue"].sum())
    table["revenue_share"] = table["revenue"] / net_total if net_total > 0 else np.nan
    table["at_risk_share"] = (
        table["revenue_at_risk"] / positive_total if positive_total > 0 else np.nan
    )
    table["share_left"] = 1.0 - table["at_risk_share"]
    table["verdict"] = table["share_left"].map(stress_verdict)
    table = table.sort_values(
        ["revenue_at_risk", "account_manager"], ascending=[False, True], kind="mergesort"
    )
    return table[_TABLE_COLUMNS].reset_index(drop=True)


def _manager_result(table: pd.DataFrame, positive_total: float, counts: tuple) -> ManagerRisk:
    if positive_total <= 0:
        reason = "No customer has positive net revenue, so no revenue is at risk."
        return ManagerRisk("no_revenue", reason, table, None, {}, *counts)
    assigned = table[table["account_manager"] != UNASSIGNED]
    summary = summarize_concentration(  # rows without a manager are no manager
        assigned.set_index("account_manager")["revenue"], entity="account manager"
    )
    largest = assigned.iloc[0].to_dict() if len(assigned) else {}
    return ManagerRisk("ok", "", table, summary, largest, *counts)


def no_manager_risk(reason: str) -> ManagerRisk:
    """Return a ManagerRisk with status "no_manager" and ``reason`` (no manager data)."""
    return ManagerRisk("no_manager", reason, pd.DataFrame())


def manager_departure_stress(revenue: pd.DataFrame | None) -> ManagerRisk:
    """Measure key-person risk from trailing revenue per customer and manager, if any.

    ``revenue`` is ``insights.features.revenue.manager_revenue`` (rows without a manager
    count as ``UNASSIGNED``), or None when the data has no ``account_manager`` column:
    the result then has status "no_manager" and a sentence saying so.
    """
    if revenue is None:
        return no_manager_risk(
            "The data has no account manager column, so key-person risk cannot be measured."
        )
    return manager_exposure(revenue)
