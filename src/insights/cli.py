"""The ``insights`` command the Makefile calls.

``insights report --unit fleet [--quarter 2026Q3]``   publish one unit's report
``insights check fleet [--quarter 2026Q3]``           read, clean and gate the data; publish nothing
``insights reports [--quarter 2026Q3]``               every unit; goes on past failures
``insights demo-data --out data/demo [--seed N]``     write the deterministic demo export
``insights index``                                    rebuild reports/index.html
``insights init <unit> --from <file> [--force]``      write params/<unit>.yaml from an export
``insights withdraw <unit> <quarter> --reason '...'`` take a published report off the index

Exit codes: 0 success, 1 a report run failed, 2 invalid input (unit, quarter, params),
3 the data cannot carry a truthful report (``insights.gate``: an ambiguous column, no row kept,
too many rejects, a total row that does not match, a quarter outside the data); nothing was
published. ``insights check`` also exits 3 when a file cannot be read.
"""

from __future__ import annotations

import argparse
import os
import signal
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
    one.add_argument("--wait", type=float, default=0.0,
                     help="seconds to wait while another run of the unit holds its lock (default: refuse)")
    gate = sub.add_parser("check", help="read, clean and gate a unit's data; publish nothing")
    gate.add_argument("unit", help="a file stem in params/, e.g. fleet")
    gate.add_argument("--quarter", default="", help="YYYYQn; default: latest complete quarter")
    check = sub.add_parser("check-unit", help="exit 2 unless UNIT names a file in params/")
    check.add_argument("--unit", required=True)
    every = sub.add_parser("reports", help="publish every unit's report")
    every.add_argument("--quarter", default="", help="YYYYQn; default: each unit's latest")
    every.add_argument("--jobs", type=int, default=0, help="parallel units (default: CPU cores)")
    every.add_argument("--stop-with-parent", action="store_true",
                       help="stop (and stop the workers) when the parent process dies (make reports)")
    demo = sub.add_parser("demo-data", help="write the deterministic demo export")
    demo.add_argument("--out", type=Path, default=Path("data/demo"))
    demo.add_argument("--seed", type=int, default=None, help="default: the documented seed")
    sub.add_parser("index", help="rebuild reports/index.html")
    ref = sub.add_parser("params-reference", help="print the params reference table")
    ref.add_argument("--update", type=Path, help="rewrite the table inside this Markdown file")
    _add_analyst_commands(sub)
    return parser


