"""Anchor: ``lifetimes`` on the same transactions as ours (arrays saved by the harness).

``fit``: the BG/NBD fit on distinct (frequency, recency, T) rows with ``weights=`` (its
fastest fit); the summary from transactions is made first and not timed, as on our side.
``cdnow``: the four stages of ``bench_clv.py`` (summary, BG/NBD fit, Gamma-Gamma fit,
scoring every customer) fitted as documented, one row per customer; their total time.

    python benchmarks/anchors/clv_lifetimes.py fit|cdnow ARRAYS.npz AS_OF WORKDIR
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import bench_clv  # noqa: E402  (imports numpy and pandas only; its lifetimes part is ours to call)
from _common import report  # noqa: E402


def fit_weighted(data: str, as_of: str) -> dict:
    """Time lifetimes' weighted BG/NBD fit on distinct rows; return rows and seconds."""
    from lifetimes import BetaGeoFitter
    from lifetimes.utils import summary_data_from_transaction_data

    tx = bench_clv._frame(dict(np.load(data)), string_ids=False)
    s = summary_data_from_transaction_data(tx, "customer_id", "order_date", "amount",
                                           observation_period_end=as_of, freq="D",
                                           freq_multiplier=7)
    started = time.perf_counter()
    rows = s.groupby(["frequency", "recency", "T"]).size().rename("w").reset_index()
    BetaGeoFitter().fit(rows["frequency"], rows["recency"], rows["T"], weights=rows["w"])
    return {"rows": len(s), "seconds": time.perf_counter() - started}


def cdnow(data: str, as_of: str, workdir: str) -> dict:
    """Run bench_clv's four lifetimes stages once; return rows and their summed seconds."""
    out = str(Path(workdir) / "lifetimes-cdnow.json")
    bench_clv._lifetimes_part(data, out, as_of, 1, False)
    result = json.loads(Path(out).read_text())
    return {"rows": result["n_customers"], "seconds": sum(result["times"].values())}


if __name__ == "__main__":
    mode, data, as_of, workdir = sys.argv[1:5]
    found = fit_weighted(data, as_of) if mode == "fit" else cdnow(data, as_of, workdir)
    report(f"clv_lifetimes_{mode}", lambda: found["rows"], seconds=found["seconds"])
