"""Load a unit's export, clean it and pick the report's quarter (the first step of ``pipeline``).

``load_unit`` gives the kept transactions, the quarantined rows with reasons, the
reconciliation and the input fingerprints. The kept transactions are a pandas frame, or --
when the unit streams (``source.stream``) -- the path of the cleaned Parquet dataset written
by ``insights.ingest.stream``, which every analysis function scans with the SQL engine
instead of holding the rows in memory. Both give the same numbers. ``pipeline`` re-exports
every name here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from insights import cleaning, gate, loading
from insights.engine.duckdb import Source, count_rows, order_date_bounds
from insights.ingest import memo
from insights.ingest import stream as ingest
from insights.params import Params
from insights.periods import (
    PeriodError,
    latest_complete_quarter,
    parse_quarter,
    quarter_end,
    quarter_start,
)

__all__ = [
    "INGEST_CACHE", "MEMO_CACHE", "STREAM_BYTES", "UnitData", "count_after", "history_days",
    "latest_quarter", "load_unit", "quarter_coverage", "resolve_quarter", "row_problems", "streams",
    "unknown_customer_share",
]  # fmt: skip


#: Total size of the input files above which ``source.stream: auto`` streams them.
STREAM_BYTES = 1 << 30

#: Where streamed datasets are cached, under the project root (one folder per input).
INGEST_CACHE = Path("data") / "cache" / "ingest"
#: Where the cleaned rows of in-memory units are kept between runs (``ingest.memo``).
MEMO_CACHE = Path("data") / "cache" / "load"


@dataclass(frozen=True)
class UnitData:
    """A unit's cleaned transactions with everything needed to account for them."""

    transactions: Source  # a DataFrame, or the path of the streamed Parquet dataset
    rejected: pd.DataFrame
    quality: dict
    sources: list[dict]
    engine: str = "duckdb"  # the engine that scans a streamed dataset


def streams(params: Params, *, root: Path) -> bool:
    """Return True when the unit's files are streamed to a Parquet dataset (``source.stream``).

    ``auto`` streams when ``features.engine`` is spark or the files exceed ``STREAM_BYTES``.
    """
    return is_large(params, root=root) or (
        params.features.engine == "spark" and _may_stream(params.source))


def is_large(params: Params, *, root: Path) -> bool:
    """Return True when the unit is large: ``source.stream: true``, or files over ``STREAM_BYTES``.

    A Spark unit of small files streams (Spark reads Parquet) without being large.
    """
    return _may_stream(params.source) and (
        params.source.stream is True or input_bytes(params, root=root) > STREAM_BYTES)


def _may_stream(source) -> bool:
    """A database table is never streamed, nor files with ``source.stream: false``."""
    return source.format != "postgres" and source.stream is not False


def input_bytes(params: Params, *, root: Path) -> int:
    """Return the total size of the unit's input files (0 for a database table)."""
    return sum((Path(root) / entry).stat().st_size for entry in params.source.paths
               if (Path(root) / entry).is_file())


def load_unit(params: Params, *, root: Path, cache_dir: Path | None = None,
              check: bool = True) -> UnitData:
    """Load and clean ``params``' sources; rows in = rows kept + rows rejected.

    Streams to a cached Parquet dataset under ``cache_dir`` (default
    ``<root>/data/cache/ingest``) when ``streams`` says so; otherwise reads and cleans in
    memory, keeping the answer under ``<root>/data/cache/load`` (``cache_dir/memo`` when
    given) for the next run of the same files, params and code (``ingest.memo``). Raises ``loading.LoadError`` when
    a file cannot be read at all (its message names the file and what to change in the
    params), and ``gate.GateError`` when a column reads two ways or -- with ``check`` --
    when the rows cannot carry a report (``gate.check_rows``: none kept, too many rejected).
    """
    try:
        data = _load_unit(params, root=Path(root), cache_dir=cache_dir)
    except cleaning.InputError as exc:
        raise gate.GateError(str(exc)) from None
    problems = row_problems(data, params=params)
    if check and problems:
        raise gate.GateError(" ".join(problems))
    accepted = gate.accepted_note(data.quality, max_rejected_share=params.gate.max_rejected_share)
    return replace(data, quality=data.quality | {"gate_note": accepted})


def row_problems(data: UnitData, *, params: Params) -> list[str]:
    """Return why the unit's rows cannot be published (empty when they can)."""
    where = ", ".join(f["path"] for f in data.quality.get("files", [])) or params.unit
    return gate.check_rows(data.quality, max_rejected_share=params.gate.max_rejected_share,
                           where=where, accept_total_mismatch=params.gate.accept_total_mismatch)


