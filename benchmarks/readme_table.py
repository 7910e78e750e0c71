"""Write the benchmark tables of README.md and benchmarks/README.md from benchmarks/results.json.

The text between ``<!-- bench:start -->`` and ``<!-- bench:end -->`` in each README is
replaced by ``render(results)``: nothing in that section is typed by hand, so the README
says what the last recorded run measured. ``--check`` only compares (exit 1 on a difference).

    python benchmarks/readme_table.py [--check]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.json"
READMES = (HERE.parent / "README.md", HERE / "README.md")
START, END = "<!-- bench:start -->", "<!-- bench:end -->"
MEMORY_LIMIT_MB = 24 * 1024
LARGE_GOAL_S = 900

#: measure -> (title, anchor key(s), goal text, goal test on ours/anchor time ratio).
MEASURES = {
    "ingest": ("ingest the {rows} synthetic CSV to Parquet, with cleaning",
               ("duckdb", "polars"), "<= 5x", lambda r: r <= 5),
    "report": ("`make report UNIT=fleet`, warm", ("floor",), "<= 2x", lambda r: r <= 2),
    "features": ("per-customer features, {rows} tx / {customers} customers, on the ingested "
                 "Parquet", ("duckdb",), "<= 1.3x", lambda r: r <= 1.3),
    "clv": ("BG/NBD fit, 1M customers", ("lifetimes",), ">= 5x faster", lambda r: r <= 0.2),
    "cdnow": ("BG/NBD + Gamma-Gamma on CDNOW (the whole sample: summary, fits, scoring)",
              ("lifetimes",), "report", None),
}


def millions(rows: int) -> str:
    """10000000 -> '10M', 100000 -> '0.1M'."""
    return f"{rows / 1e6:g}M"


def cell(side: dict) -> str:
    """'median s (min-max); median MB (min-max)' of one side of a measure."""
    t, m = side["time_s"], side["peak_mb"]
    return (f"{t['median']:.2f} s ({t['min']:.2f}-{t['max']:.2f}); "
            f"{m['median']:,.0f} MB ({m['min']:,.0f}-{m['max']:,.0f})")


def ratio_text(ours: dict, anchor: dict, *, faster: bool) -> tuple[float, str]:
    """Ratio of the medians (time and memory), ours / anchor; as 'Nx faster' when asked."""
    r = ours["time_s"]["median"] / anchor["time_s"]["median"]
    mem = ours["peak_mb"]["median"] / anchor["peak_mb"]["median"]
    text = f"{1 / r:.1f}x faster" if faster else f"{r:.2f}x"
    return r, f"{text}; memory {mem:.2f}x"


def bench_rows(bench: dict) -> list[str]:
    """One table row per (measure, anchor) of the ``bench`` section."""
    rows = []
    for key, (title, anchors, goal, test) in MEASURES.items():
        measure = bench["measures"].get(key)
        if measure is None:
            continue
        ours = measure["ours"]
        name = title.format(rows=millions(bench["rows"]), customers=millions(bench["rows"] // 10))
        for anchor_key in (a for a in anchors if a in measure):
            anchor = measure[anchor_key]
            r, text = ratio_text(ours, anchor, faster=key in ("clv", "cdnow"))
            met = "-" if test is None else ("yes" if test(r) else "**no**")
            rows.append(f"| {name} | {cell(ours)} | {anchor['label']}: {cell(anchor)} | {text} "
                        f"| {goal} | {met} |")
    return rows


def header(meta: dict) -> str:
    """One sentence: when, where, which commit, how loaded."""
    m = meta["machine"]
    dirty = " plus uncommitted changes" if meta.get("dirty") else ""
    return (f"Measured {meta['date']} on {m['cpu_model']} ({m['cores']} cores, {m['ram_gb']} GB "
            f"RAM, {m['os']}), commit `{meta['commit'][:10]}`{dirty}; load average "
            f"{meta['load_avg_before'][0]} before, {meta['load_avg_after'][0]} after")


def large_rows(large: dict) -> list[str]:
    """One row per size of the ``large`` section, with seconds per million rows."""
    rows = []
    for run in large["sizes"].values():
        goal = run["rows"] >= 100_000_000
        met = (("yes" if run["wall_s"] <= LARGE_GOAL_S and run["peak_mb"] <= MEMORY_LIMIT_MB
                else "**no**") if goal else "-")
        rows.append(f"| {millions(run['rows'])} | {run['format']} | {run['wall_s']:,.0f} s | "
                    f"{run['s_per_million_rows']:.1f} s | {run['peak_mb']:,.0f} MB | "
                    f"{'<= 900 s within 24 GB' if goal else '-'} | {met} |")
    if not any(run["rows"] >= 100_000_000 for run in large["sizes"].values()):
        rows.append("| 100M | - | not measured in this record | - | - | <= 900 s within 24 GB "
                    "| not measured |")
    return rows


def render(results: dict) -> str:
    """The whole generated section (markdown) for ``results``."""
    lines = []
    bench = results.get("bench")
    if bench:
        size = ("" if bench["rows"] == 10_000_000 else
                f"; ingest and features at {millions(bench['rows'])} rows (the goals are set at 10M)")
        lines += [header(bench) + size + f"; {bench['runs']} runs per side, interleaved, each in its "
                  "own process. Median (min-max) of the time of the work and of the peak "
                  "memory summed over the process and its children; ratios are of the medians.",
                  "", "| measure | insights | anchor | ratio | goal | met |",
                  "| --- | --- | --- | --- | --- | --- |", *bench_rows(bench)]
    large = results.get("large")
    if large:
        lines += ["", header(large) + ". A report of one synthetic unit published by "
                  "`insights report` (ingest included), one run per size; memory summed over "
                  "every process of the run.", "",
                  "| transactions | source | publish time | per million rows | peak memory, all "
                  "processes | goal | met |", "| --- | --- | ---: | ---: | ---: | --- | --- |",
                  *large_rows(large)]
    return "\n".join(lines)


def rewrite(text: str, section: str) -> str:
    """Replace what lies between the markers in ``text`` with ``section``."""
    head, start, rest = text.partition(START)
    _, end, tail = rest.partition(END)
    if not start or not end:
        raise ValueError(f"README: the markers {START} ... {END} are missing")
    return f"{head}{START}\n{section}\n{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 if stale")
    args = parser.parse_args(argv)
    section = render(json.loads(RESULTS.read_text()))
    stale = []
    for readme in READMES:
        text = readme.read_text()
        new = rewrite(text, section)
        if new != text:
            stale.append(readme.name)
            if not args.check:
                readme.write_text(new)
    print(section if not args.check else f"stale: {stale}" if stale else "up to date")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
