"""Read a unit's transaction files into canonical columns with lineage.

The only module that reads input files. Every path in ``params.source.paths`` is read as
CSV, Parquet or Excel (or, with ``source.format: postgres``, the table ``source.table`` is
read as text by ``loading.database``); source columns are renamed to canonical ones through
``params.column_map`` (matching ignores case and surrounding spaces; a source column
already named like a canonical column maps to it unless column_map maps another column
there); unmapped columns are dropped and listed in ``sources``. CSV values stay text (no
type or NA guessing: ``NA`` and ``null`` stay names, ``007`` keeps its zeros); Parquet and
Excel values keep their checked types. Parsing values is cleaning's job.

Rows that cannot be aligned with the header (too many or too few fields, broken quoting, a
repeated header line, an Excel formula without a cached value) come back in ``rejected``
with a reason; a file that cannot be read at all raises ``LoadError`` naming the file and
what to change in the params.

Lineage: ``source_file`` is the path as written in the params; ``source_line`` is the
1-based physical line where the record starts (the header is line 1 when it opens the
file), the sheet row in Excel, and the 1-based row number in Parquet; for a PostgreSQL
table ``source_file`` is ``postgres:<table>`` and ``source_line`` the 1-based row number
in a deterministic order (see ``loading.database``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from insights.cleaning import QUARANTINE_COLUMNS
from insights.loading.blocks import read_csv, stream_csv
from insights.loading.columnar import read_parquet, stream_parquet
from insights.loading.database import read_postgres
from insights.loading.fixed import read_fixed_width
from insights.loading.scan import ByteScan, data_chunks, file_chunks, scan_bytes
from insights.loading.table import LoadError, Table, looks_like_data
from insights.loading.workbook import read_excel
from insights.params import Params
from insights.schema import CANONICAL, REQUIRED

__all__ = ["DEFAULT_BATCH_ROWS", "Batch", "LoadError", "LoadResult", "iter_batches",
           "load_transactions"]

#: File suffixes per format when ``source.format`` is ``auto``.
SUFFIX_FORMATS = {
    ".csv": "csv", ".txt": "csv", ".tsv": "csv", ".dat": "csv",
    ".parquet": "parquet", ".pq": "parquet",
    ".xlsx": "excel", ".xlsm": "excel",
}
UNSUPPORTED_SUFFIXES = {".xls": "old binary Excel (.xls)", ".xlsb": "binary Excel (.xlsb)",
                        ".ods": "OpenDocument (.ods)"}
_MAGIC = {b"PK\x03\x04": "excel", b"PAR1": "parquet", b"\xd0\xcf\x11\xe0": "ole"}
_READERS = {"csv": read_csv, "parquet": read_parquet, "excel": read_excel,
            "fixed_width": read_fixed_width}
#: Records per batch yielded by ``iter_batches`` unless told otherwise.
DEFAULT_BATCH_ROWS = 500_000

#: Source headers that often mean a canonical column; only used to suggest a column_map.
SYNONYMS = {
    "customer_id": ("клиент", "код клиента", "id клиента", "контрагент", "инн", "client",
                    "customer", "client_id"),
    "order_date": ("дата", "дата заказа", "дата продажи", "дата документа", "date",
                   "order date"),
    "amount": ("сумма", "выручка", "сумма без ндс", "сумма с ндс", "amount", "revenue", "sum"),
}


@dataclass(frozen=True)
class LoadResult:
    """What ``load_transactions`` read.

    Attributes
    ----------
    frame : DataFrame
        Canonical columns found in the files (in canonical order) plus ``source_file``
        and ``source_line``; CSV values are text, Parquet/Excel values keep checked types.
    rejected : DataFrame
        Structural rejects: ``QUARANTINE_COLUMNS`` then the row's canonical columns.
    sources : list of dict
        One per file: path, sha256, bytes, rows_read, format, encoding, delimiter, sheet,
        header_line, blank_lines, columns, column_map (the entries used), unused_columns,
        notes.
    """

    frame: pd.DataFrame
    rejected: pd.DataFrame
    sources: list[dict] = field(default_factory=list)


def load_transactions(params: Params, *, root: Path) -> LoadResult:
    """Read every file in ``params.source.paths`` (or ``source.table``) into one canonical frame.

    Parameters
    ----------
    params : Params
        The unit's params (``source`` and ``column_map`` are used).
    root : Path
        Directory the relative paths in ``source.paths`` start from.

    Returns
    -------
    LoadResult
        ``frame`` (rows that align with their header), ``rejected`` (rows that do not,
        with a reason) and ``sources`` (one fingerprint per file). For every file
        ``rows_read`` = its rows in ``frame`` + its rows in ``rejected``; blank lines and
        the header are not rows.

    Raises
    ------
    LoadError
        A file is missing, empty, in an unsupported format or encoding, unsafe (zip/XML
        bomb), lacks a required column after mapping, or a ``column_map`` key matches no
        column of any file; for ``source.format: postgres``, the ``source.dsn_env``
        variable is unset or the server or table cannot be reached. The message names the
        file (or table) and the params key to change.

    Examples
    --------
    In a project with the demo data (``make demo-data``)::

        result = load_transactions(load_params("params/fleet.yaml"), root=Path("."))
        assert result.sources[0]["rows_read"] == len(result.frame) + len(result.rejected)
    """
    frames, rejects, sources, used = [], [], [], set()
    postgres = params.source.format == "postgres"
    for entry in [f"postgres:{params.source.table}"] if postgres else params.source.paths:
        table, info = _read_one(entry, Path(root), params)
        frame, rejected = _to_frames(entry, table)
        frames.append(frame)
        rejects.append(rejected)
        used |= _used_keys(params, table)
        sources.append(_source_info(info, table, len(frame) + len(rejected)))
    _check_unused_keys(params, used, sources)
    return LoadResult(_concat(frames, lead=[], tail=["source_file", "source_line"]),
                      _concat(rejects, lead=list(QUARANTINE_COLUMNS), tail=[]), sources)


@dataclass(frozen=True)
class Batch:
    """Rows of one file yielded by ``iter_batches``.

    Attributes
    ----------
    path : str
        The file, as written in ``source.paths`` (``source_file`` of the rows).
    frame : DataFrame
        The rows that align with the header, exactly as ``load_transactions`` gives them.
    rejected : DataFrame
        The structural rejects among these records, as in ``LoadResult.rejected``.
    source : dict or None
        On the last batch of each file only: the file's ``sources`` entry (the same dict
        ``load_transactions`` returns), complete now that the file has been read.
    """

    path: str
    frame: pd.DataFrame
    rejected: pd.DataFrame
    source: dict | None = None


def iter_batches(params: Params, *, root: Path, batch_rows: int = DEFAULT_BATCH_ROWS) -> Iterator[Batch]:
    """Read the unit's files in batches, with what ``load_transactions`` gives for the same rows.

    CSV is read line by line (never the whole file): a first pass over the bytes
    fingerprints the file and settles its encoding (``auto`` needs to know whether every
    byte is UTF-8), then records are parsed by the same loop as ``load_transactions``, so
    columns, values, ``source_line`` (physical lines, also for quoted values spanning
    lines) and structural rejects are identical. Parquet is read one record batch at a
    time, typed as ``load_transactions`` types it; Excel (and a PostgreSQL table) comes as
    one batch.

    Parameters
    ----------
    params : Params
        The unit's params (``source`` and ``column_map``).
    root : Path
        Directory the relative paths in ``source.paths`` start from.
    batch_rows : int
        Records (rows plus structural rejects) per batch at most; memory grows with it,
        not with the file. Excel and PostgreSQL ignore it.

    Yields
    ------
    Batch
        Files in ``source.paths`` order, rows in file order; every file gives at least one
        batch, and its last batch carries the file's ``sources`` entry.

    Raises
    ------
    LoadError
        As ``load_transactions``, with the same messages; a file's error is raised when the
        stream reaches that file, a ``column_map`` key matching no file after the last one.

    Examples
    --------
    Every row read is in one batch, kept or rejected::

        rows = sum(len(b.frame) + len(b.rejected) for b in iter_batches(params, root=root))
    """
    if params.source.format == "postgres":
        yield _postgres_batch(params, Path(root))
        return
    used: set = set()
    sources: list[dict] = []
    for entry in params.source.paths:
        head, tables, info = _open_stream(entry, Path(root), params, batch_rows)
        rows = 0
        ahead: Table | None = next(tables)
        while ahead is not None:
            table, ahead = ahead, next(tables, None)
            table.targets = head.targets
            frame, rejected = _to_frames(entry, table)
            rows += len(frame) + len(rejected)
            source = None if ahead is not None else _source_info(info, head, rows)
            if source is not None:
                used |= _used_keys(params, head)
                sources.append(source)
            yield Batch(entry, frame, rejected, source)
    _check_unused_keys(params, used, sources)


def _postgres_batch(params: Params, root: Path) -> Batch:
    """Read the unit's PostgreSQL table as one batch, carrying its ``sources`` entry."""
    entry = f"postgres:{params.source.table}"
    table, info = _read_one(entry, root, params)
    frame, rejected = _to_frames(entry, table)
    source = _source_info(info, table, len(frame) + len(rejected))
    _check_unused_keys(params, _used_keys(params, table), [source])
    return Batch(entry, frame, rejected, source)


