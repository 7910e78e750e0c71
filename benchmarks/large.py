"""`make bench-100m`: publish the report of a synthetic unit of 10M, 30M and 100M transactions.

For each size, ``synth.py`` writes the transactions in chunks of 2M rows (CSV by default,
``--format parquet`` for a Parquet file, which the unit reads as well) into the ``data/``
folder of a throw-away project under ``.bench/large-project``, which also holds the report
notebook and one params file per size (``source.stream: true``, paths inside that project);
nothing is written outside ``.bench/large-project`` (data, ingest cache, ``reports/``). Each report is published by ``insights report`` in a fresh
process, measured by ``measure.run_measured``: wall time and the peak of the memory summed
over every process of the run (the CLI, the kernel, ingest workers, nbconvert). Seconds
per million rows at each size show whether the cost grows linearly. One run per size.

Results go to ``benchmarks/results.json`` under ``"large"``, rewritten after each size.

    python benchmarks/large.py [--sizes 10m,30m,100m] [--format csv|parquet] [--add]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from measure import run_measured  # noqa: E402
from run import BENCH, PY, RESULTS, SIZES, git_commit, run_meta, save  # noqa: E402
from synth import write_synthetic  # noqa: E402

PROJECT = BENCH / "large-project"
QUARTER = "2026Q3"
UNIT = """\
unit: {unit}
description: "Synthetic unit of {label} transactions (benchmarks/synth.py)."
source:
  paths: [data/tx_{label}.{ext}]
  format: {fmt}
  encoding: utf-8
  delimiter: ","
  decimal: "."
  thousands: ""
  date_format: "%Y-%m-%d"
  export_date: 2026-10-01
  stream: true
features:
  service_product_lines: [service, repair]
  online_channels: [online]
report:
  execution_timeout_seconds: 7200
"""


def synthetic(label: str, fmt: str) -> Path:
    """The synthetic transactions of ``label`` rows (written once, then reused)."""
    path = PROJECT / "data" / f"tx_{label}.{fmt}"
    if not path.exists():
        started = time.perf_counter()
        write_synthetic(path, rows=SIZES[label], fmt=fmt)
        print(f"generated {path.name} in {time.perf_counter() - started:.0f} s", flush=True)
    return path


def project() -> Path:
    """A fresh throw-away project (the report notebook, no params, no reports, no cache);
    the synthetic files already in its ``data/`` are kept for the next run."""
    root = Path(__file__).resolve().parents[1]
    for name in ("notebooks", "params", "reports", "data/cache"):
        shutil.rmtree(PROJECT / name, ignore_errors=True)
    shutil.copytree(root / "notebooks", PROJECT / "notebooks",
                    ignore=shutil.ignore_patterns("*.ipynb", "exploratory"))
    shutil.copy(root / "pyproject.toml", PROJECT / "pyproject.toml")
    for name in ("params", "data"):
        (PROJECT / name).mkdir(parents=True, exist_ok=True)
    return PROJECT


def publish(label: str, fmt: str) -> dict:
    """Set up the unit of ``label`` rows, publish its report, return the measured figures."""
    data, unit = synthetic(label, fmt), f"synth{label}"
    (PROJECT / "params" / f"{unit}.yaml").write_text(
        UNIT.format(unit=unit, label=label, ext=fmt, fmt=fmt))
    shutil.rmtree(PROJECT / "data" / "cache", ignore_errors=True)  # cold: ingest included
    load_before = os.getloadavg()
    run = run_measured([PY, "-m", "insights.cli", "--root", str(PROJECT), "report", "--unit",
                        unit, "--quarter", QUARTER])
    executed = json.loads((PROJECT / "reports" / unit / QUARTER / "report.ipynb").read_text())
    rows = SIZES[label]
    shutil.rmtree(PROJECT / "data" / "cache", ignore_errors=True)  # disk: the next size's turn
    return {"rows": rows, "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "commit": git_commit()["commit"], "format": fmt, "data_bytes": data.stat().st_size,
            "wall_s": run["wall_s"], "peak_mb": run["peak_mb"],
            "notebook_s": round(float(executed["metadata"]["papermill"]["duration"]), 1),
            "s_per_million_rows": round(run["wall_s"] / (rows / 1e6), 2),
            "load_avg_before": [round(x, 2) for x in load_before],
            "load_avg_after": [round(x, 2) for x in os.getloadavg()]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10m,30m,100m")
    parser.add_argument("--format", default="csv", choices=("csv", "parquet"))
    parser.add_argument("--add", action="store_true",
                        help="keep the sizes already in results.json (each records its commit)")
    args = parser.parse_args(argv)
    meta = run_meta()
    project()
    sizes: dict[str, dict] = {}
    if args.add and RESULTS.exists():  # keep the sizes recorded before, each with its own meta
        sizes = json.loads(RESULTS.read_text()).get("large", {}).get("sizes", {})
    for label in [s.strip() for s in args.sizes.split(",") if s.strip()]:
        sizes[label] = publish(label, args.format)
        print(f"{label}: {sizes[label]}", flush=True)
        meta["load_avg_after"] = [round(x, 2) for x in os.getloadavg()]
        save("large", meta | {"sizes": sizes})  # after each size: a long run stopped keeps these
    return 0


if __name__ == "__main__":
    sys.exit(main())
