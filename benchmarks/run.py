"""`make bench`: each measure of issue 20, ours beside its anchors, interleaved, >= 5 runs.

Every run is a fresh process started by ``measure.run_measured``: wall time, and peak memory
summed over the process and all its children (psutil, every 50 ms). Ours runs
``benchmarks/stage.py`` (or the real ``make report``); each anchor is a small script in
``benchmarks/anchors/`` run with the same interpreter, which never imports ``insights``
(checked on every run: a run that did is refused). Run i of ours is followed by run i of
each anchor. The summary of each side is the median (min-max) of its runs: the time of the
work as the process itself reports it (imports and data preparation excluded; for the
report, the whole command), and the peak memory of the process tree.

The results (date, machine, commit, load average before and after, every run's raw numbers
and the summaries) go to ``benchmarks/results.json`` under ``"bench"``;
``benchmarks/readme_table.py`` then writes the README tables from that file.

    python benchmarks/run.py [--runs 5] [--rows 10m] [--only ingest,report,features,clv,cdnow]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BENCH = ROOT / ".bench"
RESULTS = HERE / "results.json"
sys.path.insert(0, str(HERE))

from measure import machine, run_measured, summarize  # noqa: E402
from synth import write_synthetic  # noqa: E402

SIZES = {"100k": 100_000, "1m": 1_000_000, "3m": 3_000_000, "10m": 10_000_000,
         "30m": 30_000_000, "100m": 100_000_000}
PY = sys.executable
CLV_CUSTOMERS = 1_000_000
CDNOW_AS_OF = "1997-09-30"
MEASURES = ("ingest", "report", "features", "clv", "cdnow")


def stage(name: str, **args) -> list[str]:
    """The command of one of our stages (``benchmarks/stage.py``)."""
    return [PY, str(HERE / "stage.py"), name, json.dumps(args)]


def anchor(script: str, *args: str) -> list[str]:
    """The command of one anchor script, run with the same interpreter."""
    return [PY, str(HERE / "anchors" / script), *args]


def one_run(command: list[str], *, is_anchor: bool, before=None, cwd: Path | None = None) -> dict:
    """Measure one run; refuse an anchor run whose process imported ``insights``."""
    if before is not None:
        before()
    run = run_measured(command, cwd=cwd)
    reported = run.pop("reported")
    if is_anchor and reported.get("insights_imported") is not False:
        raise RuntimeError(f"anchor {command[1]} imported insights (or did not say): {reported}")
    run["work_s"] = reported.get("work_s", run["wall_s"])
    run["rows"] = reported.get("rows")
    return run


def side(label: str, runs: list[dict], *, time_key: str) -> dict:
    """One side of a measure: its raw runs and the median (min-max) of time and memory."""
    return {"label": label, "time_key": time_key, "runs": runs,
            "time_s": summarize([r[time_key] for r in runs]),
            "peak_mb": summarize([r["peak_mb"] for r in runs])}


def interleave(sides: dict[str, dict], *, runs: int, time_key: str = "work_s") -> dict:
    """Run every side ``runs`` times, alternating (ours, anchor, ...); return the summaries.

    ``sides`` maps a key to {"label", "command", "anchor": bool, optional "before", "cwd"}.
    """
    raw: dict[str, list[dict]] = {key: [] for key in sides}
    for i in range(runs):
        for key, spec in sides.items():
            raw[key].append(one_run(spec["command"], is_anchor=spec["anchor"],
                                    before=spec.get("before"), cwd=spec.get("cwd")))
            print(f"  run {i + 1}/{runs} {key}: {raw[key][-1]}", flush=True)
    return {key: side(spec["label"], raw[key], time_key=time_key) for key, spec in sides.items()}


def synthetic_csv(label: str) -> Path:
    """The synthetic CSV of ``label`` rows in ``.bench/data`` (written once, then reused)."""
    csv = BENCH / "data" / f"tx_{label}.csv"
    if not csv.exists():
        started = time.perf_counter()
        write_synthetic(csv, rows=SIZES[label])
        print(f"generated {csv.name} in {time.perf_counter() - started:.0f} s", flush=True)
    return csv


def bench_ingest(label: str, *, runs: int) -> dict:
    """Our ingest (CSV -> cleaned Parquet dataset) against DuckDB's and polars' CSV copy."""
    csv, cache = synthetic_csv(label), BENCH / "cache" / label
    sides = {
        "ours": {"label": "insights.ingest.stream.ingest", "anchor": False,
                 "command": stage("ingest", csv=str(csv), cache=str(cache)),
                 "before": lambda: shutil.rmtree(cache, ignore_errors=True)},
        "duckdb": {"label": "DuckDB COPY (SELECT * FROM read_csv(...)) TO parquet", "anchor": True,
                   "command": anchor("ingest_duckdb.py", str(csv),
                                     str(BENCH / "data" / f"anchor_{label}.parquet"))},
    }
    if subprocess.run([PY, "-c", "import polars"], capture_output=True).returncode == 0:
        sides["polars"] = {"label": "polars scan_csv().sink_parquet()", "anchor": True,
                           "command": anchor("ingest_polars.py", str(csv),
                                             str(BENCH / "data" / f"polars_{label}.parquet"))}
    result = interleave(sides, runs=runs)
    dataset = BENCH / "datasets" / label  # the last ingest's dataset: input of the features
    shutil.rmtree(dataset, ignore_errors=True)
    dataset.parent.mkdir(parents=True, exist_ok=True)
    produced = next(p for p in cache.iterdir() if p.is_dir() and not p.name.startswith("."))
    (produced / "data").rename(dataset)
    return result


def bench_features(label: str, *, runs: int) -> dict:
    """``build_customer_features`` against the hand-written GROUP BY, same Parquet dataset."""
    dataset = BENCH / "datasets" / label
    if not dataset.exists():
        raise RuntimeError(f"{dataset} missing: run the ingest measure first")
    return interleave({
        "ours": {"label": "build_customer_features", "anchor": False,
                 "command": stage("features", data=str(dataset))},
        "duckdb": {"label": "hand-written DuckDB GROUP BY", "anchor": True,
                   "command": anchor("features_duckdb.py", str(dataset))},
    }, runs=runs)


def bench_report(*, runs: int) -> dict:
    """The real ``make report UNIT=fleet``, warm, against papermill + nbconvert of a trivial
    notebook with one seaborn plot; one unmeasured warm-up run of each first."""
    floor = BENCH / "report-floor"
    sides = {
        "ours": {"label": "make report UNIT=fleet", "anchor": False, "cwd": ROOT,
                 "command": ["make", "--no-print-directory", "report", "UNIT=fleet"]},
        "floor": {"label": "papermill + nbconvert --to html, one seaborn plot", "anchor": True,
                  "command": anchor("report_floor.py", str(floor))},
    }
    for spec in sides.values():
        one_run(spec["command"], is_anchor=spec["anchor"], cwd=spec.get("cwd"))
    return interleave(sides, runs=runs, time_key="wall_s")


def clv_inputs() -> tuple[Path, Path, str]:
    """Save CDNOW's and the simulated customers' transactions once; return paths and as-of."""
    import pandas as pd
    from bench_clv import SYNTH_DAYS, SYNTH_START

    cdnow, synthetic = BENCH / "data" / "clv_cdnow.npz", BENCH / "data" / "clv_1m.npz"
    if not (cdnow.exists() and synthetic.exists()):
        one_run(stage("clv_data", cdnow=str(cdnow), synthetic=str(synthetic),
                      customers=CLV_CUSTOMERS), is_anchor=False)
    end = (pd.Timestamp(SYNTH_START) + pd.Timedelta(days=SYNTH_DAYS)).strftime("%Y-%m-%d")
    return cdnow, synthetic, end


def bench_clv(*, runs: int, cdnow_only: bool = False) -> dict:
    """BG/NBD fit at 1M customers (unless ``cdnow_only``), else the four CLV stages on CDNOW,
    ours against lifetimes."""
    cdnow, synthetic, end = clv_inputs()
    work = BENCH / "clv"
    work.mkdir(parents=True, exist_ok=True)
    if not cdnow_only:
        return {"clv": interleave({
            "ours": {"label": "insights.clv fit_bgnbd", "anchor": False,
                     "command": stage("clv_fit", data=str(synthetic), as_of=end)},
            "lifetimes": {"label": "lifetimes BetaGeoFitter, weights= on distinct rows",
                          "anchor": True, "command": anchor("clv_lifetimes.py", "fit",
                                                            str(synthetic), end, str(work))},
        }, runs=runs)}
    return {"cdnow": interleave({
        "ours": {"label": "insights: summary, BG/NBD, Gamma-Gamma, scoring", "anchor": False,
                 "command": stage("clv_cdnow", data=str(cdnow), as_of=CDNOW_AS_OF)},
        "lifetimes": {"label": "lifetimes: the same four stages", "anchor": True,
                      "command": anchor("clv_lifetimes.py", "cdnow", str(cdnow), CDNOW_AS_OF,
                                        str(work))},
    }, runs=runs)}


def git_commit() -> dict:
    """The commit measured, and whether the work tree had uncommitted changes."""
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                           capture_output=True, text=True)
    return {"commit": head.stdout.strip(), "dirty": bool(dirty.stdout.strip())}


def run_meta() -> dict:
    """Date (UTC), machine, interpreter, commit and the load average before the run."""
    return {"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "machine": machine(),
            "python": sys.version.split()[0], **git_commit(),
            "load_avg_before": [round(x, 2) for x in os.getloadavg()]}


def save(section: str, value: dict) -> None:
    """Write ``value`` under ``section`` of the results file, keeping the other sections."""
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results[section] = value
    RESULTS.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per side (at least 5 for the record)")
    parser.add_argument("--rows", default="10m", choices=sorted(SIZES), help="ingest/features size")
    parser.add_argument("--only", default=",".join(MEASURES), help="comma-separated measures")
    args = parser.parse_args(argv)
    only = [m.strip() for m in args.only.split(",") if m.strip()]
    meta = run_meta() | {"runs": args.runs, "rows": SIZES[args.rows]}
    measures: dict[str, dict] = {}
    steps = {"ingest": lambda: {"ingest": bench_ingest(args.rows, runs=args.runs)},
             "features": lambda: {"features": bench_features(args.rows, runs=args.runs)},
             "report": lambda: {"report": bench_report(runs=args.runs)},
             "cdnow": lambda: bench_clv(runs=args.runs, cdnow_only=True),
             "clv": lambda: {"clv": bench_clv(runs=args.runs)["clv"]}}
    for name in (n for n in steps if n in only):
        measures |= steps[name]()
        meta["load_avg_after"] = [round(x, 2) for x in os.getloadavg()]
        save("bench", meta | {"measures": measures})  # after each measure: a stopped run keeps these
    done = subprocess.run([PY, str(HERE / "readme_table.py")], check=False)
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
