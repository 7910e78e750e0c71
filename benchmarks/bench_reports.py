"""Benchmark `make reports`: every demo unit one after another vs in parallel on all cores.

Builds a throw-away copy of the project under ``.bench/reports-project`` with the demo
export, then times ``insights reports --jobs 1`` and ``insights reports --jobs N`` (N = CPU
cores) in the same run, alternating, and prints the ratio parallel / sequential (issue 7's
goal: at most 0.65 on two cores). Also times one ``make report``-equivalent run (notebook
execution + HTML export) of the fleet unit.

    python benchmarks/bench_reports.py [--repeat 1]
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


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args(argv)
    project = _project()
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