def _open_stream(entry: str, root: Path, params: Params,
                 batch_rows: int) -> tuple[Table, Iterator[Table], dict]:
    """Scan one file, check its format and open it for batches; map its header.

    Returns the header Table (with targets), the batch Tables and the file's ``sources``
    fields, of which the reader's extras (e.g. ``blank_lines``) fill in while reading.
    """
    path = _existing(entry, root)
    scan = scan_bytes(file_chunks(path))
    info = _file_info(entry, path, scan, params)
    if info["format"] == "csv":
        head, tables, extra = stream_csv(entry, path, params.source, scan, batch_rows)
    elif info["format"] == "parquet":
        head, tables, extra = stream_parquet(entry, path, params.source, batch_rows)
    else:
        read = read_fixed_width if info["format"] == "fixed_width" else read_excel
        head, extra = read(entry, path.read_bytes(), params.source)
        tables = iter([head])
    head.targets = _targets(entry, head, params)
    return head, _filled(tables, info, extra), info


def _filled(tables: Iterator[Table], info: dict, extra: dict) -> Iterator[Table]:
    """Yield the tables; copy the reader's extras into ``info`` as they become final."""
    for table in tables:
        info.update(extra)
        yield table
    info.update(extra)


def _read_one(entry: str, root: Path, params: Params) -> tuple[Table, dict]:
    """Read one file's bytes (or the table), fingerprint them, parse them and map the header."""
    if params.source.format == "postgres":
        return read_postgres(entry, params.source, map_header=lambda t: _targets(entry, t, params))
    path = _existing(entry, root)
    data = path.read_bytes()
    scan = scan_bytes(data_chunks(data))
    info = _file_info(entry, path, scan, params)
    if info["format"] == "csv":
        table, extra = read_csv(entry, data, params.source, scan)
    else:
        table, extra = _READERS[info["format"]](entry, data, params.source)
    table.targets = _targets(entry, table, params)
    return table, info | extra


