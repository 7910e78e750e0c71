"""Tests for insights.clv.build: the published CDNOW numbers from raw transactions, formulas checked
against direct evaluation and textbook limits, and the guardrails.

CDNOW (tests/data/cdnow/, see its README): 39-week calibration 1997-01-01 .. 1997-09-30,
time unit week. Published: Fader, Hardie & Lee (2005), "Counting Your Customers the Easy
Way", Marketing Science 24(2) (BG/NBD), and "RFM and CLV", JMR 42(4) (Gamma-Gamma).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from insights.clv.build import (
    BgNbdFit,
    GammaGammaFit,
    assess_clv_data,
    bgnbd_log_likelihood,
    check_spend_independence,
    choose_model,
    discounted_lifetime_value,
    expected_average_spend,
    expected_purchases,
    expected_purchases_new,
    fit_bgnbd,
    fit_gamma_gamma,
    fit_mbgnbd,
    gamma_gamma_log_likelihood,
    list_valuable_at_risk,
    probability_alive,
    summarize_clv_by,
    validate_holdout,
)
from insights.clv.simulate import simulate_transactions
from insights.features.purchases import summarize_lifetime_revenue, summarize_purchases
from insights.params import ClvParams
from insights.schema import ContractError
from insights.steps import build_clv

CDNOW = Path(__file__).parent / "data" / "cdnow" / "CDNOW_sample.txt"
CALIBRATION_END = "1997-09-30"


def _read_cdnow() -> pd.DataFrame:
    """Raw CDNOW rows as canonical transactions (sample id as a string customer_id)."""
    raw = pd.read_csv(
        CDNOW,
        sep=r"\s+",
        header=None,
        names=["master_id", "customer_id", "date", "cds", "amount"],
        dtype={"master_id": str, "customer_id": str, "date": str},
    )
    return pd.DataFrame(
        {
            "customer_id": raw["customer_id"].astype("string"),
            "order_date": pd.to_datetime(raw["date"], format="%Y%m%d"),
            "amount": raw["amount"].astype(float),
        }
    )


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    return _read_cdnow()


@pytest.fixture(scope="module")
def calibration(cdnow) -> pd.DataFrame:
    return summarize_purchases(cdnow, as_of=CALIBRATION_END, time_unit="week")


@pytest.fixture(scope="module")
def bgnbd(calibration) -> BgNbdFit:
    return fit_bgnbd(calibration)


# --- fidelity to the published CDNOW numbers ----------------------------------------------


def test_cdnow_summary_counts(calibration):
    assert len(calibration) == 2357  # the published cohort
    assert int((calibration["frequency"] > 0).sum()) == 946  # published repeat buyers
    # The published customer: x = 26, t_x = 30.857, T = 31 (T = 1997-09-30 - first purchase).
    row = calibration.loc[calibration["frequency"] == 26].iloc[0]
    assert row["recency"] == pytest.approx(30.857, abs=5e-4)
    assert row["T"] == pytest.approx(31.0, abs=1e-9)


def test_cdnow_bgnbd_parameters(bgnbd):
    assert bgnbd.converged
    assert bgnbd.n_customers == 2357
    assert bgnbd.r == pytest.approx(0.243, abs=1e-3)
    assert bgnbd.alpha == pytest.approx(4.414, abs=2e-3)
    assert bgnbd.a == pytest.approx(0.793, abs=1e-3)
    assert bgnbd.b == pytest.approx(2.426, abs=1e-3)
    assert bgnbd.log_likelihood == pytest.approx(-9582.4, abs=0.05)


def test_cdnow_bgnbd_predictions(bgnbd):
    assert float(expected_purchases_new(bgnbd, 52.0)) == pytest.approx(1.444, abs=1e-3)
    assert float(expected_purchases(bgnbd, 52.0, 26, 30.857, 31.0)) == pytest.approx(
        25.757, abs=2e-3
    )
    assert float(probability_alive(bgnbd, 26, 30.857, 31.0)) == pytest.approx(0.9689, abs=1e-4)


def test_cdnow_gamma_gamma(calibration):
    fit = fit_gamma_gamma(calibration)
    assert fit.converged
    assert fit.n_customers == 946
    assert fit.p == pytest.approx(6.25, abs=5e-3)
    assert fit.q == pytest.approx(3.74, abs=5e-3)
    assert fit.v == pytest.approx(15.44, abs=5e-3)


def test_cdnow_spend_independence(calibration):
    # Fader, Hardie & Lee (2005, RFM and CLV) report a correlation of 0.11 on these data.
    check = check_spend_independence(calibration)
    assert check.n_customers == 946
    assert check.correlation == pytest.approx(0.11, abs=5e-3)
    assert check.independent is True


def test_fit_log_likelihood_equals_sum_over_customers(calibration, bgnbd):
    # The fit runs on distinct (x, t_x, T) rows with weights; the total must not change.
    per_customer = bgnbd_log_likelihood(
        bgnbd, calibration["frequency"], calibration["recency"], calibration["T"]
    )
    assert per_customer.sum() == pytest.approx(bgnbd.log_likelihood, rel=1e-10)


def test_cdnow_holdout_tracks_actual(cdnow):
    held = summarize_purchases(cdnow, as_of="1998-06-30", calibration_end=CALIBRATION_END)
    result = validate_holdout(
        held,
        calibration_end=CALIBRATION_END,
        holdout_end="1998-06-30",
        time_unit="week",
        model="bgnbd",
    )
    assert result.status == "ok"
    assert result.duration == pytest.approx(39.0)
    assert result.fit.r == pytest.approx(0.243, abs=1e-3)  # same calibration fit
    assert abs(result.total_error_share) < 0.15
    predicted = result.by_frequency["predicted"].to_numpy()
    assert np.all(np.diff(predicted) > 0)  # more past purchases, more expected
    assert result.by_frequency["customers"].sum() == 2357


# --- formulas against direct evaluation and textbook limits ---------------------------------


def _direct_bgnbd_ll(r, alpha, a, b, x, t_x, T) -> float:
    """Fader, Hardie & Lee (2005) eq. 6, written out with math.lgamma."""
    beta = math.lgamma(a) + math.lgamma(b + x) - math.lgamma(a + b + x)
    beta0 = math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
    head = math.lgamma(r + x) - math.lgamma(r) + r * math.log(alpha) + beta - beta0
    inner = (alpha + T) ** -(r + x)
    if x > 0:
        inner += a / (b + x - 1) * (alpha + t_x) ** -(r + x)
    return head + math.log(inner)


def test_single_customer_log_likelihood_matches_direct_formula():
    fit = BgNbdFit(1.0, 2.0, 1.5, 3.0, 0.0, True, 1)
    got = bgnbd_log_likelihood(fit, [2], [3.0], [5.0])[0]
    assert got == pytest.approx(_direct_bgnbd_ll(1.0, 2.0, 1.5, 3.0, 2, 3.0, 5.0), rel=1e-12)
    # x = 0: L = (alpha / (alpha + T))^r = (2/7)^1, on paper.
    assert bgnbd_log_likelihood(fit, [0], [0.0], [5.0])[0] == pytest.approx(math.log(2 / 7))


def test_probability_alive_hand_values():
    fit = BgNbdFit(1.0, 2.0, 1.0, 1.0, 0.0, True, 1)
    # BG/NBD: no repeat purchase means no chance to have dropped out yet.
    assert probability_alive(fit, [0, 0], [0.0, 0.0], [2.0, 50.0]).tolist() == [1.0, 1.0]
    # x = 1, t_x = 2, T = 6: 1 / (1 + a/(b+x-1) ((α+T)/(α+t_x))^(r+x)) = 1 / (1 + 1 * 2^2) = 0.2
    assert float(probability_alive(fit, 1, 2.0, 6.0)) == pytest.approx(0.2)
    # MBG/NBD, x = 0, T = 2: 1 / (1 + a/b ((α+T)/α)^r) = 1 / (1 + 2) = 1/3.
    mbg = BgNbdFit(1.0, 2.0, 1.0, 1.0, 0.0, True, 1, variant="mbgnbd")
    assert float(probability_alive(mbg, 0, 0.0, 2.0)) == pytest.approx(1 / 3)


def test_expected_purchases_no_dropout_limit():
    # With b huge, dropout is ~0 and BG/NBD becomes the NBD: a new customer expects r t / α
    # (2 * 10 / 4 = 5), and an old one the gamma posterior mean (r+x) t / (α+T)
    # ((2+3) * 10 / (4+6) = 5).
    fit = BgNbdFit(2.0, 4.0, 2.0, 1e9, 0.0, True, 1)
    assert float(expected_purchases_new(fit, 10.0)) == pytest.approx(5.0, rel=1e-6)
    assert float(expected_purchases(fit, 10.0, 3, 5.0, 6.0)) == pytest.approx(5.0, rel=1e-6)
    assert float(expected_purchases(fit, 0.0, 3, 5.0, 6.0)) == pytest.approx(0.0, abs=1e-12)


def test_expected_purchases_large_frequency_is_finite():
    # Daily units, a heavy buyer: the naive 2F1 overflows; the transformed one must not.
    fit = BgNbdFit(0.5, 100.0, 1.5, 0.3, 0.0, True, 1)
    values = expected_purchases(
        fit, 3650.0, np.array([100, 1000]), np.array([900.0, 990.0]), np.array([1000.0, 1000.0])
    )
    assert np.all(np.isfinite(values)) and np.all(values > 0)


def test_gamma_gamma_hand_values():
    fit = GammaGammaFit(6.0, 3.0, 10.0, 0.0, True, 1)
    # (v + m x) p / (p x + q - 1) = (10 + 40) * 6 / (12 + 2) = 300 / 14; x = 0: v p / (q - 1) = 30.
    spend = expected_average_spend(fit, [2, 0], [20.0, 0.0])
    np.testing.assert_allclose(spend, [300 / 14, 30.0])
    # One customer's likelihood, written out with math.lgamma: x = 2, m = 20.
    direct = (
        math.lgamma(15)
        - math.lgamma(12)
        - math.lgamma(3)
        + 3 * math.log(10)
        + 11 * math.log(20)
        + 12 * math.log(2)
        - 15 * math.log(50)
    )
    assert gamma_gamma_log_likelihood(fit, [2], [20.0])[0] == pytest.approx(direct, rel=1e-12)


def test_discounted_value_of_a_steady_buyer():
    # A customer certain to stay (b huge) with a known rate (r, α huge, r/α = 0.5 per week)
    # buys 0.5 * m per month, m = 365.25/12/7 weeks; value = spend * 0.5 m * annuity factor,
    # annuity = (1 - (1+d)^-12) / d with d = 1.1^(1/12) - 1, i.e. (1 - 1/1.1) / d.
    fit = BgNbdFit(1e7, 2e7, 2.0, 1e12, 0.0, True, 1)
    summary = pd.DataFrame({"frequency": [3], "recency": [5.0], "T": [6.0]})
    value = discounted_lifetime_value(
        fit, summary, [10.0], horizon_months=12, annual_discount_rate=0.10, margin_share=0.5
    )
    month = 365.25 / 12 / 7
    d = 1.1 ** (1 / 12) - 1
    expected = 0.5 * 10.0 * 0.5 * month * (1 - 1 / 1.1) / d
    assert value[0] == pytest.approx(expected, rel=1e-5)
    undiscounted = discounted_lifetime_value(fit, summary, [10.0], annual_discount_rate=0.0)
    assert undiscounted[0] == pytest.approx(10.0 * 0.5 * 12 * month, rel=1e-5)


def test_fit_recovers_simulated_parameters():
    tx = simulate_transactions(20_000, r=0.5, alpha=5.0, a=1.5, b=4.0, random_state=3)
    summary = summarize_purchases(tx, as_of="2025-07-01", time_unit="week")
    fit = fit_bgnbd(summary)
    assert fit.converged
    assert fit.r == pytest.approx(0.5, rel=0.1)
    assert fit.alpha == pytest.approx(5.0, rel=0.1)
    assert fit.a == pytest.approx(1.5, rel=0.25)
    assert fit.b == pytest.approx(4.0, rel=0.25)
    spend = fit_gamma_gamma(summary)
    assert spend.p == pytest.approx(6.25, rel=0.1)
    assert spend.q == pytest.approx(3.74, rel=0.1)


def test_mbgnbd_fits_cdnow_at_least_as_well(calibration, bgnbd):
    mbg = fit_mbgnbd(calibration)
    assert mbg.converged and mbg.variant == "mbgnbd"
    # Batislam et al. (2007): on CDNOW the two fit about equally; the likelihoods are close.
    assert mbg.log_likelihood == pytest.approx(bgnbd.log_likelihood, abs=5.0)
    # One-time buyers may have dropped out under MBG/NBD.
    one_time = calibration.loc[calibration["frequency"] == 0].iloc[:5]
    assert np.all(
        probability_alive(mbg, one_time["frequency"], one_time["recency"], one_time["T"]) < 1
    )


# --- summaries on hand-built frames -------------------------------------------------------


def _hand_tx() -> pd.DataFrame:
    """a: Jan 1 (10), Jan 8 (4 + 6, one day), Jan 15 (5); b: Jan 22; c: Jan 29 (after as_of)."""
    return pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "a", "b", "c"],
            "order_date": pd.to_datetime(
                ["2024-01-01", "2024-01-08", "2024-01-08", "2024-01-15", "2024-01-22", "2024-01-29"]
            ),
            "amount": [10.0, 4.0, 6.0, 5.0, 7.0, 3.0],
        }
    )


def test_summarize_purchases_by_hand():
    s = summarize_purchases(_hand_tx(), as_of="2024-01-22", time_unit="week").set_index(
        "customer_id"
    )
    assert list(s.index) == ["a", "b"]  # c first bought after as_of
    # a: days Jan 1, 8, 15 -> x = 2; t_x = 14 days = 2 weeks; T = 21 days = 3 weeks;
    # repeat days worth 10 and 5 -> m = 7.5.
    assert s.loc["a", ["frequency", "recency", "T", "monetary_value"]].tolist() == [
        2,
        2.0,
        3.0,
        7.5,
    ]
    assert s.loc["b", ["frequency", "recency", "T", "monetary_value"]].tolist() == [
        0,
        0.0,
        0.0,
        0.0,
    ]
    days = summarize_purchases(_hand_tx(), as_of="2024-01-22", time_unit="day")
    assert days.set_index("customer_id").loc["a", ["recency", "T"]].tolist() == [14.0, 21.0]


def test_summarize_purchases_with_holdout():
    s = summarize_purchases(_hand_tx(), as_of="2024-01-31", calibration_end="2024-01-10")
    s = s.set_index("customer_id")
    assert list(s.index) == ["a"]  # b and c first bought in the holdout
    # Calibration: Jan 1 and Jan 8 -> x = 1, t_x = 1, T = 9 days; holdout: Jan 15 -> 1 day of 5.
    assert s.loc["a", ["frequency", "recency", "T"]].tolist() == [1, 1.0, 9 / 7]
    assert s.loc["a", ["frequency_holdout", "monetary_value_holdout"]].tolist() == [1, 5.0]
    assert s.loc["a", "duration_holdout"] == pytest.approx(21 / 7)


def test_lifetime_revenue_against_first_purchase():
    life = summarize_lifetime_revenue(_hand_tx(), as_of="2024-01-22").set_index("customer_id")
    # a: first day 10, lifetime 25 -> 2.5 times the first purchase; b: 7 of 7 -> 1.
    assert life.loc[
        "a", ["first_purchase_revenue", "lifetime_revenue", "lifetime_to_first"]
    ].tolist() == [10.0, 25.0, 2.5]
    assert life.loc["b", "lifetime_to_first"] == 1.0


def test_missing_columns_raise_contract_error():
    with pytest.raises(ContractError, match="amount"):
        summarize_purchases(_hand_tx().drop(columns="amount"), as_of="2024-01-22")


# --- guardrails and the top-level result --------------------------------------------------


def _few_repeaters() -> pd.DataFrame:
    """50 one-time buyers over a year and 3 repeat buyers: too few for the models."""
    dates = pd.date_range("2023-01-01", periods=50, freq="7D")
    tx = pd.DataFrame(
        {"customer_id": [f"c{i:02d}" for i in range(50)], "order_date": dates, "amount": 10.0}
    )
    extra = pd.DataFrame(
        {
            "customer_id": ["c00", "c01", "c02"],
            "order_date": pd.to_datetime(["2023-06-01"] * 3),
            "amount": 5.0,
        }
    )
    return pd.concat([tx, extra], ignore_index=True)


def test_too_few_repeat_buyers_is_not_applicable():
    result = build_clv(_few_repeaters(), as_of="2023-12-31", params=ClvParams())
    assert result.status == "not_applicable"
    assert "Only 3 of 50 customers" in result.reason and "at least 30" in result.reason
    assert len(result.lifetime) == 50  # the historical part is still there
    assert summarize_clv_by(
        result, result.customers[["customer_id"]].assign(g="x"), column="g"
    ).empty
    assert list_valuable_at_risk(result).empty


def test_short_history_and_empty_data_are_not_applicable():
    short = _few_repeaters().loc[lambda f: f["order_date"] <= "2023-02-15"]
    assessment = assess_clv_data(
        summarize_purchases(short, as_of="2023-02-15"), min_repeat_buyers=1, min_history_days=180
    )
    assert assessment.status == "not_applicable" and "45 days" in assessment.reason
    empty = _few_repeaters().iloc[:0]
    result = build_clv(empty, as_of="2023-12-31", params=ClvParams())
    assert result.status == "not_applicable" and "no customers" in result.reason


def test_no_positive_repeat_spend_is_not_applicable():
    tx = simulate_transactions(2_000, r=0.5, alpha=5.0, a=1.5, b=4.0, random_state=5)
    first = tx.groupby("customer_id")["order_date"].transform("min")
    free_repeats = tx.assign(amount=tx["amount"].where(tx["order_date"] == first, 0.0))
    result = build_clv(free_repeats, as_of="2025-07-01", params=ClvParams(model="bgnbd"))
    assert result.status == "not_applicable" and "positive spend" in result.reason


def test_choose_model():
    one_time = pd.DataFrame({"frequency": [0, 0, 0, 1]})
    regulars = pd.DataFrame({"frequency": [0, 2, 3, 1]})
    assert choose_model(one_time, "auto") == "mbgnbd"
    assert choose_model(regulars, "auto") == "bgnbd"
    assert choose_model(one_time, "bgnbd") == "bgnbd"


def test_spend_dependence_is_flagged():
    summary = pd.DataFrame({"frequency": [1, 2, 3, 4, 5], "monetary_value": [10.0, 20, 30, 40, 50]})
    check = check_spend_independence(summary)
    assert check.independent is False and "rough" in check.verdict


def test_build_clv_on_cdnow(cdnow):
    before = cdnow.copy(deep=True)
    params = ClvParams(model="bgnbd", margin_share=0.3, holdout_quarters=3)
    result = build_clv(cdnow, as_of="1998-06-30", params=params)
    pd.testing.assert_frame_equal(cdnow, before)  # input not mutated
    assert result.ok and result.model == "bgnbd"
    customers = result.customers
    assert len(customers) == 2357
    assert customers["p_alive"].between(0, 1).all()
    assert (customers["clv"] >= 0).all()
    # Discounting and a 30% margin: value below 30% of the undiscounted expected revenue.
    assert customers["clv"].sum() < 0.3 * customers["expected_revenue"].sum()
    assert result.holdout.status == "ok"
    assert result.holdout.calibration_end == pd.Timestamp("1997-09-30")  # 3 quarters back
    # Every repeat buyer's lifetime revenue is above the first purchase; one-time buyers' equal.
    life = result.lifetime
    repeat = life["purchase_days"] > 1
    assert (life.loc[repeat, "lifetime_to_first"] > 1).all()
    assert (
        life.loc[~repeat & (life["first_purchase_revenue"] > 0), "lifetime_to_first"] == 1
    ).all()


def test_value_by_group_and_at_risk(cdnow):
    result = build_clv(cdnow, as_of="1998-06-30", params=ClvParams(model="bgnbd"))
    groups = (
        result.customers[["customer_id"]]
        .iloc[:2000]
        .assign(
            segment=np.where(result.customers["frequency"].iloc[:2000] > 0, "repeat", "one-time")
        )
    )
    table = summarize_clv_by(result, groups, column="segment")
    assert set(table["segment"]) == {"repeat", "one-time", "unassigned"}
    assert table["customers"].sum() == 2357
    assert table["clv"].sum() == pytest.approx(result.customers["clv"].sum())
    assert table["clv_share"].sum() == pytest.approx(1.0)
    risky = list_valuable_at_risk(result, top_share=0.2, top_n=5)
    assert len(risky) == 5
    assert risky["p_alive"].is_monotonic_increasing
    cutoff = result.lifetime["lifetime_revenue"].quantile(0.8)
    assert (risky["lifetime_revenue"] >= cutoff).all()


# --- report text and plots ----------------------------------------------------------------


def test_report_text_not_applicable_is_plain_and_escaped():
    from insights.reporting.clv import describe_clv, describe_holdout, describe_lifetime_revenue

    tx = _few_repeaters().assign(customer_id=lambda f: "<b>" + f["customer_id"])
    result = build_clv(tx, as_of="2023-12-31", params=ClvParams())
    text = describe_clv(result)
    assert "Only 3 of 50 customers" in text and "historical lifetime revenue" in text
    assert "<b>" not in describe_lifetime_revenue(result)
    # 3 of 50 came back (6.0%); c00-c02: 10 then 5 -> 1.5 times the first purchase.
    assert "6.0% of customers came back" in describe_lifetime_revenue(result)
    assert "1.5 times" in describe_lifetime_revenue(result)
    assert describe_holdout(None) == ""


def test_report_text_on_cdnow(cdnow):
    from insights.reporting.clv import at_risk_table, describe_clv, describe_holdout, describe_model

    result = build_clv(
        cdnow, as_of="1998-06-30", params=ClvParams(model="bgnbd", holdout_quarters=3)
    )
    assert "2,357 customers" in describe_clv(result, currency="USD")
    assert "BG/NBD" in describe_model(result)
    holdout = describe_holdout(result.holdout)
    assert "30 September 1997" in holdout and f"{result.holdout.total_actual:,.0f} happened" in holdout
    table = at_risk_table(list_valuable_at_risk(result), labels={"1901": "Cash $ <Carry>"})
    assert "Cash $ &lt;Carry&gt;" in table


def test_plots_draw_and_escape_labels(cdnow):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from insights.clv.build import summarize_lifetime_by_purchases
    from insights.plots.clv import (
        plot_clv_by_group,
        plot_holdout,
        plot_lifetime_vs_first,
        plot_p_alive,
    )

    result = build_clv(
        cdnow, as_of="1998-06-30", params=ClvParams(model="bgnbd", holdout_quarters=3)
    )
    ax = plot_holdout(result.holdout)
    assert [t.get_text() for t in ax.get_xticklabels()][-1] == "7+"
    by_purchases = summarize_lifetime_by_purchases(result.lifetime)
    assert by_purchases["customers"].sum() == 2357
    assert by_purchases["lifetime_to_first"].iloc[0] == pytest.approx(1.0)  # one purchase day
    plot_lifetime_vs_first(by_purchases)
    groups = result.customers[["customer_id"]].assign(segment="Cash $ Carry")
    ax = plot_clv_by_group(summarize_clv_by(result, groups, column="segment"), column="segment")
    assert ax.get_yticklabels()[0].get_text() == r"Cash \$ Carry"
    plot_p_alive(result.customers)
    # Not applicable: every plot draws a note instead of failing.
    empty = build_clv(_few_repeaters(), as_of="2023-12-31", params=ClvParams())
    ax = plot_p_alive(empty.customers)
    assert "not applicable" in ax.texts[0].get_text()
    assert "not applicable" in plot_holdout(empty.holdout).texts[0].get_text()
    plot_clv_by_group(summarize_clv_by(empty, groups, column="segment"), column="segment")
    plt.close("all")


def test_p_alive_by_customer_is_none_when_the_model_does_not_apply():
    from insights.clv.build import ClvResult, p_alive_by_customer

    fields = {name: None for name in ClvResult.__dataclass_fields__}
    fields.update(status="not_applicable", reason="too few repeat buyers", customers=pd.DataFrame())
    assert p_alive_by_customer(ClvResult(**fields)) is None


def test_bgnbd_says_it_counts_one_time_buyers_as_active():
    tx = simulate_transactions(2_000, r=0.5, alpha=5.0, a=1.5, b=4.0, random_state=5)
    bg = build_clv(tx, as_of="2025-07-01", params=ClvParams(model="bgnbd"))
    once = bg.customers[bg.customers["frequency"] == 0]
    assert len(once) and (once["p_alive"] == 1.0).all()  # what the note says
    assert any("P(alive) 100%" in note for note in bg.notes)
    mbg = build_clv(tx, as_of="2025-07-01", params=ClvParams(model="mbgnbd"))
    assert (mbg.customers.loc[mbg.customers["frequency"] == 0, "p_alive"] < 1.0).all()
    assert not any("P(alive) 100%" in note for note in mbg.notes)
