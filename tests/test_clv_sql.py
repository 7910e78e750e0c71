"""Lifetime value from Parquet data or a PostgreSQL table equals lifetime value from a DataFrame.

Every source runs ``insights.features.purchases_sql``'s queries (DuckDB over a DataFrame or
Parquet, Spark, PostgreSQL); the NumPy twin in ``tests/oracles.py`` computes the same purchase
days a second way. Money is summed in whole hundredths everywhere, so the frames must be
identical, not merely close.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from insights import demo
from insights.engine.postgres import PostgresTable
from insights.features.purchases import (
    estimate_margin_share,
    summarize_lifetime_revenue,
    summarize_purchases,
    summarize_purchases_and_lifetime,
    summarize_purchases_lifetime_and_holdout,
)
from insights.features.purchases_sql import (
    fetch_margin_totals,
    fetch_purchase_days,
    purchase_days_sql,
)
from insights.features.sql import POSTGRES, SPARK
from insights.params import ClvParams
from insights.schema import ContractError
from insights.steps import build_clv

import oracles

AS_OF = pd.Timestamp("2026-09-30")
CALIBRATION_END = pd.Timestamp("2026-03-31")


def _write_dataset(frame: pd.DataFrame, directory: Path, parts: int = 2) -> Path:
    """Write ``frame`` as ``part-*.parquet`` files of consecutive rows (Spark reads no ns)."""
    directory.mkdir(parents=True)
    for i, chunk in enumerate(np.array_split(np.arange(len(frame)), parts)):
        frame.iloc[chunk].to_parquet(
            directory / f"part-{i}.parquet", index=False, coerce_timestamps="us"
        )
    return directory


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    """The fleet demo unit's transactions, and the same rows as a 3-file Parquet dataset."""
    tx = demo.build_demo_transactions("fleet")
    return tx, _write_dataset(tx, tmp_path_factory.mktemp("fleet") / "tx", parts=3)


# --- demo data: the SQL path equals the NumPy oracle exactly ------------------------------


@pytest.mark.parametrize("start", [None, CALIBRATION_END])
def test_purchase_days_sql_equals_numpy_oracle(fleet, start):
    tx, path = fleet
    expected = oracles.purchase_days(tx, start=start, end=AS_OF)
    assert len(expected) > 1000
    for source in (tx, path):
        got = fetch_purchase_days(source, start=start, end=AS_OF, engine="duckdb")
        pd.testing.assert_frame_equal(got, expected, check_exact=True, check_dtype=False)
    totals = fetch_margin_totals(tx, set(tx.columns), as_of=AS_OF, engine="duckdb")
    expected_totals = oracles.margin_totals(tx, as_of=AS_OF)
    assert {k: totals[k] for k in expected_totals} == expected_totals


@pytest.mark.parametrize("calibration_end", [None, CALIBRATION_END])
def test_purchase_summary_from_parquet_equals_frame(fleet, calibration_end):
    tx, path = fleet
    frame = summarize_purchases(tx, as_of=AS_OF, calibration_end=calibration_end)
    parquet = summarize_purchases(path, as_of=AS_OF, calibration_end=calibration_end)
    assert len(frame) > 1000 and (frame["frequency"] > 0).sum() > 100
    if calibration_end is not None:
        assert frame["frequency_holdout"].sum() > 0
    pd.testing.assert_frame_equal(parquet, frame, check_exact=True)


def test_lifetime_revenue_from_parquet_equals_frame(fleet):
    tx, path = fleet
    frame = summarize_lifetime_revenue(tx, as_of=AS_OF)
    assert (frame["repeat_revenue"] != 0).sum() > 100
    pd.testing.assert_frame_equal(
        summarize_lifetime_revenue(path, as_of=AS_OF), frame, check_exact=True
    )


def test_margin_share_from_parquet_equals_frame(fleet, tmp_path):
    tx, path = fleet
    share, source = estimate_margin_share(tx, as_of=AS_OF)
    assert 0 < share < 1 and source == "the data's cost column"
    assert estimate_margin_share(path, as_of=AS_OF) == (share, source)
    bare = _write_dataset(tx[["customer_id", "order_date", "amount"]], tmp_path / "bare")
    assert estimate_margin_share(bare, as_of=AS_OF) == (None, "the data has no margin or cost")