def _existing(entry: str, root: Path) -> Path:
    """Return the path of ``entry`` under ``root``; raise when there is no such file."""
    path = root / entry
    if not path.is_file():
        raise LoadError(f"{entry}: file not found (looked for {path}); check source.paths in "
                        "the params (relative paths start at the project root).")
    return path


def _file_info(entry: str, path: Path, scan: ByteScan, params: Params) -> dict:
    """Return the fingerprint part of a file's ``sources`` entry; refuse empty files."""
    if scan.blank:
        raise LoadError(f"{entry}: the file is empty; check source.paths or re-export it.")
    fmt = _detect_format(entry, path, scan.head, params.source.format)
    return {"path": entry, "sha256": scan.sha256, "bytes": scan.size,
            "format": fmt, "encoding": None, "delimiter": None, "sheet": None,
            "header_line": 1, "blank_lines": 0, "data_lines": None,
            "lines": scan.lines if fmt in ("csv", "fixed_width") else None}


def _used_keys(params: Params, table: Table) -> set:
    """Return the column_map keys that match a column of ``table``."""
    keys = {_norm(h) for h in table.header}
    return {k for k in params.column_map if _norm(k) in keys}


def _source_info(info: dict, table: Table, rows_read: int) -> dict:
    """Return one file's ``sources`` entry: fingerprint, counts, columns and mapping."""
    pairs = list(zip(table.header, table.targets, strict=True))
    return info | {
        "rows_read": rows_read,
        "columns": list(table.header),
        "column_map": {h: t for h, t in pairs if t},
        "unused_columns": [h for h, t in pairs if not t],
        "notes": list(dict.fromkeys(table.notes)),
    }


