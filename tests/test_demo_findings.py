"""The report's verdicts on the demo units match the planted truths, via the real pipeline.

Demo export -> loading -> cleaning -> features -> analysis, as the notebook runs it.
"""

import shutil
from pathlib import Path

import pandas as pd
import pytest

from insights import clustering, concentration, features, key_customers, pipeline, segments
from insights.params import load_params

from conftest import write_demo_exports

ROOT = Path(__file__).resolve().parents[1]
AS_OF = pd.Timestamp("2026-09-30")


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    shutil.copytree(ROOT / "params", folder / "params")
    write_demo_exports(folder / "data" / "demo")
    return folder


def _unit(root: Path, unit: str, as_of: pd.Timestamp = AS_OF):
    params = load_params(root / "params" / f"{unit}.yaml")
    data = pipeline.load_unit(params, root=root)
    feats = features.build_customer_features(
        data.transactions, as_of=as_of, params=params.features, lifecycle=params.lifecycle
    )
    segs = segments.assign_lifecycle(feats, params=params.lifecycle)
    express = segments.express_test(
        feats, segs, params=params.express_test,
        history_days=pipeline.history_days(data, as_of),
        unknown_customer_share=pipeline.unknown_customer_share(data),
    )
    return params, data, feats, segs, express


def test_latest_complete_quarter_of_the_demo_is_2026q3(root):
    params, data, *_ = _unit(root, "fleet")
    assert str(pipeline.resolve_quarter(data, "", params=params)) == "2026Q3"


def test_retail_express_test_is_not_green_and_one_time_buyers_dominate(root):
    *_, express = _unit(root, "retail")
    assert express.verdict != "green"
    assert express.one_time_customers > express.regular_customers


def test_fleet_has_a_large_share_of_regulars(root):
    *_, express = _unit(root, "fleet")
    assert express.regular_share >= 0.35


def test_retail_concentration_is_low(root):
    _, _, feats, _, _ = _unit(root, "retail")
    summary = concentration.summarize_concentration(concentration.customer_revenue(feats))
    assert summary.hhi_band == "unconcentrated" and summary.top_shares[1] < 0.05


def test_fleet_key_customers_differ_from_the_revenue_ranking(root):
    params, data, feats, _, _ = _unit(root, "fleet")
    activity = features.customer_quarter_activity(data.transactions, as_of=AS_OF)
    key = key_customers.score_key_customers(feats, params=params.key_customers, activity=activity, as_of=AS_OF)
    comparison = key_customers.compare_key_vs_revenue(key)
    assert comparison.overlap < comparison.top_n  # some key customers are not among the biggest


def test_clusters_keep_their_names_when_the_quarter_moves_by_one(root):
    params, _, feats_now, _, _ = _unit(root, "fleet")
    _, _, feats_prev, _, _ = _unit(root, "fleet", as_of=pd.Timestamp("2026-06-30"))
    now = clustering.build_clusters(feats_now, params=params.clustering, random_state=params.random_state)
    prev = clustering.build_clusters(feats_prev, params=params.clustering, random_state=params.random_state)
    again = clustering.build_clusters(feats_now, params=params.clustering, random_state=params.random_state)
    assert set(now.labels["cluster_name"]) == set(prev.labels["cluster_name"])
    pd.testing.assert_frame_equal(now.labels, again.labels)  # a rerun gives identical labels
