"""Tests for insights.demo: the export format, determinism, the planted truths, params files.

Every planted truth is recomputed here with plain pandas from the definitions in
domain.md (T12M = as_of - 365 d < date <= as_of; a purchase = a distinct order_id; a
regular = 3+ purchases in the 180 days to the date), never with the toolkit's own modules.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd
import pytest

from insights import demo
from insights.params import load_params

ROOT = Path(__file__).resolve().parents[1]
AS_OF = pd.Timestamp("2026-09-30")
NBSP = "\u00a0"
MONEY = re.compile(r"-?\d{1,3}(\u00a0\d{3})*,\d{2}")


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    return {unit: demo.build_demo_transactions(unit) for unit in demo.DEMO_UNITS}


@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> dict[str, Path]:
    return demo.write_demo_exports(tmp_path_factory.mktemp("demo") / "nested" / "out")


def read_rows(path: Path) -> list[list[str]]:
    """Parse an export with the csv module (RFC 4180, ';'); the header is the first row."""
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline=""),
                           delimiter=";"))  # fmt: skip


def parse_money(text: pd.Series) -> pd.Series:
    return text.str.replace(NBSP, "").str.replace(",", ".").astype(float)


def t12m_revenue(frame: pd.DataFrame, as_of: pd.Timestamp = AS_OF) -> pd.Series:
    """Trailing-12-month net revenue per customer, customers with positive revenue only."""
    window = frame[(frame["order_date"] > as_of - pd.Timedelta(days=365))
                   & (frame["order_date"] <= as_of)]  # fmt: skip
    revenue = window.groupby("customer_id")["amount"].sum()
    return revenue[revenue > 0]


def purchases_in(frame: pd.DataFrame, days: int, as_of: pd.Timestamp) -> pd.Series:
    """Distinct order_ids per customer dated in (as_of - days, as_of]."""
    window = frame[(frame["order_date"] > as_of - pd.Timedelta(days=days))
                   & (frame["order_date"] <= as_of)]  # fmt: skip
    return window.groupby("customer_id")["order_id"].nunique()


def segments(frame: pd.DataFrame, lifecycle, as_of: pd.Timestamp = AS_OF) -> pd.Series:
    """Lifecycle segment per customer, first match wins (domain.md)."""
    seen = frame[frame["order_date"] <= as_of].groupby("customer_id")["order_date"]
    first, last = seen.min(), seen.max()
    window = purchases_in(frame, lifecycle.regular_window_days, as_of).reindex(first.index)
    ever = frame.groupby("customer_id")["order_id"].nunique().reindex(first.index)
    out = pd.Series("occasional", index=first.index)
    out[ever == 1] = "one_time"
    out[window.fillna(0) >= lifecycle.regular_min_purchases] = "regular"
    out[first > as_of - pd.Timedelta(days=lifecycle.new_days)] = "new"
    out[last <= as_of - pd.Timedelta(days=lifecycle.lost_days)] = "lost"
    return out


# --- export format ---------------------------------------------------------------------


def test_same_seed_writes_byte_identical_files_and_a_marker(exports, tmp_path):
    again = demo.write_demo_exports(tmp_path, seed=demo.DEFAULT_SEED)
    assert list(again) == list(demo.DEMO_UNITS)
    for unit, path in exports.items():
        assert path == exports[unit].parent / f"{unit}.csv"
        assert again[unit].read_bytes() == path.read_bytes()
    assert (tmp_path / ".complete").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [".complete", *(f"{u}.csv" for u in demo.DEMO_UNITS)]
    )  # no temporary files left


def test_another_seed_gives_other_data(exports):
    assert demo.export_demo_csv("corporate", seed=1) != exports["corporate"].read_bytes()


def test_export_is_a_russian_crm_csv(exports):
    for path in exports.values():
        raw = path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark
        assert raw.count(b"\n") == raw.count(b"\r\n")  # CRLF line ends only
        rows = read_rows(path)
        assert rows[0] == list(demo.EXPORT_COLUMNS)
        body = pd.DataFrame(rows[1:-1], columns=rows[0])
        assert body["Дата"].str.fullmatch(r"\d\d\.\d\d\.\d{4}").all()
        assert body["Сумма"].str.fullmatch(MONEY.pattern).sum() == len(body) - 1  # one 'н/д'
        assert body["Себестоимость"].str.fullmatch(MONEY.pattern).all()
        assert body["Референс"].isin(["да", "нет"]).all()
        ids = body["Код клиента"][body["Код клиента"] != ""]
        assert ids.str.fullmatch(r"\d{6}").all() and ids.str.startswith("0").any()
    text = exports["fleet"].read_text(encoding="utf-8-sig")
    assert '"ООО ""Рога & Копыта"""' in text  # quotes doubled, field quoted
    assert '"ООО «Магистраль; филиал Казань»"' in text  # the delimiter inside a quoted field
    assert f"1{NBSP}" in text  # thousands separated by a no-break space


