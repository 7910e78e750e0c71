"""Synthetic transactions for the benchmarks: deterministic, written in chunks.

One row per order line with canonical columns; about 1.5 lines per order, a customer count
of one tenth of the rows (10M rows -> 1M customers, as in issue 7), five years of dates
ending 2026-09-30, 5% returns. Written chunk by chunk (2M rows), so 100M rows never sit
in memory at once.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

AS_OF = "2026-09-30"
CHUNK = 2_000_000
PRODUCT_LINES = np.array(["vehicles", "service", "insurance", "parts", "repair"])
CHANNELS = np.array(["dealer", "online", "phone", "partner"])
SOURCES = np.array(["referral", "web", "ads", "walk-in", "event"])


def _chunk(rng: np.random.Generator, start: int, n: int, n_customers: int) -> pa.Table:
    rows = np.arange(start, start + n)
    order = rows * 2 // 3  # ~1.5 lines per order
    customer = (np.abs(np.sin(order * 12.9898)) * 43758.5453 % 1 * n_customers).astype(np.int64)
    day = (np.datetime64("2021-10-01") + (order * 7919 % 1826)).astype("datetime64[D]")
    amount = np.round(rng.lognormal(9, 1.2, n), 2) * np.where(rng.random(n) < 0.05, -1, 1)
    managers = np.char.add("m", (customer % 400).astype(str))
    return pa.table(
        {
            "customer_id": pa.array(np.char.add("C", np.char.zfill(customer.astype(str), 8))),
            "order_id": pa.array(np.char.add("O", order.astype(str))),
            "order_date": pa.array(day),
            "amount": pa.array(amount),
            "cost": pa.array(np.round(amount * rng.uniform(0.6, 0.95, n), 2)),
            "product_line": pa.array(PRODUCT_LINES[rng.integers(0, len(PRODUCT_LINES), n)]),
            "channel": pa.array(CHANNELS[rng.integers(0, len(CHANNELS), n)]),
            "account_manager": pa.array(managers),
            "acquisition_source": pa.array(SOURCES[customer % len(SOURCES)]),
        }
    )


def write_synthetic(path: Path, *, rows: int, fmt: str = "csv", seed: int = 0) -> Path:
    """Write ``rows`` synthetic transactions to ``path`` as CSV or Parquet; return the path."""
    rng = np.random.default_rng(seed)
    n_customers = max(rows // 10, 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    writer = None
    try:
        for start in range(0, rows, CHUNK):
            table = _chunk(rng, start, min(CHUNK, rows - start), n_customers)
            if writer is None:
                writer = (
                    pq.ParquetWriter(tmp, table.schema)
                    if fmt == "parquet"
                    else pacsv.CSVWriter(tmp, table.schema)
                )
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()
    tmp.replace(path)
    return path
