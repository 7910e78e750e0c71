"""Anchor: the hand-written DuckDB GROUP BY of issue 7 over the ingested Parquet dataset.

Per customer: first and last date, distinct orders, net revenue, distinct product lines.

    python benchmarks/anchors/features_duckdb.py DATASET_DIR
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
from _common import report

SQL = """
SELECT customer_id,
       MAX(order_date) AS last_date, MIN(order_date) AS first_date,
       COUNT(DISTINCT order_id) AS frequency, SUM(amount) AS monetary,
       COUNT(DISTINCT product_line) AS breadth
FROM read_parquet(?, union_by_name = true)
WHERE order_date <= DATE '2026-09-30'
GROUP BY customer_id ORDER BY customer_id
"""


def group(data: str) -> int:
    """Run the GROUP BY into a pandas frame (as ours returns one); return its row count."""
    files = str(Path(data) / "**" / "*.parquet") if Path(data).is_dir() else data
    with duckdb.connect() as con:
        return len(con.execute(SQL, [files]).df())


if __name__ == "__main__":
    report("features_duckdb", lambda: group(sys.argv[1]))
