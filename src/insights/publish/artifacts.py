"""The notebook's artifacts next to the report: ``summary.json`` and the exports.

Written into the run's staging folder by the report notebook's last cell; ``publish.report``
moves the folder into place once the whole run succeeded.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from insights.publish.exports import export_files
from insights.publish.notebook import SUMMARY_FILE
from insights.publish.runlog import write_bytes, write_text
from insights.reporting.i18n import current_language
from insights.safety import neutralize_frame

#: Longest export also written as a spreadsheet: a list a person works through by hand. A
#: large unit's lists run to hundreds of thousands or millions of rows (past Excel's
#: 1,048,576); those stay CSV, which Excel opens too. The workbook is written cell by cell
#: (openpyxl, about 50 microseconds a cell), so this cap also keeps the report's time flat.
XLSX_MAX_ROWS = 10_000


#: The exports split per account manager: the action list ("needs attention"), one each.
SPLIT_BY_MANAGER = frozenset({"export_attention"})


def write_artifacts(
    output_dir: str | Path | None, *, summary: dict, tables: dict,
    split_by_manager: frozenset[str] | set[str] = SPLIT_BY_MANAGER,
) -> list[Path]:
    """Write the notebook's artifacts into the run's staging folder (no-op when unset).

    ``summary`` becomes ``summary.json`` (headline figures, verdicts, inputs, row counts);
    each frame in ``tables`` becomes ``<name>.csv`` (``exports.csv_bytes``: every text cell
    quoted) and ``<name>.xlsx`` for exports named ``export_*`` of at most ``XLSX_MAX_ROWS``
    rows (longer lists are CSV only; byte-identical on rerun), every text cell neutralised
    against spreadsheet formulas, in the report's language (``exports.export_files``: in
    Russian ``;``-separated with decimal commas and Russian headers). With
    ``split_by_manager`` (default: the action list), an export with an ``account_manager``
    column also gets one CSV and one workbook sheet per manager.
    Analysts running the notebook by hand pass no ``output_dir`` and nothing is written.
    """
    if not output_dir:
        return []
    folder = Path(output_dir)
    written = [
        write_text(
            folder / SUMMARY_FILE, json.dumps(summary, indent=2, sort_keys=True, default=str) + "\n"
        )
    ]
    for name, frame in tables.items():
        if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
            raise ValueError(f"artifact name {name!r} must be snake_case")
        export = name.startswith("export_")
        files = export_files(
            name, neutralize_frame(frame), language=current_language(),
            split_by_manager=export and name in split_by_manager,
            xlsx=export and len(frame) <= XLSX_MAX_ROWS,
        )  # fmt: skip
        written += [write_bytes(folder / file, data) for file, data in files.items()]
    return written
