"""Tests for insights.concentration: textbook values, hand-computed cases and edge cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from insights import concentration as c
from insights import steps


def _monthly(customer: str, start: str, end: str, amount: float) -> pd.DataFrame:
    dates = pd.date_range(start, end, freq="MS") + pd.Timedelta(days=14)
    return pd.DataFrame({"customer_id": customer, "order_date": dates, "amount": amount})


# --- textbook values ------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 4, 7])
def test_n_equal_customers_hhi_is_10000_over_n_and_gini_zero(n):
    revenue = pd.Series(5.0, index=[f"c{i}" for i in range(n)])
    assert c.hhi(revenue) == pytest.approx(10000.0 / n)
    assert c.effective_number(c.hhi(revenue)) == pytest.approx(n)
    assert c.gini(revenue) == pytest.approx(0.0, abs=1e-12)


def test_one_customer_hhi_10000_gini_zero_and_everything_in_top_share():
    revenue = pd.Series({"only": 42.0})
    summary = c.summarize_concentration(revenue)
    assert summary.status == "ok"
    assert summary.hhi == pytest.approx(10000.0)
    assert summary.hhi_band == "highly concentrated"
    assert summary.gini == 0.0
    assert summary.top_shares == {1: 1.0, 5: 1.0, 10: 1.0}
    assert any("Only one customer" in n for n in summary.notes)


def test_hhi_of_shares_half_three_tenths_one_fifth_is_3800():
    # by hand: 50^2 + 30^2 + 20^2 = 2500 + 900 + 400 = 3800
    assert c.hhi(pd.Series([0.5, 0.3, 0.2])) == pytest.approx(3800.0)
    # scale does not matter: the same shares from revenue
    assert c.hhi(pd.Series([500.0, 300.0, 200.0])) == pytest.approx(3800.0)


def test_gini_by_hand_and_maximum_for_n():
    # (1, 3): mean absolute difference 2*2/4 = 1, G = 1 / (2 * mean 2) = 0.25
    assert c.gini(pd.Series([1.0, 3.0])) == pytest.approx(0.25)
    # one of four takes (almost) all: G -> (n - 1) / n = 0.75
    assert c.gini(pd.Series([1e-9, 1e-9, 1e-9, 1.0])) == pytest.approx(0.75, abs=1e-6)


def test_gini_equals_one_minus_twice_area_under_lorenz_curve():
    revenue = pd.Series([3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0])
    curve = c.lorenz_curve(revenue)
    x, y = curve["customer_share"].to_numpy(), curve["revenue_share"].to_numpy()
    area = float(np.sum((x[1:] - x[:-1]) * (y[1:] + y[:-1]) / 2))
    assert c.gini(revenue) == pytest.approx(1 - 2 * area)


def test_lorenz_curve_endpoints_monotone_and_below_diagonal():
    curve = c.lorenz_curve(pd.Series({"a": 7.0, "b": 1.0, "c": 2.0, "d": -4.0}))
    assert len(curve) == 4  # three positive customers + the origin
    assert tuple(curve.iloc[0]) == (0.0, 0.0)
    assert tuple(curve.iloc[-1]) == pytest.approx((1.0, 1.0))
    assert curve["revenue_share"].is_monotonic_increasing
    assert (curve["revenue_share"] <= curve["customer_share"] + 1e-12).all()
    # smallest first: 1 of 10, then 3 of 10
    assert curve["revenue_share"].tolist()[1:3] == pytest.approx([0.1, 0.3])


# --- shares, bands, disclosure ----------------------------------------------------------------


def test_top_shares_and_fewer_customers_than_n():
    revenue = pd.Series({"a": 5.0, "b": 3.0, "c": 2.0})
    shares = c.top_shares(revenue, top_n=(1, 2, 10))
    assert shares.tolist() == pytest.approx([0.5, 0.8, 1.0])


def test_top_fraction_share_takes_ceiling_of_a_fifth():
    # 10 customers 10..1 (sum 55): the top 20% are 2 customers, 10 + 9 = 19
    revenue = pd.Series(np.arange(10, 0, -1, dtype=float), index=list("abcdefghij"))
    assert c.top_fraction_share(revenue) == pytest.approx(19 / 55)
    # 0.2 * 15 is 3.0000000000000004 in floating point: still 3 customers, not 4
    assert c.top_fraction_count(15) == 3
    assert c.top_fraction_count(4) == 1
    assert c.top_fraction_count(0) == 0


@pytest.mark.parametrize(
    ("value", "band"),
    [
        (999.99, "unconcentrated"),
        (1000.0, "moderately concentrated"),
        (1800.0, "moderately concentrated"),
        (1800.01, "highly concentrated"),
        (np.nan, "unknown"),
    ],
)
def test_hhi_band_boundaries_of_the_2023_merger_guidelines(value, band):
    assert c.hhi_band(value) == band
    assert "2023" in c.HHI_SOURCE


def test_disclosure_includes_exactly_ten_percent():
    revenue = pd.Series({"a": 1.0, "b": 9.0, "c": 0.0})
    listed = c.disclosure_customers(revenue, threshold=0.10)
    assert listed["entity"].tolist() == ["b", "a"]
    assert c.disclosure_customers(pd.Series({"a": 1.0, "b": 10.0})).shape[0] == 1


# --- edge cases -------------------------------------------------------------------------------


def test_ties_are_ordered_by_id_ascending():
    revenue = pd.Series({"b": 5.0, "a": 5.0, "c": 1.0})
    ranked = c.rank_entities(revenue)
    assert ranked["entity"].tolist() == ["a", "b", "c"]
    assert ranked["rank"].tolist() == [1, 2, 3]
    stress = c.stress_test(revenue, top=(1,))
    assert stress.loc[0, "revenue_lost"] == 5.0
    assert c.disclosure_customers(revenue)["entity"].tolist() == ["a", "b"]


def test_no_positive_revenue_gives_a_status_and_reason_not_an_exception():
    revenue = pd.Series({"a": 0.0, "b": -3.0})
    summary = c.summarize_concentration(revenue)
    assert summary.status == "no_revenue"
    assert "positive" in summary.reason
    assert np.isnan(summary.hhi) and np.isnan(summary.gini)
    assert summary.hhi_band == "unknown"
    assert summary.excluded == 2
    stress = c.stress_test(revenue)
    assert stress["verdict"].eq("unknown").all()
    assert len(c.lorenz_curve(revenue)) == 1
    assert c.summarize_concentration(pd.Series(dtype=float)).status == "no_revenue"


def test_zero_and_negative_customers_are_left_out_and_counted():
    summary = c.summarize_concentration(pd.Series({"a": 10.0, "b": -5.0, "c": 0.0}))
    assert summary.entities == 1 and summary.excluded == 2
    assert summary.top_shares[1] == 1.0
    assert summary.total_revenue == 10.0


def test_inputs_are_not_mutated():
    revenue = pd.Series({"b": 5.0, "a": 5.0, "c": -1.0, "d": np.nan})
    before = revenue.copy()
    c.summarize_concentration(revenue)
    c.stress_test(revenue)
    c.lorenz_curve(revenue)
    pd.testing.assert_series_equal(revenue, before)


# --- stress test ------------------------------------------------------------------------------


def test_stress_test_by_hand_with_verdicts():
    # revenue 50/30/20: without the top 1 half is left ("high", not "severe": not less
    # than half); without the top 3 nothing is left
    stress = c.stress_test(pd.Series({"a": 50.0, "b": 30.0, "c": 20.0}), top=(1, 3, 5))
    assert stress["share_left"].tolist() == pytest.approx([0.5, 0.0, 0.0])
    assert stress["verdict"].tolist() == ["high", "severe", "severe"]
    assert stress["removed"].tolist() == [1, 3, 3]
    assert stress["revenue_left"].tolist() == pytest.approx([50.0, 0.0, 0.0])


@pytest.mark.parametrize(
    ("left", "verdict"),
    [(0.4999, "severe"), (0.5, "high"), (0.75, "moderate"), (0.9, "low"), (np.nan, "unknown")],
)
def test_stress_verdict_thresholds(left, verdict):
    assert c.stress_verdict(left) == verdict


def test_summary_as_dict_has_shares_as_fractions():
    record = c.summarize_concentration(pd.Series({"a": 57.0, "b": 43.0})).as_dict()
    assert record["top_1_share"] == pytest.approx(0.57)
    assert record["disclosure_entities"] == ["a", "b"]
    assert record["hhi_band"] == "highly concentrated"


# --- wrappers over transactions ---------------------------------------------------------------


def test_customer_revenue_takes_the_features_column():
    features = pd.DataFrame({"customer_id": ["1", "2"], "revenue_12m": [3.0, 4.0]})
    assert c.customer_revenue(features).to_dict() == {"1": 3.0, "2": 4.0}


def test_concentration_trend_reaches_back_eight_quarters_with_hand_values():
    # A buys 100 every month; B buys 100 a month until 2025-09, then 300 a month.
    # As of 2025-09-30: A 1200, B 1200 -> top-1 0.5. As of 2026-09-30: 1200 vs 3600 ->
    # top-1 0.75, HHI 75^2 + 25^2 = 6250.
    tx = pd.concat(
        [
            _monthly("A", "2023-01-01", "2026-09-01", 100.0),
            _monthly("B", "2023-01-01", "2025-09-01", 100.0),
            _monthly("B", "2025-10-01", "2026-09-01", 300.0),
        ],
        ignore_index=True,
    )
    before = tx.copy()
    trend = steps.concentration_trend(tx, as_of="2026-09-30", quarters=8)
    assert trend["quarter"].tolist() == [
        "2024Q4", "2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1", "2026Q2", "2026Q3",
    ]  # fmt: skip
    by_quarter = trend.set_index("quarter")
    assert by_quarter.loc["2025Q3", "top_1_share"] == pytest.approx(0.5)
    assert by_quarter.loc["2026Q3", "top_1_share"] == pytest.approx(0.75)
    assert by_quarter.loc["2026Q3", "hhi"] == pytest.approx(6250.0)
    assert by_quarter.loc["2026Q3", "customers"] == 2
    pd.testing.assert_frame_equal(tx, before)


def test_concentration_trend_from_revenue_per_quarter_by_hand():
    # 2026Q2: a 3, b 1 -> top-1 0.75, HHI 75^2 + 25^2 = 6250; 2026Q3: only c (-2): no revenue.
    by_quarter = {
        pd.Period("2026Q2"): pd.Series({"a": 3.0, "b": 1.0}),
        pd.Period("2026Q3"): pd.Series({"c": -2.0}),
    }
    trend = c.concentration_trend(by_quarter, top_n=(1,))
    assert trend["quarter"].tolist() == ["2026Q2", "2026Q3"]
    assert trend["as_of"].tolist() == [pd.Timestamp("2026-06-30"), pd.Timestamp("2026-09-30")]
    assert trend.loc[0, "top_1_share"] == 0.75 and trend.loc[0, "hhi"] == 6250.0
    assert trend.loc[1, "customers"] == 0 and np.isnan(trend.loc[1, "hhi"])


def test_concentration_trend_stops_where_the_data_starts():
    # data from 2025-10-15: only the 2026Q3 window (from 2025-10-01) is covered
    tx = _monthly("A", "2025-10-01", "2026-09-01", 10.0)
    trend = steps.concentration_trend(tx, as_of="2026-09-30", quarters=8)
    assert trend["quarter"].tolist() == ["2026Q3"]
    empty = steps.concentration_trend(tx.iloc[0:0], as_of="2026-09-30")
    assert empty.empty and "hhi" in empty.columns


def test_concentration_trend_mid_quarter_as_of_uses_the_last_complete_quarter():
    tx = _monthly("A", "2023-01-01", "2026-09-01", 10.0)
    trend = steps.concentration_trend(tx, as_of="2026-08-15", quarters=2)
    assert trend["quarter"].tolist() == ["2026Q1", "2026Q2"]


def test_ranking_orders_revenue_desc_then_id_in_code_point_order():
    rng = np.random.default_rng(3)
    ids = [f"{chr(c)}{i}" for i, c in enumerate(rng.choice([65, 97, 1046, 90, 122], 500))]
    revenue = pd.Series(rng.choice([-1.0, 0.0, 5.0, 7.5, 7.5, 100.0, np.nan], 500), index=ids)
    ranked = c.rank_entities(revenue)
    positive = revenue[revenue > 0]
    expected = sorted(positive.items(), key=lambda kv: (-kv[1], kv[0]))  # Python: code points
    assert list(zip(ranked["entity"], ranked["revenue"], strict=True)) == expected
    assert ranked["rank"].tolist() == list(range(1, len(expected) + 1))