def _add_analyst_commands(sub) -> None:
    """Add ``init`` and ``withdraw``: setting a unit up from its export, withdrawing a report."""
    init = sub.add_parser("init", help="write params/<unit>.yaml from an export, every guess explained")
    init.add_argument("unit", help="the new unit's name: lowercase letters, digits, _ or -")
    init.add_argument("--from", dest="source", required=True, type=Path, help="the export file")
    init.add_argument("--force", action="store_true", help="overwrite an existing params file")
    withdraw = sub.add_parser("withdraw", help="take a published report off the index (archived)")
    withdraw.add_argument("unit")
    withdraw.add_argument("quarter", help="YYYYQn")
    withdraw.add_argument("--reason", required=True, help="why; recorded in reports/<unit>/runs.jsonl")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit code."""
    args = _parser().parse_args(argv)
    root = args.root.resolve()
    if args.command in ("report", "reports"):
        previous = _raise_on_termination()
        try:
            if args.command == "report":
                return _report(args.unit, args.quarter, root, wait=args.wait)
            if args.stop_with_parent:
                _die_with_parent(signal.SIGTERM)
            return _reports(args.quarter, root, jobs=args.jobs)
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)
    if args.command == "check-unit":
        return _check_unit(args.unit, root)
    if args.command == "check":
        return _check(args.unit, args.quarter, root)
    if args.command == "demo-data":
        return _demo(args.out if args.out.is_absolute() else root / args.out, args.seed)
    if args.command == "params-reference":
        return _params_reference(args.update)
    if args.command == "init":
        return _init(args.unit, args.source, root, force=args.force)
    if args.command == "withdraw":
        return _withdraw(args.unit, args.quarter, root, reason=args.reason)
    from insights.publish.report import PublishError, build_index

    try:
        print(build_index(root=root))
    except PublishError as exc:
        print(f"insights: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


START, END = "<!-- params-reference:start -->", "<!-- params-reference:end -->"


def replace_params_reference(markdown: str) -> str:
    """Return ``markdown`` with the block between the params-reference markers regenerated."""
    from insights.params_reference import params_reference

    head, rest = markdown.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{params_reference()}\n{END}{tail}"


def _params_reference(update: Path | None) -> int:
    from insights.params_reference import params_reference

    if update is None:
        print(params_reference())
        return EXIT_OK
    update.write_text(replace_params_reference(update.read_text(encoding="utf-8")), encoding="utf-8")
    return EXIT_OK


#: Signals received by this process; once one arrived, no new report starts here.
_STOPPING: list[int] = []


def _raise_on_termination() -> dict:
    """Turn SIGTERM and SIGHUP into ``RunInterrupted``; return the handlers they replace.

    The run's ``except`` then removes its staging folder and writes ``interrupted`` to the
    unit's ``runs.jsonl``; the process exits 1. SIGKILL cannot be caught: the lock dies with
    the process and the next run records it. Outside the main thread nothing is installed.
    """
    import threading

    from insights.publish.report import RunInterrupted

    if threading.current_thread() is not threading.main_thread():
        return {}

    def handler(number: int, _frame: object) -> None:
        if _STOPPING:
            return  # once: the cleanup that records the run is not interrupted again
        _STOPPING.append(number)
        raise RunInterrupted(signal.Signals(number).name)

    return {number: signal.signal(number, handler) for number in (signal.SIGTERM, signal.SIGHUP)}


def _die_with_parent(number: int) -> None:
    """Ask Linux to send ``number`` to this process when its parent dies (no-op elsewhere)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(number), 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:  # the parent died before prctl took effect
        os.kill(os.getpid(), number)


def _report(unit: str, quarter: str, root: Path, *, wait: float = 0.0) -> int:
    from insights.gate import GateError
    from insights.publish.report import PublishError, RunInterrupted, UnitError, publish_report

    try:
        result = publish_report(unit, quarter=quarter or None, root=root, wait_seconds=wait,
                                prepare=_prepare_meanwhile)
    except (UnitError, ParamsError, PeriodError) as exc:
        print(f"insights: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except GateError as exc:
        print(f"insights: {unit}: not published: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    except PublishError as exc:
        print(f"insights: {exc}\nThe previous report, if any, was left in place.", file=sys.stderr)
        return EXIT_FAILED
    except (RunInterrupted, KeyboardInterrupt) as exc:
        print(f"insights: interrupted ({exc or 'SIGINT'}); recorded in reports/{unit}/runs.jsonl, "
              "the previous report, if any, was left in place.", file=sys.stderr)
        return EXIT_FAILED
    print(f"published {result.report_html.relative_to(root)}")
    return EXIT_OK


def _prepare_meanwhile(params, *, quarter: str | None, root: Path):
    """``publish_report``'s ``prepare``: the report (or None for a streamed unit).

    Called in a thread of ``insights report`` while the kernel starts; the pipeline is
    imported there, not before the kernel starts.
    """
    from insights.pipeline import report_to_hand_over

    return report_to_hand_over(params, quarter=quarter, root=root)


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


def _worker_setup() -> None:
    """In each worker: record SIGTERM as an interruption and stop when the parent dies."""
    _raise_on_termination()
    _die_with_parent(signal.SIGTERM)


def _report_worker(unit: str, quarter: str, root: Path, position: int) -> tuple[str, int, str]:
    """Publish one unit in a worker process; return (unit, exit code, message)."""
    from insights.gate import GateError
    from insights.publish.report import PublishError, RunInterrupted, UnitError, publish_report

    bar = {"desc": f"{unit:<12}", "position": position, "leave": True, "unit": "cell"}
    if _STOPPING:  # a task queued before the stop reached this worker: do not start it
        return unit, EXIT_FAILED, "not started: stopped"
    try:
        result = publish_report(unit, quarter=quarter or None, root=root, progress=bar, update_index=False)
    except (UnitError, ParamsError, PeriodError) as exc:
        return unit, EXIT_INVALID, str(exc)
    except GateError as exc:
        return unit, EXIT_REFUSED, f"not published: {exc}"
    except PublishError as exc:
        return unit, EXIT_FAILED, str(exc)
    except RunInterrupted as exc:
        return unit, EXIT_FAILED, f"interrupted ({exc})"
    return unit, EXIT_OK, f"published {result.report_html.relative_to(root)}"


def _reports(quarter: str, root: Path, *, jobs: int = 0) -> int:
    """Publish every unit, ``jobs`` at a time (default: CPU cores); go on past failures."""
    from concurrent.futures import ProcessPoolExecutor

    from insights.publish.report import RunInterrupted, build_index, list_units

    units = list_units(root=root)
    workers = max(1, min(jobs or os.cpu_count() or 1, len(units) or 1))
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_worker_setup)
    try:
        futures = [pool.submit(_report_worker, u, quarter, root, i) for i, u in enumerate(units)]
        results = [f.result() for f in futures]
    except (RunInterrupted, KeyboardInterrupt) as exc:
        _stop_workers(pool)
        build_index(root=root)
        print(f"insights: interrupted ({exc or 'SIGINT'}); the workers were stopped and each "
              "unit's run recorded in reports/<unit>/runs.jsonl.", file=sys.stderr)
        return EXIT_FAILED
    pool.shutdown(wait=True)
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


def _stop_workers(pool, *, grace_seconds: float = 120) -> None:
    """Cancel queued units, SIGTERM every worker of ``pool`` and wait for them to exit.

    Each worker records its run as interrupted; one that does not exit within
    ``grace_seconds`` is killed (the next run of its unit records that).
    """
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)  # queued units never start
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(grace_seconds)
        if process.is_alive():
            process.kill()


