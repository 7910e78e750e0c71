"""Publish a unit's quarterly report: papermill run, nbconvert export, atomic writes, index.

The only module that writes under ``reports/``, and only there: a symlink on the way is
refused (``files.check_inside``). One run per unit at a time (a lock in
``reports/<unit>/.lock``, dropped by the kernel when the run dies). A run executes the unit's
notebook into a staging folder; only when every step succeeded does the staging folder
replace ``reports/<unit>/<quarter>/``. Every run is recorded in ``reports/<unit>/runs.jsonl``:
``started`` first, then ``published``, ``failed`` or ``interrupted`` (a signal); a run killed
outright leaves ``started`` last, which the index shows as interrupted and the next run
records as such, removing its staging folder. A failed or interrupted run leaves the
previous report in place and raises ``PublishError``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import nbformat

from insights.gate import GateError
from insights.params import UNIT_NAME, ParamsError, load_params
from insights.periods import parse_quarter
from insights.publish import runinfo as runinfo
from insights.publish.exports import export_files
from insights.publish.files import (
    LockBusyError,
    UnsafePathError,
    append_line,
    check_inside,
    hold_lock,
    is_locked,
    write_atomic,
)
from insights.publish.html import export_html
from insights.reporting.core import fmt_quarter
from insights.reporting.i18n import _, current_language
from insights.reporting.labels import use_report_params
from insights.safety import neutralize_frame

NOTEBOOK = Path("notebooks") / "quarterly_report.py"
#: Parameters the report notebook declares; anything else is refused.
NOTEBOOK_PARAMETERS = ("unit", "quarter", "params_file", "output_dir")
SUMMARY_FILE = "summary.json"
#: Per-unit lock file (one run per unit at a time) and the index's lock, under reports/.
LOCK_FILE, INDEX_LOCK = ".lock", ".index.lock"
#: Prefix of a run's staging folder; never listed as published, removed by the next run.
STAGING_PREFIX = ".staging-"
_QUARTER_DIR = re.compile(r"\d{4}Q[1-4]")
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")


class UnitError(ValueError):
    """Raised when a unit name is malformed or has no params file; nothing was written."""


#: Errors raised in the notebook that mean "this data cannot be published" (insights.gate);
#: others (a file that cannot be read, a failing cell) stay a PublishError.
REFUSALS = frozenset({"GateError"})


class PublishError(RuntimeError):
    """Raised when a report run failed; the previous report was left in place."""


class RunInterrupted(BaseException):
    """Raised in a run by a termination signal (``insights`` turns SIGTERM/SIGHUP into it)."""


@dataclass(frozen=True)
class PublishResult:
    """What a successful run published."""

    unit: str
    quarter: str
    report_dir: Path
    report_html: Path
    metadata: dict


def resolve_unit(unit: str, *, root: Path) -> Path:
    """Return ``params/<unit>.yaml`` for a well-formed unit that has a params file.

    The unit must fully match ``[a-z][a-z0-9_-]*`` and equal the stem of a file listed in
    ``params/``; it never reaches a path or a shell before passing both checks.
    """
    if not isinstance(unit, str) or not UNIT_NAME.fullmatch(unit):
        raise UnitError(
            f"unit {unit!r} is not a valid unit name: use lowercase letters, digits, '_' or "
            "'-', starting with a letter (the stem of a file in params/)."
        )
    known = sorted(p.stem for p in (root / "params").glob("*.yaml"))
    if unit not in known:
        raise UnitError(f"unknown unit {unit!r}: params/ has {', '.join(known) or 'no units'}.")
    return root / "params" / f"{unit}.yaml"


def list_units(*, root: Path) -> list[str]:
    """Return every unit with a params file, sorted."""
    return sorted(p.stem for p in (root / "params").glob("*.yaml") if UNIT_NAME.fullmatch(p.stem))


def publish_report(
    unit: str,
    *,
    quarter: str | None = None,
    root: Path,
    progress: bool | dict = False,
    update_index: bool = True,
    wait_seconds: float = 0,
) -> PublishResult:
    """Run ``unit``'s quarterly notebook and publish it under ``reports/<unit>/<quarter>/``.

    Parameters
    ----------
    unit : str
        Stem of a file in ``params/``; validated before anything runs.
    quarter : str, optional
        ``YYYYQn``; default: the latest complete quarter in the unit's data.
    root : Path
        The project root (holding ``params/``, ``notebooks/``, ``reports/``).
    progress : bool or dict
        A papermill progress bar over the notebook's cells (a dict is passed to tqdm).
    update_index : bool
        Rebuild ``reports/index.html`` afterwards (``insights reports`` rebuilds it once at
        the end instead).
    wait_seconds : float
        How long to wait for another run of the same unit to finish (0: refuse at once).

    Raises
    ------
    PublishError
        The run failed, another run of the unit holds its lock, or a symlink lies on the
        way to ``reports/<unit>/``; the previous report is kept.
    ParamsError
        The params are invalid, or a source path lies outside the project (nothing ran).
    RunInterrupted
        A termination signal stopped the run (recorded as ``interrupted``).
    """
    root = Path(root).resolve()
    params_file = resolve_unit(unit, root=root)
    if quarter:
        quarter = str(parse_quarter(quarter))
    params = load_params(params_file)
    check_source_paths(params, root=root)
    unit_dir = _safe(root / "reports" / unit, root=root)
    unit_dir.mkdir(parents=True, exist_ok=True)
    with _locked(unit_dir / LOCK_FILE, wait_seconds=wait_seconds, what=f"unit {unit!r}"):
        try:
            _recover_dead_runs(unit_dir)
            return _publish_locked(unit, quarter, params, params_file, unit_dir, root=root, progress=progress)
        finally:
            if update_index:
                build_index(root=root)


@contextlib.contextmanager
def _locked(path: Path, *, wait_seconds: float, what: str) -> Iterator[None]:
    """Hold the lock ``path``; busy or a symlink is a ``PublishError`` (nothing recorded)."""
    stack = contextlib.ExitStack()
    try:
        stack.enter_context(hold_lock(path, wait_seconds=wait_seconds, what=what))
    except (LockBusyError, UnsafePathError) as exc:
        raise PublishError(str(exc)) from None
    with stack:
        yield


def _publish_locked(unit, quarter, params, params_file, unit_dir, *, root, progress) -> PublishResult:
    """Run and publish while holding the unit's lock; record the outcome in ``runs.jsonl``."""
    started = time.time()
    _record_run(unit_dir, quarter=quarter, status="started", error="")
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=unit_dir))
    staging.chmod(0o755)
    try:
        executed = run_notebook(
            root / NOTEBOOK,
            staging / "report.ipynb",
            parameters={
                "unit": unit,
                "quarter": quarter or "",
                "params_file": str(params_file.relative_to(root)),
                "output_dir": str(staging),
            },
            cwd=root,
            timeout=params.report.execution_timeout_seconds,
            progress=progress,
        )
        summary = json.loads((staging / SUMMARY_FILE).read_text(encoding="utf-8"))
        (staging / SUMMARY_FILE).unlink()
        published_quarter = str(parse_quarter(summary["quarter"]))
        use_report_params(params.report)
        title = report_title(params.report.title or unit.title(), published_quarter)
        html = export_html(executed, title=title)
        _write_text(staging / "report.html", html)
        meta = build_metadata(summary, root=root, started=started, finished=time.time())
        meta["kernel_warnings"] = _count_stderr(executed)
        meta["language"] = params.report.language
        _write_text(staging / "metadata.json", json.dumps(meta, indent=2, sort_keys=True) + "\n")
        final = _safe(unit_dir / published_quarter, root=root)
        _swap_in(staging, final)
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        interrupted = isinstance(exc, KeyboardInterrupt | RunInterrupted)
        _record_run(
            unit_dir,
            quarter=quarter,
            status="interrupted" if interrupted else "failed",
            error=_logged_error(exc, show_names=params.report.show_customer_names),
        )
        if isinstance(exc, PublishError | ParamsError | GateError) or not isinstance(exc, Exception):
            raise
        raise PublishError(f"report for unit {unit!r} failed: {_short_error(exc)}") from exc
    _record_run(unit_dir, quarter=published_quarter, status="published", error="")
    return PublishResult(unit, published_quarter, final, final / "report.html", meta)


