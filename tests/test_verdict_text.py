"""The verdicts' words on hand-built inputs: changes on the cards, what changed, the trend's
reading of a leaving client, small samples, and the CLV model picked by holdout error."""

import re
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from insights import attention, changes, experiments
from insights.clv.holdout import HoldoutResult, choose_model_by_holdout
from insights.params import AttentionParams
from insights.reporting import attention as attention_text
from insights.reporting import behaviour
from insights.reporting.dependency import describe_concentration_trend
from insights.reporting.headline import headline_cards, summarize_headline

Q = pd.Period("2026Q3", freq="Q")


def _activity(rows):
    return pd.DataFrame(rows, columns=["customer_id", "quarter", "purchases", "revenue"])


def test_every_card_shows_its_change_on_the_previous_quarter_and_a_year_ago():
    activity = _activity([("a", Q - 4, 1, 100.0), ("a", Q - 1, 1, 200.0), ("a", Q, 1, 300.0)])
    now = pd.DataFrame({"customer_id": ["a"], "revenue_12m": [500.0]})
    prev = pd.DataFrame({"customer_id": ["a"], "revenue_12m": [400.0]})
    year = pd.DataFrame({"customer_id": ["a"], "revenue_12m": [250.0]})
    seg = pd.DataFrame({"customer_id": ["a"], "segment": ["regular"]})
    conc = SimpleNamespace(
        status="ok", top_shares={1: 1.0}, hhi=10000.0, hhi_band="highly concentrated"
    )
    express = SimpleNamespace(label="green", one_time_share=0.0, regular_share=1.0,
                              lost_share=0.0, never_returned_share=np.nan)  # fmt: skip
    trend = pd.DataFrame(
        {"quarter": [str(Q - 4), str(Q - 1), str(Q)], "top_1_share": [0.9, 0.95, 1.0]}
    )
    head = summarize_headline(
        now, prev, activity=activity, quarter=Q, segments_now=seg, segments_prev=seg,
        concentration=conc, express=express, features_year=year, segments_year=seg,
        express_prev=SimpleNamespace(label="yellow"), express_year=None, trend=trend,
    )  # fmt: skip
    assert head["revenue_quarter_change"] == pytest.approx(0.5)  # 300 vs 200
    assert head["revenue_quarter_change_year"] == pytest.approx(2.0)  # 300 vs 100
    assert head["revenue_12m_change_year"] == pytest.approx(1.0)  # 500 vs 250
    assert head["top1_share_prev"] == pytest.approx(0.95)
    html = headline_cards(head, currency="RUB")
    cards = html.split('<div class="card ')[1:]
    assert len(cards) == 5
    for card in cards:
        assert "previous quarter" in card.lower()
        assert "a year ago" in card
    assert "Up 5.0 points on the previous quarter" in html
    assert "Previous quarter: YELLOW; a year ago: not judged" in html


def test_what_changed_lists_the_biggest_customer_and_manager_moves():
    activity = _activity([
        ("a", Q - 1, 1, 500.0), ("a", Q, 1, 20.0), ("b", Q - 1, 1, 10.0), ("b", Q, 1, 40.0),
        ("c", Q - 4, 1, 5.0), ("c", Q, 1, 5.0),
    ])  # fmt: skip
    seg_now = pd.DataFrame({"customer_id": ["a", "b", "c"], "segment": ["regular", "new", "lost"]})
    seg_prev = pd.DataFrame(
        {"customer_id": ["a", "b", "c"], "segment": ["regular", "new", "regular"]}
    )
    features = pd.DataFrame(
        {"customer_id": ["a", "b", "c"], "account_manager": ["Ann", "Bob", "Bob"]}
    )
    result = changes.what_changed(activity, quarter=Q, segments_now=seg_now, segments_prev=seg_prev,
                                  features=features, top=2)  # fmt: skip
    customers = result.of_kind("customer")
    assert list(customers["item"]) == ["a", "b"]  # -480, then +30; c did not move
    assert customers["change"].tolist() == [-480.0, 30.0]
    managers = result.of_kind("account_manager").set_index("item")
    assert managers.loc["Ann", "change"] == -480.0 and managers.loc["Bob", "change"] == 35.0
    assert managers.loc["Bob", "year_ago"] == 5.0
    segments = result.of_kind("segment").set_index("item")["change"].to_dict()
    assert segments == {"lost": 1.0, "regular": -1.0}
    text = attention_text.describe_changes(result, labels={"a": "Alpha"}, currency="RUB")
    assert "Customer Alpha" in text


def _leaving_warning():
    rows = [(c, Q - k, 1, v) for k in range(2, 6) for c, v in (("big", 100.0), ("s", 10.0))]
    rows += [("big", Q - 1, 1, 5.0), ("big", Q, 1, 5.0), ("s", Q - 1, 1, 10.0), ("s", Q, 1, 10.0)]
    return attention.run_rate_warning(_activity(rows), quarter=Q, params=AttentionParams())


