"""Tests for insights.mix: mix shares and direction, unit mix, group top customers, cross-selling."""

from __future__ import annotations

import pandas as pd
import pytest

from insights import mix, steps


def test_mix_shares_by_hand():
    # now: sales 3, repair 1 -> 0.75 / 0.25; a year ago: sales only -> 1.0 / 0.0
    table = mix.mix_shares(pd.Series({"sales": 3.0, "repair": 1.0}), pd.Series({"sales": 1.0}))
    assert table["value"].tolist() == ["sales", "repair"]
    assert table["share"].tolist() == pytest.approx([0.75, 0.25])
    assert table["share_year_ago"].tolist() == pytest.approx([1.0, 0.0])
    assert table["share_change"].tolist() == pytest.approx([-0.25, 0.25])


def test_summarize_mix_hhi_and_change_by_hand():
    record = mix.summarize_mix(
        pd.Series({"sales": 3.0, "repair": 1.0}),
        pd.Series({"sales": 1.0}),
        dimension="product_line",
    )
    # 75^2 + 25^2 = 6250 now; 10000 a year ago
    assert record["hhi"] == pytest.approx(6250.0)
    assert record["hhi_change"] == pytest.approx(-3750.0)
    assert record["top_value"] == "sales" and record["top_share"] == pytest.approx(0.75)
    assert record["effective_number"] == pytest.approx(1.6)


def test_mix_direction_toward_away_flat_and_not_configured():
    table = mix.mix_shares(pd.Series({"sales": 3.0, "repair": 1.0}), pd.Series({"sales": 1.0}))
    toward = mix.mix_direction(
        table, dimension="product_line", targets=["repair"], label="services"
    )
    assert toward["direction"] == "toward" and toward["change"] == pytest.approx(0.25)
    away = mix.mix_direction(table, dimension="product_line", targets=["sales"], label="x")
    assert away["direction"] == "away"
    flat = mix.mix_shares(pd.Series({"a": 100.0, "b": 1.0}), pd.Series({"a": 100.0, "b": 1.0}))
    assert mix.mix_direction(flat, dimension="d", targets=["b"], label="x")["direction"] == "flat"
    unset = mix.mix_direction(table, dimension="product_line", targets=[], label="services")
    assert unset["direction"] == "not configured"


def test_mix_direction_without_a_year_ago_says_no_history_and_keeps_its_fields():
    table = mix.mix_shares(pd.Series({"sales": 3.0, "repair": 1.0}), pd.Series(dtype=float))
    record = mix.mix_direction(table, dimension="product_line", targets=["repair"], label="services")
    assert list(record) == ["target", "dimension", "values", "share", "share_year_ago", "change",
                            "direction"]
    assert record["direction"] == "no history" and record["share"] == pytest.approx(0.25)
    assert pd.isna(record["share_year_ago"]) and pd.isna(record["change"])
    unset = mix.mix_direction(table, dimension="product_line", targets=[], label="services")
    assert list(unset) == list(record) and pd.isna(unset["share"]) and pd.isna(unset["change"])


def test_year_earlier_keeps_quarter_ends():
    assert mix.year_earlier("2026-09-30") == pd.Timestamp("2025-09-30")
    assert mix.year_earlier("2024-12-31") == pd.Timestamp("2023-12-31")
    assert mix.year_earlier("2024-03-31") == pd.Timestamp("2023-03-31")


def _tx() -> pd.DataFrame:
    # a year ago (to 2025-09-30): vehicles 90, repair 10; dealership 100
    # now (to 2026-09-30): vehicles 60, repair 40; dealership 60, online 40
    return pd.DataFrame(
        {
            "customer_id": ["1", "2", "1", "2", "3"],
            "order_date": pd.to_datetime(
                ["2025-03-01", "2025-04-01", "2026-03-01", "2026-04-01", "2026-05-01"]
            ),
            "amount": [90.0, 10.0, 60.0, 20.0, 20.0],
            "product_line": ["vehicles", "repair", "vehicles", "repair", "repair"],
            "channel": ["dealership", "dealership", "dealership", "online", "online"],
            "region": ["north"] * 5,
        }
    )


