"""Anchor: DuckDB's own CSV -> Parquet copy with type detection, no cleaning.

    python benchmarks/anchors/ingest_duckdb.py CSV OUT.parquet
"""

from __future__ import annotations

import sys

import duckdb
from _common import report


def copy(csv: str, out: str) -> int:
    """Copy ``csv`` to the Parquet file ``out``; return its row count."""
    with duckdb.connect() as con:
        target = out.replace("'", "''")
        con.execute(f"COPY (SELECT * FROM read_csv(?, header = true)) TO '{target}' (FORMAT parquet)",
                    [csv])
        return con.execute("SELECT COUNT(*) FROM read_parquet(?)", [out]).fetchone()[0]


if __name__ == "__main__":
    report("ingest_duckdb", lambda: copy(sys.argv[1], sys.argv[2]))
