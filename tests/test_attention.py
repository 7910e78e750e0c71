"""Run-rate early warning and the one "needs attention" list, on hand-built frames.

The planted story: customer "big" buys 100 a quarter for a year and a half (57% of the
unit's trailing revenue before it stops), then 5 a quarter for the latest two quarters.
Every expected number below is worked out on paper from the frames next to it.
"""

import pandas as pd
import pytest

from insights import attention
from insights.key_customers import KeyCustomers
from insights.key_person import manager_exposure
from insights.params import AttentionParams

Q = pd.Period("2026Q3", freq="Q")
PARAMS = AttentionParams()


def activity(series: dict[str, list[float]]) -> pd.DataFrame:
    """series: customer -> revenue per quarter, oldest first, the last one being Q."""
    rows = []
    for customer, values in series.items():
        for back, revenue in enumerate(reversed(values)):
            if revenue:
                rows.append((customer, Q - back, 1, float(revenue)))
    return pd.DataFrame(rows, columns=["customer_id", "quarter", "purchases", "revenue"])


# Six quarters Q-5..Q. "big": 100 for four quarters, then 5 and 5.
PLANTED = {
    "big": [100, 100, 100, 100, 5, 5],
    "steady": [30, 30, 30, 30, 30, 30],
    "small": [10, 10, 10, 10, 10, 10],
    "once": [0, 0, 40, 0, 0, 0],
}


def features(act: pd.DataFrame, **extra) -> pd.DataFrame:
    last4 = act[act["quarter"] > Q - 4].groupby("customer_id")["revenue"].sum()
    ids = sorted(act["customer_id"].unique())
    frame = pd.DataFrame({
        "customer_id": ids,
        "revenue_12m": [float(last4.get(i, 0.0)) for i in ids],
        "recency_days": [200.0 if i == "once" else 20.0 for i in ids],
        "mean_gap_days": [float("nan") if i == "once" else 91.0 for i in ids],
        "frequency": [1 if i == "once" else 6 for i in ids],
        "monetary_total": [float(act[act["customer_id"] == i]["revenue"].sum()) for i in ids],
    })  # fmt: skip
    return frame.assign(**extra)


def test_a_dominant_client_falling_to_5pct_of_its_run_rate_is_the_first_attention_entry():
    act = activity(PLANTED)
    warning = attention.run_rate_warning(act, quarter=Q, params=PARAMS)
    big = warning.table.set_index("customer_id").loc["big"]
    # run-rate over Q-4..Q-1 = (100+100+100+5)/4 = 76.25; latest 5 -> gap 71.25.
    # run-rate before the latest two (Q-5..Q-2) = 100; mean of the latest two = 5 -> gap 95.
    assert big["run_rate"] == pytest.approx(76.25)
    assert big["shortfall_quarter"] == pytest.approx(95.0)
    assert big["compared_quarters"] == 2 and big["declining"]
    assert not warning.table.set_index("customer_id").loc["steady", "declining"]
    feats = features(act)
    result = attention.build_attention(feats, warning=warning, params=PARAMS, lost_days=365)
    first = result.table.iloc[0]
    assert first["customer_id"] == "big" and "declining" in first["reasons"]
    assert first["shortfall_quarter"] == pytest.approx(95.0)
    # at stake: min(4 x 95, its own 12-month revenue 100+100+5+5 = 210) = 210
    assert first["at_stake"] == pytest.approx(210.0)
    assert first["revenue_share"] == pytest.approx(210.0 / (210 + 120 + 40 + 40))


def test_one_off_buyers_have_no_run_rate_to_fall_below():
    act = activity(PLANTED)
    warning = attention.run_rate_warning(act, quarter=Q, params=PARAMS)
    # "once" bought in one run-rate quarter only (< run_rate_min_quarters = 2)
    assert not warning.table.set_index("customer_id").loc["once", "below_run_rate"]


def test_too_short_history_says_so_instead_of_alerting():
    act = activity({"a": [10, 10, 1]})
    warning = attention.run_rate_warning(act, quarter=Q, params=PARAMS)
    assert warning.status == "too_short" and warning.declining.empty


def _key(table: pd.DataFrame) -> KeyCustomers:
    return KeyCustomers("ok", "", table, top_n=2)


