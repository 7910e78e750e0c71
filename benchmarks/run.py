"""`make bench`: time each stage beside its anchor, measured in the same run.

For each size (1M and 10M transactions; 100M with ``--with-100m``) the synthetic CSV of
``benchmarks/synth.py`` is generated once (kept in ``.bench/data``), then each stage runs
in its own process (``benchmarks/stage.py``) so its peak memory is its own:

- ingest: our streaming CSV -> cleaned Parquet dataset (``insights.ingest.stream``), anchor:
  DuckDB's own ``COPY (SELECT * FROM read_csv(...)) TO parquet`` (no cleaning);
- features: ``build_customer_features`` on the Parquet dataset, anchor: the hand-written
  DuckDB GROUP BY of issue 7 (recency/frequency/monetary/breadth) on the same files;
- revenue_12m and quarter_activity (no anchor);
- clustering (whole step on the features), concentration (summary, stress test and the
  8-quarter trend over the dataset) and lifetime_value (``build_clv`` on the dataset), once
  each; the fit against ``lifetimes`` is ``bench_clv.py``'s table.

Ours and the anchor alternate, ``--repeat`` times each (ingest once); the table shows the
best wall time, the CPU time of that run and the highest peak memory over the runs, with
ratios to the anchor. Results go to ``.bench/features-<size>.json`` and
``.bench/latest.json``. Then ``benchmarks/bench_reports.py`` times ``make reports`` and the
whole ``make report`` of a synthetic unit of each size (notebook run and HTML export apart),
and ``benchmarks/bench_clv.py`` runs when present.

    python benchmarks/run.py [--sizes 1m,10m] [--with-100m] [--repeat 3] [--skip-ingest]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BENCH = ROOT / ".bench"
sys.path.insert(0, str(HERE))

from synth import write_synthetic  # noqa: E402

SIZES = {"1m": 1_000_000, "10m": 10_000_000, "100m": 100_000_000}


def measure(stage: str, **args) -> dict:
    """Run one stage in a fresh process and return its JSON figures."""
    done = subprocess.run([sys.executable, str(HERE / "stage.py"), stage, json.dumps(args)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"stage {stage} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def best(runs: list[dict]) -> dict:
    """Best wall time (with its CPU time) and the highest peak memory over the runs."""
    top = min(runs, key=lambda r: r["wall_s"])
    return top | {"peak_mb": max(r["peak_mb"] for r in runs), "runs": len(runs)}


def bench_size(label: str, rows: int, *, repeat: int, skip_ingest: bool) -> dict:
    """Generate (once), ingest and compute features for one size; return the figures."""
    data = BENCH / "data"
    csv = data / f"tx_{label}.csv"
    if not csv.exists():
        started = time.perf_counter()
        write_synthetic(csv, rows=rows)
        print(f"[{label}] generated {csv.name} in {time.perf_counter() - started:.1f} s", flush=True)
    out: dict = {"rows": rows}
    cache, anchor_parquet = BENCH / "cache" / label, data / f"anchor_{label}.parquet"
    dataset = BENCH / "datasets" / label
    if not skip_ingest or not dataset.exists():
        shutil.rmtree(cache, ignore_errors=True)
        out["ingest"] = measure("ingest", csv=str(csv), cache=str(cache))
        out["ingest_anchor"] = measure("ingest_anchor", csv=str(csv), out=str(anchor_parquet))
        shutil.rmtree(dataset, ignore_errors=True)
        dataset.parent.mkdir(parents=True, exist_ok=True)
        produced = next(p for p in cache.iterdir() if p.is_dir() and not p.name.startswith("."))
        (produced / "data").rename(dataset)
        print(f"[{label}] ingest done", flush=True)
    runs: dict[str, list] = {"features": [], "features_anchor": [], "revenue_12m": [],
                             "quarter_activity": []}
    for _ in range(repeat):
        for stage in runs:
            runs[stage].append(measure(stage, data=str(dataset)))
    out |= {stage: best(r) for stage, r in runs.items()}
    features = BENCH / "datasets" / f"features-{label}.parquet"
    measure("features_file", data=str(dataset), out=str(features))
    for stage in ("clustering", "concentration", "lifetime_value"):
        out[stage] = measure(stage, data=str(dataset), features=str(features))
    return out


def ratio(ours: dict, anchor: dict, key: str) -> str:
    return f"{ours[key] / anchor[key]:.2f}x" if anchor.get(key) else "-"


def table(results: dict) -> str:
    """Format the figures as a plain-text table."""
    lines = [f"{'size':>5} {'stage':<17} {'wall s':>8} {'cpu s':>8} {'peak MB':>8} "
             f"{'anchor wall':>11} {'anchor MB':>9} {'time x':>7} {'mem x':>6}"]
    for label, res in results.items():
        for stage, anchor in (("ingest", "ingest_anchor"), ("features", "features_anchor"),
                              ("revenue_12m", None), ("quarter_activity", None),
                              ("clustering", None), ("concentration", None),
                              ("lifetime_value", None)):
            if stage not in res:
                continue
            ours, anc = res[stage], res.get(anchor, {}) if anchor else {}
            lines.append(
                f"{label:>5} {stage:<17} {ours['wall_s']:>8.2f} {ours['cpu_s']:>8.2f} "
                f"{ours['peak_mb']:>8.0f} {anc.get('wall_s', float('nan')):>11.2f} "
                f"{anc.get('peak_mb', float('nan')):>9.0f} {ratio(ours, anc, 'wall_s'):>7} "
                f"{ratio(ours, anc, 'peak_mb'):>6}"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1m,10m", help="comma-separated: 1m, 10m, 100m")
    parser.add_argument("--with-100m", action="store_true", help="add the 100M-row size")
    parser.add_argument("--repeat", type=int, default=3, help="runs per feature stage")
    parser.add_argument("--skip-ingest", action="store_true", help="reuse an ingested dataset")
    parser.add_argument("--no-clv", action="store_true", help="do not run bench_clv.py")
    parser.add_argument("--no-reports", action="store_true", help="do not run bench_reports.py")
    args = parser.parse_args(argv)
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    if args.with_100m and "100m" not in sizes:
        sizes.append("100m")
    results = {}
    for label in sizes:
        results[label] = bench_size(label, SIZES[label], repeat=args.repeat,
                                    skip_ingest=args.skip_ingest)
        (BENCH / f"features-{label}.json").write_text(json.dumps(results[label], indent=2))
    meta = {"python": platform.python_version(), "machine": platform.machine(),
            "cpus": os.cpu_count(), "load_avg": os.getloadavg(), "when": time.strftime("%F %T")}
    (BENCH / "latest.json").write_text(json.dumps({"meta": meta, "results": results}, indent=2))
    print(table(results))
    print(f"load average during the run: {meta['load_avg']}; figures in .bench/latest.json")
    codes = []
    if not args.no_reports:
        reports = [sys.executable, str(HERE / "bench_reports.py")]
        codes.append(subprocess.run(reports, check=False).returncode)
        for label in sizes:  # the whole `make report` of a unit of each size, streamed
            codes.append(subprocess.run([*reports, "--rows", label], check=False).returncode)
    clv = HERE / "bench_clv.py"
    if clv.exists() and not args.no_clv:
        codes.append(subprocess.run([sys.executable, str(clv)], check=False).returncode)
    return max(codes, default=0)


if __name__ == "__main__":
    sys.exit(main())