def _assert_same_clv(got, expected) -> None:
    assert (got.status, got.reason, got.model, got.notes) == (
        expected.status, expected.reason, expected.model, expected.notes,
    )
    assert got.margin_share == expected.margin_share
    assert got.fit == expected.fit and got.spend_fit == expected.spend_fit  # every parameter
    pd.testing.assert_frame_equal(got.customers, expected.customers, check_exact=True)
    pd.testing.assert_frame_equal(got.lifetime, expected.lifetime, check_exact=True)
    pd.testing.assert_frame_equal(
        got.holdout.customers, expected.holdout.customers, check_exact=True
    )


def test_build_clv_from_parquet_equals_frame(fleet):
    tx, path = fleet
    before = tx.copy(deep=True)
    expected = build_clv(tx, as_of=AS_OF, params=ClvParams())
    pd.testing.assert_frame_equal(tx, before)  # input not mutated
    assert expected.ok and expected.holdout.status == "ok"
    assert "clv" in expected.customers and expected.margin_share < 1  # scored, cost-based margin
    _assert_same_clv(build_clv(path, as_of=AS_OF, params=ClvParams()), expected)


# --- a frame small enough to check on paper ------------------------------------------------


def _hand_tx() -> pd.DataFrame:
    """Ten rows: two on one day, returns, rows after as_of (2024-03-31), a row without id.

    Ids in code-point order: "B" < "a" < "b" < "Жук" (a locale collation would put "a" first).
    """
    return pd.DataFrame(
        {
            "customer_id": pd.array(
                ["b", "b", "b", "b", "a", "B", "B", "Жук", "c", None], dtype="string"
            ),
            "order_date": pd.to_datetime(
                ["2024-01-10", "2024-01-10", "2024-02-01", "2024-04-02", "2024-03-01",
                 "2024-01-05", "2024-03-31", "2024-02-15", "2024-04-01", "2024-01-01"]
            ),
            "amount": [0.1, 0.2, 0.3, 100.0, 5.0, 2.5, -1.25, 7.0, 3.0, 9.0],
            "margin": [0.1, 0.1, 0.1, 50.0, 1.0, 1.0, 0.0, 3.5, 50.0, 0.75],
        }
    )


@pytest.fixture
def hand(tmp_path):
    tx = _hand_tx()
    return tx, _write_dataset(tx, tmp_path / "hand", parts=2)  # b's Jan 10 rows split


@pytest.mark.parametrize("source", ["frame", "parquet"])
def test_lifetime_revenue_by_hand(hand, source):
    tx, path = hand
    life = summarize_lifetime_revenue(tx if source == "frame" else path, as_of="2024-03-31")
    # Worked on paper, rows up to 2024-03-31 with an id (b's Apr 2, c and the id-less row out):
    # B: Jan 5 (2.50), Mar 31 (-1.25, a day of net returns: no purchase) -> 1 purchase day,
    #    first 2.50, lifetime 1.25 (net of the return), ratio 0.5
    # a: Mar 1 (5) -> 1 day, first 5, lifetime 5, ratio 1
    # b: Jan 10 (0.10 + 0.20 = 0.30, one day), Feb 1 (0.30) -> 2 days, lifetime 0.60 exactly
    #    (summed in hundredths: 10 + 20 + 30 = 60; plain floats give 0.6000000000000001), ratio 2
    # Жук: Feb 15 (7) -> 1 day, first 7, lifetime 7, ratio 1
    assert life["customer_id"].tolist() == ["B", "a", "b", "Жук"]
    assert life["purchase_days"].tolist() == [1, 1, 2, 1]
    assert life["first_purchase_date"].dt.strftime("%m-%d").tolist() == [
        "01-05", "03-01", "01-10", "02-15",
    ]
    assert life["last_purchase_date"].dt.strftime("%m-%d").tolist() == [
        "01-05", "03-01", "02-01", "02-15",
    ]
    assert life["first_purchase_revenue"].tolist() == [2.5, 5.0, 0.3, 7.0]
    assert life["repeat_revenue"].tolist() == [-1.25, 0.0, 0.3, 0.0]
    assert life["lifetime_revenue"].tolist() == [1.25, 5.0, 0.6, 7.0]
    assert life["lifetime_to_first"].tolist() == [0.5, 1.0, 2.0, 1.0]


