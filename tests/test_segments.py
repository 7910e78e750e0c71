"""Lifecycle segments, express test, movement and RFM on hand-built features frames.

Every expected value below was worked out on paper from the frame next to it.
"""

import numpy as np
import pandas as pd
import pytest

from insights.params import ExpressTestParams, LifecycleParams, RfmParams, RfmRule
from insights.schema import ContractError
from insights.segments import (
    NOT_YET,
    SEGMENT_ORDER,
    assign_lifecycle,
    express_test,
    key_flows,
    lifecycle_rules,
    rfm_scores,
    rfm_segments,
    segment_summary,
    segment_transitions,
)

LIFE = LifecycleParams()  # lost 365, new 90, regular 3+ in 180


def features(rows):
    """rows: (id, recency_days, tenure_days, purchases_window, frequency, revenue_12m)."""
    frame = pd.DataFrame(
        rows,
        columns=["customer_id", "recency_days", "tenure_days", "purchases_window", "frequency",
                 "revenue_12m"],
    )
    frame["customer_id"] = frame["customer_id"].astype("string")
    frame["revenue_12m"] = frame["revenue_12m"].astype(float)
    return frame


ONE_PER_RULE = features(
    [
        ("lost", 400, 1000, 0, 5, 0.0),
        ("new", 10, 30, 1, 1, 10.0),
        ("regular", 10, 500, 3, 10, 100.0),
        ("onetime", 200, 200, 0, 1, 5.0),
        ("occasional", 100, 600, 1, 2, 20.0),
    ]
)


def segments_of(frame, params=LIFE):
    out = assign_lifecycle(frame, params=params)
    return dict(zip(out["customer_id"], out["segment"].astype(str), strict=True))


def test_one_customer_per_rule():
    assert segments_of(ONE_PER_RULE) == {
        "lost": "lost", "new": "new", "regular": "regular", "onetime": "one-time",
        "occasional": "occasional",
    }


def test_rule_precedence_and_boundaries():
    frame = features(
        [
            ("r365", 365, 365, 0, 1, 0.0),  # exactly 365 days ago: outside the 12-month window
            ("r364", 364, 364, 0, 1, 1.0),  # inside: one purchase ever -> one-time, not lost
            ("lost_regular", 400, 900, 3, 9, 0.0),  # lost wins over regular (window stale)
            ("t89", 5, 89, 3, 3, 1.0),  # new wins over regular
            ("t90", 5, 90, 3, 3, 1.0),  # first purchase 90 days ago: no longer new
            ("w2", 5, 400, 2, 7, 1.0),  # 2 in the window < 3 -> occasional
            ("new_lost", 370, 80, 0, 1, 0.0),  # impossible in real data; lost is checked first
            ("no_purchase", np.nan, np.nan, 0, 0, -5.0),  # only a return: never bought
        ]
    )
    assert segments_of(frame) == {
        "r365": "lost", "r364": "one-time", "lost_regular": "lost", "t89": "new",
        "t90": "regular", "w2": "occasional", "new_lost": "lost", "no_purchase": "lost",
    }


def test_unit_windows_come_from_params():
    car_dealer = LifecycleParams(lost_days=1095, new_days=180, regular_min_purchases=2)
    frame = features([("a", 400, 1000, 2, 5, 0.0), ("b", 150, 150, 1, 1, 1.0)])
    assert segments_of(frame, car_dealer) == {"a": "regular", "b": "new"}
    assert segments_of(frame) == {"a": "lost", "b": "one-time"}


def test_segment_is_ordered_categorical_and_input_untouched():
    before = ONE_PER_RULE.copy(deep=True)
    out = assign_lifecycle(ONE_PER_RULE, params=LIFE)
    pd.testing.assert_frame_equal(ONE_PER_RULE, before)
    assert out["segment"].cat.ordered
    assert tuple(out["segment"].cat.categories) == SEGMENT_ORDER
    assert list(out.columns) == ["customer_id", "segment"]


def test_empty_features_give_empty_segments_and_missing_column_is_explained():
    assert assign_lifecycle(ONE_PER_RULE.iloc[:0], params=LIFE).empty
    with pytest.raises(ContractError, match="purchases_window"):
        assign_lifecycle(ONE_PER_RULE.drop(columns="purchases_window"), params=LIFE)


def test_rules_text_follows_params():
    rules = lifecycle_rules(LifecycleParams(lost_days=730))
    assert rules["rule"].iloc[0] == "no purchase in the last 730 days"


