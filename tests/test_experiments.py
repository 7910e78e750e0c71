"""Test/control split and readout: reproducibility, balance, and published intervals."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from insights.experiments import (
    newcombe_interval,
    outcomes_from_activity,
    read_out_experiment,
    split_balance,
    split_test_control,
    welch_interval,
    wilson_interval,
)

CUSTOMERS = pd.DataFrame(
    {
        "customer_id": [f"c{i:03d}" for i in range(40)],
        "revenue_12m": np.arange(40, dtype=float) * 10,
        "segment": ["regular"] * 24 + ["lost"] * 16,
    }
)


def groups(assignments):
    return dict(zip(assignments["customer_id"], assignments["group"], strict=True))


def test_same_seed_same_groups_whatever_the_row_order():
    first = split_test_control(CUSTOMERS, random_state=7)
    again = split_test_control(CUSTOMERS.sample(frac=1.0, random_state=1), random_state=7)
    assert groups(first) == groups(again)
    other = split_test_control(CUSTOMERS, random_state=8)
    assert groups(first) != groups(other)


def test_split_is_stratified_by_value_and_sized_by_share():
    out = split_test_control(CUSTOMERS, random_state=3, share=0.5)
    # 40 distinct values in 4 quartiles of 10; each quartile split 5/5
    per_stratum = out.groupby(["stratum", "group"]).size().unstack()
    assert per_stratum["test"].tolist() == [5, 5, 5, 5]
    assert per_stratum["control"].tolist() == [5, 5, 5, 5]
    quarter = split_test_control(CUSTOMERS, random_state=3, share=0.25)
    assert (quarter["group"] == "test").sum() == 10  # floor(40 * 0.25)
    balance = split_balance(out).set_index("group")
    assert balance["customers"].tolist() == [20, 20]


def test_split_of_one_segment_and_input_untouched():
    before = CUSTOMERS.copy(deep=True)
    out = split_test_control(CUSTOMERS, segment="lost", random_state=1)
    pd.testing.assert_frame_equal(CUSTOMERS, before)
    assert len(out) == 16 and set(out["customer_id"]) == set(CUSTOMERS["customer_id"][24:])
    segments = CUSTOMERS[["customer_id", "segment"]]
    separate = split_test_control(CUSTOMERS.drop(columns="segment"), segment="lost",
                                  segments=segments, random_state=1)
    assert groups(separate) == groups(out)


def test_split_share_must_be_a_fraction():
    with pytest.raises(ValueError, match="share"):
        split_test_control(CUSTOMERS, random_state=1, share=1.0)


def test_newcombe_interval_matches_the_published_examples():
    # Newcombe (1998), Table II, method 10
    assert newcombe_interval(56, 70, 48, 80) == pytest.approx((0.0524, 0.3339), abs=1e-4)
    assert newcombe_interval(9, 10, 3, 10) == pytest.approx((0.1705, 0.8090), abs=1e-4)
    assert newcombe_interval(5, 56, 0, 29) == pytest.approx((-0.0381, 0.1926), abs=1e-4)
    assert wilson_interval(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)


def test_welch_interval_on_paper_and_against_scipy():
    a, b = np.array([1.0, 2.0, 3.0]), np.array([4.0, 6.0, 8.0])
    # means 2 and 6; variances 1 and 4; se = sqrt(1/3 + 4/3); df = (5/3)^2 / (17/18) = 50/17
    t = stats.t.ppf(0.975, 50 / 17)
    low, high = welch_interval(a, b)
    assert (low, high) == pytest.approx((-4 - t * np.sqrt(5 / 3), -4 + t * np.sqrt(5 / 3)))
    ref = stats.ttest_ind(a, b, equal_var=False).confidence_interval(0.95)
    assert (low, high) == pytest.approx((ref.low, ref.high))


def test_readout_of_a_known_experiment():
    # test: 70 customers, 56 bought (10 each); control: 80, 48 bought; 20 test and 32
    # control customers have no outcome row at all -> they bought nothing
    assign = pd.DataFrame({"customer_id": [f"t{i}" for i in range(70)]
                           + [f"k{i}" for i in range(80)],
                           "group": ["test"] * 70 + ["control"] * 80})
    buyers = [f"t{i}" for i in range(56)] + [f"k{i}" for i in range(48)]
    outcomes = pd.DataFrame({"customer_id": buyers, "purchases": 1, "revenue": 10.0})
    readout = read_out_experiment(assign, outcomes)
    rate = readout.table.set_index("metric").loc["repeat_rate"]
    assert rate["test"] == pytest.approx(0.8) and rate["control"] == pytest.approx(0.6)
    assert (rate["ci_low"], rate["ci_high"]) == pytest.approx((0.0524, 0.3339), abs=1e-4)
    assert bool(rate["real"])
    money = readout.table.set_index("metric").loc["revenue_per_customer"]
    assert money["difference"] == pytest.approx(2.0)
    assert "real" in readout.verdict and readout.reason == ""


def test_readout_without_difference_says_it_could_be_chance():
    assign = pd.DataFrame({"customer_id": list("abcdefgh"), "group": ["test", "control"] * 4})
    outcomes = pd.DataFrame({"customer_id": list("abcd"), "purchases": [1, 1, 0, 0],
                             "revenue": [5.0, 5.0, 0.0, 0.0]})
    readout = read_out_experiment(assign, outcomes)
    assert not readout.table["real"].any()
    assert "could be chance" in readout.verdict


def test_readout_with_too_few_customers_gives_a_reason():
    assign = pd.DataFrame({"customer_id": ["a", "b", "c"], "group": ["test", "control", "control"]})
    readout = read_out_experiment(assign, pd.DataFrame(columns=["customer_id", "purchases",
                                                                "revenue"]))
    assert "Too few customers" in readout.reason and readout.table["difference"].isna().all()


def test_outcomes_sum_the_readout_quarters_only():
    act = pd.DataFrame({"customer_id": ["a", "a", "a", "b"],
                        "quarter": pd.PeriodIndex(["2026Q1", "2026Q2", "2026Q4", "2026Q3"],
                                                  freq="Q"),
                        "purchases": [1, 2, 5, 1], "revenue": [10.0, 20.0, 50.0, 7.0]})
    out = outcomes_from_activity(act, start_quarter="2026Q2", end_quarter="2026Q3")
    assert out.set_index("customer_id").to_dict("index") == {
        "a": {"purchases": 2, "revenue": 20.0}, "b": {"purchases": 1, "revenue": 7.0}}


def test_win_back_split_takes_only_lost_customers_and_is_reproducible():
    from insights.experiments import split_win_back

    ids = [f"c{i:02d}" for i in range(40)]
    features = pd.DataFrame({"customer_id": ids, "monetary_total": [float(i) for i in range(40)]})
    segments = pd.DataFrame({"customer_id": ids, "segment": ["lost", "regular"] * 20})
    first = split_win_back(features, segments, random_state=7)
    again = split_win_back(features.iloc[::-1], segments, random_state=7)  # row order irrelevant
    assert set(first["customer_id"]) == set(ids[::2])
    assert first.sort_values("customer_id").reset_index(drop=True).equals(
        again.sort_values("customer_id").reset_index(drop=True)
    )
