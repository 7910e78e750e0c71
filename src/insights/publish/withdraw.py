"""Withdraw a published report: out of the index, kept in an archive, recorded with a reason.

``reports/<unit>/<quarter>/`` is renamed (one ``os.replace``, nothing copied or deleted) to
``reports/<unit>/withdrawn/<quarter>-<n>/``, where ``n`` counts the withdrawals of that
quarter (1, 2, ...). The index lists only ``reports/<unit>/<quarter>/metadata.json``, so the
archived report no longer shows as published; its files stay as they were, with a
``withdrawal.json`` beside them. The withdrawal is appended to ``reports/<unit>/runs.jsonl``
(status ``withdrawn``, the reason given) and the index is rebuilt.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from insights.params import UNIT_NAME
from insights.periods import parse_quarter
from insights.publish.files import (
    LockBusyError,
    UnsafePathError,
    append_line,
    hold_lock,
    write_atomic,
)
from insights.publish.report import LOCK_FILE, build_index

#: Folder under ``reports/<unit>/`` holding withdrawn reports.
ARCHIVE = "withdrawn"
#: Longest reason kept (the rest is cut); a reason is one line of plain text.
MAX_REASON = 500
#: How long a withdrawal waits for a running report of the same unit to finish.
LOCK_WAIT_SECONDS = 60


class WithdrawError(ValueError):
    """Raised when a report cannot be withdrawn; nothing was moved."""


@dataclass(frozen=True)
class Withdrawal:
    """Where a withdrawn report went."""

    unit: str
    quarter: str
    archive: Path
    reason: str


def withdraw_report(unit: str, quarter: str, *, root: Path, reason: str) -> Withdrawal:
    """Move ``reports/<unit>/<quarter>/`` to the unit's archive and take it off the index.

    Parameters
    ----------
    unit : str
        The unit (``[a-z][a-z0-9_-]*``); checked before it reaches a path.
    quarter : str
        ``YYYYQn``; checked before it reaches a path.
    root : Path
        The project root (holding ``reports/``).
    reason : str
        Why the report is withdrawn; required, recorded in the run log and the archive.

    Raises
    ------
    WithdrawError
        Malformed unit or quarter, an empty reason, no such published report, or a
        symbolic link on the way (nothing is followed or moved then).
    """
    if not isinstance(unit, str) or not UNIT_NAME.fullmatch(unit):
        raise WithdrawError(f"unit {unit!r} is not a valid unit name.")
    try:
        period = str(parse_quarter(quarter))
    except ValueError as exc:
        raise WithdrawError(str(exc)) from None
    text = " ".join(str(reason or "").split())[:MAX_REASON]
    if not text:
        raise WithdrawError("give the reason for withdrawing the report (--reason '...').")
    reports = Path(root).resolve() / "reports"
    unit_dir, published = reports / unit, reports / unit / period
    _refuse_links(reports, unit_dir, published, unit_dir / ARCHIVE)
    if not (published / "metadata.json").is_file():
        raise WithdrawError(f"no published report for unit {unit!r}, quarter {period} "
                            f"(looked for reports/{unit}/{period}/metadata.json).")
    try:
        with hold_lock(unit_dir / LOCK_FILE, wait_seconds=LOCK_WAIT_SECONDS, what=f"unit {unit!r}"):
            record = _move_and_record(unit_dir, published, period, reports=reports, reason=text)
    except (LockBusyError, UnsafePathError) as exc:
        raise WithdrawError(str(exc)) from None
    archive = reports / record["archive"]
    build_index(root=reports.parent)
    return Withdrawal(unit, period, archive, text)


def _move_and_record(unit_dir: Path, published: Path, period: str, *, reports: Path,
                     reason: str) -> dict:
    """Under the unit's lock: move the report to the archive and append the run-log record."""
    archive = _next_archive(unit_dir / ARCHIVE, period)
    archive.parent.mkdir(exist_ok=True)
    os.replace(published, archive)
    record = {"at": _iso(time.time()), "quarter": period, "status": "withdrawn", "error": "",
              "reason": reason, "archive": str(archive.relative_to(reports))}
    write_atomic(archive / "withdrawal.json",
                 (json.dumps(record, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    append_line(unit_dir / "runs.jsonl", json.dumps(record, ensure_ascii=False))
    return record


def _refuse_links(*paths: Path) -> None:
    """Raise when any of ``paths`` is a symbolic link (never followed when moving reports)."""
    for path in paths:
        if path.is_symlink():
            raise WithdrawError(f"{path} is a symbolic link; refusing to move reports through it.")


def _next_archive(folder: Path, quarter: str) -> Path:
    """Return ``<folder>/<quarter>-<n>`` with the first ``n`` not taken yet."""
    n = 1
    while (folder / f"{quarter}-{n}").exists() or (folder / f"{quarter}-{n}").is_symlink():
        n += 1
    return folder / f"{quarter}-{n}"


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).isoformat(timespec="seconds")
