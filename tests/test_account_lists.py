"""Tests for insights.reporting.account_lists: export frames with names only where allowed, no formulas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from insights import key_customers as kc
from insights.reporting import account_lists as al
from insights.safety import pseudonym


def _features() -> pd.DataFrame:
    # r1 falling: 40 vs 100 (down 60%); r2 overdue: 100 days since, usually every 30;
    # r3 fine; r4 falling but lost (400 days); r5 fine unless P(alive) is given (0.2)
    return pd.DataFrame(
        {
            "customer_id": ["r1", "r2", "r3", "r4", "r5"],
            "customer_name": ['=HYPERLINK("http://x")', "Beta", "Gamma", "Delta", "Eps"],
            "revenue_12m": [40.0, 100.0, 100.0, 10.0, 50.0],
            "revenue_prev_12m": [100.0, 100.0, 90.0, 100.0, 50.0],
            "trend": [-60 / 140, 0.0, 10 / 190, -90 / 110, 0.0],
            "recency_days": [10.0, 100.0, 10.0, 400.0, 20.0],
            "mean_gap_days": [30.0, 30.0, 30.0, 30.0, np.nan],
            "tenure_days": [900.0, 900.0, 900.0, 900.0, 300.0],
            "frequency": [10, 10, 10, 5, 1],
            "margin_total": [5.0, 10.0, 10.0, 1.0, 5.0],
            "monetary_total": [300.0, 300.0, 300.0, 200.0, 50.0],
            "account_manager": ["M", "M", "N", "N", "M"],
        }
    )


def test_customers_at_risk_by_hand():
    risk = al.customers_at_risk(_features())
    assert risk["customer_id"].tolist() == ["r1", "r2"]  # stake 100 each, then by id
    signals = risk.set_index("customer_id")["signals"]
    assert signals["r1"] == "revenue down 60% on the 12 months before"
    assert signals["r2"] == "overdue: last purchase 100 days ago, usually every 30 days"
    with_p = al.customers_at_risk(_features(), p_alive=pd.Series({"r5": 0.2, "r3": 0.9}))
    assert "r5" in with_p["customer_id"].tolist() and "r3" not in with_p["customer_id"].tolist()
    assert with_p.set_index("customer_id").loc["r5", "signals"] == "probability still active 20%"


def test_at_risk_list_pseudonyms_when_names_are_not_allowed():
    exported = al.at_risk_list(al.customers_at_risk(_features()), show_names=False, salt="fleet")
    assert "customer_name" not in exported.columns
    assert exported["customer"].tolist() == [
        pseudonym("r1", salt="fleet"),
        pseudonym("r2", salt="fleet"),
    ]
    text = [str(cell) for cell in exported.to_numpy().ravel()]
    assert not any("HYPERLINK" in cell or "Beta" in cell for cell in text)


def test_key_customer_list_names_only_when_allowed_and_never_a_live_formula():
    result = kc.score_key_customers(_features())
    named = al.key_customer_list(result, show_names=True, salt="s", top_n=5)
    assert "customer_name" not in named.columns
    cells = named["customer"].tolist()
    assert '\'=HYPERLINK("http://x")' in cells and "Beta" in cells
    assert not any(str(c).startswith(("=", "+", "-", "@")) for c in named.to_numpy().ravel())
    hidden = al.key_customer_list(result, show_names=False, salt="s", include_ids=False)
    assert "customer_id" not in hidden.columns
    assert all(c.startswith("C-") for c in hidden["customer"])
    assert len(hidden) == len(result.key)


def test_export_of_an_empty_result_has_the_columns():
    empty = kc.score_key_customers(_features().assign(revenue_12m=0.0))
    frame = al.key_customer_list(empty, show_names=False, salt="s")
    assert frame.empty and "customer" in frame.columns


def test_input_not_mutated():
    features = _features()
    before = features.copy()
    risk = al.customers_at_risk(features)
    risk_before = risk.copy()
    al.at_risk_list(risk, show_names=True, salt="s")
    pd.testing.assert_frame_equal(features, before)
    pd.testing.assert_frame_equal(risk, risk_before)


@pytest.mark.parametrize("drop", [-0.5, -0.2])
def test_drop_threshold_is_a_parameter(drop):
    ids = al.customers_at_risk(_features(), drop_trend=drop)["customer_id"].tolist()
    # r1's trend is -0.43: flagged at -0.2, not at -0.5
    assert ("r1" in ids) == (drop > -0.43)


def test_experiment_list_hides_names_unless_allowed_and_keeps_every_customer():
    from insights.reporting.account_lists import experiment_list

    assignments = pd.DataFrame(
        {"customer_id": ["b", "a", "c"], "group": ["test", "control", "test"], "stratum": [1, 1, 2], "value": [5.0, 4.0, 9.0]}
    )
    features = pd.DataFrame({"customer_id": ["a", "b", "c"], "customer_name": ["=cmd", "Бета", "Гамма"],
                             "account_manager": ["Ann", "Bob", "Ann"]})  # fmt: skip
    hidden = experiment_list(assignments, features, show_names=False, salt="u")
    assert hidden["account_manager"].tolist() == ["Ann", "Bob", "Ann"]  # a, b, c: who makes the offer
    assert len(hidden) == 3 and hidden["customer"].str.startswith("C-").all()
    assert hidden["group"].tolist() == ["control", "test", "test"]
    shown = experiment_list(assignments, features, show_names=True, salt="u")
    assert shown.loc[shown["customer_id"] == "a", "customer"].item() == "'=cmd"  # formula neutralised
    assert assignments["customer_id"].tolist() == ["b", "a", "c"]  # input not mutated
    from insights.reporting.i18n import set_language

    set_language("ru")
    try:
        russian = experiment_list(assignments, features, show_names=False, salt="u")
    finally:
        set_language("en")
    assert russian["group"].tolist() == ["контрольная", "тестовая", "тестовая"]


def test_key_customer_list_says_class_loss_maker_and_reasons_in_the_report_language():
    """The export a Russian manager opens reads as the report's key-customer table does
    (it held the codes 'profitable', 'False' and English reasons)."""
    import re

    from insights.reporting.i18n import set_language

    result = kc.score_key_customers(_features())
    english = al.key_customer_list(result, show_names=True, salt="s")
    assert set(english["loss_maker"]) <= {"yes", "no"}
    assert set(english["category"]) <= {"profitable", "image", "other"}
    set_language("ru")
    try:
        russian = al.key_customer_list(result, show_names=True, salt="s")
    finally:
        set_language("en")
    assert set(russian["loss_maker"]) <= {"да", "нет"} and len(russian) == len(english)
    assert not any(re.search("[A-Za-z]{3,}", text) for column in ("category", "reasons")
                   for text in russian[column])
    assert (russian["loss_maker"] == english["loss_maker"].map({"yes": "да", "no": "нет"})).all()