def test_a_customer_with_two_reasons_appears_once_with_both():
    act = activity(PLANTED)
    warning = attention.run_rate_warning(act, quarter=Q, params=PARAMS)
    feats = features(act, account_manager=["Ann", "Bob", "Ann", "Ann"])  # big, once, small, steady
    key = _key(pd.DataFrame({"customer_id": ["big", "steady"], "key_rank": [1.0, 2.0],
                             "loss_maker": [True, False]}))  # fmt: skip
    managers = manager_exposure(
        feats[["customer_id", "account_manager"]].assign(revenue=feats["revenue_12m"])
    )
    result = attention.build_attention(feats, warning=warning, params=PARAMS, lost_days=365,
                                       key=key, managers=managers)  # fmt: skip
    assert result.table["customer_id"].is_unique
    big = result.table.set_index("customer_id").loc["big"]
    # Ann handles big+small+steady = 370 of 410 (>= 50%), big is >= 10% of revenue
    assert set(big["reasons"]) == {"declining", "loss_maker", "single_manager"}
    assert big["at_stake"] == pytest.approx(210.0)  # never above its own revenue
    assert "review discounts" in big["action"] and "call this week" in big["action"]
    assert result.total_at_stake <= result.unit_revenue


def test_customers_gone_past_the_horizon_go_to_win_back_not_to_the_list():
    act = activity(PLANTED)
    warning = attention.run_rate_warning(act, quarter=Q, params=PARAMS)
    feats = features(act)
    feats.loc[feats["customer_id"] == "steady", "recency_days"] = 500.0  # gone > 365 days
    feats.loc[feats["customer_id"] == "small", "recency_days"] = 2000.0  # gone > 3 years
    key = _key(pd.DataFrame({"customer_id": ["steady", "small"], "key_rank": [1.0, 2.0],
                             "loss_maker": [True, True]}))  # fmt: skip
    result = attention.build_attention(
        feats, warning=warning, params=PARAMS, lost_days=365, key=key
    )
    assert "steady" not in set(result.table["customer_id"])
    assert list(result.win_back["customer_id"]) == ["steady"]
    assert result.gone_for_good == 1 and "small" not in set(result.table["customer_id"])


def test_p_alive_never_marks_a_one_time_buyer_as_lapsing():
    act = activity(PLANTED)
    warning = attention.run_rate_warning(act, quarter=Q, params=PARAMS)
    feats = features(act).assign(recency_days=20.0)
    key = _key(pd.DataFrame({"customer_id": ["once", "steady"], "key_rank": [1.0, 2.0],
                             "loss_maker": [False, False]}))  # fmt: skip
    alive = pd.Series({"once": 0.1, "steady": 0.1})
    result = attention.build_attention(feats, warning=warning, params=PARAMS, lost_days=365,
                                       key=key, p_alive=alive)  # fmt: skip
    reasons = dict(zip(result.table["customer_id"], result.table["reasons"], strict=True))
    assert reasons["steady"] == ("lapsing",) and "once" not in reasons


def test_inputs_are_not_mutated():
    act = activity(PLANTED)
    before = act.copy()
    warning = attention.run_rate_warning(act, quarter=Q, params=PARAMS)
    feats = features(act)
    feats_before = feats.copy()
    attention.build_attention(feats, warning=warning, params=PARAMS, lost_days=365)
    pd.testing.assert_frame_equal(act, before)
    pd.testing.assert_frame_equal(feats, feats_before)


def test_exports_one_table_per_manager_labelled_as_in_the_report():
    from insights.reporting.attention import attention_exports, attention_records
    from insights.reporting.dependency import customer_label_map

    act = activity(PLANTED)
    warning = attention.run_rate_warning(act, quarter=Q, params=PARAMS)
    feats = features(act, account_manager=["Ann", "Bob", "Ann", "Ann"],
                     customer_name=["Big Co", "Once Ltd", "Small", "Steady"])  # fmt: skip
    feats.loc[feats["customer_id"] == "steady", "recency_days"] = 500.0
    key = _key(pd.DataFrame({"customer_id": ["big", "once"], "key_rank": [1.0, 2.0],
                             "loss_maker": [False, True]}))  # fmt: skip
    result = attention.build_attention(feats, warning=warning, params=PARAMS, lost_days=365, key=key)
    hidden = customer_label_map(feats, show_names=False, salt="unit")
    tables = attention_exports(result, labels=hidden)
    assert set(tables) == {"export_attention", "export_win_back"}  # split per manager on publishing
    assert set(tables["export_attention"]["account_manager"]) <= {"Ann", "Bob"}
    assert not tables["export_attention"]["customer"].isin(feats["customer_name"]).any()
    assert list(tables["export_win_back"]["customer_id"]) == ["steady"]
    records = attention_records(result, labels=hidden)
    assert [r["customer"] for r in records] == [hidden[c] for c in result.table["customer_id"]]
    assert {"customer", "account_manager", "reasons", "at_stake", "action"} <= set(records[0])