def _detect_format(entry: str, path: Path, data: bytes, declared: str) -> str:
    """Return csv/parquet/excel from the params, the suffix and the file's first bytes."""
    suffix = path.suffix.lower()
    magic = _MAGIC.get(data[:4], "csv")
    if magic == "ole" or (declared == "auto" and suffix in UNSUPPORTED_SUFFIXES):
        kind = UNSUPPORTED_SUFFIXES.get(suffix, "old binary Excel (.xls) or password-protected")
        raise LoadError(f"{entry}: {kind} files are not supported; save it as an unprotected "
                        ".xlsx or as CSV (UTF-8) and update source.paths.")
    fmt = declared if declared != "auto" else SUFFIX_FORMATS.get(suffix, magic)
    if fmt == "fixed_width" and magic == "csv":  # text either way
        return fmt
    if magic != fmt:
        raise LoadError(f"{entry}: the params/suffix say {fmt} but the content looks like "
                        f"{magic}; set source.format: {magic} (or fix source.paths).")
    return fmt


def _norm(name: str) -> str:
    """Normalise a header or column_map key for matching: one space, casefolded."""
    return " ".join(str(name).replace("\ufeff", "").split()).casefold()


def _targets(entry: str, table: Table, params: Params) -> list[str | None]:
    """Return each header's canonical target; raise on ambiguity or a missing required one."""
    keymap = {_norm(k): v for k, v in params.column_map.items()}
    taken = set(keymap.values())
    targets = []
    for name in table.header:
        target = keymap.get(_norm(name))
        if target is None and _norm(name) in CANONICAL and _norm(name) not in taken:
            target = _norm(name)
        targets.append(target)
    for base, copies in table.duplicates.items():
        wanted = _norm(base) in keymap or (_norm(base) in CANONICAL and _norm(base) not in targets)
        if wanted:
            raise LoadError(f"{entry}: the header {base!r} appears {len(copies)} times; say which "
                            f"one you mean in column_map by its position name "
                            f"({', '.join(copies)}).")
    missing = [c for c in REQUIRED if c not in targets]
    if missing:
        raise LoadError(_missing_message(entry, table.header, missing))
    _check_currency_columns(entry, table.header, targets)
    return targets


#: Headers of a column holding the currency of each row (normalised by ``_norm``).
CURRENCY_HEADERS = frozenset({"валюта", "валюта документа", "валюта договора", "валюта платежа",
                              "код валюты", "currency", "currency code", "currency_code", "ccy",
                              "cur", "curr", "curr.", "iso currency", "currency_iso"})


