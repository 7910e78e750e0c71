"""Keep a unit's cleaned rows between runs: the second report of the same export skips parsing.

Files that fit in memory are read and cleaned in memory on every run (``loading`` and
``cleaning``); for the demo fleet unit that is a tenth of the report's time. The result --
kept rows, rejected rows, the quality summary and the file facts -- is stored under
``<cache_dir>/<key>/`` as Parquet and JSON, where the key is the SHA-256 of the input files'
bytes, the unit's source params and column map, and the source code of ``loading``,
``cleaning`` and ``schema`` (so a change to how rows are read or judged never reuses an old
answer). Nothing is cached that does not read back exactly: after writing, the entry is
read again and compared with what was computed, and dropped when it differs. Parquet and
JSON, never pickle: ``data/`` may be a shared drive, and reading a cache must not run code.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from insights.params import Params

#: Bump when the layout of an entry changes.
MEMO_VERSION = 1
#: Packages and modules whose source decides what loading and cleaning return.
_CODE = ("loading", "cleaning", "schema.py", "ingest/memo.py")
_FILES = ("kept.parquet", "rejected.parquet", "facts.json")


@dataclass(frozen=True)
class Loaded:
    """What loading and cleaning gave for a unit's files (see ``pipeline.load_unit``)."""

    kept: pd.DataFrame
    rejected: pd.DataFrame
    quality: dict
    sources: list[dict]


def memo_key(params: Params, *, root: Path) -> str | None:
    """Return the cache key of the unit's files, or None when a source is not a file.

    The SHA-256 of the memo version, the code digest (``code_digest``), ``params.source``,
    ``params.column_map`` and each input file's path and bytes.
    """
    if params.source.format == "postgres" or not params.source.paths:
        return None
    return inputs_digest(params, root=root, salt=f"memo-v{MEMO_VERSION}:{code_digest()}")


def inputs_digest(params: Params, *, root: Path, salt: str) -> str | None:
    """Return the SHA-256 of ``salt``, the source params, the column map and each input file's
    path and bytes; None when a file is missing (the reader says which).

    The key of both caches: this one and the streamed dataset's (``stream.fingerprint``).
    """
    digest = hashlib.sha256(salt.encode())
    digest.update(params.source.model_dump_json().encode())
    digest.update(json.dumps(params.column_map, sort_keys=True).encode())
    for entry in params.source.paths:
        path = Path(root) / entry
        if not path.is_file():
            return None
        digest.update(f"\0{entry}\0".encode())
        with path.open("rb") as handle:
            while chunk := handle.read(8 << 20):
                digest.update(chunk)
    return digest.hexdigest()


@functools.cache
def code_digest() -> str:
    """Return the SHA-256 of the source of the modules that read and judge rows."""
    package = Path(__file__).resolve().parents[1]
    files = sorted(f for name in _CODE for f in ([package / name] if name.endswith(".py")
                                                  else (package / name).rglob("*.py")))
    digest = hashlib.sha256()
    for path in files:
        digest.update(f"\0{path.relative_to(package).as_posix()}\0".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def recall(directory: Path) -> Loaded | None:
    """Return the entry stored in ``directory``, or None when there is none (or it is unreadable)."""
    if not all((directory / name).is_file() for name in _FILES):
        return None
    try:
        facts = json.loads((directory / "facts.json").read_text(encoding="utf-8"))
        kept, rejected = (_read(directory / f"{name}.parquet", facts["object_columns"][name])
                          for name in ("kept", "rejected"))
        return Loaded(kept, rejected, facts["quality"], facts["sources"])
    except (OSError, ValueError, KeyError):
        return None


def remember(directory: Path, loaded: Loaded) -> bool:
    """Store ``loaded`` in ``directory`` when it reads back exactly; return whether it was kept.

    Written to a temporary sibling and renamed, so a reader never sees half an entry; the
    unit's older entries (the other folders beside it) are removed, so the cache holds one
    answer per unit.
    """
    tmp = directory.with_name(f".{directory.name}.{os.getpid()}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tmp.mkdir(parents=True)
        loaded.kept.to_parquet(tmp / "kept.parquet", index=False)
        loaded.rejected.to_parquet(tmp / "rejected.parquet", index=False)
        facts = {"quality": loaded.quality, "sources": loaded.sources, "object_columns": {
            name: [str(c) for c in frame.columns if frame[c].dtype == object]
            for name, frame in (("kept", loaded.kept), ("rejected", loaded.rejected))}}
        (tmp / "facts.json").write_text(json.dumps(facts, ensure_ascii=False), encoding="utf-8")
        if not _same(recall(tmp), loaded):
            return False
        shutil.rmtree(directory, ignore_errors=True)  # an entry that did not read back
        tmp.rename(directory)
    except (OSError, ValueError, TypeError):  # a value Parquet or JSON cannot hold: no entry
        return False
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for older in directory.parent.iterdir():
        if older != directory and not older.name.startswith("."):
            shutil.rmtree(older, ignore_errors=True)
    return True


def _read(path: Path, object_columns: list[str]) -> pd.DataFrame:
    """Read a stored frame; columns that were Python objects (raw text of rejects) stay so."""
    frame = pd.read_parquet(path)
    return frame.astype(dict.fromkeys(object_columns, object)) if object_columns else frame


def _same(stored: Loaded | None, loaded: Loaded) -> bool:
    """Return True when ``stored`` equals ``loaded`` exactly: values, dtypes, index, facts."""
    if stored is None or stored.quality != loaded.quality or stored.sources != loaded.sources:
        return False
    return all(
        a.index.equals(b.index) and list(a.columns) == list(b.columns)
        and (a.dtypes == b.dtypes).all() and a.equals(b)
        for a, b in ((stored.kept, loaded.kept), (stored.rejected, loaded.rejected))
    )
