"""The import contracts in pyproject.toml hold, and they catch an analysis that reads data.

``make lint`` runs import-linter on the package. These tests run it on a copy of the package
with one forbidden import planted, and check that it fails, naming the module; and they
check the one rule import-linter cannot express (``pyarrow.parquet``, a submodule of an
external package) by reading the analysis modules' imports.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "insights"
ANALYSES = ("segments", "concentration", "key_person", "mix", "key_customers", "cohorts",
            "experiments", "clustering", "clv", "attention", "changes", "express")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint_copy(tmp_path: Path, module: str, line: str) -> subprocess.CompletedProcess:
    """Run lint-imports with the project's contracts on a copy with ``line`` added to ``module``."""
    shutil.copytree(SRC, tmp_path / "src" / "insights",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    planted = tmp_path / "src" / "insights" / module
    planted.write_text(planted.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "src")}
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=600)


@pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter is a dev dependency")
def test_an_analysis_importing_duckdb_breaks_the_contract(tmp_path):
    result = _lint_copy(tmp_path, "mix.py", "import duckdb  # planted by the test")
    assert result.returncode != 0, result.stdout
    assert "Analyses take frames" in result.stdout and "BROKEN" in result.stdout
    assert "insights.mix -> duckdb" in result.stdout


@pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter is a dev dependency")
def test_an_analysis_importing_the_engine_breaks_the_contract(tmp_path):
    result = _lint_copy(tmp_path, "clv/build.py", "from insights.engine import duckdb  # planted")
    assert result.returncode != 0, result.stdout
    assert "insights.clv.build -> insights.engine" in result.stdout


def _imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def test_analyses_do_not_read_parquet():
    files = [SRC / f"{name}.py" for name in ANALYSES if (SRC / f"{name}.py").exists()]
    files += [f for name in ANALYSES if (SRC / name).is_dir() for f in (SRC / name).rglob("*.py")]
    assert len(files) >= len(ANALYSES)
    offenders = [str(f.relative_to(SRC)) for f in files if "pyarrow.parquet" in _imported(f)]
    assert offenders == []
    assert "pyarrow.parquet" in _imported(SRC / "engine" / "duckdb.py")  # the check sees it


def test_package_init_files_only_re_export():
    inits = sorted(SRC.rglob("__init__.py"))
    assert len(inits) >= 10
    for init in inits:
        for node in ast.parse(init.read_text(encoding="utf-8")).body:
            allowed = isinstance(node, ast.Import | ast.ImportFrom) or (
                isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)  # docstring
            ) or (
                isinstance(node, ast.Assign)
                and all(isinstance(t, ast.Name) and t.id in {"__all__", "__version__"}
                        for t in node.targets)
            ) or _lazy_re_export(node)
            assert allowed, f"{init.relative_to(SRC)} line {node.lineno}: logic in __init__"


def _lazy_re_export(node: ast.stmt) -> bool:
    """A PEP 562 ``__getattr__`` that only imports a name and returns it (else AttributeError)."""
    if not (isinstance(node, ast.FunctionDef) and node.name == "__getattr__"):
        return False
    for statement in node.body:
        if isinstance(statement, ast.If):
            if not all(isinstance(s, ast.Import | ast.ImportFrom | ast.Return) for s in statement.body):
                return False
        elif not isinstance(statement, ast.Raise | ast.Expr):
            return False
    return True
