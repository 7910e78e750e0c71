"""The group report segments each customer as its own unit's report does (issue 15, item 7).

A customer is segmented on its main unit's rows (the unit bringing most of its revenue),
with that unit's lifecycle windows (``lifecycle.by_unit``), so the group and unit reports
agree; the demo test runs the pipeline's own customer step on every demo unit.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from insights import demo, pipeline, steps
from insights.params import (
    FeatureParams,
    LifecycleParams,
    LifecycleWindows,
    ParamsError,
    load_params,
    parse_params,
)
from insights.periods import quarter_end
from insights.reporting.behaviour import lifecycle_rules_table

from conftest import write_demo_exports

ROOT = Path(__file__).resolve().parents[1]
AS_OF = pd.Timestamp("2026-09-30")
RETAIL = LifecycleWindows(lost_days=730, new_days=90, regular_window_days=365, regular_min_purchases=3)


def _rows(customer: str, unit: str, days_before: list[int], amount: float = 100.0) -> pd.DataFrame:
    return pd.DataFrame({
        "customer_id": customer, "unit": unit, "amount": amount,
        "order_date": [AS_OF - pd.Timedelta(days=d) for d in days_before],
    })  # fmt: skip


def _transactions() -> pd.DataFrame:
    # r1: retail only, one purchase 500 days ago: lost with 365 days, one-time with retail's 730.
    # r2: retail only, purchases 300, 200 and 100 days ago: 3 in 365 days (retail: regular),
    #     1 in 180 days (group windows: occasional).
    # x: fleet main unit (1000 of revenue, 3 purchases in 180 days: regular in fleet), plus
    #    one retail purchase of 50 ten days ago: on all its rows it would still be regular,
    #    and fleet's windows apply; its retail row is not counted (3, not 4, purchases).
    # f: fleet only, one purchase 400 days ago: lost under fleet's 365 days.
    return pd.concat([
        _rows("r1", "retail", [500]), _rows("r2", "retail", [300, 200, 100]),
        _rows("x", "fleet", [150, 100, 50], amount=1000.0), _rows("x", "retail", [10], amount=50.0),
        _rows("f", "fleet", [400]),
    ], ignore_index=True)  # fmt: skip


def _features(transactions: pd.DataFrame, lifecycle: LifecycleParams) -> pd.DataFrame:
    from insights.features import build_customer_features

    return build_customer_features(transactions, as_of=AS_OF, params=FeatureParams(), lifecycle=lifecycle)


def test_each_customer_is_segmented_with_its_main_units_windows_on_its_rows():
    group = LifecycleParams(by_unit={"retail": RETAIL, "fleet": LifecycleWindows()})
    tx = _transactions()
    feats = _features(tx, group)
    assert feats.set_index("customer_id").loc["x", "unit"] == "fleet"  # most revenue
    got = steps.lifecycle_segments(tx, feats, as_of=AS_OF, params=FeatureParams(), lifecycle=group)
    seg = dict(zip(got["customer_id"], got["segment"].astype(str), strict=True))
    assert seg == {"r1": "one-time", "r2": "regular", "x": "regular", "f": "lost"}
    plain = steps.lifecycle_segments(tx, feats, as_of=AS_OF, params=FeatureParams(),
                                     lifecycle=LifecycleParams())  # fmt: skip
    assert dict(zip(plain["customer_id"], plain["segment"].astype(str), strict=True)) == {
        "r1": "lost", "r2": "occasional", "x": "regular", "f": "lost"}  # fmt: skip
    assert list(got["customer_id"]) == list(feats["customer_id"])  # the features' order


def test_a_customer_of_an_unlisted_unit_keeps_the_group_windows():
    group = LifecycleParams(by_unit={"fleet": LifecycleWindows()})
    tx = _transactions()
    got = steps.lifecycle_segments(tx, _features(tx, group), as_of=AS_OF, params=FeatureParams(),
                                   lifecycle=group)  # fmt: skip
    assert got.set_index("customer_id").loc["r1", "segment"] == "lost"


def test_unit_rows_refuses_what_is_not_a_unit_name():
    with pytest.raises(ValueError, match="not a unit name"):
        steps.unit_rows(_transactions(), unit="retail' OR '1'='1")
    with pytest.raises(ParamsError, match="by_unit"):
        bad = {"unit": "group", "source": {"paths": ["x.csv"]}, "lifecycle": {"by_unit": {"Retail!": {}}}}
        parse_params(bad, origin="test")


def test_the_group_params_carry_each_units_own_windows_and_name_policy():
    group = load_params(ROOT / "params" / "group.yaml")
    units = set(demo.DEMO_UNITS)
    assert set(group.lifecycle.by_unit) == units == set(group.report.unit_name_policy)
    for unit in units:
        own = load_params(ROOT / "params" / f"{unit}.yaml")
        assert group.lifecycle.by_unit[unit].model_dump() == {
            k: v for k, v in own.lifecycle.model_dump().items() if k != "by_unit"}, unit  # fmt: skip
        assert group.report.unit_name_policy[unit] == own.report.show_customer_names, unit


def test_the_rules_table_shows_one_column_per_unit():
    table = lifecycle_rules_table(LifecycleParams(by_unit={"retail": RETAIL, "fleet": LifecycleWindows()}))
    text = table.unescape()
    assert "no purchase in the last 730 days" in text and "no purchase in the last 365 days" in text
    assert "main unit" in text
    assert "730" not in lifecycle_rules_table(LifecycleParams()).unescape()


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("group")
    shutil.copytree(ROOT / "params", folder / "params")
    write_demo_exports(folder / "data" / "demo")
    return folder


def _customer_step(root: Path, unit: str) -> tuple[pd.DataFrame, dict]:
    """Run the report's customer step (``pipeline.prepare_report``'s) for ``unit``."""
    params = load_params(root / "params" / f"{unit}.yaml")
    data = pipeline.load_unit(params, root=root)
    period = pd.Period("2026Q3", "Q")
    base = {"params": params, "data": data, "quarter": period, "as_of": quarter_end(period),
            "as_of_prev": quarter_end(period - 1), "as_of_year": quarter_end(period - 4)}  # fmt: skip
    done = pipeline._customer_steps(base)
    return done["features_now"], done


@pytest.mark.slow
def test_every_customer_has_its_units_segment_and_label_in_the_group_report(root):
    group_features, group = _customer_step(root, "group")
    segment = group["segments_now"].set_index("customer_id")["segment"].astype(str)
    main_unit = group_features.set_index("customer_id")["unit"]
    for unit in demo.DEMO_UNITS:
        _, own = _customer_step(root, unit)
        own_segment = own["segments_now"].set_index("customer_id")["segment"].astype(str)
        ids = main_unit.index[main_unit == unit]
        assert len(ids) > 0, unit
        pd.testing.assert_series_equal(segment[ids], own_segment[ids], check_names=False)
        shown = [group["labels"][c] for c in ids[:50]]
        assert shown == [own["labels"][c] for c in ids[:50]], unit
    # the windows matter: retail customers 365-729 days since their last purchase are lost
    # under the group's own 365 days, and not under retail's 730
    recency = group_features.set_index("customer_id")["recency_days"]
    between = recency.index[(main_unit == "retail") & recency.between(365, 729)]
    assert len(between) > 0 and not (segment[between] == "lost").any()


def test_the_group_tables_show_units_by_their_labels_never_their_codes():
    from types import SimpleNamespace

    from insights.reporting.labels import set_labels
    from insights.reporting.mix import describe_group, group_top_table

    top = pd.DataFrame({"rank": [1], "customer_id": ["c1"], "revenue": [10.0], "share": [0.6],
                        "units": [2], "main_unit": ["fleet"], "unit_list": ["fleet, service"]})  # fmt: skip
    portfolio = SimpleNamespace(status="ok", top_customers=top, cross_selling=None,
                                unit_mix=SimpleNamespace(status="no_units"))  # fmt: skip
    set_labels({"unit": {"fleet": {"en": "Fleet sales"}, "service": {"en": "Workshop"}}})
    try:
        table = group_top_table(portfolio, labels={"c1": "Cust"}).unescape()
        text = describe_group(portfolio, labels={"c1": "Cust"}).unescape()
    finally:
        set_labels(None)
    assert "Fleet sales, Workshop" in table and "fleet, service" not in table
    assert "buys from Fleet sales, Workshop" in text
