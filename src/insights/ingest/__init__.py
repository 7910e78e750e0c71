"""Streaming ingest: batches cleaned into a cached Parquet dataset."""

from insights.ingest.stream import (  # noqa: F401
    IngestError,
    IngestResult,
    default_workers,
    fingerprint,
    ingest,
    read_quarantine,
)
