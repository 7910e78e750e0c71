"""One measured benchmark stage, run in its own process for a clean peak-memory figure.

    python benchmarks/stage.py STAGE '{"json": "arguments"}'

Prints one JSON line: wall seconds (``work_s``; the CLV stages time only the fit or their
four stages) and CPU seconds (all threads) of the stage's work alone (imports excluded), peak resident memory of the whole process (``ru_maxrss``,
imports included; the same libraries are imported for every stage so the baseline is
shared) and the number of result rows.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from insights.clustering.clusters import build_clusters
from insights.concentration import customer_revenue, stress_test, summarize_concentration
from insights.features.customers import (
    build_customer_features,
    customer_quarter_activity,
    revenue_by,
)
from insights.ingest.stream import ingest as ingest_unit
from insights.params import ClusteringParams, ClvParams, FeatureParams, Params
from insights.steps import build_clv, concentration_trend

AS_OF = "2026-09-30"
FEATURES = FeatureParams(service_product_lines=["service", "insurance"], online_channels=["online"])

#: The anchor of issue 7: per-customer recency/frequency/monetary/breadth, written by hand.
ANCHOR_SQL = """
SELECT customer_id,
       MAX(order_date) AS last_date, MIN(order_date) AS first_date,
       COUNT(DISTINCT order_id) AS frequency, SUM(amount) AS monetary,
       COUNT(DISTINCT product_line) AS breadth
FROM read_parquet(?, union_by_name = true)
WHERE order_date <= DATE '2026-09-30'
GROUP BY customer_id ORDER BY customer_id
"""


def _glob(path: str) -> str:
    return str(Path(path) / "**" / "*.parquet") if Path(path).is_dir() else path


def ingest(args: dict) -> int:
    """Our streaming ingest: CSV -> cleaned Parquet dataset (cache dir emptied by caller)."""
    csv = Path(args["csv"])
    params = Params.model_validate(
        {"unit": "bench", "source": {"paths": [csv.name], "delimiter": ",", "encoding": "utf-8",
                                     "date_format": "%Y-%m-%d", "decimal": "."}}
    )
    return ingest_unit(params, root=csv.parent, cache_dir=Path(args["cache"])).rows_kept


def ingest_anchor(args: dict) -> int:
    """DuckDB's own CSV -> Parquet copy with type detection, no cleaning."""
    with duckdb.connect() as con:
        con.execute(
            "COPY (SELECT * FROM read_csv(?, header = true)) TO '" + args["out"].replace("'", "''")
            + "' (FORMAT parquet)", [args["csv"]]
        )
        return con.execute("SELECT COUNT(*) FROM read_parquet(?)", [args["out"]]).fetchone()[0]


def features(args: dict) -> int:
    """Our customer features, scanning the Parquet dataset with DuckDB."""
    return len(build_customer_features(args["data"], as_of=AS_OF, params=FEATURES))


def features_anchor(args: dict) -> int:
    """The hand-written DuckDB GROUP BY over the same Parquet data."""
    with duckdb.connect() as con:
        return len(con.execute(ANCHOR_SQL, [_glob(args["data"])]).df())


def revenue_12m(args: dict) -> int:
    """Trailing-12-month revenue per customer (concentration input)."""
    return len(revenue_by(args["data"], by=["customer_id"], as_of=AS_OF))


def quarter_activity(args: dict) -> int:
    """Purchases and revenue per customer and quarter (cohorts, trends)."""
    return len(customer_quarter_activity(args["data"], as_of=AS_OF))


def features_file(args: dict) -> int:
    """Write the customer features to ``out`` (input of the stages below; not in the table)."""
    frame = build_customer_features(args["data"], as_of=AS_OF, params=FEATURES)
    frame.to_parquet(args["out"], index=False)
    return len(frame)


def clustering(args: dict) -> int:
    """The whole clustering step (k by silhouette on a sample, fit, stability, profiles)."""
    frame = pd.read_parquet(args["features"])
    result = build_clusters(frame, params=ClusteringParams(), random_state=42)
    return len(result.labels)


def concentration(args: dict) -> int:
    """Customer concentration and stress test, plus the 8-quarter trend over the dataset."""
    revenue = customer_revenue(pd.read_parquet(args["features"]))
    summarize_concentration(revenue)
    stress_test(revenue)
    return len(concentration_trend(args["data"], as_of=AS_OF, quarters=8))


def clv_data(args: dict) -> int:
    """Save the CLV inputs both sides read: CDNOW's and 1M simulated customers' transactions."""
    from bench_clv import _cdnow_arrays, _synthetic_arrays

    np.savez(args["cdnow"], **_cdnow_arrays())
    arrays = _synthetic_arrays(int(args["customers"]))
    np.savez(args["synthetic"], **arrays)
    return int(arrays["day"].size)


def clv_fit(args: dict) -> dict:
    """Our BG/NBD fit on the purchase summary (the summary is made first, not timed)."""
    from bench_clv import _frame

    from insights.clv.build import fit_bgnbd
    from insights.features.purchases import summarize_purchases

    tx = _frame(dict(np.load(args["data"])), string_ids=True)
    tx["customer_id"] = tx["customer_id"].astype("string")
    summary = summarize_purchases(tx, as_of=args["as_of"], time_unit="week")
    started = time.perf_counter()
    fit_bgnbd(summary)
    return {"rows": len(summary), "work_s": time.perf_counter() - started}


def clv_cdnow(args: dict) -> dict:
    """bench_clv's four stages on our side (summary, both fits, scoring), run once."""
    from bench_clv import run_ours

    ours = run_ours(dict(np.load(args["data"])), as_of=args["as_of"], repeats=1)
    return {"rows": ours["n_customers"], "work_s": sum(ours["times"].values())}


def lifetime_value(args: dict) -> int:
    """BG/NBD + Gamma-Gamma from the dataset: summaries in SQL, fits, scoring, holdout."""
    return len(build_clv(args["data"], as_of=AS_OF, params=ClvParams()).customers)


STAGES = {f.__name__: f for f in (ingest, ingest_anchor, features, features_anchor, revenue_12m,
                                  quarter_activity, features_file, clustering, concentration,
                                  lifetime_value, clv_data, clv_fit, clv_cdnow)}


def main() -> None:
    name, args = sys.argv[1], json.loads(sys.argv[2])
    wall, cpu = time.perf_counter(), time.process_time()
    rows = STAGES[name](args)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if isinstance(rows, dict):  # the stage timed a part of its work itself
        wall, rows = rows["work_s"], rows["rows"]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"stage": name, "wall_s": round(wall, 3), "work_s": round(wall, 3),
                      "cpu_s": round(cpu, 3),
                      "peak_mb": round(peak_mb, 1), "rows": int(rows)}))


if __name__ == "__main__":
    main()
