"""Hand the prepared report from ``insights report`` to the notebook's kernel.

``insights report`` waits while papermill starts a kernel and the kernel imports its
libraries: about half of a small unit's run. Meanwhile a thread of ``insights report``
computes the report (``pipeline.prepare_report``, the same call with the same params) and
``send`` writes it to a file in the run's private staging folder; the notebook's setup cell
``receive``s it instead of computing it again. When the thread cannot (a large unit, an
error), it writes a "skip" marker and the kernel computes the report itself, raising the
error where it always did. Only this process writes the file, in a folder only this run
uses, a moment before the kernel reads it: pickle is safe here, and the file is removed
before the staging folder is published.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import time
from collections.abc import Callable
from pathlib import Path

#: The file's name in the run's staging folder.
HANDOFF_FILE = "prepared.pickle"
#: How often the kernel looks for the file while the thread is still computing.
POLL_SECONDS = 0.02


def skip_marker(path: Path) -> Path:
    """Return the marker that says the kernel must prepare the report itself."""
    return path.with_name(path.name + ".skip")


def send(path: Path, make: Callable[[], object | None]) -> None:
    """Write ``make()`` to ``path`` (atomically), or the skip marker when it gives None or fails.

    Never raises: the kernel then computes the report and meets the same error itself.
    """
    try:
        value = make()
        if value is None:
            raise LookupError("nothing to hand over")
        partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with partial.open("wb") as handle:
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
        partial.rename(path)
    except Exception:  # noqa: BLE001 -- any failure means "compute it in the kernel"
        with contextlib.suppress(OSError):  # the run may be over and its folder gone
            skip_marker(path).touch()


def receive(path: Path, *, timeout: float) -> object | None:
    """Wait for ``send`` to finish with ``path``; return what it wrote, or None on a skip.

    None also when nothing arrives within ``timeout`` seconds or the file cannot be read.
    """
    deadline = time.monotonic() + timeout
    while not path.exists():
        if skip_marker(path).exists() or time.monotonic() > deadline:
            return None
        time.sleep(POLL_SECONDS)
    try:
        with path.open("rb") as handle:
            return pickle.load(handle)  # noqa: S301 -- written by this run, see the module note
    except (OSError, pickle.UnpicklingError, EOFError):
        return None


def clean_up(path: Path) -> None:
    """Remove the file and marker (before the staging folder is published)."""
    for name in (path, skip_marker(path), *path.parent.glob(f".{path.name}.*.tmp")):
        name.unlink(missing_ok=True)