def test_segment_summary_counts_revenue_and_keeps_empty_segments():
    frame = features(
        [("a", 10, 500, 3, 10, 60.0), ("b", 10, 500, 4, 10, 20.0), ("c", 400, 900, 0, 2, 0.0),
         ("d", 50, 200, 1, 2, 20.0)]
    )
    summary = segment_summary(frame, assign_lifecycle(frame, params=LIFE)).set_index("segment")
    # regular a+b: 2 customers, 80 of 100; occasional d: 20; lost c: 0; new/one-time empty
    assert summary.loc["regular", "customers"] == 2
    assert summary.loc["regular", "revenue_share"] == pytest.approx(0.8)
    assert summary.loc["occasional", "revenue_12m"] == 20.0
    assert summary.loc["lost", "customer_share"] == pytest.approx(0.25)
    assert summary.loc["new", "customers"] == 0 and summary.loc["one-time", "customers"] == 0
    assert list(summary.index.astype(str)) == list(SEGMENT_ORDER)


# ---------------------------------------------------------------- express test

EXPRESS = ExpressTestParams()  # churn 3%, history 365, unknown 5%, 30 active


def population(regular, one_time, occasional=0, lost=0, new=0):
    """A features + segments pair with the given segment counts; revenue 10 per regular,
    1 per other active customer, 0 for lost."""
    labels = (["regular"] * regular + ["one-time"] * one_time + ["occasional"] * occasional
              + ["lost"] * lost + ["new"] * new)
    ids = [f"c{i:04d}" for i in range(len(labels))]
    revenue = [10.0 if s == "regular" else 0.0 if s == "lost" else 1.0 for s in labels]
    feats = pd.DataFrame({"customer_id": ids, "revenue_12m": revenue})
    segs = pd.DataFrame(
        {"customer_id": ids, "segment": pd.Categorical(labels, categories=SEGMENT_ORDER,
                                                       ordered=True)}
    )
    return feats, segs


def run_express(feats, segs, history=1000, unknown=0.0, params=EXPRESS):
    return express_test(feats, segs, params=params, history_days=history,
                        unknown_customer_share=unknown)


def test_green_at_exactly_natural_churn_and_yellow_just_above():
    # 3 one-time of 100 active = 3.0% <= 3% -> green; 4 of 100 -> yellow
    green = run_express(*population(regular=60, one_time=3, occasional=37, lost=50))
    assert green.verdict == "green" and green.label == "green"
    assert green.active_customers == 100  # lost customers are not active
    assert green.one_time_share == pytest.approx(0.03)
    yellow = run_express(*population(regular=60, one_time=4, occasional=36))
    assert yellow.verdict == "yellow" and not yellow.stressed


def test_revenue_shares_among_active_customers():
    # 60 regulars x 10 = 600, 3 one-time x 1 = 3, 37 occasional x 1 = 37 -> total 640
    result = run_express(*population(regular=60, one_time=3, occasional=37, lost=5))
    assert result.regular_revenue_share == pytest.approx(600 / 640)
    assert result.one_time_revenue_share == pytest.approx(3 / 640)
    assert result.regular_share == pytest.approx(0.60)


def test_stressed_when_one_time_buyers_outnumber_regulars():
    stressed = run_express(*population(regular=10, one_time=11, occasional=19))
    assert stressed.verdict == "yellow" and stressed.stressed
    assert stressed.label == "yellow (stressed)"
    assert "outnumber" in stressed.reason
    level = run_express(*population(regular=11, one_time=11, occasional=18))
    assert level.label == "yellow"


@pytest.mark.parametrize(
    ("history", "unknown", "regulars", "red"),
    [
        (364, 0.0, 40, True),  # history shorter than 365 days
        (365, 0.0, 40, False),
        (1000, 0.051, 40, True),  # more than 5% of rows without a customer
        (1000, 0.05, 40, False),
        (1000, 0.0, 29, True),  # 29 active < 30
        (1000, 0.0, 30, False),
    ],
)
def test_red_when_the_data_cannot_answer(history, unknown, regulars, red):
    result = run_express(*population(regular=regulars, one_time=0, lost=10), history=history,
                         unknown=unknown)
    assert (result.verdict == "red") is red
    if red:
        assert result.reason.startswith("The data cannot answer")
    else:
        assert result.verdict == "green"


def test_red_lists_every_problem_and_keeps_numbers():
    result = run_express(*population(regular=2, one_time=1), history=100, unknown=0.2)
    assert result.verdict == "red"
    assert "100 days" in result.reason and "20.0%" in result.reason and "3 active" in result.reason
    assert result.one_time_share == pytest.approx(1 / 3)


def test_no_active_customers_is_red_with_nan_shares_as_none():
    result = run_express(*population(regular=0, one_time=0, lost=5))
    assert result.verdict == "red" and result.active_customers == 0
    data = result.to_dict()
    assert data["one_time_share"] is None and data["verdict"] == "red"
    assert "Green: one-time buyers at or below 3%" in data["rule"]


