"""The DuckDB engine equals the pandas oracle exactly, on DataFrames and on Parquet."""

from __future__ import annotations

import dataclasses
import os

import numpy as np
import pandas as pd
import pytest

from insights.engine.duckdb import columns_of, count_rows, count_values, order_date_bounds
from insights.features.customers import (
    build_customer_features,
    customer_quarter_activity,
    first_purchases,
    revenue_by,
    revenue_by_windows,
)
from insights.params import FeatureParams
from insights.schema import ContractError
from insights.steps import concentration_trend, group_portfolio, manager_risk, mix_diversification

import oracles

AS_OF = pd.Timestamp("2026-09-30")


def random_transactions(n: int = 3000, *, seed: int = 7) -> pd.DataFrame:
    """A seeded messy frame: returns, id-less rows, ties, missing values, rows after as_of."""
    rng = np.random.default_rng(seed)
    customers = np.array([f"{i:04d}" for i in range(120)])
    order = rng.integers(0, 900, n).astype(str).astype(object)
    order[rng.random(n) < 0.1] = None
    amount = np.round(rng.lognormal(4, 1.5, n), 2) * np.where(rng.random(n) < 0.1, -1, 1)
    amount[rng.random(n) < 0.02] = 0.125  # an exact half-hundredth
    frame = pd.DataFrame(
        {
            "customer_id": rng.choice(customers, n),
            "order_id": pd.array(order, dtype="str"),
            "order_date": pd.Timestamp("2023-06-01") + pd.to_timedelta(rng.integers(0, 1300, n), "D"),
            "amount": amount,
            "product_line": rng.choice(np.array(["cars", "service", "insurance", None], dtype=object), n),
            "channel": rng.choice(np.array(["online", "dealer", None], dtype=object), n),
            "account_manager": rng.choice(np.array(["m1", "m2", "m3", None], dtype=object), n),
            "customer_name": rng.choice(np.array(["Ab", "Ac", "Zz", None], dtype=object), n),
            "region": rng.choice(np.array(["north", "south"], dtype=object), n),
            "acquisition_source": rng.choice(np.array(["referral", "web", None], dtype=object), n),
            "unit": rng.choice(np.array(["fleet", "retail"], dtype=object), n),
            "cost": np.round(amount * 0.7, 2),
            "discount": np.where(rng.random(n) < 0.5, np.nan, 1.25),
            "is_reference": rng.random(n) < 0.05,
        }
    )
    for col in ("product_line", "channel", "account_manager", "customer_name", "region",
                "acquisition_source", "unit"):
        frame[col] = frame[col].astype("str")
    return frame


def _params(engine: str) -> FeatureParams:
    return FeatureParams(engine=engine, service_product_lines=["service", "insurance"], online_channels=["online"])


def _oracle_features(tx: pd.DataFrame) -> pd.DataFrame:
    return oracles.build_customer_features(tx, as_of=AS_OF, params=_params("duckdb"))


@pytest.mark.parametrize("drop", [[], ["order_id", "cost", "discount", "is_reference", "customer_name"]])
def test_engines_identical_on_random_frame(drop):
    tx = random_transactions().drop(columns=drop)
    duck = build_customer_features(tx, as_of=AS_OF, params=_params("duckdb"))
    ref = _oracle_features(tx)
    assert len(duck) == 120
    pd.testing.assert_frame_equal(duck, ref, check_exact=True)


def test_other_aggregates_identical_on_random_frame():
    tx = random_transactions(seed=11)
    for by in (["customer_id"], ["account_manager", "channel"]):
        pd.testing.assert_frame_equal(
            revenue_by(tx, by=by, as_of=AS_OF, engine="duckdb"),
            oracles.revenue_by_oracle(tx, by=by, as_of=AS_OF),
            check_exact=True,
        )
    pairs = ((customer_quarter_activity, oracles.customer_quarter_activity),
             (first_purchases, oracles.first_purchases_oracle))
    for func, oracle in pairs:
        pd.testing.assert_frame_equal(
            func(tx, as_of=AS_OF, engine="duckdb"), oracle(tx, as_of=AS_OF), check_exact=True
        )
    assert_windows_equal_revenue_by(tx, tx, engine="duckdb")


