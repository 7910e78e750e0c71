"""Safe file writes shared by the modules that write (``publish``, ``demo``).

A reader never sees a half-written file: data goes to a temporary file in the same folder,
which then replaces the target in one ``os.replace``. Publishing writes only inside the
project's ``reports/`` tree: a symlink anywhere on the way (``reports/`` itself, a unit or
quarter folder, the run log, the index) is refused, so nothing outside it is written or
deleted. One run per unit at a time: ``hold_lock`` takes an ``flock`` that the kernel
releases when the process dies, however it dies.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


class UnsafePathError(ValueError):
    """Raised when a path to write leaves its tree or passes through a symlink."""


class LockBusyError(RuntimeError):
    """Raised when another process holds a lock that was not released in time."""


def write_atomic(path: str | Path, data: bytes, *, mode: int = 0o644) -> Path:
    """Write ``data`` to ``path`` atomically, creating the folder; return the path.

    A symlink at ``path`` is refused (``UnsafePathError``), never followed or replaced.
    """
    path = Path(path)
    if path.is_symlink():
        raise UnsafePathError(f"{path}: is a symlink; refusing to write through it.")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path


def check_inside(path: str | Path, *, base: Path) -> Path:
    """Return ``path`` when it lies under ``base`` and no part from ``base`` on is a symlink.

    ``base`` itself must not be a symlink either; parts that do not exist yet are fine
    (they will be created as plain folders).

    Raises
    ------
    UnsafePathError
        Naming the first symlink met, or the path that leaves ``base``.
    """
    base, path = Path(base), Path(path)
    try:
        parts = path.relative_to(base).parts
    except ValueError:
        raise UnsafePathError(f"{path}: lies outside {base}; refusing to write there.") from None
    if ".." in parts:
        raise UnsafePathError(f"{path}: leaves {base} through '..'; refusing to write there.")
    current = base
    for part in ("", *parts):
        current = current / part if part else current
        if current.is_symlink():
            raise UnsafePathError(
                f"{current}: is a symlink (to {os.readlink(current)}); publishing writes only "
                f"inside {base} and never through a symlink: replace it with a plain folder."
            )
    return path


def append_line(path: str | Path, line: str) -> None:
    """Append one line to ``path`` (created 0644 when missing); a symlink is refused."""
    try:
        handle = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | _NOFOLLOW, 0o644)
    except OSError as exc:
        if Path(path).is_symlink():
            raise UnsafePathError(f"{path}: is a symlink; refusing to append to it.") from None
        raise exc
    with os.fdopen(handle, "a", encoding="utf-8") as stream:
        stream.write(line.rstrip("\n") + "\n")


@contextlib.contextmanager
def hold_lock(path: str | Path, *, wait_seconds: float = 0, what: str = "this") -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``path`` for the ``with`` block.

    Waits up to ``wait_seconds`` (0: try once) for another holder, then raises
    ``LockBusyError`` naming ``what``. The kernel drops the lock when the holder exits or
    is killed, so a dead run never blocks the next one.
    """
    if Path(path).is_symlink():
        raise UnsafePathError(f"{path}: is a symlink; refusing to use it as a lock.")
    handle = os.open(path, os.O_RDWR | os.O_CREAT | _NOFOLLOW, 0o644)
    try:
        deadline = time.monotonic() + max(0.0, wait_seconds)
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockBusyError(
                        f"another run of {what} is in progress (lock {path}); wait for it to "
                        "finish or pass --wait SECONDS."
                    ) from None
                time.sleep(0.2)
        yield
    finally:
        os.close(handle)


def is_locked(path: str | Path) -> bool:
    """Return True when another process holds the lock on ``path`` right now."""
    try:
        handle = os.open(path, os.O_RDONLY | _NOFOLLOW)
    except OSError:
        return False
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(handle)
    return False
