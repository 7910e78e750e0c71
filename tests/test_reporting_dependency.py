"""Tests for insights.reporting.dependency: sentences carry the numbers and escape every name."""

from __future__ import annotations

import pandas as pd

from insights import concentration as c
from insights import key_person as kp
from insights import mix, steps
from insights.reporting import dependency as rd
from insights.reporting.core import customer_labels

EVIL = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def _summary(revenue: dict[str, float]) -> c.ConcentrationSummary:
    return c.summarize_concentration(pd.Series(revenue))


def test_one_customer_with_57_percent_is_named_escaped_with_more_than_half():
    summary = _summary({"big": 57.0, "b": 20.0, "c": 13.0, "d": 10.0})
    text = rd.describe_concentration(summary, labels={"big": EVIL})
    assert "57.0%" in text
    assert "more than half" in text
    assert ESCAPED in text and "<script>" not in text
    # HHI by hand: 57^2 + 20^2 + 13^2 + 10^2 = 3249 + 400 + 169 + 100 = 3918
    assert "3,918" in text and "highly concentrated" in text
    assert "Merger Guidelines" in text  # the source of the bands is stated
    # at or above 10%: all four (10% exactly included)
    assert "4 customers are" in text


def test_low_concentration_wording():
    summary = _summary({f"c{i}": 1.0 for i in range(20)})
    text = rd.describe_concentration(summary)
    assert "The largest customer" in text and "5.0%" in text
    assert "no single customer is critical" in text
    # 20 equal customers: the top 5 bring 25%, the top 20% (4 customers) bring 20%
    assert "The top 5 customers bring 25.0%" in text and "(4) bring 20.0%" in text
    assert "unconcentrated" in text and "No customer reaches 10%" in text


def test_no_revenue_gives_the_reason():
    text = rd.describe_concentration(_summary({"a": -1.0}))
    assert "positive net revenue" in text


def test_stress_test_sentence_numbers_and_verdict():
    stress = c.stress_test(pd.Series({"a": 57.0, "b": 23.0, "c": 20.0}), top=(1, 3))
    text = rd.describe_stress_test(stress)
    assert "43.0%" in text and "severe" in text and "0.0% without the top 3" in text
    assert "(57 RUB lost)" in text
    assert "(57 EUR lost)" in rd.describe_stress_test(stress, currency="EUR")


def test_trend_sentence_says_growing_when_hhi_rises_by_more_than_100():
    trend = pd.DataFrame(
        {"quarter": ["2025Q3", "2026Q3"], "top_1_share": [0.30, 0.57], "hhi": [2000.0, 3500.0]}
    )
    text = rd.describe_concentration_trend(trend)
    assert "growing" in text and "30.0%" in text and "57.0%" in text and "3,500" in text
    stable = trend.assign(hhi=[2000.0, 2050.0])
    assert "stable" in rd.describe_concentration_trend(stable)
    assert "too few" in rd.describe_concentration_trend(trend.iloc[:1])


def test_manager_sentence_names_the_largest_exposure_escaped():
    revenue = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c"],
            "account_manager": [EVIL, EVIL, "Ann"],
            "revenue": [60.0, 10.0, 30.0],
        }
    )
    risk = kp.manager_exposure(revenue)
    text = rd.describe_manager_risk(risk)
    assert ESCAPED in text and "<script>" not in text
    assert "70.0%" in text  # handles 70 of 100 and all of it would follow
    assert "severe" in text
    table = rd.manager_table(risk)
    assert ESCAPED in table and "<script>" not in table
    in_euros = rd.manager_table(risk, currency="EUR")
    assert "70 EUR" in in_euros and "RUB" not in in_euros
    no_column = kp.no_manager_risk("The data has no account manager column.")
    assert "no account manager" in rd.describe_manager_risk(no_column)


