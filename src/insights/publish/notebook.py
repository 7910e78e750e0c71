"""Run the report notebook: jupytext source -> papermill -> the executed notebook.

Parameters are passed as strings and checked against the notebook's ``parameters`` cell
before the kernel starts; an error the data raises in the notebook (``insights.gate``)
comes back as a ``GateError``, any other failure as a ``PublishError``.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

from insights.gate import GateError
from insights.publish.runlog import PublishError

NOTEBOOK = Path("notebooks") / "quarterly_report.py"
#: Parameters the report notebook declares; anything else is refused.
NOTEBOOK_PARAMETERS = ("unit", "quarter", "params_file", "output_dir", "prepared")
#: The notebook's summary of the run (headline figures, verdicts, inputs), written by its last
#: cell (``publish.artifacts``) and read by ``publish.report``.
SUMMARY_FILE = "summary.json"
#: Errors raised in the notebook that mean "this data cannot be published" (insights.gate);
#: others (a file that cannot be read, a failing cell) stay a PublishError.
REFUSALS = frozenset({"GateError"})


def run_notebook(
    source: Path,
    output: Path,
    *,
    parameters: dict[str, str],
    cwd: Path,
    timeout: int,
    progress: bool | dict = False,
) -> nbformat.NotebookNode:
    """Execute the jupytext notebook ``source`` with papermill and return the executed notebook.

    Strings are passed as strings; unknown parameters and a notebook without a
    ``parameters`` cell are refused before the kernel starts; each cell has ``timeout``
    seconds.
    """
    import jupytext
    import papermill

    notebook = jupytext.read(source)
    for number, cell in enumerate(notebook.cells):
        cell.id = f"cell-{number:03d}"  # jupytext draws random ids; fixed ids keep reruns identical
    input_path = output.with_name("input.ipynb")
    nbformat.write(notebook, input_path)
    declared = papermill.inspect_notebook(str(input_path))
    if not any("parameters" in c.metadata.get("tags", []) for c in notebook.cells):
        raise PublishError(f"{source}: the notebook has no cell tagged 'parameters'.")
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        raise PublishError(
            f"{source}: unknown notebook parameter(s) {unknown}; declared: {sorted(declared)}."
        )
    try:
        papermill.execute_notebook(
            str(input_path),
            str(output),
            parameters={k: str(v) for k, v in parameters.items()},
            kernel_name="python3",
            cwd=str(cwd),
            execution_timeout=timeout,
            progress_bar=progress,
            log_output=False,
            request_save_on_cell_execute=False,
            # the last cell has written every file: stop the kernel at once rather than wait
            # about a second for its interpreter to wind down (a Spark JVM exits with it)
            shutdown_kernel="immediate",
        )
    except papermill.PapermillExecutionError as exc:
        if exc.ename in REFUSALS:  # the data cannot carry a report: say why, in one message
            raise GateError(exc.evalue) from None
        raise PublishError(f"the report notebook failed: {exc.ename}: {exc.evalue}") from None
    finally:
        input_path.unlink(missing_ok=True)
    return nbformat.read(output, as_version=4)
