"""Pieces shared by the streaming ingest and its cross-batch checks: markers and Parquet writes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.feather as feather
import pyarrow.parquet as pq

#: A private-use character: no export names a file with it.
MARK = "\ue000"
#: ``source_file`` of the rows added to steer ``decimal: auto`` (dropped after cleaning).
DECIDER_FILE = MARK + "decider"


def _write(frame: pd.DataFrame, path: Path) -> None:
    """Write a frame as one Parquet file (no file when it has no rows)."""
    if not len(frame):
        path.unlink(missing_ok=True)
        return
    if "order_date" in frame.columns and pd.api.types.is_datetime64_any_dtype(frame["order_date"]):
        frame = frame.assign(order_date=frame["order_date"].astype("datetime64[ns]"))
    pq.write_table(_arrow(frame.reset_index(drop=True)), path, coerce_timestamps="us")


def _write_raw(frame: pd.DataFrame, path: Path) -> None:
    """Write a batch's loaded rows as one uncompressed Arrow IPC file (none when empty).

    Read back only for the few rows the cross-batch checks reject; Arrow IPC is written at
    about the speed of a copy, a tenth of the time of a Parquet file of the same rows.
    """
    if len(frame):
        feather.write_feather(_arrow(frame.reset_index(drop=True)), str(path),
                              compression="uncompressed")


def _read_raw(path: Path, lines) -> pd.DataFrame:
    """Return the rows of a ``_write_raw`` file at ``lines`` (``source_line``), indexed by line."""
    table = feather.read_table(str(path), memory_map=True)
    table = table.filter(pc.is_in(table["source_line"], value_set=pa.array(lines, pa.int64())))
    return table.to_pandas().set_index("source_line")


def _arrow(frame: pd.DataFrame) -> pa.Table:
    """Return a frame as an Arrow table; cells of mixed types (Excel) are kept as text."""
    try:
        return pa.Table.from_pandas(frame, preserve_index=False)
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        mixed = {c: frame[c].map(lambda v: None if v is None or v != v else str(v)).astype("str")
                 for c in frame.columns if frame[c].dtype == object}
        return pa.Table.from_pandas(frame.assign(**mixed), preserve_index=False)