@pytest.mark.parametrize("source", ["frame", "parquet"])
def test_purchase_summary_by_hand(hand, source):
    tx, path = hand
    s = summarize_purchases(tx if source == "frame" else path, as_of="2024-03-31", time_unit="day")
    # On paper (2024 is a leap year): B Jan 5 -> Mar 31 = 26 + 29 + 31 = 86 days, and B's
    # Mar 31 return is not a repeat purchase; a Mar 1 -> Mar 31 = 30; b Jan 10 -> Feb 1 = 22,
    # Jan 10 -> Mar 31 = 21 + 29 + 31 = 81; Жук Feb 15 -> Mar 31 = 14 + 31 = 45.
    # m_x = mean of repeat days: b 0.30.
    assert s["customer_id"].tolist() == ["B", "a", "b", "Жук"]
    assert s["frequency"].tolist() == [0, 0, 1, 0]
    assert s["recency"].tolist() == [0.0, 0.0, 22.0, 0.0]
    assert s["T"].tolist() == [86.0, 30.0, 81.0, 45.0]
    assert s["monetary_value"].tolist() == [0.0, 0.0, 0.3, 0.0]
    held = summarize_purchases(tx if source == "frame" else path, as_of="2024-03-31",
                               time_unit="day", calibration_end="2024-01-31")
    # Calibration to Jan 31: only B (Jan 5, T = 26) and b (Jan 10, one day of 0.30, T = 21).
    # Holdout (Jan 31, Mar 31], 29 + 31 = 60 days: b Feb 1 (0.30); B's Mar 31 return is no
    # purchase.
    assert held["customer_id"].tolist() == ["B", "b"]
    assert held["frequency"].tolist() == [0, 0] and held["T"].tolist() == [26.0, 21.0]
    assert held["frequency_holdout"].tolist() == [0, 1]
    assert held["monetary_value_holdout"].tolist() == [0.0, 0.3]
    assert held["duration_holdout"].tolist() == [60.0, 60.0]


@pytest.mark.parametrize("source", ["frame", "parquet"])
def test_summary_and_lifetime_from_one_scan_equal_the_two_by_hand(hand, source):
    data = hand[0] if source == "frame" else hand[1]
    summary, life = summarize_purchases_and_lifetime(data, as_of="2024-03-31", time_unit="day")
    # the same frames as the worked examples above: b bought on 2 days (x = 1, t_x = 22,
    # T = 81), lifetime 0.60 exactly
    pd.testing.assert_frame_equal(
        summary, summarize_purchases(data, as_of="2024-03-31", time_unit="day"))
    pd.testing.assert_frame_equal(life, summarize_lifetime_revenue(data, as_of="2024-03-31"))
    assert summary.set_index("customer_id").loc["b", ["frequency", "recency", "T"]].tolist() == [
        1, 22.0, 81.0]
    assert life["lifetime_revenue"].tolist() == [1.25, 5.0, 0.6, 7.0]


def _three_scans(data, *, as_of, calibration_end, time_unit="week", engine="duckdb"):
    """The three frames lifetime value reads, each from its own scan (the reference)."""
    summary, life = summarize_purchases_and_lifetime(data, as_of=as_of, time_unit=time_unit,
                                                     engine=engine)  # fmt: skip
    held = summarize_purchases(data, as_of=as_of, calibration_end=calibration_end,
                               time_unit=time_unit, engine=engine)  # fmt: skip
    return summary, life, held


def _assert_frames_equal(got, expected) -> None:
    for one, other in zip(got, expected, strict=True):
        pd.testing.assert_frame_equal(one, other, check_exact=True)


@pytest.mark.parametrize("source", ["frame", "parquet"])
def test_one_scan_of_three_windows_equals_three_scans_on_the_demo(fleet, source):
    data = fleet[0] if source == "frame" else fleet[1]
    got = summarize_purchases_lifetime_and_holdout(data, as_of=AS_OF, calibration_end=CALIBRATION_END)
    expected = _three_scans(data, as_of=AS_OF, calibration_end=CALIBRATION_END)
    assert len(got[2]) > 1000 and got[2]["frequency_holdout"].sum() > 100
    _assert_frames_equal(got, expected)


