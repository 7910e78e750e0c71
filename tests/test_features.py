"""Tests for insights.features.customers: hand-built frames with answers computed on paper.

Every behavioural test runs on DuckDB SQL and on the pandas oracle (``tests/oracles.py``);
``test_engine`` checks the two give identical frames on a seeded random frame.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from insights.features.customers import (
    FEATURE_COLUMNS,
    build_customer_features,
    revenue_by,
)
from insights.params import FeatureParams, LifecycleParams
from insights.schema import ContractError

from oracles import features_on

AS_OF = "2026-09-30"
ENGINES = ["duckdb", "pandas"]


def _params(engine: str) -> FeatureParams:
    """The features params; ``features_on(engine)`` picks the engine (or the pandas oracle)."""
    return FeatureParams(service_product_lines=["service"], online_channels=["online"])


def _tx() -> pd.DataFrame:
    """A: two orders (o1 has two lines), B: one purchase and a return, C: old, D: after as_of."""
    return pd.DataFrame(
        {
            "customer_id": ["A", "A", "A", "B", "B", "C", "D"],
            "order_id": ["o1", "o1", "o2", "o3", "o4", "o5", "o6"],
            "order_date": pd.to_datetime(
                ["2025-01-10", "2025-01-10", "2026-06-01", "2026-09-01", "2026-09-15",
                 "2024-01-01", "2026-10-05"]
            ),
            "amount": [100.0, 50.0, 200.0, 80.0, -30.0, 10.0, 5.0],
            "product_line": ["cars", "service", "cars", "cars", None, "cars", "cars"],
            "channel": ["online", "dealer", "dealer", "online", "online", "dealer", "dealer"],
            "account_manager": ["m1", "m2", "m2", "m1", "m1", None, "m1"],
        }
    )


def _by_id(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.set_index("customer_id")


@pytest.mark.parametrize("engine", ENGINES)
def test_features_match_paper(engine):
    f = features_on(engine).build_customer_features(_tx(), as_of=AS_OF, params=_params(engine))
    assert list(f.columns) == [*FEATURE_COLUMNS, "account_manager"]
    assert f["customer_id"].tolist() == ["A", "B", "C"]  # D only after as_of
    a, b, c = (_by_id(f).loc[k] for k in "ABC")
    # A: orders 2025-01-10 (150) and 2026-06-01 (200); as_of 2026-09-30.
    assert a["recency_days"] == 121  # Jun 1 -> Sep 30
    assert a["tenure_days"] == 628  # 365 + 243 + 20
    assert a["frequency"] == 2 and a["purchases_window"] == 1  # window starts 2026-04-03
    assert a["monetary_total"] == 350 and a["monetary_mean"] == 175
    assert a["revenue_12m"] == 200 and a["revenue_prev_12m"] == 150
    assert a["trend"] == pytest.approx(50 / 350)
    assert a["mean_gap_days"] == 507
    assert a["product_line_count"] == 2
    assert a["services_share"] == pytest.approx(50 / 350)
    assert a["online_share"] == pytest.approx(100 / 350)
    assert a["account_manager"] == "m2"  # m2 250 vs m1 100
    # B: the return is its own order with a negative amount: not a purchase, but revenue.
    assert b["frequency"] == 1 and b["monetary_total"] == 50 and b["monetary_mean"] == 50
    assert b["trend"] == 1.0 and np.isnan(b["mean_gap_days"]) and b["online_share"] == 1.0
    # C: one purchase long ago; no revenue in either year -> trend 0.
    assert c["recency_days"] == 1003 and c["purchases_window"] == 0 and c["trend"] == 0.0
    assert pd.isna(c["account_manager"])
    assert np.isnan(f["margin_total"]).all() and np.isnan(f["discount_total"]).all()


@pytest.mark.parametrize("engine", ENGINES)
def test_dtypes(engine):
    f = features_on(engine).build_customer_features(_tx(), as_of=AS_OF, params=_params(engine))
    assert f["customer_id"].dtype == "str" and f["account_manager"].dtype == "str"
    assert f["first_purchase_date"].dtype == "datetime64[ns]"
    for col in ("frequency", "purchases_window", "product_line_count"):
        assert f[col].dtype == "int64"
    for col in ("recency_days", "monetary_total", "trend", "margin_total", "discount_total"):
        assert f[col].dtype == "float64"


@pytest.mark.parametrize("engine", ENGINES)
def test_window_follows_lifecycle(engine):
    f = features_on(engine).build_customer_features(
        _tx(), as_of=AS_OF, params=_params(engine), lifecycle=LifecycleParams(regular_window_days=700)
    )
    assert _by_id(f).loc["A", "purchases_window"] == 2  # window starts 2024-10-31


@pytest.mark.parametrize("engine", ENGINES)
def test_without_order_id_a_purchase_is_a_date(engine):
    tx = _tx().drop(columns="order_id")
    tx.loc[2, "order_date"] = pd.Timestamp("2025-01-10")  # A: all three rows on one day
    f = _by_id(features_on(engine).build_customer_features(tx, as_of=AS_OF, params=_params(engine)))
    assert f.loc["A", "frequency"] == 1 and f.loc["A", "monetary_mean"] == 350
    assert f.loc["B", "frequency"] == 1  # the return's date has a negative net: no purchase


@pytest.mark.parametrize("engine", ENGINES)
def test_fully_returned_order_and_returns_only(engine):
    tx = pd.DataFrame(
        {
            "customer_id": ["X", "X", "X", "Y"],
            "order_id": ["1", "1", "2", "3"],
            "order_date": pd.to_datetime(["2026-01-05", "2026-02-01", "2026-03-01", "2026-03-01"]),
            "amount": [100.0, -100.0, 40.0, -20.0],
        }
    )
    f = _by_id(features_on(engine).build_customer_features(tx, as_of=AS_OF, params=_params(engine)))
    # X: order 1 nets to 0 (not a purchase), order 2 is the only purchase.
    assert f.loc["X", "frequency"] == 1
    assert f.loc["X", "first_purchase_date"] == pd.Timestamp("2026-03-01")
    assert f.loc["X", "monetary_total"] == 40
    # Y has only a return: a row, no purchase, negative revenue.
    assert f.loc["Y", "frequency"] == 0 and np.isnan(f.loc["Y", "recency_days"])
    assert pd.isna(f.loc["Y", "first_purchase_date"]) and np.isnan(f.loc["Y", "monetary_mean"])
    assert f.loc["Y", "monetary_total"] == -20 and f.loc["Y", "services_share"] == 0.0


@pytest.mark.parametrize("engine", ENGINES)
def test_missing_order_ids_fall_back_to_dates(engine):
    tx = pd.DataFrame(
        {
            "customer_id": ["X", "X", "X", "X"],
            "order_id": ["1", None, None, "1"],
            "order_date": pd.to_datetime(["2026-01-05", "2026-01-05", "2026-02-01", "2026-01-05"]),
            "amount": [10.0, 5.0, 5.0, 10.0],
        }
    )
    f = features_on(engine).build_customer_features(tx, as_of=AS_OF, params=_params(engine))
    assert f.loc[0, "frequency"] == 3  # order 1, the id-less Jan 5 rows, the id-less Feb 1 row


@pytest.mark.parametrize("engine", ENGINES)
def test_margin_discount_and_exact_sums(engine):
    tx = pd.DataFrame(
        {
            "customer_id": ["X", "X", "X"],
            "order_id": ["1", "2", "3"],
            "order_date": pd.to_datetime(["2026-01-05", "2026-02-01", "2026-03-01"]),
            "amount": [0.1, 0.2, 100.0],
            "cost": [0.05, 0.05, 60.0],
            "discount": [0.0, 1.5, np.nan],
        }
    )
    f = features_on(engine).build_customer_features(tx, as_of=AS_OF, params=_params(engine))
    assert f.loc[0, "monetary_total"] == 100.3  # 0.1 + 0.2 + 100 summed in hundredths
    assert f.loc[0, "margin_total"] == 40.2  # 0.05 + 0.15 + 40
    assert f.loc[0, "discount_total"] == 1.5
    with_margin = tx.assign(margin=[1.0, 2.0, 3.0])
    g = features_on(engine).build_customer_features(with_margin, as_of=AS_OF, params=_params(engine))
    assert g.loc[0, "margin_total"] == 6.0  # margin wins over amount - cost


@pytest.mark.parametrize("engine", ENGINES)
def test_descriptive_columns(engine):
    tx = pd.DataFrame(
        {
            "customer_id": ["007", "007", "007", "007"],
            "order_id": ["1", "2", "3", "4"],
            "order_date": pd.to_datetime(["2025-01-05", "2026-02-01", "2026-02-01", "2026-03-01"]),
            "amount": [10.0, 50.0, 30.0, 20.0],
            "customer_name": ["Old LLC", "New LLC", "Alpha LLC", None],
            "acquisition_source": [None, "web", "ads", "referral"],
            "unit": ["fleet", "service", "service", "fleet"],
            "is_reference": [False, False, True, False],
        }
    )
    f = features_on(engine).build_customer_features(tx, as_of=AS_OF, params=_params(engine))
    row = f.iloc[0]
    assert row["customer_id"] == "007"  # leading zeros kept
    assert row["customer_name"] == "Alpha LLC"  # latest named rows tie on Feb 1: smallest
    assert row["acquisition_source"] == "ads"  # earliest known source (Feb 1), tie: smallest
    assert row["unit"] == "service"  # 80 vs 30
    assert bool(row["is_reference"]) is True and f["is_reference"].dtype == bool


@pytest.mark.parametrize("engine", ENGINES)
def test_empty_after_as_of(engine):
    f = features_on(engine).build_customer_features(_tx(), as_of="2020-01-01", params=_params(engine))
    assert f.empty and list(f.columns) == [*FEATURE_COLUMNS, "account_manager"]
    assert f["frequency"].dtype == "int64" and f["last_purchase_date"].dtype == "datetime64[ns]"


@pytest.mark.parametrize("engine", ENGINES)
def test_revenue_by_windows(engine):
    tx = _tx()
    now = features_on(engine).revenue_by(tx, by=["account_manager"], as_of=AS_OF, engine=engine)
    # (2025-09-30, 2026-09-30]: A o2 200 (m2), B 80 - 30 (m1); D is after as_of.
    assert now.to_dict("list") == {"account_manager": ["m2", "m1"], "revenue": [200.0, 50.0]}
    last_year = features_on(engine).revenue_by(tx, by=["customer_id"], as_of=AS_OF, offset_days=365, engine=engine)
    assert last_year.to_dict("list") == {"customer_id": ["A"], "revenue": [150.0]}
    everything = features_on(engine).revenue_by(tx, by=["account_manager"], as_of=AS_OF, window_days=5000, engine=engine)
    assert everything["account_manager"].isna().sum() == 1  # C's row has no manager: own group
    assert everything["revenue"].sum() == 410.0  # A 350 + B 50 + C 10


def test_revenue_by_rejects_unknown_columns():
    with pytest.raises(ContractError, match="canonical text columns"):
        revenue_by(_tx(), by=["amount; DROP TABLE x"], as_of=AS_OF)
    with pytest.raises(ContractError, match="region"):
        revenue_by(_tx(), by=["region"], as_of=AS_OF)


@pytest.mark.parametrize("engine", ENGINES)
def test_customer_quarter_activity(engine):
    q = features_on(engine).customer_quarter_activity(_tx(), as_of=AS_OF, engine=engine)
    assert q["quarter"].dtype == pd.PeriodDtype("Q-DEC")
    got = [(r.customer_id, str(r.quarter), r.purchases, r.revenue) for r in q.itertuples()]
    assert got == [
        ("A", "2025Q1", 1, 150.0), ("A", "2026Q2", 1, 200.0),
        ("B", "2026Q3", 1, 50.0), ("C", "2024Q1", 1, 10.0),
    ]


@pytest.mark.parametrize("engine", ENGINES)
def test_first_purchases(engine):
    tx = _tx().assign(acquisition_source=["referral", "referral", "web", None, "ads", None, "web"])
    f = features_on(engine).first_purchases(tx, as_of=AS_OF, engine=engine)
    assert f["customer_id"].tolist() == ["A", "B", "C"]
    assert f["first_purchase_date"].tolist() == list(pd.to_datetime(["2025-01-10", "2026-09-01", "2024-01-01"]))
    assert f["first_purchase_amount"].tolist() == [150.0, 80.0, 10.0]  # A: o1's two lines
    assert f["lifetime_revenue"].tolist() == [350.0, 50.0, 10.0]  # B: 80 - 30
    # B's only known source is on its return row (the earliest row with one); C has none.
    assert f["acquisition_source"].iloc[:2].tolist() == ["referral", "ads"]
    assert pd.isna(f["acquisition_source"].iloc[2])


def test_inputs_not_mutated():
    tx = _tx()
    before = tx.copy(deep=True)
    for engine in ENGINES:
        features_on(engine).build_customer_features(tx, as_of=AS_OF, params=_params(engine))
        features_on(engine).revenue_by(tx, by=["customer_id"], as_of=AS_OF, engine=engine)
        features_on(engine).customer_quarter_activity(tx, as_of=AS_OF, engine=engine)
        features_on(engine).first_purchases(tx, as_of=AS_OF, engine=engine)
    pd.testing.assert_frame_equal(tx, before)


def test_contract_errors():
    with pytest.raises(ContractError, match="amount"):
        build_customer_features(_tx().drop(columns="amount"), as_of=AS_OF, params=FeatureParams())
    with pytest.raises(ContractError, match="as_of"):
        build_customer_features(_tx(), as_of=None, params=FeatureParams())
