"""Excel (.xlsx) inputs: bomb checks before opening, a named sheet, formulas without values.

An .xlsx file is a zip of XML parts. Before openpyxl sees it, every part's declared size and
compression ratio is checked (zip bomb) and every XML part is streamed, with the byte count
capped, looking for DTD or entity declarations (XML bomb; Office never writes them). openpyxl
then reads the sheet in read-only mode; it parses XML through defusedxml when that package
is installed (a runtime dependency). A workbook with several sheets and no ``source.sheet``
is an error, never a silent first-sheet guess. A formula cell saved without its computed
value (files written by scripts, never opened in Excel) rejects its row.
"""

from __future__ import annotations

import io
import re
import warnings
import zipfile
import zlib

from insights.loading.table import (
    CellIssue,
    LoadError,
    RowReject,
    Table,
    header_text,
    unique_header,
)

#: Limits on the unpacked workbook (zip-bomb guard).
MAX_UNCOMPRESSED_BYTES = 1 << 30
MAX_RATIO = 200  # uncompressed / compressed, checked for parts bigger than RATIO_FLOOR_BYTES
RATIO_FLOOR_BYTES = 8 << 20
MAX_PARTS = 10_000

_DANGEROUS = (b"<!DOCTYPE", b"<!ENTITY")
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")