def test_the_win_back_list_marks_the_experiment_s_control_group():
    """A lapsed customer in the win-back experiment's control group must get no offer: the
    export says which group each one is in and the text counts the control group (the list
    said "a win-back offer" to all of them while the experiment said "test group only")."""
    from insights.reporting.attention import attention_exports, describe_win_back
    from insights.reporting.i18n import set_language

    act = activity(PLANTED)
    warning = attention.run_rate_warning(act, quarter=Q, params=PARAMS)
    feats = features(act)
    feats.loc[feats["customer_id"].isin(["steady", "once"]), "recency_days"] = 500.0
    result = attention.build_attention(feats, warning=warning, params=PARAMS, lost_days=365)
    assert sorted(result.win_back["customer_id"]) == ["once", "steady"]
    split = pd.DataFrame({"customer_id": ["steady", "once", "elsewhere"],
                          "group": ["control", "test", "control"]})  # fmt: skip
    table = attention_exports(result, labels=None, split=split)["export_win_back"]
    groups = dict(zip(table["customer_id"], table["experiment_group"], strict=True))
    assert groups == {"steady": "control group: no offer this quarter", "once": "test group: make the offer"}
    text = describe_win_back(result, labels=None, currency="RUB", split=split)
    assert "Of this win-back list, 1 are the win-back experiment" in text and "control group: no offer to them" in text
    assert "control group" not in describe_win_back(result, labels=None, currency="RUB")
    set_language("ru")
    try:
        russian = attention_exports(result, labels=None, split=split)["export_win_back"]
    finally:
        set_language("en")
    assert set(russian["experiment_group"]) == {"контрольная группа: в этом квартале без предложения",
                                                "тестовая группа: сделайте предложение"}


def test_a_shortfall_is_shown_only_where_the_decline_is_a_reason():
    """"steady" falls from 30 a quarter to 10 (under half its run-rate) but brings less than
    the alert's minimum share of the run-rate (here 30%; it has about 21%), and it is a
    loss-maker: listed for the loss, with no shortfall beside it (fleet's small loss-makers
    showed a "shortfall per quarter" without any decline reason)."""
    params = AttentionParams(min_run_rate_share=0.3)
    act = activity(PLANTED | {"steady": [30, 30, 30, 30, 30, 10]})
    warning = attention.run_rate_warning(act, quarter=Q, params=params)
    assert warning.table.set_index("customer_id").loc["steady", "shortfall_quarter"] == 20.0
    key = _key(pd.DataFrame({"customer_id": ["big", "small", "steady"], "key_rank": [1.0, 2.0, 3.0],
                             "loss_maker": [False, False, True]}))  # fmt: skip
    result = attention.build_attention(features(act), warning=warning, params=params,
                                       lost_days=365, key=key)  # fmt: skip
    rows = result.table.set_index("customer_id")
    assert rows.loc["steady", "reasons"] == ("loss_maker",)
    assert rows.loc["steady", "shortfall_quarter"] == 0.0
    assert "declining" in rows.loc["big", "reasons"] and rows.loc["big", "shortfall_quarter"] == 95.0


def test_exported_money_is_rounded_to_the_kopeck():
    """The attention export showed "1104342654,0175": a shortfall is a quarter of a sum."""
    from insights.reporting.attention import attention_exports

    act = activity(PLANTED | {"big": [100.01, 100.02, 100.03, 100.05, 5, 5]})
    warning = attention.run_rate_warning(act, quarter=Q, params=PARAMS)
    result = attention.build_attention(features(act), warning=warning, params=PARAMS, lost_days=365)
    raw = result.table.set_index("customer_id").loc["big", "shortfall_quarter"]
    assert round(raw, 2) != raw  # (100.01+100.02+100.03+100.05)/4 - 5 has more than 2 decimals
    table = attention_exports(result, labels=None)["export_attention"].set_index("customer_id")
    assert table.loc["big", "shortfall_quarter"] == round(raw, 2)
    assert all(round(v, 2) == v for v in table[["at_stake", "shortfall_quarter", "revenue_12m"]].to_numpy().ravel())
