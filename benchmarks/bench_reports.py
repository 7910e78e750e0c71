"""Benchmark `make reports`: every demo unit one after another vs in parallel on all cores.

Builds a throw-away copy of the project under ``.bench/reports-project`` with the demo
export, then times ``insights reports --jobs 1`` and ``insights reports --jobs N`` (N = CPU
cores) in the same run, alternating, and prints the ratio parallel / sequential (issue 7's
goal: at most 0.65 on two cores). Also times one ``make report``-equivalent run (notebook
execution + HTML export) of the fleet unit.

With ``--rows 100m`` (or 10m, 1m) it instead publishes the report of one synthetic unit of
that many transactions (``synth.py``'s CSV, streamed: ``source.stream: true``) in the same
throw-away project, and records its wall time and peak memory: the kernel's peak resident
set (the largest process) and the machine's peak used memory (MemTotal - MemAvailable,
sampled every 0.5 s, minus what was used before the run).

    python benchmarks/bench_reports.py [--repeat 1] [--rows 100m]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synth import AS_OF, write_synthetic  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / ".bench"


def _project() -> Path:
    project = BENCH / "reports-project"
    shutil.rmtree(project, ignore_errors=True)
    for name in ("params", "notebooks"):
        shutil.copytree(ROOT / name, project / name, ignore=shutil.ignore_patterns("*.ipynb", "exploratory"))
    shutil.copy(ROOT / "pyproject.toml", project / "pyproject.toml")
    subprocess.run([sys.executable, "-m", "insights.cli", "--root", str(project), "demo-data"], check=True,
                   capture_output=True)
    return project


def _time(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "insights.cli", *args], check=True, capture_output=True)
    return time.perf_counter() - start


SIZES = {"1m": 1_000_000, "10m": 10_000_000, "100m": 100_000_000}

LARGE_UNIT = """\
unit: {unit}
description: "Synthetic unit of {label} transactions (benchmarks/synth.py)."
source:
  paths: [data/{unit}.csv]
  format: csv
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


def _used_mb() -> float:
    info = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines())
    kb = int(info["MemTotal"].split()[0]) - int(info["MemAvailable"].split()[0])
    return kb / 1024


def large_report(project: Path, label: str) -> dict:
    """Publish one synthetic unit of ``label`` rows; return wall time and peak memory."""
    unit = f"synth{label}"
    data = BENCH / "data" / f"tx_{label}.csv"
    if not data.exists():
        write_synthetic(data, rows=SIZES[label])
    (project / "data").mkdir(exist_ok=True)
    (project / "data" / f"{unit}.csv").symlink_to(data)
    (project / "params" / f"{unit}.yaml").write_text(LARGE_UNIT.format(unit=unit, label=label))
    before, peak, done = _used_mb(), [0.0], threading.Event()

    def sample() -> None:
        while not done.wait(0.5):
            peak[0] = max(peak[0], _used_mb())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    wall = _time(["--root", str(project), "report", "--unit", unit, "--quarter", "2026Q3"])
    done.set()
    sampler.join()
    executed = json.loads((project / "reports" / unit / "2026Q3" / "report.ipynb").read_text())
    notebook = float(executed["metadata"]["papermill"]["duration"])
    cells = [c["metadata"].get("papermill", {}).get("duration") or 0.0 for c in executed["cells"]]
    return {
        "rows": SIZES[label], "as_of": AS_OF, "wall_s": round(wall, 1),
        "notebook_run_s": round(notebook, 1),
        "setup_cell_s": round(max(cells), 1),  # loading (ingest) + features + lifetime value
        "html_export_and_rest_s": round(wall - notebook, 1),
        "largest_process_peak_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
        "machine_peak_used_mb": round(peak[0] - before), "load_avg": os.getloadavg(),
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--rows", choices=sorted(SIZES), help="publish one synthetic unit instead")
    args = parser.parse_args(argv)
    project = _project()
    if args.rows:
        result = large_report(project, args.rows)
        BENCH.mkdir(exist_ok=True)
        (BENCH / f"report-{args.rows}.json").write_text(json.dumps(result, indent=2))
        print(f"make report of a {args.rows}-transaction unit: {result['wall_s']} s (notebook "
              f"{result['notebook_run_s']} s, of which the setup cell {result['setup_cell_s']} s; "
              f"HTML export and the rest {result['html_export_and_rest_s']} s), largest process "
              f"{result['largest_process_peak_mb']} MB, machine peak {result['machine_peak_used_mb']} MB")
        return result
    cores = os.cpu_count() or 1
    root = ["--root", str(project)]
    one = _time([*root, "report", "--unit", "fleet"])
    sequential, parallel = [], []
    for _ in range(args.repeat):
        sequential.append(_time([*root, "reports", "--jobs", "1"]))
        parallel.append(_time([*root, "reports", "--jobs", str(cores)]))
    result = {
        "units": len(list((project / "params").glob("*.yaml"))),
        "cores": cores,
        "one_report_fleet_s": round(one, 1),
        "sequential_s": round(min(sequential), 1),
        "parallel_s": round(min(parallel), 1),
        "ratio": round(min(parallel) / min(sequential), 2),
        "load_avg": os.getloadavg(),
    }
    BENCH.mkdir(exist_ok=True)
    (BENCH / "reports.json").write_text(json.dumps(result, indent=2))
    print(
        f"make report UNIT=fleet: {result['one_report_fleet_s']} s\n"
        f"make reports, {result['units']} units: one after another {result['sequential_s']} s, "
        f"{cores} in parallel {result['parallel_s']} s, ratio {result['ratio']} (goal <= 0.65)"
    )
    return result


if __name__ == "__main__":
    main()