def report_title(name: str, quarter: str) -> str:
    """Return the report's title in the current language.

    >>> report_title("Fleet", "2026Q3")
    'Fleet — quarterly customer report 2026Q3'
    """
    shown = quarter if current_language() == "en" else fmt_quarter(quarter)
    return _("{name} — quarterly customer report {quarter}").format(name=name, quarter=shown)


def check_source_paths(params, *, root: Path) -> None:
    """Refuse input files outside the project unless ``source.allow_outside_project`` is set.

    A file counts as inside when its real path (symlinks resolved) lies under the project
    root or under the real path of ``data/`` (which may be a link to a shared drive).

    Raises
    ------
    ParamsError
        Naming the path and the param that allows it.
    """
    if params.source.allow_outside_project:
        return
    root = Path(root).resolve()
    allowed = (root, (root / "data").resolve())
    for entry in params.source.paths:
        real = (root / entry).resolve()
        if not any(real == base or base in real.parents for base in allowed):
            raise ParamsError(
                f"source.paths: {entry!r} lies outside the project ({root}); copy the file "
                "under data/ or, if reading it from there is intended, set "
                "source.allow_outside_project: true in the unit's params."
            )


def run_notebook(
    source: Path,
    output: Path,
    *,
    parameters: dict[str, str],
    cwd: Path,
    timeout: int,
    progress: bool | dict = False,
) -> nbformat.NotebookNode:
    """Execute the jupytext notebook ``source`` with papermill and return the executed notebook.

    Strings are passed as strings; unknown parameters and a notebook without a
    ``parameters`` cell are refused before the kernel starts; each cell has ``timeout``
    seconds.
    """
    import jupytext
    import papermill

    notebook = jupytext.read(source)
    for number, cell in enumerate(notebook.cells):
        cell.id = f"cell-{number:03d}"  # jupytext draws random ids; fixed ids keep reruns identical
    input_path = output.with_name("input.ipynb")
    nbformat.write(notebook, input_path)
    declared = papermill.inspect_notebook(str(input_path))
    if not any("parameters" in c.metadata.get("tags", []) for c in notebook.cells):
        raise PublishError(f"{source}: the notebook has no cell tagged 'parameters'.")
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        raise PublishError(
            f"{source}: unknown notebook parameter(s) {unknown}; declared: {sorted(declared)}."
        )
    try:
        papermill.execute_notebook(
            str(input_path),
            str(output),
            parameters={k: str(v) for k, v in parameters.items()},
            kernel_name="python3",
            cwd=str(cwd),
            execution_timeout=timeout,
            progress_bar=progress,
            log_output=False,
            request_save_on_cell_execute=False,
        )
    except papermill.PapermillExecutionError as exc:
        if exc.ename in REFUSALS:  # the data cannot carry a report: say why, in one message
            raise GateError(exc.evalue) from None
        raise PublishError(f"the report notebook failed: {exc.ename}: {exc.evalue}") from None
    finally:
        input_path.unlink(missing_ok=True)
    return nbformat.read(output, as_version=4)