def test_falling_dependency_from_a_leaving_client_is_not_called_easing():
    trend = pd.DataFrame({"quarter": ["2025Q3", "2026Q3"], "hhi": [8000.0, 5000.0],
                          "top_1_share": [0.9, 0.7]})  # fmt: skip
    text = describe_concentration_trend(trend, warning=_leaving_warning(), labels={"big": "Big Co"})
    assert "easing" not in text and "a loss, not diversification" in text and "Big Co" in text
    plain = describe_concentration_trend(trend)
    assert "base broadens" in plain


def test_small_groups_get_too_few_customers_to_judge_instead_of_advice():
    split = pd.DataFrame({"customer_id": ["a", "b", "c", "d"], "group": ["test", "control"] * 2,
                          "value": [1.0, 2.0, 3.0, 4.0]})  # fmt: skip
    text = behaviour.describe_split(split, segment="lost", min_customers=20)
    assert "too few customers to judge" in text and "Run the campaign" not in text
    assert "Run the campaign" in behaviour.describe_split(split, segment="lost", min_customers=2)
    outcomes = pd.DataFrame({"customer_id": ["a"], "purchases": [1], "revenue": [10.0]})
    readout = experiments.read_out_experiment(split, outcomes, min_customers=20)
    assert readout.reason.startswith("Too few customers to judge: 2 in test and 2 in control")
    rfm = pd.DataFrame({"segment": ["Champions", "At risk"], "customers": [20, 20],
                        "customer_share": [0.5, 0.5], "revenue_share": [0.8, 0.2]})  # fmt: skip
    assert "Too few customers to judge" in behaviour.describe_rfm(rfm, bins=5, min_customers=20)


def test_referral_comparison_states_its_sample_and_interval():
    by_source = pd.DataFrame({
        "acquisition_source": ["referral", "web"], "is_referral": [True, False],
        "customers": [70, 80], "mature_customers": [70, 80], "repeat_share": [56 / 70, 48 / 80],
        "mean_revenue_12m": [10.0, 8.0],
    })  # fmt: skip
    out = behaviour._referral_value(by_source, "RUB", 20)
    # Newcombe's published example 56/70 - 48/80: (0.0524, 0.3339)
    assert "70 and 80 customers; 95% interval of the difference 5.2 to 33.4 points" in out[0]
    few = behaviour._referral_value(by_source.assign(mature_customers=[4, 80]), "RUB", 20)
    assert "too few customers to judge" in few[0]


def _holdout(mae: float, status: str = "ok") -> HoldoutResult:
    empty = pd.DataFrame()
    return HoldoutResult(status, "", pd.Timestamp("2026-03-31"), pd.Timestamp("2026-09-30"), 26.0,
                         "week", None, empty, empty, mean_absolute_error=mae)  # fmt: skip


def test_auto_model_choice_picks_the_smaller_holdout_error_and_says_why():
    model, why = choose_model_by_holdout({"bgnbd": _holdout(0.40), "mbgnbd": _holdout(0.55)},
                                         fallback="mbgnbd")  # fmt: skip
    assert model == "bgnbd" and "BG/NBD 0.400" in why and "MBG/NBD 0.550" in why
    model, _ = choose_model_by_holdout(
        {"bgnbd": _holdout(0.6), "mbgnbd": _holdout(0.5)}, fallback="bgnbd"
    )
    assert model == "mbgnbd"
    model, why = choose_model_by_holdout(
        {"bgnbd": _holdout(np.nan, "not_applicable")}, fallback="mbgnbd"
    )
    assert model == "mbgnbd" and "no holdout" in why


def test_a_model_without_a_finite_holdout_prediction_is_named_not_hidden():
    """Corporate's MBG/NBD holdout fit degenerates (a ~ 6,800, b ~ 1.2M) and predicts NaN for
    every customer: the choice must say so, not claim BG/NBD "predicted better" alone."""
    from insights.reporting.i18n import set_language
    from insights.reporting.phrases import sentence_of

    model, why = choose_model_by_holdout({"bgnbd": _holdout(1.5), "mbgnbd": _holdout(np.nan)},
                                         fallback="mbgnbd")  # fmt: skip
    assert model == "bgnbd"
    assert why == ("BG/NBD was chosen: MBG/NBD gave no finite prediction for the holdout quarters (its "
                   "fit degenerated), so the models could not be compared (mean absolute error per "
                   "customer of BG/NBD: 1.500).")
    set_language("ru")
    try:
        russian = sentence_of(why)
    finally:
        set_language("en")
    assert "MBG/NBD" in russian and "1,5" in russian and not re.search("[a-z]{3,}", russian)


