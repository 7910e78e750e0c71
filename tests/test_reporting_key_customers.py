"""Tests for insights.reporting.key_customers: the sentences, the rule and escaped names."""

from __future__ import annotations

import numpy as np
import pandas as pd

from insights import key_customers as kc
from insights.params import KeyCustomerParams, KeyCustomerWeights
from insights.reporting import account_lists as al
from insights.reporting import key_customers as rk

EVIL = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def _features() -> pd.DataFrame:
    # A: biggest, loses money (-50); B: key by margin
    return pd.DataFrame(
        {
            "customer_id": ["A", "B", "C", "D"],
            "revenue_12m": [400.0, 300.0, 200.0, 100.0],
            "revenue_prev_12m": [400.0, 150.0, 0.0, 100.0],
            "monetary_total": [800.0, 600.0, 200.0, 300.0],
            "margin_total": [-50.0, 90.0, 60.0, 30.0],
            "trend": [0.0, 1 / 3, 1.0, 0.0],
            "tenure_days": [900.0, 700.0, 100.0, 1200.0],
            "frequency": [10, 8, 1, 20],
            "recency_days": [30.0, 10.0, 50.0, 5.0],
            "product_line_count": [1, 2, 1, 4],
            "mean_gap_days": [90.0, 90.0, np.nan, 60.0],
        }
    )


def _result(**params) -> kc.KeyCustomers:
    weights = KeyCustomerWeights(revenue=1, margin=1, growth=0, loyalty=0, repeat=0, breadth=0,
                                 reference=0)  # fmt: skip
    return kc.score_key_customers(_features(), params=KeyCustomerParams(weights=weights, **params))


def test_key_vs_revenue_sentence_names_both_sides_escaped():
    comparison = kc.compare_key_vs_revenue(_result(top_n=1))
    labels = {"A": EVIL, "B": "Beta & Co"}
    text = rk.describe_key_vs_revenue(comparison, labels=labels)
    assert "0 of the top 1 key customers" in text
    assert "Beta &amp; Co" in text and ESCAPED in text and "<script>" not in text
    assert "loss-maker" in text
    table = rk.comparison_table(comparison, labels=labels)
    assert ESCAPED in table and "<script>" not in table


def test_classification_sentence_counts_loss_maker_and_rule():
    result = _result()
    text = rk.describe_classification(result, labels={"A": EVIL})
    # margin rates: A < 0, B 15%, C 30%, D 10% -> 3 profitable, 1 other
    assert "Of 4 customers" in text and "3 are profitable" in text and "1 other" in text
    assert "One customer costs more than it brings" in text and "-50 RUB" in text
    assert ESCAPED in text and "<script>" not in text
    assert "Rule:" in text and "Loss-maker" in text


def test_classification_without_cost_data_says_so():
    features = _features().assign(margin_total=np.nan)
    result = kc.score_key_customers(features)
    assert "no cost or margin" in rk.describe_classification(result)


def test_overrides_sentence_and_weights():
    result = _result(image_customers=["D"], exclude_customers=["missing-id"])
    text = rk.describe_classification(result)
    assert "Set by hand in the params: 1 customer;" in text
    assert "1 listed id without revenue" in text
    weights = rk.describe_weights(result)
    assert "revenue 50%" in weights and "margin contribution 50%" in weights
    assert "proxy" in weights


def test_tables_escape_names():
    result = _result(top_n=4)
    labels = {"A": EVIL}
    assert ESCAPED in rk.key_customer_table(result, labels=labels)
    loss = rk.loss_maker_table(result, labels=labels)
    assert ESCAPED in loss and "<script>" not in loss


def test_at_risk_sentence():
    at_risk = al.customers_at_risk(_features().assign(recency_days=[30.0, 400.0, 50.0, 300.0]))
    # D: 300 days since, usually every 60 -> overdue; A: not overdue, not falling
    text = rk.describe_at_risk(at_risk, labels={"D": EVIL})
    assert "One customer shows a warning sign" in text and "100 RUB" in text
    # D's stake is its better year; what it brought in the last 12 months is said beside it
    row = at_risk.iloc[0]
    assert row["revenue_at_stake"] == max(row["revenue_12m"], row["revenue_prev_12m"])
    assert "each customer's better year" in text.unescape()  # MarkupSafe writes ' as &#39;
    assert f"in the last 12 months it brought {row['revenue_12m']:.0f} RUB" in text
    assert ESCAPED in text and "300 days ago" in text
    assert "No active customer" in rk.describe_at_risk(at_risk.iloc[0:0])


def test_loss_maker_table_shows_the_worst_and_says_how_many_in_all():
    features = _features().assign(margin_total=[-50.0, -90.0, -10.0, 30.0])  # A, B, C lose
    result = kc.score_key_customers(features, params=KeyCustomerParams(top_n=2))
    table = rk.loss_maker_table(result, labels={"A": "Alpha", "B": "Beta", "C": "Gamma"})
    assert "The 2 customers who cost the most, of 3 who cost more than they bring" in table
    assert table.index("Beta") < table.index("Alpha") and "Gamma" not in table  # worst first
    everyone = rk.loss_maker_table(result, labels={"C": "Gamma"}, limit=3)
    assert "Gamma" in everyone and "of 3" not in everyone



def test_money_is_shown_in_the_units_currency():
    features = _features().assign(margin_total=[-50.0, -90.0, -10.0, 30.0])  # A, B, C lose
    result = kc.score_key_customers(features, params=KeyCustomerParams(top_n=4))
    texts = [
        rk.key_customer_table(result, currency="EUR"),
        rk.loss_maker_table(result, currency="EUR"),
        rk.describe_classification(result, currency="EUR"),
    ]
    for text in texts:
        assert " EUR" in text and "RUB" not in text
    assert "3 customers cost more than they bring" in texts[2] and "-150 EUR" in texts[2]
    at_risk = al.customers_at_risk(_features().assign(recency_days=[30.0, 400.0, 50.0, 300.0]))
    risky = rk.describe_at_risk(at_risk, currency="EUR")
    assert "100 EUR" in risky and "RUB" not in risky