WINDOW_ENDS = [pd.Timestamp(AS_OF) - pd.Timedelta(days=d) for d in (0, 92, 183, 20_000)]


def assert_windows_equal_revenue_by(source, tx, *, engine="duckdb") -> None:
    """One scan's windows equal revenue_by per window end, on ``engine`` and the pandas oracle."""
    for by in (["customer_id"], ["account_manager", "channel"]):
        frames = revenue_by_windows(source, by=by, ends=WINDOW_ENDS, window_days=365, engine=engine)
        assert len(frames) == len(WINDOW_ENDS) and frames[-1].empty  # 55 years back: no rows
        for end, frame in zip(WINDOW_ENDS, frames, strict=True):
            pd.testing.assert_frame_equal(
                frame, oracles.revenue_by_oracle(tx, by=by, as_of=end), check_exact=True
            )


def test_parquet_source_equals_dataframe(tmp_path):
    tx = random_transactions(seed=3)
    path = tmp_path / "tx.parquet"
    tx.to_parquet(path, index=False)
    for source in (path, str(tmp_path)):
        pd.testing.assert_frame_equal(
            build_customer_features(source, as_of=AS_OF, params=_params("duckdb")),
            build_customer_features(tx, as_of=AS_OF, params=_params("duckdb")),
            check_exact=True,
        )
    pd.testing.assert_frame_equal(
        revenue_by(path, by=["region"], as_of=AS_OF), revenue_by(tx, by=["region"], as_of=AS_OF)
    )


@pytest.mark.parametrize("lines", [3, 70])  # bit mask (<= 62 lines) and DISTINCT fallback
def test_product_line_count_with_many_lines(lines):
    names = [f"line{i:02d}" for i in range(lines)]
    tx = pd.DataFrame(
        {
            "customer_id": ["A"] * lines + ["B", "B", "B"],
            "order_date": pd.Timestamp("2026-01-01"),
            "amount": [10.0] * lines + [5.0, 5.0, -5.0],
            "product_line": names + [names[0], names[0], names[-1]],
        }
    )
    for engine in ("duckdb", "pandas"):
        f = oracles.features_on(engine).build_customer_features(
            tx, as_of=AS_OF, params=FeatureParams()
        )
        # paper: A bought every line; B bought one line twice, its other line only returned
        assert f["product_line_count"].tolist() == [lines, 1]


def test_order_ids_complete_reads_parquet_statistics(tmp_path):
    from insights.engine.duckdb import order_ids_complete

    tx = random_transactions(n=50)
    full = tx.assign(order_id=tx["order_id"].fillna("x"))
    full.to_parquet(tmp_path / "full.parquet", index=False)
    tx.to_parquet(tmp_path / "gaps.parquet", index=False)
    assert order_ids_complete(tmp_path / "full.parquet") is True
    assert order_ids_complete(tmp_path / "gaps.parquet") is False
    assert order_ids_complete(tmp_path) is False  # the directory holds both files
    pd.testing.assert_frame_equal(
        build_customer_features(tmp_path / "full.parquet", as_of=AS_OF, params=_params("duckdb")),
        _oracle_features(full),
        check_exact=True,
    )


