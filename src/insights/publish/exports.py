"""Exports for spreadsheets: CSV through the ``csv`` module's writer, byte-stable XLSX.

CSV: one writer, ``csv_bytes``, whose separator and decimal mark are parameters (Russian
Excel opens ``;``-separated UTF-8 with a BOM and decimal commas by double-click). Every text
cell is quoted (``csv.QUOTE_NONNUMERIC``), so a cell holding ``;``, ``,``, a quote or a line
break stays one cell whichever separator a spreadsheet assumes; numbers stay bare. XLSX:
``xlsx_bytes`` writes one sheet per frame with a bold, frozen header row, an autofilter,
column widths and number/date formats; openpyxl stamps the save time into
``docProps/core.xml`` and every zip entry, and both are rewritten with a fixed date, so
identical frames give identical bytes on every run. No cell is ever a live formula: text
cells arrive neutralised (``safety.neutralize_frame``) and are written as strings.
"""

from __future__ import annotations

import functools
import io
import math
import numbers
import re
import zipfile
from collections.abc import Mapping, Sequence
from datetime import date, datetime

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from openpyxl import Workbook

from insights.publish.sheets import write_sheet
from insights.reporting.i18n import _
from insights.reporting.labels import label_column

#: Separator of the CSV exports (the one place to change it).
CSV_SEPARATOR = ","
#: Encoding of the CSV exports: UTF-8 with a BOM, so Excel reads Cyrillic correctly.
CSV_ENCODING = "utf-8-sig"
#: Date stamped into XLSX properties and zip entries instead of the save time.
FIXED_STAMP = "2000-01-01T00:00:00Z"
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_CORE_DATES = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")


def csv_bytes(frame: pd.DataFrame, *, separator: str = CSV_SEPARATOR, decimal: str = ".") -> bytes:
    """Return ``frame`` as CSV bytes (header row, no index), every text cell quoted.

    ``decimal=","`` writes numbers with a decimal comma (still bare, so a spreadsheet reads
    them as numbers), rounded to ``CSV_DIGITS`` decimals, and dates as DD.MM.YYYY.

    >>> csv_bytes(pd.DataFrame({"name": ["A; B"], "n": [2]})).decode("utf-8-sig")
    '"name","n"\\r\\n"A; B",2\\r\\n'
    >>> csv_bytes(pd.DataFrame({"name": ["A"], "x": [0.25]}), separator=";", decimal=",").decode("utf-8-sig")
    '"name";"x"\\r\\n"A";0,25\\r\\n'
    """
    if decimal not in {".", ","} or decimal == separator:
        raise ValueError(f"decimal mark {decimal!r} must be '.' or ',' and differ from the separator")
    cell = _cell if decimal == "." else _local_cell
    header = separator.join(_token(str(column)) for column in frame.columns)
    if not len(frame.columns):  # the csv writer's empty rows
        return ("\r\n" * (len(frame) + 1)).encode(CSV_ENCODING)
    columns = [_column_tokens(frame.iloc[:, i], cell) for i in range(frame.shape[1])]
    rows = pc.binary_join_element_wise(*columns, separator) if len(columns) > 1 else columns[0]
    body = "".join(line + "\r\n" for line in rows.to_pylist())
    return (header + "\r\n" + body).encode(CSV_ENCODING)


def _token(value: object) -> str:
    """Return one CSV field as ``csv.QUOTE_NONNUMERIC`` writes it: text quoted, numbers bare."""
    if isinstance(value, str) and not isinstance(value, _Bare):
        return '"' + value.replace('"', '""') + '"'
    return str(value)


