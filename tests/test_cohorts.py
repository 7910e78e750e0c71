"""Acquisition cohorts and sources on hand-built frames; answers worked out on paper."""

import numpy as np
import pandas as pd
import pytest

from insights.cohorts import (
    UNKNOWN_SOURCE,
    acquisition_cohorts,
    new_customers_by_source,
    retention_by_source,
)
from insights.schema import ContractError


def activity(rows):
    """rows: (customer_id, quarter, purchases, revenue)."""
    frame = pd.DataFrame(rows, columns=["customer_id", "quarter", "purchases", "revenue"])
    frame["quarter"] = pd.PeriodIndex(frame["quarter"], freq="Q")
    frame["revenue"] = frame["revenue"].astype(float)
    return frame


ACTIVITY = activity(
    [
        ("z", "2025Q4", 1, 5),  # first quarter of the data: not a real cohort
        ("z", "2026Q1", 1, 5),  # ...and z is not acquired in 2026Q1 either
        ("a", "2026Q1", 1, 100),
        ("a", "2026Q2", 2, 50),
        ("a", "2026Q3", 1, 25),
        ("b", "2026Q1", 1, 10),
        ("b", "2026Q2", 0, -5),  # a return only: revenue counts, but b did not buy
        ("b", "2026Q3", 1, 10),
        ("c", "2026Q2", 3, 30),
        ("g", "2026Q3", 1, 7),
        ("e", "2026Q4", 1, 99),  # after the report quarter: ignored
    ]
)


def test_cohort_retention_and_revenue_on_paper():
    table = acquisition_cohorts(ACTIVITY, quarter="2026Q3", max_quarters=4)
    assert [str(q) for q in table.retention.index] == ["2026Q1", "2026Q2", "2026Q3"]
    assert table.sizes.tolist() == [2, 1, 1]  # {a, b}, {c}, {g}
    expected = np.array(
        [[1.0, 0.5, 1.0, np.nan], [1.0, 0.0, np.nan, np.nan], [1.0, np.nan, np.nan, np.nan]]
    )
    np.testing.assert_allclose(table.retention.to_numpy(), expected)
    np.testing.assert_allclose(table.revenue.loc[pd.Period("2026Q1", "Q")].to_numpy(),
                               [110.0, 45.0, 35.0, np.nan])
    np.testing.assert_allclose(table.revenue_retention.iloc[0].to_numpy()[:3],
                               [1.0, 45 / 110, 35 / 110])
    assert str(table.first_data_quarter) == "2025Q4" and table.reason == ""


def test_cohorts_count_a_customer_once_per_quarter_and_skip_rows_without_a_quarter():
    # activity passed in by hand may list a customer twice in a quarter, or lack a quarter
    extra = activity([("a", "2026Q2", 1, 1), ("c", "2026Q2", 1, 2), ("a", "2026Q1", 0, 0)])
    undated = activity([("q", "2026Q1", 1, 1000)]).assign(quarter=pd.NaT).astype(
        {"quarter": "period[Q-DEC]"})
    table = acquisition_cohorts(pd.concat([ACTIVITY, extra, undated], ignore_index=True),
                                quarter="2026Q3", max_quarters=4)
    assert table.sizes.tolist() == [2, 1, 1]  # q has no quarter: no cohort
    np.testing.assert_allclose(table.retention.iloc[:, 1].to_numpy(), [0.5, 0.0, np.nan])
    np.testing.assert_allclose(table.revenue.iloc[:, :2].to_numpy(),
                               [[110.0, 46.0], [32.0, 0.0], [7.0, np.nan]])


def test_unobservable_cells_are_blank_but_observed_zero_is_zero():
    table = acquisition_cohorts(ACTIVITY, quarter="2026Q3", max_quarters=4,
                                skip_first_data_quarter=False)
    z = table.retention.loc[pd.Period("2025Q4", "Q")]
    # z bought in 2025Q4 and 2026Q1, not in 2026Q2/Q3: those quarters are observed zeros
    assert z.tolist() == [1.0, 1.0, 0.0, 0.0]
    last = table.retention.loc[pd.Period("2026Q3", "Q")]
    assert last.iloc[0] == 1.0 and last.iloc[1:].isna().all()
    assert table.revenue.loc[pd.Period("2026Q3", "Q")].iloc[1:].isna().all()


def test_later_activity_is_ignored_and_input_untouched():
    before = ACTIVITY.copy(deep=True)
    early = acquisition_cohorts(ACTIVITY, quarter="2026Q2", max_quarters=3)
    pd.testing.assert_frame_equal(ACTIVITY, before)
    # as of 2026Q2, the 2026Q1 cohort's 2026Q3 is in the future
    row = early.retention.loc[pd.Period("2026Q1", "Q")]
    assert row.tolist()[:2] == [1.0, 0.5] and np.isnan(row.iloc[2])


def test_no_activity_gives_a_reason_not_an_error():
    table = acquisition_cohorts(ACTIVITY.iloc[:0], quarter="2026Q3", max_quarters=4)
    assert table.reason and table.sizes.sum() == 0


def test_quarter_column_must_be_periods():
    with pytest.raises(ContractError, match="Period"):
        acquisition_cohorts(ACTIVITY.assign(quarter=ACTIVITY["quarter"].astype(str)),
                            quarter="2026Q3")


