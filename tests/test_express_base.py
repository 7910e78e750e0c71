"""The express test sees the whole base: a dying base is never green.

A hand-built base whose answer is worked out on paper, and the real CDNOW sample (one
acquisition cohort, Q1 1997; about half the customers bought once and most have lapsed by
mid-1998) configured as a unit and read through the real pipeline.
"""

from pathlib import Path

import pandas as pd
import pytest

from insights import features, pipeline, segments
from insights.concentration import even_split_band, hhi, summarize_concentration
from insights.params import ExpressTestParams, LifecycleParams, load_params

CDNOW = Path("/work/shared/data/cdnow/CDNOW_sample.txt")
LIFE = LifecycleParams()


def base(rows):
    """rows: (count, recency_days, tenure_days, purchases_window, frequency)."""
    records = []
    for count, recency, tenure, window, frequency in rows:
        for _ in range(count):
            records.append((f"c{len(records):04d}", recency, tenure, window, frequency, 10.0))
    columns = [
        "customer_id",
        "recency_days",
        "tenure_days",
        "purchases_window",
        "frequency",
        "revenue_12m",
    ]
    return pd.DataFrame(records, columns=columns)


def test_a_base_of_mostly_one_time_mostly_lapsed_customers_is_red():
    # 100 customers, all acquired 400-500 days ago. 60 bought once and are lost (recency 450);
    # 40 are regulars still buying (3 purchases in the window, none one-time): active
    # customers have 0% one-time buyers, so the old test said green.
    feats = base([(60, 450, 500, 0, 1), (40, 10, 500, 3, 8)])
    segs = segments.assign_lifecycle(feats, params=LIFE)
    result = segments.express_test(feats, segs, params=ExpressTestParams(min_active_customers=30),
                                   history_days=500, unknown_customer_share=0.0, lost_days=365)  # fmt: skip
    assert result.one_time_share == 0.0  # among active customers
    assert result.base_one_time_share == pytest.approx(0.6)
    assert result.lost_share == pytest.approx(0.6)  # 60 of the 100 active a year ago
    assert result.verdict == "red" and "lapsed" in result.reason


def test_a_large_outflow_turns_green_into_yellow():
    # 25 of 100 customers active a year ago are lost now (> 20%), none bought once.
    feats = base([(25, 450, 900, 0, 4), (75, 10, 900, 3, 8)])
    segs = segments.assign_lifecycle(feats, params=LIFE)
    result = segments.express_test(feats, segs, params=ExpressTestParams(), history_days=900,
                                   unknown_customer_share=0.0, lost_days=365)  # fmt: skip
    assert result.lost_share == pytest.approx(0.25)
    assert result.verdict == "yellow"


def test_revenue_shares_do_not_depend_on_the_segments_row_order_and_duplicates_are_refused():
    # 10 one-time buyers of 10.00 and 30 regulars of 30.00 each (revenue set by hand): active
    # revenue 100 + 900 = 1000, so the one-time revenue share is exactly 0.1 whichever way
    # the segments are joined to the features (side by side, or by id when reordered).
    feats = base([(10, 10, 200, 0, 1), (30, 10, 500, 3, 8)])
    feats["revenue_12m"] = [10.0] * 10 + [30.0] * 30
    segs = segments.assign_lifecycle(feats, params=LIFE)
    options = {"params": ExpressTestParams(), "history_days": 500, "unknown_customer_share": 0.0}
    in_order = segments.express_test(feats, segs, **options)
    reordered = segments.express_test(feats, segs.iloc[::-1], **options)
    assert in_order.one_time_revenue_share == pytest.approx(0.1)
    assert in_order.regular_revenue_share == pytest.approx(0.9)
    assert in_order == reordered
    twice = pd.concat([feats, feats.iloc[[0]]], ignore_index=True)
    with pytest.raises(pd.errors.MergeError):
        segments.express_test(twice, segments.assign_lifecycle(twice, params=LIFE), **options)


def test_a_healthy_base_stays_green():
    feats = base([(3, 450, 900, 0, 4), (97, 10, 900, 3, 8)])
    segs = segments.assign_lifecycle(feats, params=LIFE)
    result = segments.express_test(feats, segs, params=ExpressTestParams(), history_days=900,
                                   unknown_customer_share=0.0, lost_days=365)  # fmt: skip
    assert result.verdict == "green"


@pytest.fixture(scope="module")
def cdnow_root(tmp_path_factory) -> Path:
    if not CDNOW.is_file():
        pytest.fail(f"{CDNOW} is missing: the shared CDNOW sample is part of the test data")
    root = tmp_path_factory.mktemp("cdnow")
    raw = pd.read_csv(CDNOW, sep=r"\s+", header=None, dtype=str,
                      names=["master_id", "customer_id", "date", "cds", "amount"])  # fmt: skip
    (root / "data").mkdir()
    raw[["customer_id", "date", "amount"]].to_csv(root / "data" / "cdnow.csv", index=False)
    (root / "params").mkdir()
    (root / "params" / "cdnow.yaml").write_text(
        "unit: cdnow\n"
        "source:\n"
        "  paths: [data/cdnow.csv]\n"
        "  format: csv\n"
        "  delimiter: ','\n"
        "  decimal: '.'\n"
        "  date_format: '%Y%m%d'\n"
        "  currency: USD\n"
        "  grain: order\n"
        "column_map: {customer_id: customer_id, date: order_date, amount: amount}\n",
        encoding="utf-8",
    )
    return root


def test_cdnow_a_dying_single_cohort_base_is_never_green(cdnow_root):
    params = load_params(cdnow_root / "params" / "cdnow.yaml")
    data = pipeline.load_unit(params, root=cdnow_root)
    as_of = pd.Timestamp("1998-06-30")
    feats = features.build_customer_features(
        data.transactions, as_of=as_of, params=params.features, lifecycle=params.lifecycle
    )
    assert len(feats) == 2357
    segs = segments.assign_lifecycle(feats, params=params.lifecycle)
    result = segments.express_test(
        feats,
        segs,
        params=params.express_test,
        history_days=pipeline.history_days(data, as_of),
        unknown_customer_share=pipeline.unknown_customer_share(data),
        lost_days=params.lifecycle.lost_days,
    )
    assert result.base_one_time_share > 0.4  # about half bought once
    assert result.lost_share > 0.5  # most of last year's customers have lapsed
    assert result.verdict in {"red", "yellow"}


@pytest.mark.parametrize("n", [2, 3, 4, 6])
def test_n_equal_managers_are_judged_even_against_n_categories(n):
    revenue = pd.Series([5.0] * n, index=[f"m{i}" for i in range(n)])
    assert hhi(revenue) == pytest.approx(10000 / n)
    assert even_split_band(hhi(revenue), categories=n) == "even"
    summary = summarize_concentration(revenue, entity="account manager")
    assert summary.hhi_band == "even"
    # merger bands stay for customers: 4 equal customers are "highly concentrated"
    assert summarize_concentration(revenue, entity="customer").hhi_band != "even"


def test_one_manager_with_most_revenue_is_dominated():
    revenue = pd.Series({"a": 80.0, "b": 10.0, "c": 10.0})  # HHI 6600 vs even 3333: ratio 1.98
    assert even_split_band(hhi(revenue), categories=3) == "uneven"
    revenue = pd.Series({"a": 90.0, "b": 5.0, "c": 5.0})  # HHI 8150: ratio 2.45
    assert even_split_band(hhi(revenue), categories=3) == "dominated by a few"