@pytest.mark.parametrize("source", ["frame", "parquet"])
def test_one_scan_of_three_windows_by_hand_with_a_day_split_by_the_calibration_end(
        tmp_path, source):
    # Calibration to Jan 31 00:00, holdout to Mar 31. p's Jan 31 holds 10.00 at 00:00
    # (calibration) and a 25.00 return at 15:00 (holdout): the whole day nets -15, no purchase
    # up to Mar 31; the calibration part (+10) is a purchase. So p is in the holdout summary
    # (x = 0, T = 0 days) but not in the summary as of Mar 31 (its only day nets a return).
    # q buys Jan 5 (7.00) and Feb 2 (3.00): x = 1 now; in calibration x = 0, one holdout day
    # of 3.00. r buys only in the holdout (Mar 1): summary now, not in the holdout frame.
    # s only returns: nowhere.
    tx = pd.DataFrame(
        {
            "customer_id": ["p", "p", "q", "q", "r", "s"],
            "order_date": pd.to_datetime(["2024-01-31 00:00", "2024-01-31 15:00", "2024-01-05 00:00",
                                          "2024-02-02 00:00", "2024-03-01 00:00", "2024-02-10 00:00"]),
            "amount": [10.0, -25.0, 7.0, 3.0, 4.0, -5.0],
        }
    )  # fmt: skip
    data = tx if source == "frame" else _write_dataset(tx, tmp_path / "split", parts=2)
    summary, life, held = got = summarize_purchases_lifetime_and_holdout(
        data, as_of="2024-03-31", calibration_end="2024-01-31", time_unit="day")
    assert summary["customer_id"].tolist() == ["q", "r"]
    assert summary["frequency"].tolist() == [1, 0]
    assert life["lifetime_revenue"].tolist() == [10.0, 4.0]
    assert held["customer_id"].tolist() == ["p", "q"]
    assert held["frequency"].tolist() == [0, 0] and held["T"].tolist() == [0.0, 26.0]
    assert held["frequency_holdout"].tolist() == [0, 1]
    assert held["monetary_value_holdout"].tolist() == [0.0, 3.0]
    _assert_frames_equal(got, _three_scans(data, as_of="2024-03-31", calibration_end="2024-01-31",
                                           time_unit="day"))


@pytest.mark.parametrize("source", ["frame", "parquet"])
def test_margin_share_by_hand(hand, source):
    tx, path = hand
    # Rows up to Mar 31 (the margin share does not need a customer id): revenue
    # 0.1 + 0.2 + 0.3 + 5 + 2.5 - 1.25 + 7 + 9 = 22.85; margin 0.3 + 1 + 1 + 0 + 3.5 + 0.75 = 6.55.
    share, origin = estimate_margin_share(tx if source == "frame" else path, as_of="2024-03-31")
    assert share == 655 / 2285 and origin == "the data's margin column"


# --- contracts ----------------------------------------------------------------------------


def test_source_and_engine_mismatches_are_contract_errors(hand, tmp_path):
    tx, path = hand
    with pytest.raises(ContractError, match="clv_data: engine must be one of"):
        build_clv(path, as_of="2024-03-31", params=ClvParams(), engine="pandas")
    with pytest.raises(ContractError, match="summarize_purchases: engine='spark' reads Parquet"):
        summarize_purchases(tx, as_of="2024-03-31", engine="spark")
    with pytest.raises(ContractError, match="engine must be one of"):
        summarize_lifetime_revenue(tx, as_of="2024-03-31", engine="polars")
    no_amount = _write_dataset(tx.drop(columns="amount"), tmp_path / "no_amount")
    with pytest.raises(ContractError, match="clv_data: Parquet data lacks column"):
        build_clv(no_amount, as_of="2024-03-31", params=ClvParams())


def test_empty_window_gives_empty_frames(hand):
    _, path = hand
    life = summarize_lifetime_revenue(path, as_of="2023-12-31")
    assert life.empty and life.columns[0] == "customer_id"
    pd.testing.assert_frame_equal(
        summarize_purchases(path, as_of="2023-12-31"),
        summarize_purchases(_hand_tx(), as_of="2023-12-31"),
        check_exact=True,
    )


