"""Features pushed down to a real PostgreSQL server equal the embedded DuckDB engine's.

The ``postgres`` fixture (tests/conftest.py) starts a throw-away PostgreSQL server on
loopback, shared with test_postgres_source. Needs psycopg (the ``postgres`` extra).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("psycopg", reason="psycopg is not installed (pip install -e '.[postgres]')")

import psycopg  # noqa: E402
from test_engine import (  # noqa: E402
    DEPENDENCY_SECTIONS,
    assert_same_result,
    assert_windows_equal_revenue_by,
    random_transactions,
)

from insights.engine.duckdb import count_rows, order_date_bounds  # noqa: E402
from insights.engine.postgres import PostgresTable  # noqa: E402
from insights.features.customers import (  # noqa: E402
    build_customer_features,
    customer_quarter_activity,
    first_purchases,
    revenue_by,
)
from insights.params import FeatureParams, load_params  # noqa: E402
from insights.pipeline import load_unit  # noqa: E402
from insights.schema import CANONICAL, OPTIONAL_NUMERIC  # noqa: E402

from conftest import write_demo_exports

AS_OF = pd.Timestamp("2026-09-30")
ROOT = Path(__file__).resolve().parents[1]


COLUMNS = {
    "customer_id": "TEXT", "order_id": "TEXT", "order_date": "TIMESTAMP",
    "amount": "DOUBLE PRECISION", "product_line": "TEXT", "channel": "TEXT",
    "account_manager": "TEXT", "customer_name": "TEXT", "region": "TEXT",
    "acquisition_source": "TEXT", "unit": "TEXT", "cost": "DOUBLE PRECISION",
    "discount": "DOUBLE PRECISION", "is_reference": "BOOLEAN",
}


@pytest.fixture(scope="module")
def loaded(postgres):
    """The seeded messy frame, copied into table ``sales.transactions``."""
    tx = random_transactions(seed=5)
    with psycopg.connect(postgres, autocommit=True) as con, con.cursor() as cur:
        cur.execute("CREATE SCHEMA sales")
        cur.execute("CREATE TABLE sales.transactions ("
                    + ", ".join(f"{c} {t}" for c, t in COLUMNS.items()) + ")")
        with cur.copy("COPY sales.transactions (" + ", ".join(COLUMNS) + ") FROM STDIN") as copy:
            for row in tx[list(COLUMNS)].astype(object).itertuples(index=False):
                copy.write_row([None if pd.isna(v) else v for v in row])
    return tx, PostgresTable(dsn=postgres, table="transactions", schema="sales")


def test_postgres_features_equal_duckdb(loaded):
    tx, table = loaded
    params = FeatureParams(service_product_lines=["service", "insurance"], online_channels=["online"])
    pushed = build_customer_features(table, as_of=AS_OF, params=params)
    assert len(pushed) == 120
    pd.testing.assert_frame_equal(pushed, build_customer_features(tx, as_of=AS_OF, params=params),
                                  check_exact=True)


def test_postgres_other_aggregates_equal_duckdb(loaded):
    tx, table = loaded
    for by in (["customer_id"], ["account_manager", "channel"]):
        pd.testing.assert_frame_equal(revenue_by(table, by=by, as_of=AS_OF),
                                      revenue_by(tx, by=by, as_of=AS_OF), check_exact=True)
    for func in (customer_quarter_activity, first_purchases):
        pd.testing.assert_frame_equal(func(table, as_of=AS_OF), func(tx, as_of=AS_OF),
                                      check_exact=True)
    assert_windows_equal_revenue_by(table, tx, engine="duckdb")


def test_postgres_missing_table_is_a_clear_error(postgres):
    with pytest.raises(LookupError, match="not found"):
        build_customer_features(PostgresTable(dsn=postgres, table="nope"), as_of=AS_OF,
                                params=FeatureParams())



def test_postgres_without_optional_columns(loaded, postgres):
    tx, _ = loaded
    minimal = tx[["customer_id", "order_date", "amount"]]
    with psycopg.connect(postgres, autocommit=True) as con, con.cursor() as cur:
        cur.execute("CREATE TABLE sales.minimal AS SELECT customer_id, order_date, amount "
                    "FROM sales.transactions")
    table = PostgresTable(dsn=postgres, table="minimal", schema="sales")
    pd.testing.assert_frame_equal(
        build_customer_features(table, as_of=AS_OF, params=FeatureParams()),
        build_customer_features(minimal, as_of=AS_OF, params=FeatureParams()), check_exact=True,
    )


def test_postgres_dependency_sections_equal_the_frame(loaded):
    """Trend, key-person risk, mix and portfolio pushed down equal the in-memory results."""
    tx, table = loaded
    for name, run in DEPENDENCY_SECTIONS.items():
        assert_same_result(run(tx), run(table), name)
    assert order_date_bounds(table, until=AS_OF) == order_date_bounds(tx, until=AS_OF)
    assert count_rows(table, after=AS_OF) == count_rows(tx, after=AS_OF) > 0


@pytest.fixture(scope="module")
def demo_table(postgres, tmp_path_factory):
    """The fleet demo unit's kept transactions (loaded as the report does), in ``demo.fleet``."""
    root = tmp_path_factory.mktemp("demo")
    write_demo_exports(root / "data" / "demo")
    params = load_params(ROOT / "params" / "fleet.yaml")
    tx = load_unit(params, root=root).transactions
    columns = [c for c in CANONICAL if c in tx.columns]
    types = {c: COLUMNS.get(c, "DOUBLE PRECISION" if c in OPTIONAL_NUMERIC else "TEXT")
             for c in columns}
    with psycopg.connect(postgres, autocommit=True) as con, con.cursor() as cur:
        cur.execute("CREATE SCHEMA demo")
        cur.execute("CREATE TABLE demo.fleet (" + ", ".join(f"{c} {types[c]}" for c in columns) + ")")
        with cur.copy("COPY demo.fleet (" + ", ".join(columns) + ") FROM STDIN") as copy:
            for row in tx[columns].astype(object).itertuples(index=False):
                copy.write_row([None if pd.isna(v) else v for v in row])
    return tx, PostgresTable(dsn=postgres, table="fleet", schema="demo"), params


def test_postgres_features_and_report_steps_equal_duckdb_on_the_demo(demo_table):
    """The demo unit's customer features and dependency sections, pushed down, equal DuckDB's."""
    tx, table, params = demo_table
    embedded = build_customer_features(tx, as_of=AS_OF, params=params.features)
    assert len(embedded) > 1000 and embedded["services_share"].gt(0).any()
    pd.testing.assert_frame_equal(
        build_customer_features(table, as_of=AS_OF, params=params.features), embedded,
        check_exact=True,
    )
    for name, run in DEPENDENCY_SECTIONS.items():
        assert_same_result(run(table), run(tx), name)