def _init(unit: str, source: Path, root: Path, *, force: bool = False) -> int:
    """Survey ``source`` and write ``params/<unit>.yaml`` with every guess and its evidence."""
    from insights.loading import LoadError
    from insights.loading.survey import survey_export
    from insights.params import UNIT_NAME
    from insights.params_draft import check_rendered, render_params
    from insights.publish.files import write_atomic

    if not UNIT_NAME.fullmatch(unit):
        print(f"insights: unit {unit!r} is not a valid unit name: use lowercase letters, digits, "
              "'_' or '-', starting with a letter.", file=sys.stderr)
        return EXIT_INVALID
    target = root / "params" / f"{unit}.yaml"
    if target.is_symlink() or (target.exists() and not force):
        print(f"insights: {target.relative_to(root)} exists; pass --force to overwrite it.",
              file=sys.stderr)
        return EXIT_INVALID
    path = source if source.is_absolute() else Path.cwd() / source
    if not path.is_file():
        print(f"insights: {source}: no such file.", file=sys.stderr)
        return EXIT_INVALID
    path = path.resolve()
    entry = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
    try:
        survey = survey_export(path, entry=entry)
        text = render_params(unit, survey)
        check_rendered(text, origin=str(target.relative_to(root)))
    except (LoadError, ParamsError) as exc:
        print(f"insights: {exc}", file=sys.stderr)
        return EXIT_INVALID
    write_atomic(target, text.encode("utf-8"))
    print(f"wrote {target.relative_to(root)}: {survey.rows:,} rows, "
          f"{len(survey.columns)} columns mapped; read its comments, then `insights check {unit}`.")
    if survey.missing:
        print(f"insights: no column found for required {', '.join(survey.missing)}: map it in "
              f"column_map in {target.relative_to(root)}.", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _withdraw(unit: str, quarter: str, root: Path, *, reason: str) -> int:
    """Move a published report to the unit's archive, record why, rebuild the index."""
    from insights.publish.withdraw import WithdrawError, withdraw_report

    try:
        done = withdraw_report(unit, quarter, root=root, reason=reason)
    except WithdrawError as exc:
        print(f"insights: {exc}", file=sys.stderr)
        return EXIT_INVALID
    print(f"withdrew {unit} {done.quarter}: kept in {done.archive.relative_to(root)}; "
          "reports/index.html rebuilt")
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