def test_mix_sentence_direction_and_escaped_values():
    table = mix.mix_shares(pd.Series({EVIL: 3.0, "repair": 1.0}), pd.Series({EVIL: 1.0}))
    direction = pd.DataFrame(
        [mix.mix_direction(table, dimension="product_line", targets=["repair"], label="services")]
    )
    summary = pd.DataFrame(
        [mix.summarize_mix(pd.Series({EVIL: 3.0, "repair": 1.0}), pd.Series({EVIL: 1.0}),
                           dimension="product_line")]
    )  # fmt: skip
    result = mix.MixResult("ok", "", table.assign(dimension="product_line"), summary, direction)
    text = rd.describe_mix(result)
    assert "Services bring 25.0%" in text and "moving toward services" in text
    assert ESCAPED in text and "<script>" not in text
    assert ESCAPED in rd.mix_table(result)


def test_group_sentences_and_table_escape_names():
    tx = pd.DataFrame(
        {
            "customer_id": ["1", "1", "2"],
            "order_date": pd.to_datetime(["2026-03-01", "2026-04-01", "2026-05-01"]),
            "amount": [60.0, 20.0, 20.0],
            "unit": ["fleet", "service", "fleet"],
        }
    )
    portfolio = steps.group_portfolio(tx, as_of="2026-09-30")
    labels = {"1": EVIL}
    text = rd.describe_group(portfolio, labels=labels)
    assert "The Fleet unit brings 80.0%" in text  # fleet 80 of 100
    assert "buys from Fleet, Service." in text and "fleet, service" not in text  # labels, not codes
    assert "50.0% of customers buy from two or more units" in text
    assert ESCAPED in text and "<script>" not in text
    table = rd.group_top_table(portfolio, labels=labels)
    assert ESCAPED in table and "<script>" not in table
    in_euros = rd.group_section(portfolio, labels=labels, currency="EUR")
    assert " EUR" in in_euros and "RUB" not in in_euros
    assert "business-unit" in rd.describe_group(steps.group_portfolio(tx.drop(columns="unit"),
                                                                   as_of="2026-09-30"))  # fmt: skip


def test_customer_label_map_uses_pseudonyms_unless_names_are_allowed():
    features = pd.DataFrame({"customer_id": ["7"], "customer_name": [EVIL]})
    hidden = rd.customer_label_map(features, show_names=False, salt="u")
    assert hidden["7"].startswith("C-")
    shown = rd.customer_label_map(features, show_names=True, salt="u")
    assert shown["7"] == EVIL  # plain text; escaping happens when it reaches HTML
    assert rd.label_of("8", shown) == "8"


def test_customer_label_map_gives_each_row_its_customer_labels_label():
    features = pd.DataFrame({"customer_id": ["1", "2", "3"],
                             "customer_name": pd.array(["Ann", None, ""], dtype="str")})
    expected = customer_labels(features, show_names=True, salt="u").tolist()
    labels = rd.customer_label_map(features, show_names=True, salt="u")
    assert [labels[c] for c in ["1", "2", "3"]] == expected
    assert expected[0] == "Ann" and expected[1].startswith("C-") and expected[2].startswith("C-")
    assert len(labels) == 3 and list(labels) == ["1", "2", "3"] and labels.get("4") is None


def test_customer_label_map_shortens_names_to_the_params_length():
    features = pd.DataFrame({"customer_id": ["1", "2"], "customer_name": ["A" * 60, "Short Ltd"]})
    labels = rd.customer_label_map(features, show_names=True, salt="u", max_length=12)
    assert labels["1"] == "A" * 11 + "…" and labels["2"] == "Short Ltd"
    assert rd.customer_label_map(features, show_names=True, salt="u")["1"] == "A" * 39 + "…"


def test_revenue_without_a_manager_is_said_apart_and_not_counted_as_a_manager():
    revenue = pd.DataFrame(
        {
            "customer_id": ["c1", "c2", "c3", "c4"],
            "account_manager": ["Anna", "Boris", None, None],
            "revenue": [30.0, 30.0, 20.0, 20.0],
        }
    )
    text = rd.describe_manager_risk(kp.manager_exposure(revenue))
    assert "across 2 managers the HHI is 5,000" in text  # 50² + 50²
    assert "40.0% of revenue has no account manager" in text
    assert "(unassigned)" in text
