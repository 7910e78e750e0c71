"""`make lab` serves the project root, installs the lab extra once, opens .py notebooks as notebooks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jupytext

ROOT = Path(__file__).resolve().parents[1]
OVERRIDES = ROOT / ".jupyter" / "lab" / "overrides.json"


def _make_dry_run(*assume_done: str, changed: str = "") -> list[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
    old = [arg for target in assume_done for arg in ("-o", target)]
    new = ["-W", changed] if changed else []
    result = subprocess.run(["make", "-n", "--no-print-directory", *old, *new, "lab"], cwd=ROOT,
                            capture_output=True, text=True, env=env, timeout=60, check=True)
    return [line for line in result.stdout.splitlines() if line.strip()]


def test_make_lab_serves_the_project_root_without_reinstalling():
    stamps = (".venv/.installed", ".venv/.lab-installed",
              ".venv/share/jupyter/lab/settings/overrides.json")
    # once installed, `make lab` only starts JupyterLab, on the project root
    assert _make_dry_run(*stamps) == [".venv/bin/jupyter lab --notebook-dir=."]
    # after the venv was (re)built, the lab extra is installed and the viewer settings copied
    first = "\n".join(_make_dry_run(changed=".venv/.installed"))
    assert "pip install --quiet -e '.[dev,lab]'" in first and "overrides.json" in first


def test_python_files_open_with_jupytexts_notebook_viewer():
    viewers = json.loads(OVERRIDES.read_text(encoding="utf-8"))[
        "@jupyterlab/docmanager-extension:plugin"]["defaultViewers"]
    assert viewers == {"python": "Jupytext Notebook"}
    # the name is the widget factory the installed jupytext extension registers
    static = Path(sys.prefix) / "share" / "jupyter" / "labextensions" / "jupyterlab-jupytext"
    assert any("Jupytext Notebook" in p.read_text(encoding="utf-8", errors="ignore")
               for p in static.rglob("*.js"))


def test_every_notebook_reads_as_a_percent_notebook_with_parameters():
    notebooks = sorted((ROOT / "notebooks").rglob("*.py"))
    assert {p.name for p in notebooks} >= {"quarterly_report.py", "unit_walkthrough.py"}
    for path in notebooks:
        notebook = jupytext.read(path)
        assert notebook.metadata["jupytext"]["text_representation"]["format_name"] == "percent"
        assert any("parameters" in c.metadata.get("tags", []) for c in notebook.cells), path
        # read as cells, not one block: the report's headings come from reporting.sections calls
        assert len(notebook.cells) >= 5 and any(c.cell_type == "markdown" for c in notebook.cells), path


def test_library_modules_saved_from_the_notebook_view_stay_unchanged():
    from jupytext.config import find_jupytext_configuration_file, load_jupytext_configuration_file

    config = load_jupytext_configuration_file(find_jupytext_configuration_file(str(ROOT / "src" / "insights")))
    for module in ("periods.py", "analyst.py"):
        text = (ROOT / "src" / "insights" / module).read_text(encoding="utf-8")
        notebook = jupytext.reads(text, fmt="py")
        notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        notebook.metadata["jupytext"] = {"text_representation": {"extension": ".py", "format_name": "light"}}
        fmt = {"extension": ".py", "format_name": "light"}
        config.set_default_format_options(fmt)
        assert jupytext.writes(notebook, fmt=fmt) == text
