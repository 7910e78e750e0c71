"""Stream a CSV export larger than memory into a cleaned Parquet dataset, cached by input.

``ingest_csv`` reads the unit's CSV files in batches (pyarrow's streaming reader, every
value as text), maps source columns to canonical ones through ``params.column_map``,
cleans each batch with the same ``insights.cleaning.clean_transactions`` the in-memory
path uses, and writes kept rows as ``part-NNNNN.parquet`` files of one dataset plus the
rejected rows as a quarantine dataset. ``build_customer_features`` and the other feature
functions scan that dataset with DuckDB without loading it into pandas.

The output lives in ``<cache_dir>/<fingerprint>/``: the fingerprint is the SHA-256 of the
input files' bytes, the source params, the column map and the ingest format version, so
a rerun of the same quarter reuses it and any change re-ingests. A run writes into a
temporary directory renamed into place at the end: an interrupted run leaves no dataset.

Limits: ``source_line`` is the header line plus the record's number, exact unless a quoted
field spans lines; duplicates and order-id conflicts are found within a batch only
(cleaning's contract) -- rows repeated across batches stay; blank lines are skipped.
"""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from insights.cleaning import clean_transactions
from insights.params import Params
from insights.schema import CANONICAL

#: Bump when the dataset layout or the cleaning contract changes (invalidates caches).
FORMAT_VERSION = "1"
SAMPLE_BYTES = 1 << 20


class IngestError(ValueError):
    """Raised when a source cannot be streamed (missing file, unknown column layout)."""


@dataclass(frozen=True)
class IngestResult:
    """Where a streamed ingest put its data and what it counted."""

    dataset: str  # directory of part-*.parquet files with the kept rows
    quarantine: str  # directory of rejected rows (may hold no files)
    fingerprint: str
    rows_in: int
    rows_kept: int
    rows_rejected: int
    amount_in: float
    batches: int
    cached: bool = False


def fingerprint(params: Params, *, root: Path) -> str:
    """Return the SHA-256 of the input files, the source params and the ingest format."""
    digest = hashlib.sha256(f"ingest-v{FORMAT_VERSION}".encode())
    digest.update(params.source.model_dump_json().encode())
    digest.update(json.dumps(params.column_map, sort_keys=True).encode())
    for entry in params.source.paths:
        path = _input_path(entry, root)
        digest.update(entry.encode())
        with path.open("rb") as handle:
            while chunk := handle.read(8 << 20):
                digest.update(chunk)
    return digest.hexdigest()


def _input_path(entry: str, root: Path) -> Path:
    path = Path(root) / entry
    if not path.is_file():
        raise IngestError(f"{entry}: file not found under {root}; check params source.paths.")
    return path


def _sniff(path: Path, params: Params) -> tuple[str, str]:
    """Return (encoding, delimiter) from the params, or sniffed from the file's start."""
    with path.open("rb") as handle:
        sample = handle.read(SAMPLE_BYTES)
    encoding = params.source.encoding
    if encoding == "auto":
        try:
            sample.decode("utf-8")
            encoding = "utf-8-sig" if sample.startswith(b"\xef\xbb\xbf") else "utf-8"
        except UnicodeDecodeError as exc:
            encoding = "utf-8" if exc.start > len(sample) - 4 else "cp1251"
    delimiter = params.source.delimiter
    if delimiter == "auto":
        text = sample.decode(encoding, errors="ignore")
        delimiter = csv.Sniffer().sniff(text.splitlines()[0] if text else ",", ",;\t|").delimiter
    return encoding, delimiter


def _targets(header: list[str], params: Params) -> dict[str, str]:
    """Map source header names to canonical names (column_map first, then same names)."""
    norm = {str(k).strip().casefold(): v for k, v in params.column_map.items()}
    taken = set(norm.values())
    out = {}
    for name in header:
        key = name.strip().casefold()
        if key in norm:
            out[name] = norm[key]
        elif key in CANONICAL and key not in taken:
            out[name] = key
    return out