def _check_currency_columns(entry: str, header: list[str], targets: list[str | None]) -> None:
    """Refuse a currency column left unmapped: amounts in several currencies would be summed."""
    if "currency" in targets:
        return
    for name, target in zip(header, targets, strict=True):
        if target is None and _norm(name) in CURRENCY_HEADERS:
            raise LoadError(
                f"{entry}: the column {name!r} looks like each row's currency but is not "
                "mapped, so amounts in different currencies would be summed as one. Map it "
                f"under column_map ('{name}': currency): rows in another currency than "
                "source.currency are then rejected, or converted with source.exchange_rates.")


def _missing_message(entry: str, header: list[str], missing: list[str]) -> str:
    """Explain a missing required column: what the file has and what to map."""
    shown = ", ".join(repr(h) for h in header[:30]) or "none"
    hints = []
    for column in missing:
        guess = next((h for h in header if _norm(h) in SYNONYMS.get(column, ())), None)
        hints.append(f"'{guess or '<source column>'}': {column}")
    text = (f"{entry}: required column(s) {', '.join(missing)} not found after column_map. "
            f"The file's columns are: {shown}. Add under column_map: {{{', '.join(hints)}}}.")
    if len(header) == 1:
        text += (" The header has a single column: check source.delimiter (',', ';', '|', "
                 "\"\\t\" or whitespace) or, for columns aligned by position, source.format: "
                 "fixed_width with source.widths: [10, 8, 12] (each column's width).")
    if any(looks_like_data(h) for h in header):
        text += (" The first line looks like data, not a header: add a header line or set "
                 "source.header_line.")
    elif len(header) <= 2:
        text += " If the header is not the first non-blank line, set source.header_line."
    return text


def _to_frames(entry: str, table: Table) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Build one file's canonical frame and its structural rejects."""
    positions = {t: i for i, t in enumerate(table.targets) if t is not None}
    order = [c for c in CANONICAL if c in positions]
    frame = pd.DataFrame({t: table.column(positions[t], t) for t in order}, dtype=table.dtype)
    frame["source_file"] = pd.Series([entry] * len(frame), dtype="str")
    frame["source_line"] = np.asarray(table.lines, dtype="int64")
    keep = np.ones(len(frame), dtype=bool)
    rejected = [r.as_reject(entry, positions) for r in table.rejects]
    for issue in table.cell_issues:
        if table.targets[issue.column] is not None and keep[issue.row]:
            keep[issue.row] = False
            rejected.append(issue.as_reject(entry, table.header[issue.column],
                                            frame.iloc[issue.row]))
    rejected.sort(key=lambda r: r["source_line"])
    columns = list(QUARANTINE_COLUMNS) + order
    reject_frame = pd.DataFrame(rejected, columns=columns)
    reject_frame = reject_frame.astype({"source_line": "int64", "amount_value": "float64"})
    return frame[keep].reset_index(drop=True), reject_frame


def _concat(frames: list[pd.DataFrame], *, lead: list[str], tail: list[str]) -> pd.DataFrame:
    """Concatenate per-file frames (their columns may differ) in canonical column order."""
    combined = pd.concat(frames, ignore_index=True)
    body = [c for c in CANONICAL if c in combined.columns]
    return combined[lead + body + tail]


def _check_unused_keys(params: Params, used: set, sources: list[dict]) -> None:
    """Raise when a column_map key matches no column of any file (most likely a typo)."""
    unused = [k for k in params.column_map if k not in used]
    if unused:
        columns = sorted({c for s in sources for c in s["columns"]})
        raise LoadError(
            f"{', '.join(s['path'] for s in sources)}: column_map key(s) "
            f"{', '.join(repr(k) for k in unused)} match no column of any file; the files' "
            f"columns are: {', '.join(repr(c) for c in columns[:40])}. Fix or remove the key(s).")