def build_metadata(summary: dict, *, root: Path, started: float, finished: float) -> dict:
    """Combine the notebook's summary with run provenance into ``metadata.json``'s content.

    Everything but the ``run`` block is the same on a rerun with the same data and params.
    """
    return {
        "schema_version": 1,
        "status": "published",
        **summary,
        "git_commit": runinfo.git_commit(root),
        "packages": runinfo.package_versions(),
        "run": {
            "started_at": _iso(started),
            "finished_at": _iso(finished),
            "duration_seconds": round(finished - started, 1),
        },
    }


#: Longest export also written as a spreadsheet: a list a person works through by hand (a
#: large unit's lists run to millions of rows, past Excel's 1,048,576; those stay CSV).
XLSX_MAX_ROWS = 100_000


#: The exports split per account manager: the action list ("needs attention"), one each.
SPLIT_BY_MANAGER = frozenset({"export_attention"})


def write_artifacts(
    output_dir: str | Path | None, *, summary: dict, tables: dict,
    split_by_manager: frozenset[str] | set[str] = SPLIT_BY_MANAGER,
) -> list[Path]:
    """Write the notebook's artifacts into the run's staging folder (no-op when unset).

    ``summary`` becomes ``summary.json`` (headline figures, verdicts, inputs, row counts);
    each frame in ``tables`` becomes ``<name>.csv`` (``exports.csv_bytes``: every text cell
    quoted) and ``<name>.xlsx`` for exports named ``export_*`` of at most ``XLSX_MAX_ROWS``
    rows (longer lists are CSV only; byte-identical on rerun), every text cell neutralised
    against spreadsheet formulas, in the report's language (``exports.export_files``: in
    Russian ``;``-separated with decimal commas and Russian headers). With
    ``split_by_manager`` (default: the action list), an export with an ``account_manager``
    column also gets one CSV and one workbook sheet per manager.
    Analysts running the notebook by hand pass no ``output_dir`` and nothing is written.
    """
    if not output_dir:
        return []
    folder = Path(output_dir)
    written = [
        _write_text(
            folder / SUMMARY_FILE, json.dumps(summary, indent=2, sort_keys=True, default=str) + "\n"
        )
    ]
    for name, frame in tables.items():
        if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
            raise ValueError(f"artifact name {name!r} must be snake_case")
        export = name.startswith("export_")
        files = export_files(
            name, neutralize_frame(frame), language=current_language(),
            split_by_manager=export and name in split_by_manager,
            xlsx=export and len(frame) <= XLSX_MAX_ROWS,
        )  # fmt: skip
        written += [_write_bytes(folder / file, data) for file, data in files.items()]
    return written


