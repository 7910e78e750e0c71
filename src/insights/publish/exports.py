"""Exports for spreadsheets: CSV through the ``csv`` module's writer, byte-stable XLSX.

CSV: one writer, ``csv_bytes``, whose separator is one parameter. Every text cell is
quoted (``csv.QUOTE_NONNUMERIC``), so a cell holding ``;``, ``,``, a quote or a line break
stays one cell whichever separator a spreadsheet assumes; numbers stay bare. XLSX: openpyxl
stamps the save time into ``docProps/core.xml`` and every zip entry; ``xlsx_bytes``
rewrites both with a fixed date, so identical frames give identical bytes on every run.
"""

from __future__ import annotations

import csv
import io
import math
import numbers
import re
import zipfile
from datetime import date, datetime

import pandas as pd

#: Separator of the CSV exports (the one place to change it).
CSV_SEPARATOR = ","
#: Encoding of the CSV exports: UTF-8 with a BOM, so Excel reads Cyrillic correctly.
CSV_ENCODING = "utf-8-sig"
#: Date stamped into XLSX properties and zip entries instead of the save time.
FIXED_STAMP = "2000-01-01T00:00:00Z"
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_CORE_DATES = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")


def csv_bytes(frame: pd.DataFrame, *, separator: str = CSV_SEPARATOR) -> bytes:
    """Return ``frame`` as CSV bytes (header row, no index), every text cell quoted.

    >>> csv_bytes(pd.DataFrame({"name": ["A; B"], "n": [2]})).decode("utf-8-sig")
    '"name","n"\\r\\n"A; B",2\\r\\n'
    """
    buffer = io.StringIO()
    writer = csv.writer(
        buffer, delimiter=separator, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n"
    )
    writer.writerow([str(column) for column in frame.columns])
    for record in frame.itertuples(index=False, name=None):
        writer.writerow([_cell(value) for value in record])
    return buffer.getvalue().encode(CSV_ENCODING)


def _cell(value: object) -> object:
    """Return a number as a Python number (written bare), anything else as text."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return "" if math.isnan(value) else float(value)
    if isinstance(value, pd.Timestamp | datetime):
        return value.isoformat() if (value.hour, value.minute, value.second) != (0, 0, 0) else f"{value:%Y-%m-%d}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def xlsx_bytes(frame: pd.DataFrame, *, sheet: str) -> bytes:
    """Return ``frame`` as an XLSX workbook whose bytes depend only on the frame."""
    buffer = io.BytesIO()
    frame.to_excel(buffer, index=False, sheet_name=sheet[:31], engine="openpyxl")
    return _fix_stamps(buffer.getvalue())


def _fix_stamps(workbook: bytes) -> bytes:
    """Rewrite the zip with fixed entry dates and fixed created/modified properties."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workbook)) as source, zipfile.ZipFile(out, "w") as target:
        for entry in source.infolist():
            data = source.read(entry.filename)
            if entry.filename == "docProps/core.xml":
                data = _CORE_DATES.sub(rb"\g<1>" + FIXED_STAMP.encode() + rb"\g<3>", data)
            info = zipfile.ZipInfo(entry.filename, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, data)
    return out.getvalue()