def test_without_recency_and_tenure_the_whole_base_is_not_judged():
    # population() has no recency_days/tenure_days/frequency: base_outflow is skipped, the
    # whole-base fields keep their defaults and the reason has no whole-base sentence.
    result = run_express(*population(regular=60, one_time=3, occasional=37))
    data = result.to_dict()
    assert result.verdict == "green" and "Of all customers" not in result.reason
    assert data["base_one_time_share"] is None and data["lost_share"] is None
    assert data["never_returned_share"] is None
    assert result.year_ago_active == 0 and result.year_ago_new == 0


def test_history_defaults_to_the_longest_tenure():
    feats, segs = population(regular=40, one_time=0)
    short = feats.assign(tenure_days=[100.0] * 39 + [300.0])  # 300 < 365 days of history
    result = express_test(short, segs, params=EXPRESS, unknown_customer_share=0.0)
    assert result.verdict == "red" and result.history_days == 300
    long = feats.assign(tenure_days=[100.0] * 39 + [365.0])
    assert express_test(long, segs, params=EXPRESS, unknown_customer_share=0.0).verdict == "green"


def test_unknown_share_out_of_range_is_rejected():
    with pytest.raises(ValueError, match="unknown_customer_share"):
        run_express(*population(regular=40, one_time=0), unknown=1.5)


# ---------------------------------------------------------------- movement

def seg_frame(pairs):
    ids, labels = zip(*pairs, strict=True)
    return pd.DataFrame({"customer_id": list(ids),
                         "segment": pd.Categorical(labels, categories=SEGMENT_ORDER,
                                                   ordered=True)})


PREV = seg_frame([("a", "regular"), ("b", "regular"), ("c", "occasional"), ("d", "lost"),
                  ("e", "new")])
CURR = seg_frame([("a", "lost"), ("b", "regular"), ("c", "lost"), ("d", "occasional"),
                  ("e", "regular"), ("f", "new")])
PREV_REVENUE = pd.DataFrame({"customer_id": list("abcde"),
                             "revenue_12m": [100.0, 50.0, 30.0, 0.0, 20.0]})  # total 200


def test_transition_matrix_counts_customers_and_previous_revenue():
    result = segment_transitions(PREV, CURR, prev_revenue=PREV_REVENUE)
    m = result.customers
    assert m.loc["regular", "lost"] == 1 and m.loc["regular", "regular"] == 1
    assert m.loc["occasional", "lost"] == 1 and m.loc["lost", "occasional"] == 1
    assert m.loc["new", "regular"] == 1 and m.loc[NOT_YET, "new"] == 1
    assert m.to_numpy().sum() == 6  # every current customer exactly once
    assert list(m.index) == [NOT_YET, *SEGMENT_ORDER] and list(m.columns) == list(SEGMENT_ORDER)
    assert result.revenue.loc["regular", "lost"] == 100.0
    assert result.revenue_share.loc["regular", "lost"] == pytest.approx(0.5)
    assert result.revenue_share.loc["occasional", "lost"] == pytest.approx(0.15)
    assert result.previous_total_revenue == 200.0 and result.missing_customers == 0


def test_key_flows_put_the_costliest_loss_first():
    flows = key_flows(segment_transitions(PREV, CURR, prev_revenue=PREV_REVENUE))
    pairs = list(zip(flows["from_segment"], flows["to_segment"], flows["direction"], strict=True))
    assert pairs == [
        ("regular", "lost", "loss"),
        ("occasional", "lost", "loss"),
        ("new", "regular", "gain"),
        ("lost", "occasional", "gain"),
        (NOT_YET, "new", "arrival"),
    ]
    assert flows.loc[0, "revenue_share"] == pytest.approx(0.5)


def test_movement_without_revenue_and_with_a_vanished_customer():
    prev = pd.concat([PREV, seg_frame([("g", "regular")])], ignore_index=True)
    before = prev.copy(deep=True)
    result = segment_transitions(prev, CURR)
    pd.testing.assert_frame_equal(prev, before)
    assert result.revenue is None and result.missing_customers == 1
    flows = key_flows(result)
    assert flows["revenue"].isna().all()
    assert len(flows) == 5


def test_movement_rejects_a_customer_listed_twice():
    twice = pd.concat([CURR, CURR.iloc[[0]]], ignore_index=True)
    with pytest.raises(ValueError, match="not unique"):
        segment_transitions(PREV, twice)
    with pytest.raises(ValueError, match="not unique"):
        segment_transitions(PREV, CURR, prev_revenue=pd.concat([PREV_REVENUE, PREV_REVENUE]))


