"""Publish a unit's quarterly report: papermill run, nbconvert export, atomic swap into place.

The only module that writes under ``reports/``, and only there: a symlink on the way is
refused (``files.check_inside``). One run per unit at a time (a lock in
``reports/<unit>/.lock``, dropped by the kernel when the run dies). A run executes the unit's
notebook into a staging folder; only when every step succeeded does the staging folder
replace ``reports/<unit>/<quarter>/``. Every run is recorded in ``reports/<unit>/runs.jsonl``:
``started`` first, then ``published``, ``failed`` or ``interrupted`` (a signal); a run killed
outright leaves ``started`` last, which the index shows as interrupted and the next run
records as such, removing its staging folder. A failed or interrupted run leaves the
previous report in place and raises ``PublishError``.

The steps live beside it: ``publish.notebook`` (the papermill run), ``publish.artifacts``
(``summary.json`` and the exports the notebook writes), ``publish.runlog`` (run records,
locks, the index); their public names are importable from here too.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbformat

from insights.gate import GateError
from insights.params import UNIT_NAME, ParamsError, load_params
from insights.periods import parse_quarter
from insights.publish import handoff
from insights.publish import runinfo as runinfo
from insights.publish.html import export_html, prepare_export
from insights.publish.notebook import (
    NOTEBOOK,
    NOTEBOOK_PARAMETERS,
    REFUSALS,
    SUMMARY_FILE,
    run_notebook,
)
from insights.publish.runlog import (
    INDEX_LOCK,
    LOCK_FILE,
    STAGING_PREFIX,
    PublishError,
    build_index,
    iso_time,
    locked,
    record_run,
    recover_dead_runs,
    safe_path,
    write_text,
)
from insights.reporting.core import fmt_quarter
from insights.reporting.i18n import _, current_language
from insights.reporting.labels import use_report_params

__all__ = [
    "INDEX_LOCK", "LOCK_FILE", "NOTEBOOK", "NOTEBOOK_PARAMETERS", "REFUSALS",
    "STAGING_PREFIX", "SUMMARY_FILE", "PublishError", "PublishResult",
    "RunInterrupted", "UnitError", "build_index", "build_metadata", "check_source_paths",
    "list_units", "publish_report", "report_title", "resolve_unit", "run_notebook", "runinfo",
]

_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")


class UnitError(ValueError):
    """Raised when a unit name is malformed or has no params file; nothing was written."""



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
    prepare: Callable[..., object | None] | None = None,
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
    prepare : callable, optional
        ``prepare(params, quarter=, root=)`` returns the report (``pipeline.ReportData``), or
        None to leave it to the kernel; it runs in a thread of this process while the kernel
        starts, and the result is handed over through ``publish.handoff`` (``insights
        report`` passes one). Without it the kernel prepares the report itself. The report is
        the same either way.

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
    unit_dir = safe_path(root / "reports" / unit, root=root)
    unit_dir.mkdir(parents=True, exist_ok=True)
    with locked(unit_dir / LOCK_FILE, wait_seconds=wait_seconds, what=f"unit {unit!r}"):
        try:
            recover_dead_runs(unit_dir)
            return _publish_locked(unit, quarter, params, params_file, unit_dir, root=root,
                                   progress=progress, prepare=prepare)
        finally:
            if update_index:
                build_index(root=root)


def _publish_locked(unit, quarter, params, params_file, unit_dir, *, root, progress,
                    prepare=None) -> PublishResult:
    """Run and publish while holding the unit's lock; record the outcome in ``runs.jsonl``."""
    started = time.time()
    record_run(unit_dir, quarter=quarter, status="started", error="")
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=unit_dir))
    staging.chmod(0o755)
    # While the kernel starts, this process prepares the report (when asked) and then imports
    # nbconvert and compiles its template, in that order: the kernel waits for the report,
    # the export only comes after the notebook, and the two would contend for this process's GIL.
    handed = staging / handoff.HANDOFF_FILE if prepare is not None else None
    warm_up = threading.Thread(target=_prepare_then_warm_up, name="insights-prepare", daemon=True,
                               args=(handed, lambda: prepare(params, quarter=quarter, root=root)))
    warm_up.start()
    try:
        executed = run_notebook(
            root / NOTEBOOK,
            staging / "report.ipynb",
            parameters={
                "unit": unit,
                "quarter": quarter or "",
                "params_file": str(params_file.relative_to(root)),
                "output_dir": str(staging),
                "prepared": str(handed or ""),
            },
            cwd=root,
            timeout=params.report.execution_timeout_seconds,
            progress=progress,
        )
        if handed is not None:
            handoff.clean_up(handed)
        summary = json.loads((staging / SUMMARY_FILE).read_text(encoding="utf-8"))
        (staging / SUMMARY_FILE).unlink()
        published_quarter = str(parse_quarter(summary["quarter"]))
        use_report_params(params.report)
        title = report_title(params.report.title or unit.title(), published_quarter,
                             named=bool(params.report.title))
        warm_up.join()
        html = export_html(executed, title=title)
        write_text(staging / "report.html", html)
        meta = build_metadata(summary, root=root, started=started, finished=time.time())
        meta["kernel_warnings"] = _count_stderr(executed)
        meta["language"] = params.report.language
        write_text(staging / "metadata.json", json.dumps(meta, indent=2, sort_keys=True) + "\n")
        final = safe_path(unit_dir / published_quarter, root=root)
        _swap_in(staging, final)
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        interrupted = isinstance(exc, KeyboardInterrupt | RunInterrupted)
        record_run(
            unit_dir,
            quarter=quarter,
            status="interrupted" if interrupted else "failed",
            error=_logged_error(exc, show_names=params.report.show_customer_names),
        )
        if isinstance(exc, PublishError | ParamsError | GateError) or not isinstance(exc, Exception):
            raise
        raise PublishError(f"report for unit {unit!r} failed: {_short_error(exc)}") from exc
    record_run(unit_dir, quarter=published_quarter, status="published", error="")
    return PublishResult(unit, published_quarter, final, final / "report.html", meta)


def _prepare_then_warm_up(handed: Path | None, prepare: Callable[[], object | None]) -> None:
    if handed is not None:
        handoff.send(handed, prepare)
    prepare_export()


def report_title(name: str, quarter: str, *, named: bool = False) -> str:
    """Return the report's title in the current language.

    ``named``: ``name`` is the unit's own report title (``report.title``), which already
    says what the report is, so only the quarter is added.

    >>> report_title("Fleet", "2026Q3"), report_title("Fleet sales: customer report", "2026Q3", named=True)
    ('Fleet — quarterly customer report 2026Q3', 'Fleet sales: customer report, 2026Q3')
    """
    shown = quarter if current_language() == "en" else fmt_quarter(quarter)
    if named:
        return _("{title}, {quarter}").format(title=name, quarter=shown)
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
            "started_at": iso_time(started),
            "finished_at": iso_time(finished),
            "duration_seconds": round(finished - started, 1),
        },
    }


def _swap_in(staging: Path, final: Path) -> None:
    """Replace ``final`` with ``staging``: two renames, the old copy removed last."""
    old = final.with_name(f".old-{final.name}-{os.getpid()}")
    if final.exists():
        os.replace(final, old)
    os.replace(staging, final)
    shutil.rmtree(old, ignore_errors=True)


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


