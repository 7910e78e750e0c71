"""The same SQL on a real local Spark equals the embedded DuckDB engine exactly, on demo data.

Needs PySpark (the ``spark`` extra, installed by ``make test``) and Java 17. One Spark
session (conftest's ``spark``, shared with test_clv_sql in one xdist group), local mode,
small data: a few seconds after Spark starts.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("pyspark", reason="PySpark is not installed (pip install -e '.[spark]')")

from test_engine import assert_same_result, assert_windows_equal_revenue_by  # noqa: E402

from insights import steps  # noqa: E402
from insights.features.customers import (  # noqa: E402
    build_customer_features,
    customer_quarter_activity,
    first_purchases,
    revenue_by,
)
from insights.params import load_params  # noqa: E402
from insights.pipeline import load_unit  # noqa: E402

from conftest import write_demo_exports

ROOT = Path(__file__).resolve().parents[1]
AS_OF = pd.Timestamp("2026-09-30")


@pytest.fixture(scope="module")
def demo_parquet(tmp_path_factory):
    """Every demo unit's kept transactions (loaded and cleaned as the report does), as Parquet."""
    root = tmp_path_factory.mktemp("demo")
    write_demo_exports(root / "data" / "demo")
    frames = []
    for unit in ("fleet", "corporate", "retail", "service"):
        params = load_params(ROOT / "params" / f"{unit}.yaml")
        frames.append(load_unit(params, root=root).transactions)
    tx = pd.concat(frames, ignore_index=True)
    path = root / "transactions.parquet"
    tx.to_parquet(path, index=False, coerce_timestamps="us")  # Spark reads no ns
    return tx, path, load_params(ROOT / "params" / "fleet.yaml")


def test_spark_features_equal_duckdb(spark, demo_parquet):
    tx, path, params = demo_parquet
    embedded = build_customer_features(tx, as_of=AS_OF, params=params.features)
    distributed = build_customer_features(
        path, as_of=AS_OF, params=params.features.model_copy(update={"engine": "spark"})
    )
    assert len(embedded) > 1000 and embedded["frequency"].sum() > 0
    assert embedded["services_share"].gt(0).any()  # the lookup tables were used
    pd.testing.assert_frame_equal(distributed, embedded, check_exact=True)


def test_spark_other_aggregates_equal_duckdb(spark, demo_parquet):
    tx, path, _ = demo_parquet
    for by in (["customer_id"], ["account_manager"], ["product_line", "channel"]):
        pd.testing.assert_frame_equal(
            revenue_by(path, by=by, as_of=AS_OF, engine="spark"),
            revenue_by(tx, by=by, as_of=AS_OF), check_exact=True,
        )
    for func in (customer_quarter_activity, first_purchases):
        pd.testing.assert_frame_equal(
            func(path, as_of=AS_OF, engine="spark"), func(tx, as_of=AS_OF), check_exact=True
        )
    assert_windows_equal_revenue_by(path, tx, engine="spark")


def test_spark_without_optional_columns(spark, demo_parquet, tmp_path):
    tx, _, params = demo_parquet
    minimal = tx[["customer_id", "order_date", "amount"]]
    path = tmp_path / "minimal.parquet"
    minimal.to_parquet(path, index=False, coerce_timestamps="us")
    spark_params = params.features.model_copy(update={"engine": "spark"})
    pd.testing.assert_frame_equal(
        build_customer_features(path, as_of=AS_OF, params=spark_params),
        build_customer_features(minimal, as_of=AS_OF, params=params.features),
        check_exact=True,
    )


def test_spark_report_steps_equal_duckdb(spark, demo_parquet):
    """Trend, key-person risk, mix and portfolio on Spark equal DuckDB's on the demo units."""
    tx, path, params = demo_parquet
    sections = {
        "trend": lambda s, e: steps.concentration_trend(s, as_of=AS_OF, quarters=6, engine=e),
        "managers": lambda s, e: steps.manager_risk(s, as_of=AS_OF, engine=e),
        "mix": lambda s, e: steps.mix_diversification(
            s, as_of=AS_OF, service_product_lines=params.features.service_product_lines,
            online_channels=params.features.online_channels, engine=e,
        ),
        "portfolio": lambda s, e: steps.group_portfolio(s, as_of=AS_OF, top=5, engine=e),
    }
    for name, run in sections.items():
        assert_same_result(run(path, "spark"), run(tx, "duckdb"), name)
