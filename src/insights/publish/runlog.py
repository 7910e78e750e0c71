"""Run records, locks and the index of published reports, all under ``reports/``.

Every run of a unit is a line in ``reports/<unit>/runs.jsonl`` (``started``, then
``published``, ``failed`` or ``interrupted``); ``recover_dead_runs`` records a run that died
unrecorded. ``build_index`` renders ``reports/index.html`` from every published
``metadata.json`` and run log. Nothing is written outside ``reports/`` or through a symlink
(``safe_path``).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from insights.params import UNIT_NAME
from insights.publish.files import (
    LockBusyError,
    UnsafePathError,
    append_line,
    check_inside,
    hold_lock,
    is_locked,
    write_atomic,
)

#: Per-unit lock file (one run per unit at a time) and the index's lock, under reports/.
LOCK_FILE, INDEX_LOCK = ".lock", ".index.lock"
#: Prefix of a run's staging folder; never listed as published, removed by the next run.
STAGING_PREFIX = ".staging-"
_QUARTER_DIR = re.compile(r"\d{4}Q[1-4]")


class PublishError(RuntimeError):
    """Raised when a report run failed; the previous report was left in place."""


@contextlib.contextmanager
def locked(path: Path, *, wait_seconds: float, what: str) -> Iterator[None]:
    """Hold the lock ``path``; busy or a symlink is a ``PublishError`` (nothing recorded)."""
    stack = contextlib.ExitStack()
    try:
        stack.enter_context(hold_lock(path, wait_seconds=wait_seconds, what=what))
    except (LockBusyError, UnsafePathError) as exc:
        raise PublishError(str(exc)) from None
    with stack:
        yield


def build_index(*, root: Path) -> Path:
    """Rebuild ``reports/index.html`` from every published ``metadata.json`` and run log.

    Only ``reports/<unit>/<YYYYQn>/`` folders count as published (a staging folder never
    does); symlinked folders and files are skipped, and the index itself is never written
    through a symlink. Builds are serialised by a lock, so the last one sees every run.
    """
    from insights.publish.html import render_index

    root = Path(root).resolve()
    reports = safe_path(root / "reports", root=root)
    reports.mkdir(exist_ok=True)
    with locked(reports / INDEX_LOCK, wait_seconds=120, what="the index"):
        units = [d for d in sorted(reports.iterdir()) if plain_dir(d) and UNIT_NAME.fullmatch(d.name)]
        entries = []
        for unit_dir in units:
            for folder in sorted(unit_dir.iterdir()):
                meta_path = folder / "metadata.json"
                if not (plain_dir(folder) and _QUARTER_DIR.fullmatch(folder.name)):
                    continue
                if meta_path.is_symlink() or not meta_path.is_file():
                    continue
                try:
                    entries.append(json.loads(meta_path.read_text(encoding="utf-8")))
                except (OSError, json.JSONDecodeError):
                    continue
        failures = {d.name: info for d in units if (info := _last_problem(d)) is not None}
        runs = {d.name: _run_log(d) for d in units}
        return write_text(safe_path(reports / "index.html", root=root), render_index(entries, failures, runs))


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
    last = last_run(log)
    if not last:
        return None
    if last.get("status") == "started":
        if is_locked(unit_dir / LOCK_FILE):
            return None  # still running
        return last | {"status": "interrupted", "error_type": "killed"}
    return last if last.get("status") in {"failed", "interrupted"} else None


def recover_dead_runs(unit_dir: Path) -> None:
    """Under the unit's lock: remove staging leftovers, record a run that died unrecorded."""
    for child in unit_dir.iterdir():
        if child.name.startswith((STAGING_PREFIX, ".old-")):
            if child.is_symlink() or not child.is_dir():
                child.unlink()
            else:
                shutil.rmtree(child, ignore_errors=True)
    log = unit_dir / "runs.jsonl"
    last = last_run(log) if log.is_file() and not log.is_symlink() else None
    if last and last.get("status") == "started":
        append_run(unit_dir, {
            "at": iso_time(time.time()), "quarter": last.get("quarter", ""), "status": "interrupted",
            "error": f"the run started at {last.get('at')} (pid {last.get('pid')}) ended without "
                     "a record: it was killed", "error_type": "killed", "pid": last.get("pid"),
        })  # fmt: skip


def write_text(path: Path, text: str) -> Path:
    """Write ``text`` as UTF-8 to ``path`` atomically; return ``path``."""
    return write_bytes(path, text.encode("utf-8"))


def write_bytes(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (``files.write_atomic``); return ``path``."""
    return write_atomic(path, data)


def record_run(unit_dir: Path, *, quarter: str | None, status: str, error: str) -> None:
    """Append this process's run record (``status``, error and its type) to the unit's log."""
    append_run(unit_dir, {
        "at": iso_time(time.time()), "quarter": quarter or "", "status": status,
        "error": error, "error_type": error.split(":", 1)[0] if error else "", "pid": os.getpid(),
    })  # fmt: skip


def append_run(unit_dir: Path, record: dict) -> None:
    """Append one record to ``<unit_dir>/runs.jsonl`` as a JSON line."""
    append_line(unit_dir / "runs.jsonl", json.dumps(record, ensure_ascii=False))


def safe_path(path: Path, *, root: Path) -> Path:
    """Return ``path`` when it lies inside ``root/reports`` with no symlink on the way."""
    try:
        check_inside(root / "reports", base=root)
        return check_inside(path, base=root / "reports") if path != root / "reports" else path
    except UnsafePathError as exc:
        raise PublishError(str(exc)) from None


def plain_dir(path: Path) -> bool:
    """Return True for a directory that is not a symlink."""
    return path.is_dir() and not path.is_symlink()


def last_run(path: Path) -> dict | None:
    """Return the last run (published or failed) in a run log; a withdrawal is not a run."""
    for line in reversed(path.read_text(encoding="utf-8").strip().splitlines()):
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            return None
        if record.get("status") != "withdrawn":
            return record
    return None


def iso_time(ts: float) -> str:
    """Return a Unix time as an ISO 8601 UTC timestamp to the second."""
    return datetime.fromtimestamp(ts, tz=UTC).isoformat(timespec="seconds")