def test_mix_diversification_on_transactions():
    tx = _tx()
    before = tx.copy()
    result = steps.mix_diversification(
        tx, as_of="2026-09-30", service_product_lines=["repair"], online_channels=["online"]
    )
    assert result.status == "ok"
    assert "customer_type" in result.missing and "unit" in result.missing
    assert result.single_valued == ("region",)
    direction = result.direction.set_index("target")
    assert direction.loc["services", "share"] == pytest.approx(0.4)
    assert direction.loc["services", "share_year_ago"] == pytest.approx(0.1)
    assert direction.loc["services", "direction"] == "toward"
    assert direction.loc["online", "direction"] == "toward"
    summary = result.summary.set_index("dimension")
    assert summary.loc["product_line", "hhi"] == pytest.approx(60**2 + 40**2)
    assert summary.loc["product_line", "hhi_year_ago"] == pytest.approx(90**2 + 10**2)
    pd.testing.assert_frame_equal(tx, before)


def test_mix_diversification_takes_revenue_per_value_now_and_a_year_ago():
    revenue = {
        "product_line": (pd.Series({"vehicles": 60.0, "repair": 40.0}),
                         pd.Series({"vehicles": 90.0, "repair": 10.0})),
        "region": (pd.Series({"north": 100.0}), pd.Series({"north": 100.0})),
    }
    result = mix.mix_diversification(
        revenue, dimensions=("product_line", "region", "channel"), service_product_lines=["repair"]
    )
    assert result.missing == ("channel",) and result.single_valued == ("region",)
    services = result.direction.set_index("target").loc["services"]
    assert services["share"] == pytest.approx(0.4) and services["share_year_ago"] == pytest.approx(0.1)
    assert mix.group_portfolio(None, unit_mix={}).status == "no_units"


def test_mix_diversification_without_dimensions():
    tx = _tx()[["customer_id", "order_date", "amount"]]
    result = steps.mix_diversification(
        tx, as_of="2026-09-30")
    assert result.status == "no_dimensions" and result.reason


def _unit_revenue() -> pd.DataFrame:
    # c1: fleet 100 + service 50; c2: fleet 80; c3: service 40, retail -5; c4: retail 10
    return pd.DataFrame(
        {
            "customer_id": ["c1", "c1", "c2", "c3", "c3", "c4"],
            "unit": ["fleet", "service", "fleet", "service", "retail", "retail"],
            "revenue": [100.0, 50.0, 80.0, 40.0, -5.0, 10.0],
        }
    )


def test_cross_unit_customers_by_hand():
    cross = mix.cross_unit_customers(_unit_revenue())
    # buying (positive) pairs: c1 fleet+service, c2 fleet, c3 service, c4 retail
    assert cross.status == "ok"
    assert cross.multi_unit_share == pytest.approx(1 / 4)
    assert cross.multi_unit_revenue_share == pytest.approx(150 / 280)
    by_units = cross.by_units.set_index("units_bought")
    assert by_units.loc[1, "customers"] == 3 and by_units.loc[2, "customers"] == 1
    assert cross.pairs.iloc[0][["unit_a", "unit_b", "shared_customers"]].tolist() == [
        "fleet", "service", 1,
    ]  # fmt: skip


def test_group_top_customers_by_hand():
    top = mix.group_top_customers(_unit_revenue(), top=2)
    # per customer: c1 150, c2 80, c3 35, c4 10 -> total 275
    assert top["customer_id"].tolist() == ["c1", "c2"]
    assert top.loc[0, "share"] == pytest.approx(150 / 275)
    assert top.loc[0, "units"] == 2
    assert top.loc[0, "main_unit"] == "fleet"
    assert top.loc[0, "unit_list"] == "fleet, service"


def test_cross_selling_with_one_unit_and_no_revenue():
    one = _unit_revenue().assign(unit="fleet")
    assert mix.cross_unit_customers(one).status == "one_unit"
    none = _unit_revenue().assign(revenue=-1.0)
    assert mix.cross_unit_customers(none).status == "no_revenue"


def test_group_portfolio_needs_a_unit_column():
    tx = _tx()
    assert steps.group_portfolio(tx, as_of="2026-09-30").status == "no_units"
    group = steps.group_portfolio(tx.assign(unit=["a", "b", "a", "b", "b"]), as_of="2026-09-30")
    assert group.status == "ok"
    # now: unit a 60, unit b 40
    assert group.unit_mix.summary.loc[0, "top_share"] == pytest.approx(0.6)
    assert group.top_customers["customer_id"].tolist()[0] == "1"


def test_inputs_not_mutated():
    revenue = _unit_revenue()
    before = revenue.copy()
    mix.cross_unit_customers(revenue)
    mix.group_top_customers(revenue)
    pd.testing.assert_frame_equal(revenue, before)