def test_dirty_rows_are_planted_once_each(exports, frames):
    for unit, path in exports.items():
        rows = read_rows(path)
        body = pd.DataFrame(rows[1:-1], columns=rows[0])
        assert len(rows) - 1 == len(frames[unit]) + demo.DIRTY_ROWS_PER_UNIT
        assert (body["Код клиента"] == "").sum() == 1
        assert (body["Сумма"] == "н/д").sum() == 1
        assert (body["Дата"] == demo.FUTURE_DATE).sum() == 1
        assert body.duplicated(keep=False).sum() == 2  # one line exported twice
        total = rows[-1]
        assert total[0] == "Итого" and set(total[1:11] + total[12:]) == {""}
        parseable = body["Сумма"][body["Сумма"] != "н/д"]
        assert parse_money(pd.Series([total[11]]))[0] == pytest.approx(
            parse_money(parseable).sum(), abs=0.01
        )


def test_export_minus_dirty_rows_is_the_canonical_frame(exports, frames):
    for unit, path in exports.items():
        text = pd.read_csv(path, sep=";", encoding="utf-8-sig", dtype=str, keep_default_na=False)
        text = text.iloc[:-1]  # the total row
        text = text[(text["Код клиента"] != "") & (text["Сумма"] != "н/д")
                    & (text["Дата"] != demo.FUTURE_DATE)].drop_duplicates()  # fmt: skip
        got = text.rename(columns=demo.EXPORT_COLUMNS).reset_index(drop=True)
        got["order_date"] = pd.to_datetime(got["order_date"], format="%d.%m.%Y").astype(
            "datetime64[ns]"
        )
        for column in ("amount", "cost", "discount"):
            got[column] = parse_money(got[column])
        got["is_reference"] = got["is_reference"] == "да"
        pd.testing.assert_frame_equal(got, frames[unit], check_dtype=False)


# --- canonical frame contract ----------------------------------------------------------


def test_canonical_frame_types_and_ranges(frames):
    for unit, frame in frames.items():
        assert list(frame.columns) == list(demo.EXPORT_COLUMNS.values())
        assert str(frame["order_date"].dtype) == "datetime64[ns]"
        assert frame["amount"].dtype == "float64" and frame["is_reference"].dtype == bool
        assert pd.api.types.is_string_dtype(frame["customer_id"])
        assert not frame.isna().any().any()
        assert frame["order_date"].min() >= pd.Timestamp("2023-01-01")
        assert frame["order_date"].max() <= AS_OF
        assert (frame["unit"] == unit).all() and (frame["currency"] == "RUB").all()
        assert not frame.duplicated().any()
        assert frame["order_id"].str.fullmatch(r"[A-Z]{2}-20\d\d-\d{6}").all()


def test_orders_have_one_customer_one_date_and_one_to_three_lines(frames):
    for frame in frames.values():
        sales = frame[frame["amount"] > 0]
        per_order = sales.groupby("order_id")
        assert (per_order["customer_id"].nunique() == 1).all()
        assert (per_order["order_date"].nunique() == 1).all()
        assert per_order.size().between(1, 3).all() and (per_order.size() > 1).any()
        assert (per_order["product_line"].nunique() == per_order.size()).all()
        assert frame.groupby("order_id")["customer_id"].nunique().max() == 1


def test_returns_are_negative_lines_of_an_earlier_purchase(frames):
    for frame in frames.values():
        returns = frame[frame["amount"] < 0]
        assert 0.01 <= len(returns) / len(frame) <= 0.03
        keys = ["order_id", "customer_id", "product_line"]
        sales = frame[frame["amount"] > 0][[*keys, "order_date", "amount"]]
        matched = returns.merge(sales, on=keys, suffixes=("", "_sale"))
        assert len(matched) == len(returns)
        assert (matched["order_date_sale"] < matched["order_date"]).all()
        assert (-matched["amount"] <= matched["amount_sale"] + 0.01).all()


def test_every_unit_has_referral_online_cost_and_discounts(frames):
    for frame in frames.values():
        assert "referral" in set(frame["acquisition_source"])
        assert "online" in set(frame["channel"])
        sales = frame[frame["amount"] > 0]
        assert (sales["cost"] > 0).all() and (sales["discount"] >= 0).all()
        assert (sales["discount"] > 0).mean() > 0.05


def test_sizes_are_realistic(frames):
    assert sum(len(f) for f in frames.values()) >= 50_000
    assert sum(f["customer_id"].nunique() for f in frames.values()) >= 5_000


def test_unknown_unit_is_refused():
    with pytest.raises(ValueError, match="unknown demo unit"):
        demo.build_demo_transactions("../x")


# --- planted truths (as of 2026-09-30) -------------------------------------------------