def test_query_text_is_built_for_each_dialect():
    text = purchase_days_sql(start=None, end=AS_OF, dialect=POSTGRES).select
    assert "ORDER BY c.customer_id COLLATE \"C\"" in text and "CAST(order_date AS DATE)" in text
    spark = purchase_days_sql(start=CALIBRATION_END, end=AS_OF, dialect=SPARK).select
    assert "order_date > TIMESTAMP '2026-03-31 00:00:00'" in spark and "AS STRING" in spark


# --- other engines: PostgreSQL (pushed down) and Spark ---------------------------------------


@pytest.fixture(scope="module")
def fleet_table(postgres, fleet):
    """The fleet rows' canonical money columns in table ``clv_fleet`` of the test server."""
    psycopg = pytest.importorskip("psycopg")
    tx = fleet[0][["customer_id", "order_date", "amount", "cost"]]
    with psycopg.connect(postgres, autocommit=True) as con, con.cursor() as cur:
        cur.execute("CREATE TABLE clv_fleet (customer_id TEXT, order_date TIMESTAMP, "
                    "amount DOUBLE PRECISION, cost DOUBLE PRECISION)")
        with cur.copy("COPY clv_fleet FROM STDIN") as copy:
            for row in tx.astype(object).itertuples(index=False):
                copy.write_row([None if pd.isna(v) else v for v in row])
    return PostgresTable(dsn=postgres, table="clv_fleet")


def test_build_clv_from_postgres_equals_frame(fleet, fleet_table):
    expected = build_clv(fleet[0], as_of=AS_OF, params=ClvParams())
    _assert_same_clv(build_clv(fleet_table, as_of=AS_OF, params=ClvParams()), expected)


def test_purchase_summary_on_spark_equals_frame(spark, fleet):
    tx, path = fleet
    pd.testing.assert_frame_equal(
        summarize_purchases(path, as_of=AS_OF, calibration_end=CALIBRATION_END, engine="spark"),
        summarize_purchases(tx, as_of=AS_OF, calibration_end=CALIBRATION_END),
        check_exact=True,
    )


def test_one_scan_of_three_windows_on_spark_equals_duckdb(spark, fleet):
    tx, path = fleet
    _assert_frames_equal(
        summarize_purchases_lifetime_and_holdout(path, as_of=AS_OF, calibration_end=CALIBRATION_END,
                                                 engine="spark"),
        summarize_purchases_lifetime_and_holdout(tx, as_of=AS_OF, calibration_end=CALIBRATION_END),
    )


@pytest.mark.parametrize("source", ["frame", "parquet"])
def test_a_return_is_never_a_repeat_purchase(tmp_path, source):
    # f buys on Mar 14 (100) and returns it on May 3 (-100): one purchase, no repeat, net 0.
    # g buys 60 and returns 20 on Jun 1 (net +40 that day: a purchase), and buys 0 on Jul 1
    # (a zero-amount day, like CDNOW's free items, still counts): 3 purchase days.
    # h only returns (-30 on Apr 2): no purchase day, so h is not summarised.
    tx = pd.DataFrame(
        {
            "customer_id": ["f", "f", "g", "g", "g", "g", "h"],
            "order_date": pd.to_datetime(["2026-03-14", "2026-05-03", "2026-05-01",
                                          "2026-06-01", "2026-06-01", "2026-07-01",
                                          "2026-04-02"]),
            "amount": [100.0, -100.0, 50.0, 60.0, -20.0, 0.0, -30.0],
        }
    )  # fmt: skip
    data = tx if source == "frame" else _write_dataset(tx, tmp_path / "returns", parts=2)
    s = summarize_purchases(data, as_of="2026-09-30", time_unit="day")
    assert s["customer_id"].tolist() == ["f", "g"]
    assert s["frequency"].tolist() == [0, 2]
    assert s["recency"].tolist() == [0.0, 61.0]  # g: May 1 -> Jul 1
    assert s["monetary_value"].tolist() == [0.0, 20.0]  # g: (40 + 0) / 2
    life = summarize_lifetime_revenue(data, as_of="2026-09-30")
    assert life["purchase_days"].tolist() == [1, 3]
    assert life["lifetime_revenue"].tolist() == [0.0, 90.0]