def _load_unit(params: Params, *, root: Path, cache_dir: Path | None) -> UnitData:
    """Load and clean without the gate (see ``load_unit``)."""
    engine = "spark" if params.features.engine == "spark" else "duckdb"
    if streams(params, root=root):
        result = ingest.ingest(params, root=root, cache_dir=cache_dir or root / INGEST_CACHE)
        kept = result.dataset if result.rows_kept else _no_rows()  # no part file to scan
        return UnitData(kept, ingest.read_quarantine(result), result.quality,
                        list(result.sources), engine)
    key = memo.memo_key(params, root=root)
    entry = (cache_dir / "memo" if cache_dir else root / MEMO_CACHE) / params.unit / str(key)
    known = memo.recall(entry) if key else None
    if known is not None:  # the same files, params and code as a run before: its answer
        return UnitData(known.kept, known.rejected, known.quality, known.sources, engine)
    loaded = loading.load_transactions(params, root=root)
    cleaned = cleaning.clean_transactions(loaded.frame, source=params.source)
    rejected = pd.concat([loaded.rejected, cleaned.rejected], ignore_index=True)
    quality = cleaning.summarize_quality(loaded, cleaned)
    if key and memo.memo_key(params, root=root) == key:  # unchanged while it was read
        memo.remember(entry, memo.Loaded(cleaned.kept, rejected, quality, list(loaded.sources)))
    return UnitData(cleaned.kept, rejected, quality, list(loaded.sources), engine)


def _no_rows() -> pd.DataFrame:
    """Return an empty frame of kept transactions (every row was rejected)."""
    return pd.DataFrame({"customer_id": pd.Series(dtype="str"),
                         "order_date": pd.Series(dtype="datetime64[ns]"),
                         "amount": pd.Series(dtype="float64")})


def resolve_quarter(data: UnitData, quarter: str | None, *, params: Params) -> pd.Period:
    """Return the report quarter: ``quarter`` when given, else the latest complete one.

    Never looks at today's date: "complete" is judged from the export date in params or
    the data's latest order date. Raises ``gate.GateError`` when the quarter is outside the
    data or holds no kept row (``quarter_coverage`` says how the data covers it).
    """
    period = parse_quarter(quarter) if quarter else latest_quarter(data, params=params)
    quarter_coverage(data, period, params=params)
    return period


def latest_quarter(data: UnitData, *, params: Params) -> pd.Period:
    """Return the latest complete quarter of the kept rows (the export date counts)."""
    export = pd.Timestamp(params.source.export_date) if params.source.export_date else None
    first, last, _ = order_date_bounds(data.transactions, engine=data.engine)
    dates = pd.Series([first, last] if first is not None else [], dtype="datetime64[ns]")
    return latest_complete_quarter(dates, export_date=export)


def quarter_coverage(data: UnitData, period: pd.Period, *, params: Params) -> str:
    """Return the sentence naming the report quarter: the last complete one, or partial.

    Raises ``gate.GateError`` when the quarter is outside the data or holds no kept row.
    """
    first, last, _ = order_date_bounds(data.transactions, engine=data.engine)
    before = quarter_start(period) - pd.Timedelta(days=1)
    inside = (count_rows(data.transactions, after=before, engine=data.engine)
              - count_rows(data.transactions, after=quarter_end(period), engine=data.engine))
    export = pd.Timestamp(params.source.export_date) if params.source.export_date else None
    try:
        latest = latest_quarter(data, params=params)
    except PeriodError:  # no complete quarter in the data yet
        latest = None
    return gate.quarter_coverage(period, first=first, last=last, rows_in_quarter=inside,
                                 latest_complete=latest, export_date=export)


def count_after(data: UnitData, quarter: pd.Period) -> int:
    """Return how many kept rows fall after the quarter's end (ignored by this report)."""
    return count_rows(data.transactions, after=quarter_end(quarter), engine=data.engine)


def history_days(data: UnitData, as_of: pd.Timestamp) -> int:
    """Return how many days of history the data holds up to ``as_of`` (0 when none)."""
    first, _, _ = order_date_bounds(data.transactions, until=as_of, engine=data.engine)
    return int((as_of - first).days) + 1 if first is not None else 0


def unknown_customer_share(data: UnitData) -> float:
    """Return the share of rows read that had no customer id (they were rejected)."""
    return float(data.quality.get("unknown_customer_share", 0.0))


# --- the whole report in one call --------------------------------------------------------
