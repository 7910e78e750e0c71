"""Tests for insights.key_person: revenue at risk when an account manager leaves."""

from __future__ import annotations

import pandas as pd
import pytest

from insights import key_person as kp
from insights import steps


def _revenue() -> pd.DataFrame:
    # c1: M1 100; c2: M1 60 + M2 40 (main M1); c3: M2 50; c4: M3 -10; c5: no manager 30.
    return pd.DataFrame(
        {
            "customer_id": ["c1", "c2", "c2", "c3", "c4", "c5"],
            "account_manager": ["M1", "M1", "M2", "M2", "M3", None],
            "revenue": [100.0, 60.0, 40.0, 50.0, -10.0, 30.0],
        }
    )


def test_manager_exposure_by_hand():
    risk = kp.manager_exposure(_revenue())
    table = risk.table.set_index("account_manager")
    # customers with positive revenue: c1 100, c2 100, c3 50, c5 30 -> 280
    assert table.loc["M1", "revenue_at_risk"] == pytest.approx(200.0)
    assert table.loc["M1", "at_risk_share"] == pytest.approx(200 / 280)
    assert table.loc["M1", "verdict"] == "severe"  # 80/280 left < half
    assert table.loc["M2", "revenue_at_risk"] == pytest.approx(50.0)
    assert table.loc["M2", "verdict"] == "moderate"  # 230/280 = 82% left
    assert table.loc["M3", "revenue_at_risk"] == 0.0
    # net revenue handled: 160 + 90 - 10 + 30 = 270
    assert table.loc["M1", "revenue_share"] == pytest.approx(160 / 270)
    assert table.loc["M1", "customers"] == 2 and table.loc["M1", "sole_customers"] == 1
    assert table.loc["M2", "customers"] == 2 and table.loc["M2", "sole_customers"] == 1
    assert table.loc[kp.UNASSIGNED, "revenue_at_risk"] == pytest.approx(30.0)
    assert risk.table["account_manager"].iloc[0] == "M1"  # largest exposure first
    assert risk.largest["account_manager"] == "M1"
    assert risk.customers == 5 and risk.single_manager_customers == 4
    # managers' concentration: M1 160 and M2 90 (M3 negative; rows without a manager are no
    # manager): shares 0.64 and 0.36, HHI 64² + 36² = 5392
    assert risk.concentration.entities == 2
    assert risk.concentration.hhi == pytest.approx(5392.0)
    assert risk.concentration.top_shares[1] == pytest.approx(0.64)


def test_unassigned_is_never_the_largest_exposure():
    revenue = pd.DataFrame(
        {"customer_id": ["a", "b"], "account_manager": [None, "M"], "revenue": [90.0, 10.0]}
    )
    risk = kp.manager_exposure(revenue)
    assert risk.table["account_manager"].iloc[0] == kp.UNASSIGNED
    assert risk.largest["account_manager"] == "M"


def test_a_customer_split_evenly_follows_the_manager_first_by_name():
    revenue = pd.DataFrame(
        {"customer_id": ["x", "x"], "account_manager": ["Zoe", "Adam"], "revenue": [20.0, 20.0]}
    )
    table = kp.manager_exposure(revenue).table.set_index("account_manager")
    assert table.loc["Adam", "customers_at_risk"] == 1
    assert table.loc["Zoe", "customers_at_risk"] == 0


def test_no_positive_revenue_gives_a_status():
    revenue = pd.DataFrame({"customer_id": ["a"], "account_manager": ["M"], "revenue": [-1.0]})
    risk = kp.manager_exposure(revenue)
    assert risk.status == "no_revenue" and risk.reason


def test_manager_departure_stress_from_transactions_and_without_managers():
    tx = pd.DataFrame(
        {
            "customer_id": ["1", "1", "2", "3"],
            "order_date": pd.to_datetime(["2026-01-10", "2026-02-10", "2026-03-10", "2024-01-01"]),
            "amount": [70.0, 10.0, 20.0, 500.0],  # customer 3 is outside the 12 months
            "account_manager": ["A", "A", "B", "B"],
        }
    )
    before = tx.copy()
    risk = steps.manager_risk(tx, as_of="2026-09-30")
    table = risk.table.set_index("account_manager")
    assert table.loc["A", "at_risk_share"] == pytest.approx(0.8)
    assert table.loc["B", "customers"] == 1
    pd.testing.assert_frame_equal(tx, before)
    missing = steps.manager_risk(tx.drop(columns="account_manager"), as_of="2026-09-30")
    assert missing.status == "no_manager" and "account manager" in missing.reason
    assert kp.manager_departure_stress(None).status == "no_manager"  # what features returns


def test_input_not_mutated():
    revenue = _revenue()
    before = revenue.copy()
    kp.manager_exposure(revenue)
    pd.testing.assert_frame_equal(revenue, before)
