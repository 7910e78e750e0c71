"""Stream an export larger than memory into a cleaned Parquet dataset, cached by input.

``ingest`` reads the unit's files in batches with ``loading.iter_batches`` (the same
columns, values, physical lines and structural rejects as ``loading.load_transactions``),
cleans each batch with the same ``cleaning.clean_transactions`` the in-memory path uses,
and writes the kept rows as ``part-NNNNNN.parquet`` files of one dataset and the rejected
rows as a quarantine dataset. ``build_customer_features`` and the other analysis
functions scan that dataset with DuckDB without loading it into pandas.

What one batch cannot see is settled over the whole input (``insights.ingest.checks``):
exact duplicates and order ids with conflicting rows in different batches are found by
DuckDB over the written dataset, with cleaning's rules, rule names and reasons; with
``source.decimal: auto`` the separator is decided over the whole file, as the in-memory
path decides it, and a batch that alone would have decided otherwise is cleaned again.
So the kept rows, the rejected rows (file, line, rule, reason) and ``quality`` equal the
in-memory path's on the same files. Batches are cleaned without cleaning's own duplicate
and conflict checks (``clean_transactions(..., repeats=False)``): those run once, over
the whole input.

The output lives in ``<cache_dir>/<fingerprint>/``: the fingerprint is the SHA-256 of the
input files' bytes, the source params, the column map and ``FORMAT_VERSION``, so a rerun
of the same quarter reuses it and any change re-ingests. The files are hashed again after
they were read: a file that changed during the run is refused (``IngestError``) and never
cached under the fingerprint of its old content. A run writes into a temporary directory
renamed into place at the end: an interrupted run leaves no dataset.

Limits: Excel (one batch) and PostgreSQL inputs are read whole; rejected raw values of
Excel cells of mixed types are kept as text in the quarantine.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from insights import loading
from insights.cleaning import QUARANTINE_COLUMNS, clean_transactions
from insights.cleaning.transactions import count_notes
from insights.ingest.checks import BatchLedger, reject_across_batches, summarize_streamed_quality
from insights.ingest.memo import inputs_digest
from insights.ingest.parts import DECIDER_FILE, _arrow, _write, _write_raw
from insights.params import Params
from insights.schema import CANONICAL

__all__ = ["DEFAULT_BATCH_ROWS", "FORMAT_VERSION", "IngestError", "IngestResult", "fingerprint",
           "ingest", "read_quarantine"]

#: Bump when the dataset layout or the cleaning contract changes (invalidates caches).
FORMAT_VERSION = "3"
#: Records per batch unless told otherwise.
DEFAULT_BATCH_ROWS = loading.DEFAULT_BATCH_ROWS


class IngestError(ValueError):
    """Raised when a source cannot be streamed (a file is missing)."""


@dataclass(frozen=True)
class IngestResult:
    """Where a streamed ingest put its data and what it counted.

    Attributes
    ----------
    dataset : str
        Directory of ``part-*.parquet`` files with the kept rows (cleaning's ``kept``).
    quarantine : str
        Directory of the rejected rows (``read_quarantine`` reads them back).
    fingerprint : str
        SHA-256 of the inputs and params (the cache key).
    rows_in, rows_kept, rows_rejected : int
        Records read, kept and rejected (rows_in = rows_kept + rows_rejected).
    amount_in : float
        Sum of the amounts that parse over the rows given to cleaning.
    batches : int
        Batches read.
    sources : list of dict
        One per file, equal to ``LoadResult.sources``.
    quality : dict
        Equal to ``cleaning.summarize_quality`` of the in-memory path on the same files.
    cached : bool
        True when the dataset came from the cache.
    """

    dataset: str
    quarantine: str
    fingerprint: str
    rows_in: int
    rows_kept: int
    rows_rejected: int
    amount_in: float
    batches: int
    sources: list[dict] = field(default_factory=list)
    quality: dict = field(default_factory=dict)
    cached: bool = False


def fingerprint(params: Params, *, root: Path) -> str:
    """Return the SHA-256 of the input files, the source params and the ingest format."""
    key = inputs_digest(params, root=root, salt=f"ingest-v{FORMAT_VERSION}")
    if key is None:
        missing = next(e for e in params.source.paths if not (Path(root) / e).is_file())
        raise IngestError(f"{missing}: file not found under {root}; check params source.paths.")
    return key


def default_workers() -> int:
    """Return the cleaning processes used beside the reading one: the cores, at most 4."""
    return max(1, min(os.cpu_count() or 1, 4))


def ingest(params: Params, *, root: Path, cache_dir: Path,
           batch_rows: int = DEFAULT_BATCH_ROWS, workers: int | None = None) -> IngestResult:
    """Stream the unit's files into a cleaned Parquet dataset (reused when cached).

    Parameters
    ----------
    params : Params
        The unit's params (``source`` and ``column_map``).
    root : Path
        Directory the paths in ``source.paths`` start from.
    cache_dir : Path
        Where datasets are kept, one directory per input fingerprint.
    batch_rows : int
        Records read and cleaned per batch (peak memory grows with it, not with the file).
    workers : int, optional
        Processes that clean and write batches while this one reads the next (default
        ``default_workers()``; 0 = all in this process). The output is the same for any
        number.

    Returns
    -------
    IngestResult
        Paths of the kept-rows dataset and the quarantine, counts (rows in = kept +
        rejected), ``sources`` and ``quality`` as the in-memory path gives them.

    Raises
    ------
    loading.LoadError
        A file cannot be read (the same message as ``load_transactions``).

    Examples
    --------
    In a project with the unit's params and files::

        result = ingest(params, root=Path("."), cache_dir=Path("data/cache/ingest"))
        assert result.rows_in == result.rows_kept + result.rows_rejected
    """
    key = fingerprint(params, root=root)
    final = Path(cache_dir) / key
    if (final / "_SUCCESS.json").is_file():
        info = json.loads((final / "_SUCCESS.json").read_text(encoding="utf-8"))
        return IngestResult(**(info | {"cached": True}))
    tmp = Path(cache_dir) / f".{key}.{os.getpid()}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        result = _build(params, Path(root), tmp, final, key, batch_rows, default_workers() if workers is None else workers)
        if fingerprint(params, root=root) != key:
            raise IngestError(_CHANGED.format(paths=", ".join(params.source.paths)))
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    shutil.rmtree(final, ignore_errors=True)
    tmp.rename(final)
    return result


_CHANGED = ("{paths}: an input file changed while it was being read; nothing was cached. Wait "
            "until the export is complete, then run again.")


def _build(params: Params, root: Path, tmp: Path, final: Path, key: str,
           batch_rows: int, workers: int) -> IngestResult:
    """Write the dataset and quarantine into ``tmp``; return the result (paths under ``final``)."""
    for name in ("data", "quarantine", "raw", "counts"):
        (tmp / name).mkdir(parents=True)
    ledger = BatchLedger(params.source)
    sources, batches = _stream(params, root, tmp, batch_rows, ledger, redo=None, workers=workers)
    judged = ledger.judge()
    redo = ledger.disagreeing()
    if redo:
        _stream(params, root, tmp, batch_rows, ledger, redo=redo, workers=workers)
    counts = reject_across_batches(tmp, paths=[s["path"] for s in sources],
                                   grain=params.source.grain, duplicates=params.source.duplicates)
    counts |= judged
    shutil.rmtree(tmp / "raw")
    for part in sorted((tmp / "counts").glob("*.json")):
        for key, n in json.loads(part.read_text(encoding="utf-8")).items():
            counts[key] = counts.get(key, 0) + n
    shutil.rmtree(tmp / "counts")
    quality = summarize_streamed_quality(tmp, sources, notes=ledger.notes() + count_notes(counts))
    quality["counts"] = counts
    result = IngestResult(
        dataset=str(final / "data"), quarantine=str(final / "quarantine"), fingerprint=key,
        rows_in=quality["rows_read"], rows_kept=quality["rows_kept"],
        rows_rejected=quality["rows_rejected"], amount_in=quality["amount_read"],
        batches=batches, sources=sources, quality=quality)
    (tmp / "_SUCCESS.json").write_text(json.dumps(asdict(result)), encoding="utf-8")
    return result


def _stream(params: Params, root: Path, tmp: Path, batch_rows: int, ledger: BatchLedger,
            redo: set[int] | None, workers: int) -> tuple[list[dict], int]:
    """Read, clean and write every batch (again, only those in ``redo`` when given).

    This process reads; cleaning and writing run in ``workers`` processes while it reads
    on (none for a single batch). Each batch writes its own numbered files, so the output
    does not depend on the number of workers.
    """
    sources, number = [], 0
    with _Workers(workers) as pool:
        for number, batch in enumerate(loading.iter_batches(params, root=root, batch_rows=batch_rows)):
            if batch.source is not None:
                sources.append(batch.source)
            if redo is None:
                _write(batch.rejected, tmp / "quarantine" / f"load-{number:06d}.parquet")
                ledger.count(number, batch.frame)
                frame, extra = batch.frame, None
            elif number in redo:
                frame, extra = ledger.complete(number, batch.frame)
            else:
                continue
            pool.submit(_clean_and_write, number, frame, params.source, extra, tmp)
    return sources, number + 1


def _clean_and_write(number: int, frame: pd.DataFrame, source, extra, tmp: Path) -> None:
    """Clean one batch and write its kept rows, its loaded rows (raw text) and its rejects."""
    kept, rejected, counts = _clean_batch(frame, source, extra)
    (tmp / "counts" / f"{number:06d}.json").write_text(json.dumps(counts), encoding="utf-8")
    _write(kept, tmp / "data" / f"part-{number:06d}.parquet")
    _write_raw(frame, tmp / "raw" / f"part-{number:06d}.arrow")
    _write(rejected, tmp / "quarantine" / f"clean-{number:06d}.parquet")
    if number == 0:  # the columns and dtypes of cleaning's rejects, even when none
        pq.write_table(_arrow(rejected.iloc[:0]), tmp / "quarantine" / "clean-schema.parquet")


#: Rows read before batches go to worker processes (starting them costs about a second).
POOL_MIN_ROWS = 1_000_000


class _Workers:
    """Run tasks in this process until ``POOL_MIN_ROWS`` rows were read, then in a pool.

    At most ``workers + 1`` tasks wait at a time (bounded memory); leaving the ``with``
    waits for all of them and re-raises the first failure.
    """

    def __init__(self, workers: int) -> None:
        self.workers, self.rows = workers, 0
        self.pool: ProcessPoolExecutor | None = None
        self.pending: list[Future] = []

    def __enter__(self) -> _Workers:
        return self

    def submit(self, fn, number: int, frame: pd.DataFrame, *args) -> None:
        self.rows += len(frame)
        if self.workers < 1 or (self.pool is None and self.rows < POOL_MIN_ROWS):
            fn(number, frame, *args)
            return
        if self.pool is None:  # fresh processes (spawn, not fork): no locks or threads inherited
            self.pool = ProcessPoolExecutor(max_workers=self.workers,
                                            mp_context=multiprocessing.get_context("spawn"))
        while len(self.pending) > self.workers:
            self.pending.pop(0).result()
        self.pending.append(self.pool.submit(fn, number, frame, *args))

    def __exit__(self, kind, error, trace) -> None:
        try:
            for future in self.pending:
                if kind is None:
                    future.result()
        finally:
            for future in self.pending if kind is not None else ():
                future.cancel()
            if self.pool is not None:
                self.pool.shutdown(wait=True, cancel_futures=True)


def _clean_batch(frame: pd.DataFrame, source,
                 extra: pd.DataFrame | None) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Clean one batch without cleaning's duplicate and conflict checks; return its counts.

    Those checks run over the whole input afterwards (``checks.reject_across_batches``).
    ``extra`` rows (deciders for ``decimal: auto``) are cleaned along and dropped.
    """
    prepared = frame if extra is None or not len(extra) else pd.concat([frame, extra],
                                                                       ignore_index=True)
    cleaned = clean_transactions(prepared, source=source, checks=False, repeats=False)
    rejected = cleaned.rejected[cleaned.rejected["source_file"] != DECIDER_FILE]
    return cleaned.kept, rejected.reset_index(drop=True), dict(cleaned.counts)


def read_quarantine(result: IngestResult) -> pd.DataFrame:
    """Return the rejected rows of an ingest, as the in-memory path lists them.

    The same columns, dtypes and order as ``pd.concat([loaded.rejected, cleaned.rejected],
    ignore_index=True)`` of the in-memory path: the structural rejects (file order, then
    line), then cleaning's (file order, then line). Held in memory: the rejected rows are
    expected to be few.
    """
    folder = Path(result.quarantine)
    files = {s["path"]: i for i, s in enumerate(result.sources)}
    records: dict[str, list] = {s["path"]: [] for s in result.sources}
    for part in sorted(folder.glob("load-*.parquet")):
        for row in pq.read_table(part).to_pylist():
            records[row["source_file"]].append(row)
    loaded = []
    for source in result.sources:
        body = [c for c in CANONICAL if c in source["column_map"].values()]
        rows = sorted(records[source["path"]], key=lambda r: r["source_line"])
        loaded.append(pd.DataFrame(rows, columns=list(QUARANTINE_COLUMNS) + body).astype(
            {"source_line": "int64", "amount_value": "float64"}))
    combined = pd.concat(loaded, ignore_index=True)
    body = [c for c in CANONICAL if c in combined.columns]
    frames = [pq.read_table(p).to_pandas() for p in sorted(folder.glob("clean-*.parquet"))]
    cleaned = pd.concat(frames, ignore_index=True)
    order = cleaned["source_file"].map(files).astype("int64") * (1 << 40) + cleaned["source_line"]
    cleaned = cleaned.iloc[order.argsort(kind="stable")]
    return pd.concat([combined[list(QUARANTINE_COLUMNS) + body], cleaned], ignore_index=True)
