"""Read a unit's sources: files (CSV, Excel, Parquet) or a PostgreSQL table, rows with a reason when refused."""

from insights.loading.reader import (  # noqa: F401
    DEFAULT_BATCH_ROWS,
    Batch,
    LoadError,
    LoadResult,
    iter_batches,
    load_transactions,
)
