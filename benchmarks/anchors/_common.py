"""Shared by the anchor scripts: time the work, then print one JSON line with the figures.

Every anchor runs in a fresh process with the project's interpreter and must never import
``insights``: ``report`` records whether it is in ``sys.modules`` and the harness refuses the
run when it is (``benchmarks/run.py``).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable


def report(name: str, work: Callable[[], int], *, seconds: float | None = None) -> None:
    """Run ``work`` (returns a row count); print its time as JSON with the clean-process check.

    ``seconds``, when given, is the time of the work measured by the caller (a part of it).
    """
    started = time.perf_counter()
    rows = work()
    seconds = time.perf_counter() - started if seconds is None else seconds
    print(json.dumps({"anchor": name, "work_s": round(seconds, 3), "rows": int(rows),
                      "insights_imported": "insights" in sys.modules}))