def test_duckdb_memory_limit(monkeypatch):
    from insights.engine.duckdb import memory_limit

    monkeypatch.setenv("INSIGHTS_DUCKDB_MEMORY", "3GB")
    assert memory_limit() == "3GB"
    monkeypatch.setenv("INSIGHTS_DUCKDB_MEMORY", "3GB'; DROP TABLE x; --")
    with pytest.raises(ValueError, match="INSIGHTS_DUCKDB_MEMORY"):
        memory_limit()
    monkeypatch.delenv("INSIGHTS_DUCKDB_MEMORY")
    total_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
    default = memory_limit()
    assert default.endswith("MB") and 256 <= int(default[:-2]) <= max(total_mb // 2, 256)


def test_duckdb_memory_limit_leaves_what_the_report_holds():
    from insights.engine.duckdb import available_memory, spare_memory_mb

    gib = 2**30
    assert spare_memory_mb(24 * gib, 23 * gib) == 12 * 1024  # a fresh process: half the machine
    assert spare_memory_mb(24 * gib, 10 * gib) == 6 * 1024  # 14 GB held: 60% of what is left
    assert spare_memory_mb(24 * gib, None) == 12 * 1024  # no /proc/meminfo: half the machine
    assert spare_memory_mb(24 * gib, 100 * 2**20) == 256  # never below DuckDB's working floor
    assert 0 < available_memory() <= os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def assert_same_result(left, right, path: str = "result") -> None:
    """Assert two analysis results are equal: frames exactly, dataclasses field by field."""
    if isinstance(left, pd.DataFrame):
        pd.testing.assert_frame_equal(left, right, check_exact=True, obj=path)
    elif dataclasses.is_dataclass(left):
        assert type(left) is type(right), path
        for field in dataclasses.fields(left):
            assert_same_result(getattr(left, field.name), getattr(right, field.name),
                               f"{path}.{field.name}")
    elif isinstance(left, float) and np.isnan(left):
        assert np.isnan(right), path
    else:
        assert left == right, path


#: The dependency sections that read transactions, each run on one source (any kind).
DEPENDENCY_SECTIONS = {
    "trend": lambda s: concentration_trend(s, as_of=AS_OF, quarters=6),
    "managers": lambda s: manager_risk(s, as_of=AS_OF),
    "mix": lambda s: mix_diversification(s, as_of=AS_OF, service_product_lines=["service"],
                                         online_channels=["online"]),
    "portfolio": lambda s: group_portfolio(s, as_of=AS_OF, top=5),
}


def test_dependency_sections_equal_on_dataframe_and_parquet(tmp_path):
    """Trend, key-person risk, mix and the group portfolio read Parquet as they read frames."""
    frame = random_transactions().assign(unit=lambda f: np.where(f["region"] == "north", "a", "b"))
    path = tmp_path / "tx.parquet"
    frame.to_parquet(path, index=False)
    for source in (frame, path):
        assert set(frame.columns) <= columns_of(source)
    for name, run in DEPENDENCY_SECTIONS.items():
        assert_same_result(run(frame), run(path), name)
    # the random frame has managers missing on about a quarter of the rows: they are pooled
    assert "(unassigned)" in set(manager_risk(path, as_of=AS_OF).table["account_manager"])


def test_counts_and_date_bounds_on_every_source(tmp_path):
    # paper: 3 rows; channel filled on 1; dates 2026-01-05, 2026-03-01, 2026-10-02
    frame = pd.DataFrame({
        "customer_id": ["a", "b", "c"],
        "order_date": pd.to_datetime(["2026-03-01", "2026-01-05", "2026-10-02"]),
        "amount": [1.0, 2.0, 3.0],
        "channel": pd.array([None, "web", None], dtype="str"),
    })
    path = tmp_path / "tx.parquet"
    frame.to_parquet(path, index=False)
    for source in (frame, path):
        assert count_values(source, ["channel", "region"]) == {"channel": 1, "region": 0}
        assert order_date_bounds(source) == (
            pd.Timestamp("2026-01-05"), pd.Timestamp("2026-10-02"), 3)
        assert order_date_bounds(source, until=AS_OF) == (
            pd.Timestamp("2026-01-05"), pd.Timestamp("2026-03-01"), 2)
        assert order_date_bounds(source, until=pd.Timestamp("2025-01-01")) == (None, None, 0)
        assert count_rows(source) == 3 and count_rows(source, after=AS_OF) == 1
    with pytest.raises(ContractError, match="not canonical"):
        count_values(path, ["amount; DROP TABLE x"])