def test_movement_keeps_customers_whose_ids_look_alike():
    # ids that differ only in case, accents or trailing space are different customers
    prev = seg_frame([("Ab", "regular"), ("ab", "lost"), ("é", "new"), ("e ", "regular")])
    curr = seg_frame([("ab", "regular"), ("Ab", "lost"), ("e ", "regular"), ("e", "new")])
    m = segment_transitions(prev, curr).customers
    assert m.loc["regular", "lost"] == 1 and m.loc["lost", "regular"] == 1
    assert m.loc["regular", "regular"] == 1 and m.loc[NOT_YET, "new"] == 1
    assert segment_transitions(prev, curr).missing_customers == 1  # "é" left


def test_no_movement_gives_no_flows():
    assert key_flows(segment_transitions(PREV, PREV)).empty


# ---------------------------------------------------------------- RFM

def rfm_frame(recency, frequency, monetary):
    n = len(recency)
    return pd.DataFrame({"customer_id": [f"k{i}" for i in range(n)], "recency_days": recency,
                         "frequency": frequency, "monetary_total": monetary})


def test_quintile_scores_textbook_and_ties():
    frame = rfm_frame(
        recency=[1, 2, 3, 4, 5, 6, 7, 8, 9, 10],  # most recent gets 5
        frequency=[1, 1, 1, 1, 1, 1, 2, 2, 3, 4],  # ties share the score of their block's start
        monetary=[10, 20, 30, 40, 50, 60, 70, 80, 90, 100.0],
    )
    scores = rfm_scores(frame)
    assert scores["r_score"].tolist() == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
    # 1s: 0 worse -> 1; 2s: 6 of 10 worse -> 1+floor(3.0)=4; 3: 8 worse -> 5; 4: 9 worse -> 5
    assert scores["f_score"].tolist() == [1, 1, 1, 1, 1, 1, 4, 4, 5, 5]
    assert scores["m_score"].tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert scores["rfm_cell"].iloc[0] == "511"


def test_scores_do_not_depend_on_row_order():
    frame = rfm_frame([5, 3, 3, 9, 1, 7], [2, 2, 1, 8, 3, 1], [5.0, 1, 1, 9, 4, 2])
    shuffled = frame.sample(frac=1.0, random_state=3)
    a = rfm_scores(frame).set_index("customer_id").sort_index()
    b = rfm_scores(shuffled).set_index("customer_id").sort_index()
    pd.testing.assert_frame_equal(a, b)


def scored(cells):
    return pd.DataFrame({"customer_id": [f"s{i}" for i in range(len(cells))],
                         "r_score": [c[0] for c in cells], "f_score": [c[1] for c in cells],
                         "m_score": [c[2] for c in cells]})


def test_default_rfm_map_names_the_common_segments():
    cells = [(5, 5, 1), (4, 5, 3), (5, 3, 3), (5, 1, 5), (4, 1, 1), (3, 3, 2), (3, 2, 4),
             (2, 5, 5), (1, 4, 1), (1, 1, 5), (2, 1, 1), (1, 2, 3)]
    names = rfm_segments(scored(cells), rules=RfmParams().rules)["rfm_segment"].astype(str)
    assert names.tolist() == [
        "Champions", "Loyal", "Potential loyalist", "New", "Promising", "Need attention",
        "About to sleep", "Cannot lose them", "At risk", "Lost", "Hibernating", "Hibernating",
    ]


def test_default_rfm_map_covers_every_cell():
    grid = [(r, f, m) for r in range(1, 6) for f in range(1, 6) for m in range(1, 6)]
    out = rfm_segments(scored(grid), rules=RfmParams().rules)
    assert (out["rfm_segment"] != "Other").all()


def test_first_matching_rule_wins_and_unmatched_is_other():
    rules = [RfmRule(segment="Top", r=(4, 5), m=(5, 5)), {"segment": "Recent", "r": [4, 5]}]
    scores = scored([(5, 1, 5), (5, 1, 1), (1, 1, 1)])
    before = scores.copy(deep=True)
    out = rfm_segments(scores, rules=rules)
    pd.testing.assert_frame_equal(scores, before)
    assert out["rfm_segment"].astype(str).tolist() == ["Top", "Recent", "Other"]
    assert list(out["rfm_segment"].cat.categories) == ["Top", "Recent", "Other"]


def test_rfm_summary_reuses_segment_summary():
    frame = rfm_frame([1, 100], [5, 1], [50.0, 5.0]).assign(revenue_12m=[30.0, 10.0])
    out = rfm_segments(rfm_scores(frame), rules=RfmParams().rules)
    # k0 has 1 of 2 customers worse on every axis: 1 + floor(5 * 1/2) = 3 -> (3, 3, 3);
    # k1 has none worse: (1, 1, 1)
    assert out["rfm_cell"].tolist() == ["333", "111"]
    summary = segment_summary(frame, out, column="rfm_segment").set_index("segment")
    assert summary.loc["Need attention", "revenue_share"] == pytest.approx(0.75)
    assert summary.loc["Lost", "customers"] == 1
    assert summary.loc["Champions", "customers"] == 0