def _column_tokens(values: pd.Series, cell) -> pa.Array:
    """Return a column's CSV fields, column-wise: the bytes ``cell`` + ``_token`` give per cell.

    Text columns are quoted by Arrow kernels, plain float/integer/bool columns are formatted
    in one pass over their values (``repr``, as the csv writer does); anything else (mixed
    objects, dates, nullable dtypes) goes through ``cell`` value by value.
    """
    kind = values.dtype.kind if isinstance(values.dtype, np.dtype) else ""
    if kind in ("i", "u"):
        return pa.array(values.to_numpy().astype(str).astype(object), type=pa.string())
    if kind == "b":
        return pa.array(np.where(values.to_numpy(), '"True"', '"False"').astype(object), type=pa.string())
    if kind == "f":
        number = _float_token if cell is _cell else _local_float_token
        return pa.array([number(v) for v in values.to_numpy().tolist()], type=pa.string())
    if pd.api.types.infer_dtype(values, skipna=True) in {"string", "empty"}:
        text = pa.array(values.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
        quoted = pc.binary_join_element_wise('"', pc.replace_substring(text, '"', '""'), '"', "")
        return pc.fill_null(quoted, '""')
    return pa.array([_token(cell(v)) for v in values.tolist()], type=pa.string())


def _float_token(value: float) -> str:
    """Return a float field as the csv writer writes it (``repr``; NaN as an empty text)."""
    return '""' if value != value else repr(value)


def _local_float_token(value: float) -> str:
    """Return a float field of a decimal-comma CSV (``_local_cell``'s rounding and comma)."""
    if value != value:
        return '""'
    text = repr(round(value, CSV_DIGITS))
    return text[:-2] if text.endswith(".0") else text.replace(".", ",")


#: Decimals of a number in a decimal-comma CSV (the 16-digit floats of a computation are noise).
CSV_DIGITS = 4


class _Bare(str):
    """Text the ``csv`` writer leaves unquoted: ``QUOTE_NONNUMERIC`` quotes what is not a number."""

    __slots__ = ()

    def __float__(self) -> float:
        return float(self.replace(",", "."))


def _local_cell(value: object) -> object:
    """Return a cell for a decimal-comma CSV: numbers as bare '1234,5', dates DD.MM.YYYY."""
    plain = _cell(value)
    if isinstance(plain, float):
        text = repr(round(plain, CSV_DIGITS))
        return _Bare(text[:-2] if text.endswith(".0") else text.replace(".", ","))
    if isinstance(value, pd.Timestamp | datetime | date) and not pd.isna(value):
        return f"{value:%d.%m.%Y}" if isinstance(plain, str) and len(plain) == 10 else plain
    return plain


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


def xlsx_bytes(frame: pd.DataFrame, *, sheet: str, date_format: str = "yyyy-mm-dd") -> bytes:
    """Return ``frame`` as an XLSX workbook whose bytes depend only on the frame."""
    return xlsx_book_bytes({sheet: frame}, date_format=date_format)


def xlsx_book_bytes(
    sheets: Mapping[str, pd.DataFrame] | Sequence[tuple[str, pd.DataFrame]],
    *,
    date_format: str = "yyyy-mm-dd",
    headers: Mapping[str, str] | None = None,
) -> bytes:
    """Return one workbook with a sheet per frame (names made valid and unique), byte-stable.

    Each sheet has a bold, frozen header row, an autofilter over the data, column widths
    fitted to the content (capped) and number formats: integers grouped, other numbers with
    two decimals, ``*_share``/``*_rate``/``p_*`` columns as percentages, dates as
    ``date_format``. ``headers`` maps a column to the text of its header cell.
    """
    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    for name, frame in sheets.items() if isinstance(sheets, Mapping) else sheets:
        names = [(headers or {}).get(str(c), str(c)) for c in frame.columns]
        write_sheet(book.create_sheet(sheet_title(name, used=used)), frame, date_format=date_format, headers=names)
    buffer = io.BytesIO()
    book.save(buffer)
    return _fix_stamps(buffer.getvalue())


_SHEET_BAD = re.compile(r"[\[\]:*?/\\\x00-\x1f]")


def sheet_title(name: object, *, used: set[str]) -> str:
    """Return a valid, unique sheet title for ``name`` (at most 31 characters) and record it.

    >>> used = set(); sheet_title("Иванов И.И.", used=used), sheet_title("Иванов И.И.", used=used)
    ('Иванов И.И.', 'Иванов И.И. (2)')
    """
    base = _SHEET_BAD.sub(" ", str(name)).strip(" '") or "sheet"
    title, n = base[:31], 1
    while title.casefold() in used:
        n += 1
        title = f"{base[: 31 - len(str(n)) - 3]} ({n})"
    used.add(title.casefold())
    return title


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


#: Per language: CSV separator, decimal mark and XLSX date format of the exports.
LOCAL_STYLE = {
    "en": {"separator": CSV_SEPARATOR, "decimal": ".", "date_format": "yyyy-mm-dd"},
    "ru": {"separator": ";", "decimal": ",", "date_format": "dd.mm.yyyy"},
}
#: Column that splits an action list into one list per person.
MANAGER_COLUMN = "account_manager"
_CYRILLIC = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    ("a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r", "s",
     "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "-", "y", "-", "e", "yu", "ya"),
    strict=True,
))  # fmt: skip


def slug(value: object, *, max_length: int = 40) -> str:
    """Return a file-name-safe slug of ``value``: latin letters, digits and '-' only.

    >>> slug("Иванов И.И."), slug("../../etc/passwd"), slug("")
    ('ivanov-i-i', 'etc-passwd', 'none')
    """
    text = "".join(_CYRILLIC.get(ch, ch) for ch in str(value).casefold())
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:max_length].strip("-")
    return text or "none"


def export_files(
    name: str, frame: pd.DataFrame, *, language: str, split_by_manager: bool, xlsx: bool
) -> dict[str, bytes]:
    """Return the files of one export (file name -> bytes), in ``language``'s style.

    ``<name>.csv`` always; ``<name>.xlsx`` when ``xlsx``. English CSVs keep the canonical
    column names; otherwise CSV headers and every XLSX header are the readable, translated
    names (``reporting.labels.label_column``). With ``split_by_manager`` and an
    ``account_manager`` column, the workbook gets a sheet per manager after the full list,
    and each manager gets ``<name>__<slug>.csv``. ``frame`` must already be neutralised.
    """
    style = LOCAL_STYLE.get(language, LOCAL_STYLE["en"])
    headers = {str(c): label_column(str(c)) for c in frame.columns}
    shown = frame if language == "en" else frame.rename(columns=headers)
    as_csv = functools.partial(csv_bytes, separator=style["separator"], decimal=style["decimal"])
    files = {f"{name}.csv": as_csv(shown)}
    parts = _by_manager(frame) if split_by_manager and MANAGER_COLUMN in frame.columns else []
    used: set[str] = set()
    for manager, rows in parts:
        key = slug(manager)
        while key in used:
            key += "-x"
        used.add(key)
        files[f"{name}__{key}.csv"] = as_csv(shown[rows])
    if xlsx:
        sheets = [(_("All"), frame)] + [(manager, frame[rows]) for manager, rows in parts]
        files[f"{name}.xlsx"] = xlsx_book_bytes(sheets, date_format=style["date_format"], headers=headers)
    return files


def _by_manager(frame: pd.DataFrame) -> list[tuple[str, np.ndarray]]:
    """Return (manager, row mask) per manager in name order; rows without one come last."""
    managers = frame[MANAGER_COLUMN].astype("string").str.strip().fillna("").to_numpy(dtype=object)
    named = managers != ""
    parts = [(str(m), managers == m) for m in sorted(set(managers[named]))]
    if (~named).any():
        parts.append((_("No account manager"), ~named))
    return parts
