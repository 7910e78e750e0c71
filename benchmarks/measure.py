"""Measure a command in its own process: wall time and peak memory of the whole process tree.

``run_measured`` starts the command, samples the resident memory (RSS) of the process and of
all its descendants every ``interval`` seconds with psutil, and keeps the peak of the *sum*
(a papermill run's kernel, nbconvert, DuckDB threads, ingest workers: all counted). The
command may print one JSON object as its last stdout line (its own figures, e.g. the time of
its work without imports); it is returned as ``reported``. ``summarize`` gives the median,
min and max of repeated runs. Nothing here imports ``insights``.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import psutil

MB = 1024 * 1024


def tree_rss(process: psutil.Process) -> int:
    """Return the summed RSS in bytes of ``process`` and all its live descendants."""
    total = 0
    try:
        members = [process, *process.children(recursive=True)]
    except psutil.Error:
        return 0
    for member in members:
        try:
            total += member.memory_info().rss
        except psutil.Error:  # exited between listing and reading
            continue
    return total


def run_measured(command: Sequence[str], *, cwd: Path | None = None, env: dict | None = None,
                 interval: float = 0.05, timeout: float | None = None) -> dict:
    """Run ``command``; return wall seconds, peak tree memory (MB) and its JSON report.

    Raises ``RuntimeError`` with the end of stderr when the command fails.
    """
    started = time.perf_counter()
    proc = subprocess.Popen(list(command), cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    peak, done = [0], threading.Event()
    watched = psutil.Process(proc.pid)

    def sample() -> None:
        while True:
            peak[0] = max(peak[0], tree_rss(watched))
            if done.wait(interval):
                return

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        out, err = proc.communicate(timeout=timeout)
    finally:
        wall = time.perf_counter() - started
        done.set()
        sampler.join()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, command))[:200]} failed ({proc.returncode}):\n"
                           f"{err[-3000:]}")
    return {"wall_s": round(wall, 3), "peak_mb": round(peak[0] / MB, 1),
            "reported": last_json(out)}


def last_json(text: str) -> dict:
    """Return the last stdout line parsed as a JSON object, or {} when there is none."""
    for line in reversed(text.strip().splitlines()):
        if line.startswith("{"):
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                return {}
    return {}


def summarize(values: Sequence[float]) -> dict:
    """Median, min and max of ``values`` (at least one), and how many there were."""
    if not values:
        raise ValueError("summarize: no values")
    return {"median": round(float(statistics.median(values)), 3),
            "min": round(float(min(values)), 3), "max": round(float(max(values)), 3),
            "n": len(values)}


def machine() -> dict:
    """CPU model, cores, RAM and OS of this machine (for the results file)."""
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        model = next((line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines()
                      if line.startswith("model name")), "")
    uname = os.uname()
    return {"cpu_model": model or uname.machine, "cores": os.cpu_count(),
            "ram_gb": round(psutil.virtual_memory().total / 1024**3, 1),
            "os": f"{uname.sysname} {uname.release}"}