def test_the_group_labels_each_customer_as_its_own_unit_report_does():
    from pathlib import Path

    from insights.params import load_params
    from insights.reporting.dependency import customer_label_map

    root = Path(__file__).resolve().parents[1] / "params"
    group = load_params(root / "group.yaml")
    features = pd.DataFrame({"customer_id": ["1", "2"], "customer_name": ["Taxi Park", "Ivanov I."],
                             "unit": ["corporate", "retail"]})  # fmt: skip
    in_group = customer_label_map(features, show_names=group.report.show_customer_names,
                                  salt="group", unit_policy=group.report.unit_name_policy)  # fmt: skip
    for unit in group.report.unit_name_policy:
        own = load_params(root / f"{unit}.yaml").report
        assert group.report.unit_name_policy[unit] == own.show_customer_names, unit
    corporate = customer_label_map(features, show_names=True, salt="corporate")
    retail = customer_label_map(features, show_names=False, salt="retail")
    assert in_group["1"] == corporate["1"] == "Taxi Park"
    assert in_group["2"] == retail["2"] and in_group["2"].startswith("C-")


def test_headline_facts_lead_with_the_leaving_client_then_money_and_name_the_key_person():
    """A dominant client leaving leads even when the key person's exposure is more money;
    the rest follow by money, and the key person's share is said to include that client."""
    from insights.reporting.headline import headline_facts

    table = pd.DataFrame({
        "customer_id": ["big", "lm"], "reasons": [("declining",), ("loss_maker",)],
        "at_stake": [210.0, 40.0], "revenue_share": [0.57, 0.05], "shortfall_quarter": [95.0, 0.0],
        "compared_quarters": [2, 1], "compared_run_rate": [100.0, 0.0],
        "compared_revenue": [5.0, 0.0], "account_manager": ["Ann", "Bob"],
    })  # fmt: skip
    needs = SimpleNamespace(table=table)
    managers = SimpleNamespace(largest={"account_manager": "Ann", "at_risk_share": 0.689,
                                        "revenue_at_risk": 300.0})  # fmt: skip
    conc = SimpleNamespace(total_revenue=368.0)
    facts = headline_facts({"top1_share": 0.57}, concentration=conc, attention=needs,
                           managers=managers, labels={"big": "Big Co"})  # fmt: skip
    money = [m for m, _ in facts[1:]]
    assert money == sorted(money, reverse=True) and facts[0][0] < facts[1][0]
    assert "Big Co" in facts[0][1] and "shortfall of 95 RUB per quarter" in facts[0][1]
    assert "Key-person exposure" in facts[1][1] and "Ann" in facts[1][1] and "68.9%" in facts[1][1]
    assert "That share includes Big Co, the customer who is leaving." in facts[1][1]
    # the same list with a 50% key-person threshold above Ann's share drops that fact
    fewer = headline_facts({"top1_share": 0.57}, concentration=conc, attention=needs,
                           managers=managers, manager_share=0.7)  # fmt: skip
    assert not any("Key-person" in text for _, text in fewer)
    other_manager = SimpleNamespace(largest=managers.largest | {"account_manager": "Bob"})
    bob = headline_facts({"top1_share": 0.57}, concentration=conc, attention=needs,
                         managers=other_manager, labels={"big": "Big Co"})  # fmt: skip
    assert not any("That share includes" in text for _, text in bob)  # Bob does not serve Big Co


def test_mean_p_alive_by_group_leaves_out_one_time_buyers():
    from insights.clv.build import summarize_clv_by

    customers = pd.DataFrame({
        "customer_id": ["once1", "once2", "rep1", "rep2"], "frequency": [0, 0, 3, 5],
        "p_alive": [1.0, 1.0, 0.4, 0.8], "expected_purchases": [0.1, 0.1, 1.0, 2.0],
        "expected_revenue": [1.0, 1.0, 10.0, 20.0], "clv": [0.5, 0.5, 5.0, 10.0],
    })  # fmt: skip
    result = SimpleNamespace(ok=True, customers=customers)
    groups = pd.DataFrame({"customer_id": ["once1", "once2", "rep1", "rep2"],
                           "segment": ["lost", "lost", "regular", "regular"]})  # fmt: skip
    table = summarize_clv_by(result, groups, column="segment").set_index("segment")
    assert np.isnan(table.loc["lost", "mean_p_alive"])  # BG/NBD's 100% is no evidence
    assert table.loc["regular", "mean_p_alive"] == pytest.approx(0.6)
    assert table.loc["lost", "customers"] == 2


