"""Benchmark: the BG/NBD fit alone, ours against ``lifetimes``' weighted fit, side by side.

Both sides fit the same purchase summary (x, t_x, T of 1,000,000 simulated customers, the
data of ``bench_clv.py``), each in a fresh process of its own, alternating (ours, theirs,
theirs, ours, ...) so both meet the same load; each process fits ``--fits`` times and every
fit's wall and CPU time is kept. The table shows medians, min and max over all fits.

- ours: ``insights.clv.bgnbd.fit_bgnbd`` on the summary (it finds the distinct rows itself);
- anchor: ``lifetimes`` 0.11.3 ``BetaGeoFitter().fit(..., weights=)`` on the distinct
  (frequency, recency, T) rows, the groupby that finds them included, in the venv
  ``bench_clv.py`` creates (the stack lifetimes was released against), with
  ``OPENBLAS_NUM_THREADS=1``; that process never imports ``insights``.

    python benchmarks/bench_fit.py [--customers 1000000] [--rounds 3] [--fits 3]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_clv  # noqa: E402

CHILD = r"""
import json, sys, time
import numpy as np, pandas as pd
side, path, fits = sys.argv[1], sys.argv[2], int(sys.argv[3])
d = np.load(path)
s = pd.DataFrame({"frequency": d["x"], "recency": d["t"], "T": d["T"]})
if side == "lifetimes":
    from lifetimes import BetaGeoFitter
    def fit():
        rows = s.groupby(["frequency", "recency", "T"]).size().rename("w").reset_index()
        f = BetaGeoFitter().fit(rows["frequency"], rows["recency"], rows["T"], weights=rows["w"])
        return {k: float(f.params_[k]) for k in ("r", "alpha", "a", "b")}
else:
    from insights.clv.bgnbd import fit_bgnbd
    def fit():
        f = fit_bgnbd(s)
        return {"r": f.r, "alpha": f.alpha, "a": f.a, "b": f.b}
times = []
for _ in range(fits):
    wall, cpu = time.perf_counter(), time.process_time()
    params = fit()
    times.append((time.perf_counter() - wall, time.process_time() - cpu))
print(json.dumps({"times": times, "params": params}))
"""


def _summary(n: int, path: Path) -> None:
    """Write the purchase summary of ``n`` simulated customers (bench_clv's data) to ``path``."""
    from insights.features.purchases import summarize_purchases

    tx = bench_clv._frame(bench_clv._synthetic_arrays(n), string_ids=True)
    end = pd.Timestamp(bench_clv.SYNTH_START) + pd.Timedelta(days=bench_clv.SYNTH_DAYS)
    s = summarize_purchases(tx, as_of=end.strftime("%Y-%m-%d"), time_unit="week")
    np.savez(path, **{k: s[c].to_numpy(float) for k, c in
                      (("x", "frequency"), ("t", "recency"), ("T", "T"))})  # fmt: skip


def _run(side: str, python: Path, data: Path, fits: int) -> dict:
    env = dict(os.environ)
    if side == "lifetimes":
        env |= {"OPENBLAS_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore"}
    done = subprocess.run([str(python), "-c", CHILD, side, str(data), str(fits)],
                          capture_output=True, text=True, env=env, check=False)  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"{side} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3, help="process pairs, alternating")
    parser.add_argument("--fits", type=int, default=3, help="fits per process")
    args = parser.parse_args(argv)
    key, _, venv, pins, _ = bench_clv.SETUPS[0]
    lifetimes, note = bench_clv.ensure_venv(venv, pins)
    if lifetimes is None:
        raise SystemExit(note)
    data = bench_clv.BENCH_DIR / f"fit_summary_{args.customers}.npz"
    if not data.exists():
        _summary(args.customers, data)
    pythons = {"insights": Path(sys.executable), "lifetimes": lifetimes}
    runs: dict[str, list] = {"insights": [], "lifetimes": []}
    params = {}
    for i in range(args.rounds):
        for side in ("insights", "lifetimes") if i % 2 == 0 else ("lifetimes", "insights"):
            out = _run(side, pythons[side], data, args.fits)
            runs[side] += out["times"]
            params[side] = out["params"]
    result = {"customers": args.customers, "load_average": os.getloadavg(), "params": params}
    for side, times in runs.items():
        wall, cpu = np.array(times).T
        result[side] = {"wall_median": float(np.median(wall)), "wall_min": float(wall.min()),
                        "wall_max": float(wall.max()), "cpu_median": float(np.median(cpu)),
                        "fits": len(wall)}  # fmt: skip
        print(
            f"{side:<10} wall median {np.median(wall):.3f} s (min {wall.min():.3f}, max "
            f"{wall.max():.3f}), cpu median {np.median(cpu):.3f} s, {len(wall)} fits"
        )
    ratio = result["lifetimes"]["wall_median"] / result["insights"]["wall_median"]
    result["speedup_wall_median"] = ratio
    print(f"ours {ratio:.1f}x faster (wall medians); params: {params}; load {os.getloadavg()}")
    (bench_clv.BENCH_DIR / "fit.json").write_text(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
