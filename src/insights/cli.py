"""The ``insights`` command the Makefile calls.

``insights report --unit fleet [--quarter 2026Q3]``   publish one unit's report
``insights check fleet [--quarter 2026Q3]``           read, clean and gate the data; publish nothing
``insights reports [--quarter 2026Q3]``               every unit; goes on past failures
``insights demo-data --out data/demo [--seed N]``     write the deterministic demo export
``insights index``                                    rebuild reports/index.html

Exit codes: 0 success, 1 a report run failed, 2 invalid input (unit, quarter, params),
3 the data cannot carry a truthful report (``insights.gate``: an ambiguous column, no row kept,
too many rejects, a total row that does not match, a quarter outside the data); nothing was
published. ``insights check`` also exits 3 when a file cannot be read.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from insights.params import ParamsError
from insights.periods import PeriodError

EXIT_OK, EXIT_FAILED, EXIT_INVALID, EXIT_REFUSED = 0, 1, 2, 3


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="insights", description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="project root (default: .)")
    sub = parser.add_subparsers(dest="command", required=True)
    one = sub.add_parser("report", help="publish one unit's quarterly report")
    one.add_argument("--unit", required=True, help="a file stem in params/, e.g. fleet")
    one.add_argument("--quarter", default="", help="YYYYQn; default: latest complete quarter")
    gate = sub.add_parser("check", help="read, clean and gate a unit's data; publish nothing")
    gate.add_argument("unit", help="a file stem in params/, e.g. fleet")
    gate.add_argument("--quarter", default="", help="YYYYQn; default: latest complete quarter")
    check = sub.add_parser("check-unit", help="exit 2 unless UNIT names a file in params/")
    check.add_argument("--unit", required=True)
    every = sub.add_parser("reports", help="publish every unit's report")
    every.add_argument("--quarter", default="", help="YYYYQn; default: each unit's latest")
    every.add_argument("--jobs", type=int, default=0, help="parallel units (default: CPU cores)")
    demo = sub.add_parser("demo-data", help="write the deterministic demo export")
    demo.add_argument("--out", type=Path, default=Path("data/demo"))
    demo.add_argument("--seed", type=int, default=None, help="default: the documented seed")
    sub.add_parser("index", help="rebuild reports/index.html")
    ref = sub.add_parser("params-reference", help="print the params reference table")
    ref.add_argument("--update", type=Path, help="rewrite the table inside this Markdown file")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit code."""
    args = _parser().parse_args(argv)
    root = args.root.resolve()
    if args.command == "report":
        return _report(args.unit, args.quarter, root)
    if args.command == "check-unit":
        return _check_unit(args.unit, root)
    if args.command == "check":
        return _check(args.unit, args.quarter, root)
    if args.command == "reports":
        return _reports(args.quarter, root, jobs=args.jobs)
    if args.command == "demo-data":
        return _demo(args.out if args.out.is_absolute() else root / args.out, args.seed)
    if args.command == "params-reference":
        return _params_reference(args.update)
    from insights.publish.report import build_index

    print(build_index(root=root))
    return EXIT_OK


START, END = "<!-- params-reference:start -->", "<!-- params-reference:end -->"


def replace_params_reference(markdown: str) -> str:
    """Return ``markdown`` with the block between the params-reference markers regenerated."""
    from insights.params import params_reference

    head, rest = markdown.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{params_reference()}\n{END}{tail}"


def _params_reference(update: Path | None) -> int:
    from insights.params import params_reference

    if update is None:
        print(params_reference())
        return EXIT_OK
    update.write_text(replace_params_reference(update.read_text(encoding="utf-8")), encoding="utf-8")
    return EXIT_OK


def _report(unit: str, quarter: str, root: Path) -> int:
    from insights.gate import GateError
    from insights.publish.report import PublishError, UnitError, publish_report

    try:
        result = publish_report(unit, quarter=quarter or None, root=root)
    except (UnitError, ParamsError, PeriodError) as exc:
        print(f"insights: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except GateError as exc:
        print(f"insights: {unit}: not published: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    except PublishError as exc:
        print(f"insights: {exc}\nThe previous report, if any, was left in place.", file=sys.stderr)
        return EXIT_FAILED
    print(f"published {result.report_html.relative_to(root)}")
    return EXIT_OK


def _check(unit: str, quarter: str, root: Path) -> int:
    """Print the one-screen check of a unit's data; exit 3 when it would not be published."""
    from insights.checkup import check_unit
    from insights.params import load_params
    from insights.periods import parse_quarter
    from insights.publish.report import UnitError, resolve_unit

    try:
        params = load_params(resolve_unit(unit, root=root))
        quarter = str(parse_quarter(quarter)) if quarter else ""
    except (UnitError, ParamsError, PeriodError) as exc:
        print(f"insights: {exc}", file=sys.stderr)
        return EXIT_INVALID
    result = check_unit(params, root=root, quarter=quarter or None)
    print("\n".join(result.lines))
    if result.publishable:
        print("verdict: publishable")
        return EXIT_OK
    print("verdict: NOT publishable: " + " ".join(result.problems))
    return EXIT_REFUSED


def _check_unit(unit: str, root: Path) -> int:
    from insights.publish.report import UnitError, resolve_unit

    try:
        resolve_unit(unit, root=root)
    except UnitError as exc:
        print(f"insights: {exc}", file=sys.stderr)
        return EXIT_INVALID
    return EXIT_OK


def _report_worker(unit: str, quarter: str, root: Path, position: int) -> tuple[str, int, str]:
    """Publish one unit in a worker process; return (unit, exit code, message)."""
    from insights.gate import GateError
    from insights.publish.report import PublishError, UnitError, publish_report

    bar = {"desc": f"{unit:<12}", "position": position, "leave": True, "unit": "cell"}
    try:
        result = publish_report(unit, quarter=quarter or None, root=root, progress=bar, update_index=False)
    except (UnitError, ParamsError, PeriodError) as exc:
        return unit, EXIT_INVALID, str(exc)
    except GateError as exc:
        return unit, EXIT_REFUSED, f"not published: {exc}"
    except PublishError as exc:
        return unit, EXIT_FAILED, str(exc)
    return unit, EXIT_OK, f"published {result.report_html.relative_to(root)}"


def _reports(quarter: str, root: Path, *, jobs: int = 0) -> int:
    """Publish every unit, ``jobs`` at a time (default: CPU cores); go on past failures."""
    import os
    from concurrent.futures import ProcessPoolExecutor

    from insights.publish.report import build_index, list_units

    units = list_units(root=root)
    workers = max(1, min(jobs or os.cpu_count() or 1, len(units) or 1))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(_report_worker, u, quarter, root, i) for i, u in enumerate(units)]
        results = [f.result() for f in futures]
    build_index(root=root)
    codes = {}
    for unit, code, message in results:
        codes[unit] = code
        print(f"{unit}: {message}", file=sys.stderr if code else sys.stdout)
    failed = sorted(unit for unit, code in codes.items() if code != EXIT_OK)
    if failed:
        print(
            f"insights: {len(failed)} of {len(codes)} unit(s) failed: {', '.join(failed)}",
            file=sys.stderr,
        )
        return EXIT_FAILED
    print(f"published {len(codes)} unit(s); index: reports/index.html")
    return EXIT_OK


def _demo(out: Path, seed: int | None) -> int:
    from insights import demo

    kwargs = {} if seed is None else {"seed": seed}
    paths = demo.write_demo_exports(out, **kwargs)
    for unit, path in sorted(paths.items()):
        print(f"{unit}: {path}")
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