def _batches(path: Path, params: Params, batch_bytes: int) -> Iterator[pd.DataFrame]:
    """Yield text frames with canonical names for one CSV file, batch by batch."""
    encoding, delimiter = _sniff(path, params)
    skip = (params.source.header_line or 1) - 1
    with path.open("r", encoding=encoding, newline="") as handle:
        rows = csv.reader(handle, delimiter=delimiter)
        for _ in range(skip):
            next(rows, None)
        header = next(rows, [])
    targets = _targets(header, params)
    missing = [c for c in ("customer_id", "order_date", "amount") if c not in targets.values()]
    if missing:
        raise IngestError(f"{path.name}: no column maps to {', '.join(missing)}; add it to column_map.")
    reader = pacsv.open_csv(
        path,
        read_options=pacsv.ReadOptions(encoding=encoding, block_size=batch_bytes, skip_rows=skip,
                                       column_names=header, skip_rows_after_names=1),
        parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types={name: pa.string() for name in header},
            include_columns=list(targets), strings_can_be_null=False,
        ),
    )
    for batch in reader:
        yield batch.to_pandas().rename(columns=targets)


def ingest_csv(params: Params, *, root: Path, cache_dir: Path, batch_bytes: int = 64 << 20) -> IngestResult:
    """Stream the unit's CSV files into a cleaned Parquet dataset (reused when cached).

    Parameters
    ----------
    params : Params
        The unit's params (``source`` and ``column_map``).
    root : Path
        Directory the paths in ``source.paths`` start from.
    cache_dir : Path
        Where datasets are kept, one directory per input fingerprint.
    batch_bytes : int
        Bytes of CSV read per batch (peak memory grows with it, not with the file).

    Returns
    -------
    IngestResult
        Paths of the kept-rows dataset and the quarantine, counts (rows in = kept +
        rejected) and whether the cache was used.
    """
    key = fingerprint(params, root=root)
    final = Path(cache_dir) / key
    if (final / "_SUCCESS.json").is_file():
        info = json.loads((final / "_SUCCESS.json").read_text(encoding="utf-8"))
        return IngestResult(**(info | {"cached": True}))
    tmp = Path(cache_dir) / f".{key}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "data").mkdir(parents=True)
    (tmp / "quarantine").mkdir()
    counts = {"rows_in": 0, "rows_kept": 0, "rows_rejected": 0, "amount_in": 0.0, "batches": 0}
    for entry in params.source.paths:
        first_line = (params.source.header_line or 1) + 1
        for raw in _batches(_input_path(entry, root), params, batch_bytes):
            raw["source_file"] = entry
            raw["source_line"] = pd.RangeIndex(first_line, first_line + len(raw))
            first_line += len(raw)
            _write_batch(clean_transactions(raw, source=params.source), tmp, counts)
    result = IngestResult(dataset=str(final / "data"), quarantine=str(final / "quarantine"),
                          fingerprint=key, **counts)
    (tmp / "_SUCCESS.json").write_text(json.dumps(asdict(result)), encoding="utf-8")
    shutil.rmtree(final, ignore_errors=True)
    tmp.rename(final)
    return result


def _write_batch(cleaned, tmp: Path, counts: dict) -> None:
    """Append one cleaned batch to the dataset and the quarantine; update the counts."""
    number = counts["batches"]
    if len(cleaned.kept):
        kept = cleaned.kept.assign(order_date=cleaned.kept["order_date"].astype("datetime64[ns]"))
        pq.write_table(pa.Table.from_pandas(kept, preserve_index=False),
                       tmp / "data" / f"part-{number:05d}.parquet", coerce_timestamps="us")
    if len(cleaned.rejected):
        rejected = cleaned.rejected.astype("str")
        pq.write_table(pa.Table.from_pandas(rejected, preserve_index=False),
                       tmp / "quarantine" / f"part-{number:05d}.parquet")
    counts["rows_in"] += cleaned.rows_in
    counts["rows_kept"] += len(cleaned.kept)
    counts["rows_rejected"] += len(cleaned.rejected)
    counts["amount_in"] += cleaned.amount_in
    counts["batches"] += 1
