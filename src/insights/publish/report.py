"""Publish a unit's quarterly report: papermill run, nbconvert export, atomic writes, index.

The only module that writes under ``reports/``. A run executes the unit's notebook into a
staging folder; only when every step succeeded does the staging folder replace
``reports/<unit>/<quarter>/``. A failed, timed-out or killed run leaves the previous report
in place, is recorded in ``reports/<unit>/runs.jsonl`` and raises ``PublishError``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import nbformat

from insights.gate import GateError
from insights.params import UNIT_NAME, ParamsError, load_params
from insights.periods import parse_quarter
from insights.publish import runinfo as runinfo
from insights.publish.files import write_atomic
from insights.publish.html import export_html
from insights.safety import neutralize_frame

NOTEBOOK = Path("notebooks") / "quarterly_report.py"
#: Parameters the report notebook declares; anything else is refused.
NOTEBOOK_PARAMETERS = ("unit", "quarter", "params_file", "output_dir")
SUMMARY_FILE = "summary.json"


class UnitError(ValueError):
    """Raised when a unit name is malformed or has no params file; nothing was written."""


#: Errors raised in the notebook that mean "this data cannot be published" (insights.gate);
#: others (a file that cannot be read, a failing cell) stay a PublishError.
REFUSALS = frozenset({"GateError"})


class PublishError(RuntimeError):
    """Raised when a report run failed; the previous report was left in place."""


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
        the end instead, so parallel runs never race on it).
    """
    root = Path(root).resolve()
    params_file = resolve_unit(unit, root=root)
    if quarter:
        quarter = str(parse_quarter(quarter))
    params = load_params(params_file)
    unit_dir = root / "reports" / unit
    started = time.time()
    unit_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=unit_dir))
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
        title = (
            f"{params.report.title or unit.title()} — quarterly customer report {published_quarter}"
        )
        html = export_html(executed, title=title)
        _write_text(staging / "report.html", html)
        meta = build_metadata(summary, root=root, started=started, finished=time.time())
        meta["kernel_warnings"] = _count_stderr(executed)
        _write_text(staging / "metadata.json", json.dumps(meta, indent=2, sort_keys=True) + "\n")
        final = unit_dir / published_quarter
        _swap_in(staging, final)
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        _record_run(unit_dir, quarter=quarter, status="failed", error=_short_error(exc))
        if update_index:
            build_index(root=root)
        if isinstance(exc, PublishError | ParamsError | GateError) or not isinstance(exc, Exception):
            raise
        raise PublishError(f"report for unit {unit!r} failed: {_short_error(exc)}") from exc
    _record_run(unit_dir, quarter=published_quarter, status="published", error="")
    if update_index:
        build_index(root=root)
    return PublishResult(unit, published_quarter, final, final / "report.html", meta)


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


def write_artifacts(output_dir: str | Path | None, *, summary: dict, tables: dict) -> list[Path]:
    """Write the notebook's artifacts into the run's staging folder (no-op when unset).

    ``summary`` becomes ``summary.json`` (headline figures, verdicts, inputs, row counts);
    each frame in ``tables`` becomes ``<name>.csv`` (and ``<name>.xlsx`` for exports
    named ``export_*`` of at most ``XLSX_MAX_ROWS`` rows: longer lists are CSV only), every
    text cell neutralised against spreadsheet formulas.
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
        safe = neutralize_frame(frame)
        written.append(
            _write_bytes(folder / f"{name}.csv", safe.to_csv(index=False).encode("utf-8-sig"))
        )
        if name.startswith("export_") and len(safe) <= XLSX_MAX_ROWS:
            path = folder / f"{name}.xlsx"
            safe.to_excel(path, index=False, sheet_name=name[:31])
            path.chmod(0o644)
            written.append(path)
    return written


def build_index(*, root: Path) -> Path:
    """Rebuild ``reports/index.html`` from every published ``metadata.json`` and run log."""
    from insights.publish.html import render_index

    reports = root / "reports"
    entries = []
    for meta_path in sorted(reports.glob("*/*/metadata.json")):
        try:
            entries.append(json.loads(meta_path.read_text(encoding="utf-8")))
        except (OSError, json.JSONDecodeError):
            continue
    failures = {}
    for log in sorted(reports.glob("*/runs.jsonl")):
        last = _last_line(log)
        if last and last.get("status") == "failed":
            failures[log.parent.name] = last
    return _write_text(reports / "index.html", render_index(entries, failures))


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
    line = json.dumps(
        {"at": _iso(time.time()), "quarter": quarter or "", "status": status, "error": error}
    )
    with open(unit_dir / "runs.jsonl", "a", encoding="utf-8") as handle:
        handle.write(line + "\n")


def _last_line(path: Path) -> dict | None:
    lines = path.read_text(encoding="utf-8").strip().splitlines()
    try:
        return json.loads(lines[-1]) if lines else None
    except json.JSONDecodeError:
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


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).isoformat(timespec="seconds")
