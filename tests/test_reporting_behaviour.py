"""Sentences and plots of the behaviour sections, built from hand-checked results."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from insights.cohorts import (  # noqa: E402
    acquisition_cohorts,
    new_customers_by_source,
    retention_by_source,
)
from insights.experiments import read_out_experiment, split_test_control  # noqa: E402
from insights.params import ExpressTestParams  # noqa: E402
from insights.plots.behaviour import (  # noqa: E402
    plot_cohorts,
    plot_referral_share,
    plot_segments,
    plot_transitions,
)
from insights.reporting.behaviour import (  # noqa: E402
    describe_acquisition,
    describe_cohorts,
    describe_experiment,
    describe_express_test,
    describe_lifecycle,
    describe_movement,
    describe_rfm,
    describe_split,
)
from insights.reporting.core import Html  # noqa: E402
from insights.segments import (  # noqa: E402
    SEGMENT_ORDER,
    express_test,
    key_flows,
    segment_summary,
    segment_transitions,
)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def segs(labels, ids=None):
    ids = ids or [f"c{i:03d}" for i in range(len(labels))]
    return pd.DataFrame({"customer_id": ids, "segment": pd.Categorical(
        labels, categories=SEGMENT_ORDER, ordered=True)})


def test_express_test_text_shows_verdict_numbers_and_rule():
    labels = ["regular"] * 10 + ["one-time"] * 11 + ["occasional"] * 19
    frame = pd.DataFrame({"customer_id": [f"c{i:03d}" for i in range(40)],
                          "revenue_12m": [1.0] * 40})
    result = express_test(frame, segs(labels), params=ExpressTestParams(), history_days=900,
                          unknown_customer_share=0.0)
    out = describe_express_test(result)
    assert isinstance(out, Html)
    assert "verdict-yellow" in out and "(stressed)" in out
    assert "Of 40 active customers, 27.5% bought only once" in out  # 11 / 40
    assert "Rule: Red: the data cannot answer" in out


def test_lifecycle_text_gives_an_action_per_group_present():
    summary = pd.DataFrame({
        "segment": pd.Categorical(list(SEGMENT_ORDER), categories=SEGMENT_ORDER, ordered=True),
        "customers": [0, 20, 50, 20, 10], "customer_share": [0.0, 0.2, 0.5, 0.2, 0.1],
        "revenue_12m": [0.0, 70.0, 25.0, 5.0, 0.0],
        "revenue_share": [0.0, 0.7, 0.25, 0.05, 0.0]})
    out = describe_lifecycle(summary)
    assert "The largest group is occasional buyers (50.0% of 100 customers)" in out
    assert "regular customers bring 70.0%" in out
    assert "Occasional and one-time (50 occasional buyers and 20 one-time buyers, 30.0% of revenue)" in out
    assert "Regular (20, 70.0% of revenue)" in out and "Lost (10, 10.0% of customers)" in out
    assert "New (" not in out  # no new customers: no advice for them


def test_lifecycle_text_for_no_customers():
    summary = pd.DataFrame({"segment": list(SEGMENT_ORDER), "customers": [0] * 5,
                            "customer_share": [np.nan] * 5, "revenue_12m": [0.0] * 5,
                            "revenue_share": [np.nan] * 5})
    assert "no customers" in describe_lifecycle(summary)


def movement(regulars_lost=14):
    """14 regulars (10 each) become lost; 1 regular stays (1610 - 140 = 1470 revenue)."""
    n = regulars_lost
    ids = [f"r{i:02d}" for i in range(n)] + ["stay", "newbie"]
    prev = segs(["regular"] * (n + 1), ids[: n + 1])
    curr = segs(["lost"] * n + ["regular", "new"], ids)
    revenue = pd.DataFrame({"customer_id": ids[: n + 1],
                            "revenue_12m": [10.0] * n + [1750.0 - 10.0 * n]})
    return segment_transitions(prev, curr, prev_revenue=revenue)


def test_movement_sentence_names_the_costliest_flow():
    result = movement()
    out = describe_movement(result, key_flows(result))
    # 14 x 10 = 140 of 1750 = 8.0%
    assert ("14 regular customers became lost this quarter; they brought 8.0% of last "
            "year's revenue.") in out.unescape()  # MarkupSafe writes ' as &#39;
    assert "1 new customer arrived this quarter." in out


def test_movement_verbs_read_right_for_gains_and_losses():
    prev = segs(["regular", "one-time", "new", "lost"], ["a", "b", "c", "d"])
    curr = segs(["occasional", "occasional", "one-time", "regular"], ["a", "b", "c", "d"])
    result = segment_transitions(prev, curr)
    out = describe_movement(result, key_flows(result), top=3)
    assert "1 regular customer slowed down to occasional buying this quarter." in out
    assert "1 new customer did not buy again this quarter." in out
    assert "1 one-time buyer bought again this quarter." in out
    assert "1 lost customer came back this quarter." in out


def test_movement_sentence_singular_and_no_movement():
    result = movement(regulars_lost=1)
    assert "1 regular customer became lost this quarter; it brought" in describe_movement(
        result, key_flows(result))
    still = segment_transitions(segs(["regular"]), segs(["regular"]))
    assert "No customer changed segment" in describe_movement(still, key_flows(still))


def test_rfm_text_names_champions_and_customers_at_risk():
    summary = pd.DataFrame({"segment": ["Champions", "At risk", "Cannot lose them", "Lost"],
                            "customers": [5, 7, 3, 85], "customer_share": [0.05, 0.07, 0.03, 0.85],
                            "revenue_12m": [50.0, 20.0, 10.0, 20.0],
                            "revenue_share": [0.5, 0.2, 0.1, 0.2]})
    out = describe_rfm(summary)
    assert "Champions: 5 customers (5.0%) bring 50.0%" in out
    assert "cannot-lose-them: 10 customers" in out


def activity():
    rows = [("a", "2026Q1", 1, 100.0), ("a", "2026Q2", 1, 50.0), ("b", "2026Q1", 1, 10.0),
            ("c", "2026Q2", 1, 30.0), ("z", "2025Q4", 1, 1.0)]
    frame = pd.DataFrame(rows, columns=["customer_id", "quarter", "purchases", "revenue"])
    frame["quarter"] = pd.PeriodIndex(frame["quarter"], freq="Q")
    return frame


def test_cohort_text_weights_cohorts_by_size():
    table = acquisition_cohorts(activity(), quarter="2026Q3", max_quarters=4)
    out = describe_cohorts(table)
    # next quarter: 2026Q1 cohort 1 of 2, 2026Q2 cohort 0 of 1 -> 1/3; 2026Q3 cohort is empty
    assert "33.3% of new customers bought again the next quarter" in out
    assert "Blank cells" in out


def newcomers(sources, dates=None):
    """New customers, after one customer from 2024 (the data's first quarter, never 'new')."""
    n = len(sources) + 1
    return pd.DataFrame({
        "customer_id": ["old"] + [f"n{i}" for i in range(n - 1)],
        "first_purchase_date": pd.to_datetime(["2024-01-10"] + (dates or ["2026-08-01"] * (n - 1))),
        "acquisition_source": pd.array(["ads", *sources], dtype="string"),
        "frequency": [2] * n, "tenure_days": [400] * n, "revenue_12m": [100.0] * n,
        "monetary_total": [100.0] * n})


def test_acquisition_text_and_escaped_reason():
    frame = newcomers(["referral", "ads", "ads", "ads"])
    out = describe_acquisition(new_customers_by_source(frame, quarter="2026Q3", quarters=2),
                               retention_by_source(frame), currency="EUR")
    assert "In Q3 2026, 4 new customers arrived (4 over the last 2 quarters)." in out
    assert "Referrals brought 25.0% of new customers over those quarters" in out
    assert "too few new customers to call a trend" in out  # 1 quarter with newcomers
    assert "100 EUR a year each versus 100 EUR" in out
    odd = new_customers_by_source(frame, quarter="2026Q3", referral_sources=["<script>x"])
    text = describe_acquisition(odd)
    assert "<script>" not in text and "&lt;script&gt;x" in text


def test_acquisition_trend_is_called_with_enough_newcomers():
    # 4 quarters x 6 newcomers; referrals 0, 1, 2, 3 of 6 -> shares 0, 1/6, 2/6, 3/6:
    # slope 1/6 a quarter = 16.7 points; 6 of 24 referred overall = 25.0%
    dates, sources = [], []
    for k, day in enumerate(["2025-11-01", "2026-02-01", "2026-05-01", "2026-08-01"]):
        dates += [day] * 6
        sources += ["referral"] * k + ["ads"] * (6 - k)
    summary = new_customers_by_source(newcomers(sources, dates), quarter="2026Q3", quarters=4)
    out = describe_acquisition(summary)
    assert "Referrals brought 25.0% of new customers" in out
    assert "the share is rising (16.7 percentage points a quarter)" in out


def test_split_and_experiment_text():
    customers = pd.DataFrame({"customer_id": [f"c{i}" for i in range(20)],
                              "revenue_12m": np.arange(20.0)})
    split = split_test_control(customers, random_state=5)
    text = describe_split(split, segment="lost", value_label="revenue ever")
    assert "20 lost customers were split into a test group of 10 and a control group of 10" in text
    assert "mean revenue ever" in text
    outcomes = pd.DataFrame({"customer_id": split["customer_id"], "purchases": 0,
                             "revenue": 0.0})
    out = describe_experiment(read_out_experiment(split, outcomes))
    assert "a difference of 0.0 points" in out and "could be chance" in out
    tiny = read_out_experiment(split.head(1), outcomes)
    assert "Too few customers" in describe_experiment(tiny)


# ---------------------------------------------------------------- plots

def test_cohort_heatmap_leaves_unobservable_cells_blank():
    table = acquisition_cohorts(activity(), quarter="2026Q3", max_quarters=4)
    ax = plot_cohorts(table)
    shown = ax.images[0].get_array()
    assert np.array_equal(np.ma.getmaskarray(shown), table.retention.isna().to_numpy())
    assert len(ax.texts) == int(table.retention.notna().to_numpy().sum())


def test_transition_heatmap_and_segment_bars_draw():
    result = movement()
    ax = plot_transitions(result)
    assert {t.get_text() for t in ax.texts} == {"14", "1"}
    ax = plot_transitions(result, value="revenue_share")
    assert "8.0%" in {t.get_text() for t in ax.texts}
    with pytest.raises(ValueError, match="prev_revenue"):
        plot_transitions(segment_transitions(segs(["new"]), segs(["new"])), value="revenue")
    summary = segment_summary(pd.DataFrame({"customer_id": ["a"], "revenue_12m": [1.0]}),
                              pd.DataFrame({"customer_id": ["a"], "segment": ["$x$ club"]}))
    ax = plot_segments(summary)
    assert ax.get_yticklabels()[0].get_text() == r"\$x\$ club"


def test_referral_share_plot_draws_the_share_line():
    frame = newcomers(["referral", "ads"])
    ax = plot_referral_share(new_customers_by_source(frame, quarter="2026Q3", quarters=3))
    line = ax.figure.axes[1].lines[0]
    assert np.isnan(line.get_ydata()[0]) and line.get_ydata()[-1] == pytest.approx(0.5)
