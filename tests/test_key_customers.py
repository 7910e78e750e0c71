"""Tests for insights.key_customers: components, score, reasons, classification, overrides."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from insights import key_customers as kc
from insights import key_reasons
from insights.attention import run_rate_warning
from insights.params import AttentionParams, KeyCustomerParams, KeyCustomerWeights

ONLY_REVENUE_AND_MARGIN = KeyCustomerWeights(
    revenue=1, margin=1, growth=0, loyalty=0, repeat=0, breadth=0, reference=0
)


def _features(**overrides) -> pd.DataFrame:
    """Four customers; A is the biggest by revenue but loses money."""
    frame = pd.DataFrame(
        {
            "customer_id": ["A", "B", "C", "D"],
            "customer_name": ["Alpha", "Beta", "Gamma", "Delta"],
            "revenue_12m": [400.0, 300.0, 200.0, 100.0],
            "revenue_prev_12m": [400.0, 150.0, 0.0, 100.0],
            "monetary_total": [800.0, 600.0, 200.0, 300.0],
            "margin_total": [-50.0, 90.0, 60.0, 30.0],
            "discount_total": [120.0, 0.0, 0.0, 0.0],
            "trend": [0.0, 1 / 3, 1.0, 0.0],
            "tenure_days": [900.0, 700.0, 100.0, 1200.0],
            "frequency": [10, 8, 1, 20],
            "recency_days": [30.0, 10.0, 50.0, 5.0],
            "product_line_count": [1, 2, 1, 4],
            "is_reference": [False, False, False, False],
        }
    )
    return frame.assign(**overrides)


def test_rank_normalise_ties_single_and_missing():
    assert kc.rank_normalise(pd.Series([10.0, 30.0, 20.0])).tolist() == [0.0, 1.0, 0.5]
    # ties share their average rank 1.5 -> 0.25
    assert kc.rank_normalise(pd.Series([1.0, 1.0, 2.0])).tolist() == [0.25, 0.25, 1.0]
    assert kc.rank_normalise(pd.Series([7.0])).tolist() == [0.5]
    out = kc.rank_normalise(pd.Series([1.0, np.nan, 3.0]))
    assert out.iloc[0] == 0.0 and np.isnan(out.iloc[1]) and out.iloc[2] == 1.0


def test_combine_score_by_hand_and_drops_missing_components():
    parts = pd.DataFrame({"revenue": [1.0, 0.0], "margin": [0.0, 1.0], "growth": [np.nan, np.nan]})
    score = kc.combine_score(parts, {"revenue": 0.75, "margin": 0.25, "growth": 5.0})
    assert score.tolist() == pytest.approx([0.75, 0.25])


def test_purchase_regularity_counts_active_quarters_in_the_last_eight():
    q = pd.Period
    activity = pd.DataFrame(
        {
            "customer_id": ["a"] * 9 + ["b", "b", "b"],
            "quarter": [q("2024Q3", "Q")] + [q("2024Q4", "Q") + i for i in range(8)]
            + [q("2026Q1", "Q"), q("2026Q2", "Q"), q("2026Q3", "Q")],
            "purchases": [1] * 9 + [1, 0, 2],  # b: a return-only quarter does not count
        }
    )  # fmt: skip
    regularity = kc.purchase_regularity(activity, as_of="2026-09-30")
    assert regularity["a"] == 1.0  # 2024Q3 is outside the window
    assert regularity["b"] == pytest.approx(2 / 8)


def test_key_customers_differ_from_the_revenue_ranking_by_hand():
    # weights revenue = margin = 1. revenue ranks: A 1, B 2/3, C 1/3, D 0; margin ranks:
    # A 0 (-50), D 1/3, C 2/3, B 1 -> scores B 0.833, A 0.5, C 0.5, D 0.167; A before C
    # on the tie (more revenue).
    params = KeyCustomerParams(weights=ONLY_REVENUE_AND_MARGIN, top_n=1)
    result = kc.score_key_customers(_features(), params=params)
    table = result.table.set_index("customer_id")
    assert result.table["customer_id"].tolist() == ["B", "A", "C", "D"]
    assert table["score"].tolist() == pytest.approx([5 / 6, 0.5, 0.5, 1 / 6])
    assert table.loc["B", "key_rank"] == 1
    assert result.weights == {"revenue": 0.5, "margin": 0.5}
    comparison = kc.compare_key_vs_revenue(result)
    assert comparison.overlap == 0
    rows = comparison.table.set_index("customer_id")
    assert rows.loc["B", "list"] == "key only" and rows.loc["A", "list"] == "revenue only"
    assert "loss-maker" in rows.loc["A", "why"] and "margin" in rows.loc["A", "why"]


def test_classification_loss_makers_and_the_rule():
    params = KeyCustomerParams(profitable_min_margin_share=0.12)
    result = kc.score_key_customers(_features(), params=params)
    table = result.table.set_index("customer_id")
    # margin rates: A -50/800 < 0, B 90/600 = 15%, C 60/200 = 30%, D 30/300 = 10%
    assert table.loc["A", "loss_maker"] and not table.loc["B", "loss_maker"]
    assert table["category"].to_dict() == {"A": "other", "B": "profitable", "C": "profitable",
                                           "D": "other"}  # fmt: skip
    assert table.loc["C", "margin_rate"] == pytest.approx(0.3)
    assert "12%" in result.rule
    assert result.loss_makers["customer_id"].tolist() == ["A"]


def test_overrides_are_applied_visibly():
    params = KeyCustomerParams(image_customers=["D", "ZZ"], exclude_customers=["B"])
    result = kc.score_key_customers(_features(), params=params)
    table = result.table.set_index("customer_id")
    assert table.loc["D", "category"] == "image"
    assert table.loc["D", "override"] == kc.OVERRIDE_IMAGE
    assert table.loc["B", "override"] == kc.OVERRIDE_EXCLUDED
    assert pd.isna(table.loc["B", "key_rank"])
    assert result.table["customer_id"].iloc[-1] == "B"  # excluded ones last
    assert "B" not in result.key["customer_id"].tolist()
    assert result.unmatched_overrides == ("ZZ",)
    assert sorted(result.table["key_rank"].dropna().tolist()) == [1, 2, 3]


def test_reasons_in_words_at_most_three():
    only_breadth = KeyCustomerWeights(
        revenue=0, margin=0, growth=0, loyalty=0, repeat=0, breadth=1, reference=0
    )
    result = kc.score_key_customers(_features(), params=KeyCustomerParams(weights=only_breadth))
    table = result.table.set_index("customer_id")
    assert table.loc["D", "reasons"] == "buys 4 product lines"
    default = kc.score_key_customers(_features()).table.set_index("customer_id")
    assert all(len(r.split("; ")) <= 3 for r in default["reasons"])


def test_reason_wording_for_revenue_buckets_and_growth():
    assert key_reasons._top_bucket(1, 100) == 1
    assert key_reasons._top_bucket(1, 20) == 5
    assert key_reasons._top_bucket(3, 20) == 20
    only_growth = KeyCustomerWeights(
        revenue=0, margin=0, growth=1, loyalty=0, repeat=0, breadth=0, reference=0
    )
    table = kc.score_key_customers(
        _features(), params=KeyCustomerParams(weights=only_growth)
    ).table.set_index("customer_id")
    assert table.loc["B", "reasons"] == "revenue up 100% on the 12 months before"
    assert table.loc["C", "reasons"] == "new revenue in the last 12 months"


def test_p_alive_replaces_the_proxy():
    only_repeat = KeyCustomerWeights(
        revenue=0, margin=0, growth=0, loyalty=0, repeat=1, breadth=0, reference=0
    )
    p_alive = pd.Series({"A": 0.2, "B": 0.9, "C": 0.5, "D": 0.1})
    result = kc.score_key_customers(
        _features(), params=KeyCustomerParams(weights=only_repeat), p_alive=p_alive
    )
    assert result.repeat_source == "p_alive"
    assert result.table["customer_id"].iloc[0] == "B"
    assert result.table.set_index("customer_id").loc["B", "reasons"] == "P(active) 90%"
    proxy = kc.score_key_customers(_features(), params=KeyCustomerParams(weights=only_repeat))
    # proxy: frequency ranks D 1, A 2/3, B 1/3, C 0; recency ranks D 1, B 2/3, A 1/3, C 0
    assert proxy.repeat_source == "proxy"
    assert proxy.table["customer_id"].tolist() == ["D", "A", "B", "C"]


def test_missing_margin_and_reference_are_named_and_nobody_is_a_loss_maker():
    features = _features(margin_total=np.nan).drop(columns="is_reference")
    result = kc.score_key_customers(features)
    assert set(result.missing_components) == {"margin", "reference"}
    assert "margin" not in result.weights
    assert sum(result.weights.values()) == pytest.approx(1.0)
    assert not result.table["loss_maker"].any()
    assert set(result.table["category"]) == {"other"}


def test_regularity_from_activity_needs_as_of():
    activity = pd.DataFrame(
        {"customer_id": ["A"], "quarter": [pd.Period("2026Q3", "Q")], "purchases": [1]}
    )
    with pytest.raises(ValueError, match="as_of"):
        kc.score_key_customers(_features(), activity=activity)
    result = kc.score_key_customers(_features(), activity=activity, as_of="2026-09-30")
    assert result.table.set_index("customer_id").loc["A", "regularity"] == pytest.approx(1 / 8)


def test_nobody_with_revenue_gives_a_status():
    result = kc.score_key_customers(_features(revenue_12m=0.0))
    assert result.status == "no_customers" and result.reason
    assert kc.compare_key_vs_revenue(result).table.empty


def test_input_not_mutated():
    features = _features()
    before = features.copy()
    result = kc.score_key_customers(features, params=KeyCustomerParams(exclude_customers=["A"]))
    kc.compare_key_vs_revenue(result)
    pd.testing.assert_frame_equal(features, before)


def test_reasons_are_written_for_the_head_of_the_ranking_only(monkeypatch):
    full = kc.score_key_customers(_features()).table
    assert full["reasons"].notna().all()  # four customers: all within REASON_ROWS
    monkeypatch.setattr(kc, "REASON_ROWS", 2)
    head = kc.score_key_customers(_features()).table
    assert head["reasons"].iloc[:2].tolist() == full["reasons"].iloc[:2].tolist()
    assert head["reasons"].iloc[2:].isna().all()
    pd.testing.assert_frame_equal(head.drop(columns="reasons"), full.drop(columns="reasons"))


def test_a_customer_far_below_its_run_rate_is_not_called_loyal():
    # A bought 100 a quarter from 2024Q4 to 2026Q1, then 5 in 2026Q2 and 5 in 2026Q3: its
    # latest two quarters average 5 against a run-rate of 100 over the four quarters before
    # them (2025Q2..2026Q1), so the attention list calls it declining at 5%. D bought 100
    # in each of the eight quarters and is not declining.
    q = pd.Period("2024Q4", "Q")
    activity = pd.DataFrame({
        "customer_id": ["A"] * 8 + ["D"] * 8,
        "quarter": [q + i for i in range(8)] * 2,
        "revenue": [100.0] * 6 + [5.0, 5.0] + [100.0] * 8,
        "purchases": [1] * 16,
    })  # fmt: skip
    warning = run_rate_warning(activity, quarter=pd.Period("2026Q3", "Q"), params=AttentionParams())
    assert warning.declining["customer_id"].tolist() == ["A"]
    only_loyalty = KeyCustomerWeights(
        revenue=0, margin=0, growth=0, loyalty=1, repeat=0, breadth=0, reference=0
    )
    result = kc.score_key_customers(
        _features(), params=KeyCustomerParams(weights=only_loyalty), activity=activity,
        as_of="2026-09-30", decline=warning.declining,
    )
    reasons = result.table.set_index("customer_id")["reasons"]
    # tenure 900 days = 2.5 years; 1200 days = 3.3 years
    assert reasons["A"] == ("buying far below its own run-rate: 5% of it in the latest 2 quarters; "
                            "customer for 2.5 years")  # fmt: skip
    assert reasons["D"] == "customer for 3.3 years, bought in 8 of the last 8 quarters"
    without = kc.score_key_customers(
        _features(), params=KeyCustomerParams(weights=only_loyalty), activity=activity,
        as_of="2026-09-30",
    ).table.set_index("customer_id")
    assert without["reasons"]["A"] == "customer for 2.5 years, bought in 8 of the last 8 quarters"
    assert without["score"].tolist() == result.table.set_index("customer_id")["score"].tolist()


def test_the_decline_reason_reads_in_russian_with_the_attention_lists_words():
    from insights.reporting.i18n import set_language
    from insights.reporting.phrases import key_reasons as say

    set_language("ru")
    text = say("buying far below its own run-rate: 5% of it in the latest 2 quarters; customer for 2.5 years")
    assert text.startswith("покупает намного меньше своего обычного темпа: 5")
    assert "в последних 2 кварталах" in text and "run-rate" not in text


def test_a_big_customer_left_out_of_the_key_list_is_said_to_be_declining():
    # weights revenue = margin = 1 rank A (the biggest, loss-making) 2nd; with top_n = 1 it is
    # "revenue only", and its decline comes first in why it is not key
    decline = pd.DataFrame({"customer_id": ["A"], "compared_quarters": [1],
                            "compared_run_rate": [100.0], "compared_revenue": [20.0]})  # fmt: skip
    params = KeyCustomerParams(weights=ONLY_REVENUE_AND_MARGIN, top_n=1)
    result = kc.score_key_customers(_features(), params=params, decline=decline)
    why = kc.compare_key_vs_revenue(result).table.set_index("customer_id").loc["A", "why"]
    assert why.startswith("buying far below its own run-rate: 20% of it in the latest quarter; ")
    assert "loss-maker" in why
