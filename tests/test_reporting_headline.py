"""Headline figures on a hand-built base: revenue, change, active customers, verdict labels."""

from types import SimpleNamespace

import pandas as pd
import pytest

from insights.params import parse_params
from insights.reporting.headline import (
    headline_cards,
    quarter_revenue,
    summarize_headline,
    title_block,
)
from insights.reporting.summary import build_summary, verdicts

Q = pd.Period("2026Q3", freq="Q")


def _frames():
    features_now = pd.DataFrame({"customer_id": ["a", "b", "c"], "revenue_12m": [600.0, 300.0, 100.0]})
    features_prev = pd.DataFrame({"customer_id": ["a", "b"], "revenue_12m": [500.0, 300.0]})
    segments_now = pd.DataFrame({"customer_id": ["a", "b", "c"], "segment": ["regular", "lost", "new"]})
    segments_prev = pd.DataFrame({"customer_id": ["a", "b"], "segment": ["regular", "occasional"]})
    activity = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "c"],
            "quarter": [Q - 1, Q, Q - 1, Q],
            "purchases": [1, 2, 1, 1],
            "revenue": [200.0, 250.0, 100.0, 50.0],
        }
    )
    conc = SimpleNamespace(status="ok", top_shares={1: 0.6}, hhi=4600.0, hhi_band="highly concentrated")
    express = SimpleNamespace(label="yellow", reason="r", one_time_share=0.1, regular_share=0.5)
    return features_now, features_prev, segments_now, segments_prev, activity, conc, express


def test_quarter_revenue_sums_the_quarter_and_the_one_before():
    activity = _frames()[4]
    assert quarter_revenue(activity, Q) == (300.0, 300.0)


def test_headline_figures_by_hand():
    now, prev, seg_now, seg_prev, activity, conc, express = _frames()
    head = summarize_headline(
        now, prev, activity=activity, quarter=Q, segments_now=seg_now, segments_prev=seg_prev,
        concentration=conc, express=express,
    )
    assert head["revenue_12m"] == 1000.0
    assert head["revenue_12m_change"] == pytest.approx(1000 / 800 - 1)  # +25%
    assert head["revenue_quarter"] == 300.0 and head["revenue_quarter_change"] == pytest.approx(0.0)
    assert head["active_customers"] == 2  # b is lost
    assert head["active_customers_change"] == pytest.approx(0.0)  # 2 active before too
    assert head["top1_share"] == 0.6 and head["hhi_band"] == "highly concentrated"


def test_no_previous_revenue_means_no_change_rather_than_infinity():
    now, prev, seg_now, seg_prev, activity, conc, express = _frames()
    head = summarize_headline(
        now, prev.iloc[0:0], activity=activity[activity["quarter"] == Q], quarter=Q,
        segments_now=seg_now, segments_prev=seg_prev.iloc[0:0], concentration=conc, express=express,
    )
    assert head["revenue_12m_change"] is None and head["revenue_quarter_change"] is None
    assert "No revenue to compare" in headline_cards(head, currency="RUB")


def test_summary_is_json_ready_and_verdicts_are_plain():
    now, prev, seg_now, seg_prev, activity, conc, express = _frames()
    head = summarize_headline(
        now, prev, activity=activity, quarter=Q, segments_now=seg_now, segments_prev=seg_prev,
        concentration=conc, express=express,
    )
    summary = build_summary(
        unit="fleet", quarter=Q, as_of=pd.Timestamp("2026-09-30"), headline=head,
        verdicts=verdicts(head, express=express), quality={"x": float("nan")}, sources=[], params={},
    )
    assert summary["quarter"] == "2026Q3" and summary["as_of"] == "2026-09-30"
    assert summary["data_quality"]["x"] is None  # NaN never reaches JSON
    assert summary["verdicts"]["express_test"] == "yellow"
    assert "60.0%" in summary["verdicts"]["summary"]


def test_title_shows_the_units_description_escaped_and_nothing_when_there_is_none():
    raw = {"unit": "fleet", "source": {"paths": ["x.csv"]}, "column_map": {}}
    as_of = pd.Timestamp("2026-09-30")
    described = parse_params(raw | {"description": "Fleet <b>sales</b> & service"}, origin="t")
    block = title_block(described, Q, as_of=as_of)
    assert "Fleet &lt;b&gt;sales&lt;/b&gt; &amp; service" in block and "<b>" not in block
    assert "Fleet: customer report" in block and "30 September 2026" in block
    plain = title_block(parse_params(raw, origin="t"), Q, as_of=as_of)
    assert plain.count('class="subtitle"') == 1