def inspect_zip(entry: str, data: bytes) -> bool:
    """Check the workbook for zip and XML bombs; return whether any sheet has formulas."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = archive.infolist()
    except (zipfile.BadZipFile, ValueError):
        raise LoadError(f"{entry}: not a valid .xlsx workbook (broken zip); re-save it from "
                        "Excel, or export CSV and update source.paths.") from None
    declared = sum(p.file_size for p in parts)
    crazy = [p.filename for p in parts if p.file_size > RATIO_FLOOR_BYTES
             and p.file_size > MAX_RATIO * max(p.compress_size, 1)]
    if len(parts) > MAX_PARTS or declared > MAX_UNCOMPRESSED_BYTES or crazy:
        raise LoadError(f"{entry}: refusing to open: the workbook would unpack to "
                        f"{declared:,} bytes in {len(parts)} parts (compression ratio over "
                        f"{MAX_RATIO} in {crazy[:3]}); this looks like a zip bomb. Export the "
                        "data as CSV instead.")
    with archive:
        return any([_scan_part(entry, archive, p) for p in parts])


def _scan_part(entry: str, archive: zipfile.ZipFile, part: zipfile.ZipInfo) -> bool:
    """Stream one XML part; raise on DTD/entity declarations; return whether it has formulas."""
    if not part.filename.endswith((".xml", ".rels", ".vml")):
        return False
    tail, seen, formulas = b"", 0, False
    try:
        with archive.open(part) as stream:
            while chunk := stream.read(1 << 20):
                seen += len(chunk)
                if seen > MAX_UNCOMPRESSED_BYTES:
                    raise LoadError(f"{entry}: refusing to open: part {part.filename} unpacks "
                                    "past the size limit (zip bomb?). Export CSV instead.")
                window = tail + chunk
                if any(marker in window for marker in _DANGEROUS):
                    raise LoadError(f"{entry}: refusing to open: part {part.filename} declares "
                                    "an XML DTD or entities, which Excel never writes (XML "
                                    "bomb?). Re-save the workbook from Excel or export CSV.")
                formulas = formulas or bool(_FORMULA.search(window))
                tail = window[-32:]
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise LoadError(f"{entry}: part {part.filename} cannot be unpacked ({exc}); re-save "
                        "the workbook from Excel or export CSV.") from None
    return formulas and part.filename.startswith("xl/worksheets/")


def _sheet_rows(entry: str, data: bytes, sheet: str | None, *, data_only: bool) -> tuple[str, list]:
    """Return (sheet name, rows of cell values) of the chosen sheet."""
    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=data_only)
    except LoadError:
        raise
    except Exception as exc:  # openpyxl raises many types for broken parts
        raise LoadError(f"{entry}: openpyxl cannot read the workbook ({type(exc).__name__}: "
                        f"{exc}); re-save it from Excel or export CSV.") from None
    try:
        name = _pick_sheet(entry, book.sheetnames, sheet)
        worksheet = book[name]
        worksheet.reset_dimensions()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return name, [list(r) for r in worksheet.iter_rows(values_only=True)]
    finally:
        book.close()


def _pick_sheet(entry: str, names: list[str], sheet: str | None) -> str:
    """Return the sheet to read: the named one, or the only one."""
    listed = ", ".join(repr(n) for n in names)
    if sheet is not None:
        if sheet not in names:
            raise LoadError(f"{entry}: no sheet named {sheet!r}; the workbook has {listed}. "
                            "Fix source.sheet.")
        return sheet
    if len(names) != 1:
        raise LoadError(f"{entry}: the workbook has {len(names)} sheets ({listed}); set "
                        "source.sheet to the one holding the transactions.")
    return names[0]


def _blank(value: object) -> bool:
    """Return True for an empty cell."""
    return value is None or (isinstance(value, str) and not value.strip())


def read_excel(entry: str, data: bytes, source) -> tuple[Table, dict]:
    """Read the chosen sheet into a Table of typed cell values (rows are sheet rows)."""
    has_formulas = inspect_zip(entry, data)
    name, rows = _sheet_rows(entry, data, source.sheet, data_only=True)
    formulas = _sheet_rows(entry, data, name, data_only=False)[1] if has_formulas else None
    start = _header_row(entry, rows, source.header_line)
    raw_header = [header_text(v) for v in rows[start]]
    while raw_header and not raw_header[-1]:
        raw_header.pop()
    header, duplicates = unique_header(raw_header)
    kept: list[list] = []
    lines: list[int] = []
    table = Table(header=header, lines=lines, rows=kept, dtype="object", duplicates=duplicates)
    folded = [h.casefold() for h in raw_header]
    blank = 0
    for index in range(start + 1, len(rows)):
        cells = rows[index]
        if all(_blank(v) for v in cells):
            blank += 1
            continue
        _add_row(table, kept, lines, cells, index, folded, formulas)
    return table, {"sheet": name, "header_line": start + 1, "blank_lines": blank}


def _header_row(entry: str, rows: list, header_line: int | None) -> int:
    """Return the 0-based index of the header row."""
    if header_line is not None:
        if header_line > len(rows):
            raise LoadError(f"{entry}: source.header_line is {header_line} but the sheet has "
                            f"only {len(rows)} rows.")
        return header_line - 1
    for i, row in enumerate(rows):
        if not all(_blank(v) for v in row):
            return i
    raise LoadError(f"{entry}: the sheet is empty; check source.sheet or the file.")


def _add_row(table: Table, kept: list[list], lines: list[int], cells: list, index: int,
             folded: list[str], formulas) -> None:
    """Append one sheet row to ``kept`` and ``lines`` (the table's rows), or reject it."""
    width, line = len(folded), index + 1
    raw = ";".join("" if v is None else str(v) for v in cells).rstrip(";")
    if [header_text(v).casefold() for v in cells[:width]] == folded and all(
        _blank(v) for v in cells[width:]
    ):
        table.rejects.append(RowReject(line, raw, "repeated_header", "the row repeats the header",
                                       tuple(cells)))
        return
    if any(not _blank(v) for v in cells[width:]):
        table.rejects.append(RowReject(line, raw, "too_many_fields", f"the row has values "
                                       f"beyond the header's {width} columns", tuple(cells)))
        return
    cells = (cells + [None] * width)[:width]
    position = len(kept)
    kept.append(cells)
    lines.append(line)
    source = formulas[index] if formulas is not None and index < len(formulas) else []
    for j, cached in enumerate(cells):
        formula = source[j] if j < len(source) else None
        if cached is None and isinstance(formula, str) and formula.startswith("="):
            table.cell_issues.append(CellIssue(position, j, formula, "formula_without_value",
                                               f"the cell holds the formula {formula[:60]!r} "
                                               "but no computed value (open and save the file "
                                               "in Excel, or export CSV)"))