def build_index(*, root: Path) -> Path:
    """Rebuild ``reports/index.html`` from every published ``metadata.json`` and run log.

    Only ``reports/<unit>/<YYYYQn>/`` folders count as published (a staging folder never
    does); symlinked folders and files are skipped, and the index itself is never written
    through a symlink. Builds are serialised by a lock, so the last one sees every run.
    """
    from insights.publish.html import render_index

    root = Path(root).resolve()
    reports = _safe(root / "reports", root=root)
    reports.mkdir(exist_ok=True)
    with _locked(reports / INDEX_LOCK, wait_seconds=120, what="the index"):
        units = [d for d in sorted(reports.iterdir()) if _plain_dir(d) and UNIT_NAME.fullmatch(d.name)]
        entries = []
        for unit_dir in units:
            for folder in sorted(unit_dir.iterdir()):
                meta_path = folder / "metadata.json"
                if not (_plain_dir(folder) and _QUARTER_DIR.fullmatch(folder.name)):
                    continue
                if meta_path.is_symlink() or not meta_path.is_file():
                    continue
                try:
                    entries.append(json.loads(meta_path.read_text(encoding="utf-8")))
                except (OSError, json.JSONDecodeError):
                    continue
        failures = {d.name: info for d in units if (info := _last_problem(d)) is not None}
        runs = {d.name: _run_log(d) for d in units}
        return _write_text(_safe(reports / "index.html", root=root), render_index(entries, failures, runs))


def _run_log(unit_dir: Path) -> list[dict]:
    """Return a unit's run log records (unreadable lines skipped; a symlinked log is ignored)."""
    log = unit_dir / "runs.jsonl"
    if log.is_symlink() or not log.is_file():
        return []
    records = []
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        with contextlib.suppress(json.JSONDecodeError):
            records.append(json.loads(line))
    return [r for r in records if isinstance(r, dict)]