def test_corporate_depends_on_one_customer_who_is_leaving(frames):
    frame = frames["corporate"]
    assert 30 <= frame["customer_id"].nunique() <= 50
    revenue = t12m_revenue(frame)
    shares = revenue / revenue.sum()
    assert 0.55 <= shares.max() <= 0.60
    assert ((100 * shares) ** 2).sum() > 1800  # HHI, high band
    key = frame[frame["customer_id"] == shares.idxmax()]
    by_quarter = key.groupby(key["order_date"].dt.to_period("Q"))["amount"].sum()
    before = by_quarter[["2025Q2", "2025Q3"]].mean()
    assert by_quarter["2026Q2"] < 0.5 * before and by_quarter["2026Q3"] < 0.5 * before
    q2_end, q3_end = pd.Timestamp("2026-06-30"), AS_OF
    assert purchases_in(key, 180, q2_end).iloc[0] >= 3  # a regular at the end of 2026Q2
    assert purchases_in(key, 180, q3_end).iloc[0] < 3  # no longer one at the end of 2026Q3


def test_corporate_one_manager_holds_most_revenue(frames):
    frame = frames["corporate"]
    window = frame[frame["order_date"] > AS_OF - pd.Timedelta(days=365)]
    by_manager = window.groupby("account_manager")["amount"].sum()
    assert by_manager.max() / by_manager.sum() > 0.5


def test_fleet_many_small_regular_buyers(frames):
    frame = frames["fleet"]
    lifecycle = load_params(ROOT / "params" / "fleet.yaml").lifecycle
    assert 1_000 <= frame["customer_id"].nunique() <= 2_000
    segment = segments(frame, lifecycle)
    active = segment[segment != "lost"]
    assert (active == "regular").mean() >= 0.35
    revenue = t12m_revenue(frame)
    assert revenue.max() / revenue.sum() < 0.05
    orders = frame[frame["amount"] > 0].groupby("order_id")["product_line"].agg(set)
    assert orders.map(lambda lines: {"vehicles", "insurance"} <= lines).any()
    assert 1 <= frame.loc[frame["is_reference"], "customer_id"].nunique() <= 30


def test_fleet_biggest_buyers_are_not_the_most_profitable(frames):
    frame = frames["fleet"]
    window = frame[frame["order_date"] > AS_OF - pd.Timedelta(days=365)]
    totals = (
        window.assign(contribution=window["amount"] - window["cost"])
        .groupby("customer_id")[["amount", "contribution"]]
        .sum()
    )
    losers = totals[totals["contribution"] < 0]
    assert len(losers) >= 3
    top_revenue = totals["amount"].nlargest(10).index
    assert (totals.loc[top_revenue, "contribution"] < 0).any()
    assert set(top_revenue) != set(totals["contribution"].nlargest(10).index)


def test_fleet_referral_share_of_new_customers_rises(frames):
    frame = frames["fleet"]
    first = frame.sort_values("order_date").drop_duplicates("customer_id")
    share = (first["acquisition_source"] == "referral").groupby(first["order_date"].dt.year).mean()
    assert list(share.index) == [2023, 2024, 2025, 2026]
    assert share.is_monotonic_increasing and share[2026] > share[2023] + 0.1


def test_retail_mostly_one_time_private_buyers(frames):
    frame = frames["retail"]
    assert 5_000 <= frame["customer_id"].nunique() <= 8_000
    assert (frame["customer_type"] == "private").all()
    purchases = frame.groupby("customer_id")["order_id"].nunique()
    assert (purchases == 1).mean() >= 0.60
    revenue = t12m_revenue(frame)
    assert revenue.max() / revenue.sum() < 0.05


def test_service_frequent_visits_across_lines(frames):
    frame = frames["service"]
    assert frame["customer_id"].nunique() >= 2_000
    assert {"maintenance", "repair", "insurance"} <= set(frame["product_line"])
    visits = purchases_in(frame, 365, AS_OF)
    assert visits.mean() >= 3  # several visits a year per active customer


def test_fleet_customers_also_in_service_keep_code_and_name(frames):
    fleet, service = frames["fleet"], frames["service"]
    names = ["customer_id", "customer_name"]
    fleet_names = fleet[names].drop_duplicates().set_index("customer_id")["customer_name"]
    service_names = service[names].drop_duplicates().set_index("customer_id")["customer_name"]
    assert fleet_names.index.is_unique and service_names.index.is_unique
    shared = fleet_names.index.intersection(service_names.index)
    assert 0.25 <= len(shared) / len(fleet_names) <= 0.35
    assert (fleet_names[shared] == service_names[shared]).all()
    assert not set(frames["retail"]["customer_id"]) & set(service["customer_id"])


# --- params (tests/test_params.py loads every params file) -------------------------------


def test_demo_params_read_the_demo_export():
    for unit in demo.DEMO_UNITS:
        params = load_params(ROOT / "params" / f"{unit}.yaml")
        assert params.source.paths == [f"data/demo/{unit}.csv"]
        assert params.column_map == demo.EXPORT_COLUMNS
        assert params.source.thousands == NBSP and params.source.decimal == ","
        assert params.source.delimiter == ";" and params.source.encoding == "utf-8-sig"
        assert str(params.source.export_date) == str(demo.EXPORT_DATE.date())
        assert params.features.online_channels == ["online"]
        assert params.report.show_customer_names == (unit in {"fleet", "corporate"})