def feats(rows, with_source=True):
    """rows: (id, first_purchase_date, source, frequency, tenure_days, revenue_12m, monetary)."""
    frame = pd.DataFrame(rows, columns=["customer_id", "first_purchase_date",
                                        "acquisition_source", "frequency", "tenure_days",
                                        "revenue_12m", "monetary_total"])
    frame["first_purchase_date"] = pd.to_datetime(frame["first_purchase_date"])
    frame["acquisition_source"] = frame["acquisition_source"].astype("string")
    return frame if with_source else frame.drop(columns="acquisition_source")


NEWCOMERS = feats(
    [
        ("g", "2025-11-01", "referral", 1, 300, 0.0, 1.0),  # before the window
        ("b", "2026-02-01", "ads", 1, 240, 0.0, 1.0),
        ("c", "2026-04-03", "referral", 1, 180, 0.0, 1.0),
        ("d", "2026-05-05", "ads", 1, 150, 0.0, 1.0),
        ("e", "2026-08-01", " referral ", 1, 60, 0.0, 1.0),
        ("a", "2026-09-30", "REFERRAL", 1, 0, 0.0, 1.0),
    ]
)


def test_new_customers_by_source_and_referral_trend():
    before = NEWCOMERS.copy(deep=True)
    result = new_customers_by_source(NEWCOMERS, quarter="2026Q3", quarters=3)
    pd.testing.assert_frame_equal(NEWCOMERS, before)
    assert result.new_customers.sum(axis=1).tolist() == [1, 2, 2]
    assert result.new_customers.loc[pd.Period("2026Q1", "Q"), "ads"] == 1
    # referral shares 0/1, 1/2, 2/2 (case and spaces ignored); OLS slope over 0,1,2 = 0.5
    assert result.referral_customers.tolist() == [0, 1, 2]
    assert result.referral_share.tolist() == [0.0, 0.5, 1.0]
    assert result.referral_trend == pytest.approx(0.5)
    assert result.reason == ""


def test_the_datas_first_quarter_is_not_counted_as_new_customers():
    # The export starts in 2026Q1: a and b bought then (existing customers, not acquired);
    # c is the one customer acquired since.
    frame = feats([("a", "2026-01-10", "event", 1, 263, 0.0, 1.0),
                   ("b", "2026-02-10", "event", 1, 232, 0.0, 1.0),
                   ("c", "2026-05-10", "referral", 1, 143, 0.0, 1.0)])  # fmt: skip
    result = new_customers_by_source(frame, quarter="2026Q3", quarters=3)
    assert [str(q) for q in result.new_customers.index] == ["2026Q2", "2026Q3"]
    assert result.new_customers.sum(axis=1).tolist() == [1, 0]
    assert result.referral_share.iloc[0] == 1.0 and np.isnan(result.referral_share.iloc[1])
    assert np.isnan(result.referral_trend)  # one real quarter: no trend
    kept = new_customers_by_source(frame, quarter="2026Q3", quarters=3,
                                   skip_first_data_quarter=False)
    assert kept.new_customers.sum(axis=1).tolist() == [2, 1, 0]


def test_quarter_without_newcomers_has_blank_referral_share():
    result = new_customers_by_source(NEWCOMERS, quarter="2026Q4", quarters=2)
    assert result.referral_share.iloc[0] == 1.0 and np.isnan(result.referral_share.iloc[1])
    assert np.isnan(result.referral_trend)  # one quarter with newcomers: no trend


def test_missing_source_column_is_explained():
    result = new_customers_by_source(feats(NEWCOMERS.values.tolist(), with_source=False),
                                     quarter="2026Q3", quarters=3)
    assert "no acquisition source" in result.reason
    assert list(result.new_customers.columns) == [UNKNOWN_SOURCE]


def test_retention_and_value_by_source_on_paper():
    frame = feats(
        [
            ("a", "2025-01-01", "referral", 3, 400, 100.0, 300.0),
            ("b", "2025-01-01", "referral", 1, 300, 0.0, 50.0),
            ("c", "2026-09-01", "referral", 1, 30, 20.0, 20.0),  # too young to count for repeat
            ("d", "2025-01-01", "ads", 2, 500, 30.0, 60.0),
            ("e", "2025-01-01", "ads", 1, 200, 10.0, 10.0),
            ("f", "2026-01-01", None, 1, 100, 40.0, 40.0),
        ]
    )
    table = retention_by_source(frame).set_index("acquisition_source")
    assert table.index.tolist() == ["referral", "ads", UNKNOWN_SOURCE]
    assert table.loc["referral", "repeat_share"] == pytest.approx(0.5)  # a of {a, b}
    assert table.loc["referral", "mature_customers"] == 2
    assert table.loc["referral", "mean_revenue_12m"] == pytest.approx(40.0)
    assert table.loc["referral", "revenue_12m_share"] == pytest.approx(0.6)
    assert table.loc["ads", "repeat_share"] == pytest.approx(0.5)
    assert np.isnan(table.loc[UNKNOWN_SOURCE, "repeat_share"])
    assert table["is_referral"].tolist() == [True, False, False]