def _last_problem(unit_dir: Path) -> dict | None:
    """Return the unit's last run when it failed or was interrupted (a dead run counts)."""
    log = unit_dir / "runs.jsonl"
    if log.is_symlink() or not log.is_file():
        return None
    last = _last_line(log)
    if not last:
        return None
    if last.get("status") == "started":
        if is_locked(unit_dir / LOCK_FILE):
            return None  # still running
        return last | {"status": "interrupted", "error_type": "killed"}
    return last if last.get("status") in {"failed", "interrupted"} else None


def _recover_dead_runs(unit_dir: Path) -> None:
    """Under the unit's lock: remove staging leftovers, record a run that died unrecorded."""
    for child in unit_dir.iterdir():
        if child.name.startswith((STAGING_PREFIX, ".old-")):
            if child.is_symlink() or not child.is_dir():
                child.unlink()
            else:
                shutil.rmtree(child, ignore_errors=True)
    log = unit_dir / "runs.jsonl"
    last = _last_line(log) if log.is_file() and not log.is_symlink() else None
    if last and last.get("status") == "started":
        _append_run(unit_dir, {
            "at": _iso(time.time()), "quarter": last.get("quarter", ""), "status": "interrupted",
            "error": f"the run started at {last.get('at')} (pid {last.get('pid')}) ended without "
                     "a record: it was killed", "error_type": "killed", "pid": last.get("pid"),
        })  # fmt: skip


def _swap_in(staging: Path, final: Path) -> None:
    """Replace ``final`` with ``staging``: two renames, the old copy removed last."""
    old = final.with_name(f".old-{final.name}-{os.getpid()}")
    if final.exists():
        os.replace(final, old)
    os.replace(staging, final)
    shutil.rmtree(old, ignore_errors=True)


def _write_text(path: Path, text: str) -> Path:
    return _write_bytes(path, text.encode("utf-8"))


def _write_bytes(path: Path, data: bytes) -> Path:
    return write_atomic(path, data)


def _record_run(unit_dir: Path, *, quarter: str | None, status: str, error: str) -> None:
    _append_run(unit_dir, {
        "at": _iso(time.time()), "quarter": quarter or "", "status": status,
        "error": error, "error_type": error.split(":", 1)[0] if error else "", "pid": os.getpid(),
    })  # fmt: skip


def _append_run(unit_dir: Path, record: dict) -> None:
    append_line(unit_dir / "runs.jsonl", json.dumps(record, ensure_ascii=False))


def _safe(path: Path, *, root: Path) -> Path:
    """Return ``path`` when it lies inside ``root/reports`` with no symlink on the way."""
    try:
        check_inside(root / "reports", base=root)
        return check_inside(path, base=root / "reports") if path != root / "reports" else path
    except UnsafePathError as exc:
        raise PublishError(str(exc)) from None


def _plain_dir(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink()


def _last_line(path: Path) -> dict | None:
    """Return the last run (published or failed) in a run log; a withdrawal is not a run."""
    for line in reversed(path.read_text(encoding="utf-8").strip().splitlines()):
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            return None
        if record.get("status") != "withdrawn":
            return record
    return None


def _count_stderr(notebook: nbformat.NotebookNode) -> int:
    return sum(
        1
        for cell in notebook.cells
        for out in cell.get("outputs", [])
        if out.get("output_type") == "stream" and out.get("name") == "stderr"
    )


def _short_error(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"[:500]


def _logged_error(exc: BaseException, *, show_names: bool) -> str:
    """Return the error line for ``runs.jsonl``: quoted fragments hidden unless names are shown.

    An error about the data may quote a value from it (a name, a raw line); a unit whose
    names are hidden keeps the error's type and wording but not what it quoted.
    """
    line = _short_error(exc)
    if isinstance(exc, RunInterrupted | KeyboardInterrupt):
        return f"{type(exc).__name__}: interrupted by {exc or 'the user'}"
    return line if show_names else _QUOTED.sub("'…'", line)


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).isoformat(timespec="seconds")