def test_segment_changes_say_customers_in_the_right_russian_plural():
    from insights.reporting.i18n import set_language

    result = SimpleNamespace(status="ok", reason="", table=pd.DataFrame({
        "kind": ["segment", "segment"], "item": ["lost", "regular"], "now": [4.0, 21.0],
        "previous_quarter": [3.0, 25.0], "year_ago": [np.nan, np.nan],
    }))  # fmt: skip
    set_language("ru")
    text = attention_text.describe_changes(result, labels={}, currency="RUB")
    assert "4 клиента против 3" in text and "21 клиент против 25" in text
    assert "4 клиентов" not in text


def _express(verdict: str) -> SimpleNamespace:
    return SimpleNamespace(label=verdict, verdict=verdict, can_answer=True, one_time_share=0.0,
                           stressed=False)  # fmt: skip


def test_a_green_express_test_beside_a_dominant_client_in_decline_says_it_counts_heads():
    from insights.reporting.headline import describe_headline

    table = pd.DataFrame({
        "customer_id": ["big"], "reasons": [("declining",)], "at_stake": [210.0],
        "revenue_share": [0.57], "shortfall_quarter": [95.0], "compared_quarters": [2],
        "compared_run_rate": [100.0], "compared_revenue": [5.0], "account_manager": ["Ann"],
    })  # fmt: skip
    needs = SimpleNamespace(table=table)
    head = {"top1_share": 0.57, "hhi_band": "high", "revenue_quarter_change": -0.17}
    conc = SimpleNamespace(total_revenue=368.0)
    text = describe_headline(head, express=_express("green"), concentration=conc, attention=needs,
                             labels={"big": "Big Co"}).unescape()  # fmt: skip
    assert text.index("Express test") < text.index("counts customers, not revenue")
    assert "counts customers, not revenue" in text and "Big Co, who brings 57.0% of revenue" in text
    # a small decline (under attention.exposure_min_share) or a yellow test: no such sentence
    small = SimpleNamespace(table=table.assign(revenue_share=[0.05]))
    assert "counts customers" not in describe_headline(head, express=_express("green"),
                                                       concentration=conc, attention=small)  # fmt: skip
    assert "counts customers" not in describe_headline(head, express=_express("yellow"),
                                                       concentration=conc, attention=needs)  # fmt: skip


def test_cards_say_why_the_top_share_falls_and_what_the_green_test_leaves_out():
    """Corporate: the largest client (57%) is leaving; its share card fell 5.9 points (read
    as good news) and the express test card was a plain green."""
    head = {
        "revenue_12m": 4.24e9, "revenue_12m_change": -0.24, "revenue_12m_change_year": -0.369,
        "revenue_quarter": 4.42e8, "revenue_quarter_change": -0.171, "revenue_quarter_change_year": -0.752,
        "active_customers": 36, "active_customers_change": -0.027, "active_customers_change_year": 0.0,
        "top1_share": 0.57, "top1_share_prev": 0.629, "top1_share_year": 0.681, "hhi_band": "highly concentrated",
        "express_test": "green", "express_test_prev": "green", "express_test_year": "green",
        "one_time_share": 0.0, "regular_share": 0.472, "lost_share": 0.028,
    }  # fmt: skip
    table = pd.DataFrame({"customer_id": ["big"], "reasons": [("declining",)], "at_stake": [2.4e9],
                          "revenue_share": [0.57], "account_manager": ["Ann"]})  # fmt: skip
    needs = SimpleNamespace(table=table)
    plain = headline_cards(head, currency="RUB")
    told = headline_cards(head, currency="RUB", attention=needs, labels={"big": "Big Co"})
    assert "Unchanged on the same quarter a year ago." in plain  # not "Up 0.0%"
    assert "It falls because Big Co is leaving, not because revenue is spreading." in told
    assert "It counts customers, not revenue: Big Co" in told
    express_card = told.split('<div class="card ')[-1]
    assert express_card.startswith("card-warn") and plain.split('<div class="card ')[-1].startswith("card-good")
    assert "leaving" not in plain and "counts customers" not in plain


def test_a_group_report_speaks_of_the_group_s_revenue():
    """The group report said "выручки подразделения" (the unit's revenue) about the group."""
    from insights.reporting.headline import headline_facts
    from insights.reporting.i18n import set_language
    from insights.reporting.labels import current_scope, set_scope

    conc = SimpleNamespace(total_revenue=100.0)
    set_language("ru")
    try:
        said = {}
        for scope in ("unit", "group"):
            set_scope(scope)
            facts = headline_facts({"top1_share": 0.4}, concentration=conc)
            said[scope] = str(facts[0][1])
    finally:
        set_scope("unit")
        set_language("en")
    assert "выручки подразделения за 12 месяцев" in said["unit"]
    assert "выручки группы за 12 месяцев" in said["group"] and "подразделения" not in said["group"]
    assert current_scope() == "unit"
