"""Anchor: the floor of a published notebook report, papermill + nbconvert, no ``insights``.

Writes a trivial notebook (a parameters cell, a small frame, one seaborn plot) into WORKDIR,
executes it with papermill on the ``python3`` kernel (as the report does), then exports it
with ``jupyter nbconvert --to html`` in a subprocess. The harness times the whole process.

    python benchmarks/anchors/report_floor.py WORKDIR
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import papermill
from _common import report

CELLS = [
    ("unit = 'floor'", {"tags": ["parameters"]}),
    ("import pandas as pd\nimport seaborn as sns\n"
     "frame = pd.DataFrame({'quarter': ['Q1', 'Q2', 'Q3', 'Q4'], 'revenue': [3.0, 4.5, 4.0, 5.2]})",
     {}),
    ("sns.barplot(data=frame, x='quarter', y='revenue');", {}),
]


def publish(workdir: Path) -> int:
    """Write, execute and export the trivial notebook; return the number of cells."""
    workdir.mkdir(parents=True, exist_ok=True)
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source, metadata=meta) for source, meta in CELLS]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    notebook.metadata["language_info"] = {"name": "python"}
    source, executed = workdir / "floor.ipynb", workdir / "floor-run.ipynb"
    nbformat.write(notebook, source)
    papermill.execute_notebook(str(source), str(executed), parameters={"unit": "floor"},
                               kernel_name="python3", progress_bar=False)
    subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "html", str(executed)],
                   check=True, capture_output=True)
    return len(notebook.cells)


if __name__ == "__main__":
    report("report_floor", lambda: publish(Path(sys.argv[1])))
