"""The Makefile passes UNIT safely: hostile values are refused before anything is written."""

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _snapshot() -> list[str]:
    return sorted(str(p.relative_to(ROOT)) for d in ("reports", "data") if (ROOT / d).exists() for p in (ROOT / d).rglob("*"))


@pytest.mark.parametrize("unit", ["../x", "x;id", "nope", "x$$(id)", "$(shell touch {canary})", "`touch {canary}`"])
def test_make_report_refuses_hostile_units_and_writes_nothing(unit, tmp_path):
    canary = tmp_path / "canary"
    before = _snapshot()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
    result = subprocess.run(
        ["make", "--no-print-directory", "report", f"UNIT={unit.format(canary=canary)}"],
        cwd=ROOT, capture_output=True, text=True, env=env, timeout=300,
    )
    assert result.returncode != 0
    assert "insights:" in result.stderr and "unit" in result.stderr
    assert not canary.exists()  # neither make nor the shell ran the value
    assert _snapshot() == before
