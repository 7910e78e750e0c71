"""Anchor: polars ``scan_csv().sink_parquet()`` (type inference, no cleaning).

    python benchmarks/anchors/ingest_polars.py CSV OUT.parquet
"""

from __future__ import annotations

import sys

import polars as pl
from _common import report


def copy(csv: str, out: str) -> int:
    """Stream ``csv`` into the Parquet file ``out``; return its row count."""
    pl.scan_csv(csv).sink_parquet(out)
    return pl.scan_parquet(out).select(pl.len()).collect().item()


if __name__ == "__main__":
    report("ingest_polars", lambda: copy(sys.argv[1], sys.argv[2]))
